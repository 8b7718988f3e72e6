"""Benchmark: win-back detection, against one plain SQL GROUP BY in the same run.

    .venv/bin/python tests/bench/bench_detection.py [--large-only | --small-only]

On the database KP_TEST_DATABASE names (see tests/bench/common.py). Two sizes:
- 20,000 customers / 1,000,000 order lines: first run and re-run within 2x of one plain
  GROUP BY computing the same two window sums per customer;
- 200,000 customers / 4,000,000 lines (a dealer group): first run under 3 s, the decline
  list's first page under 50 ms."""
from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from common import DATABASE, Verdict, bench_database, bulk_insert, copy_of, raw_value
from sqlalchemy import text

from core.db import Database
from core.settings import Settings
from core.winback import detection, queries

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GROUPS = ("Endkunde", "Gewerbe", "Flotte")
PRODUCT_GROUPS = ("Werkstatt", "Reifen", "Teile", "Zubehör", "Fahrzeug", "Lack")


def fill(db: Database, customers: int, lines: int, seed: int = 7) -> None:
    """Bulk insert through the raw driver: the import path is benchmarked elsewhere."""
    rng = random.Random(seed)
    start = date(2024, 5, 1)
    span = (NOW.date() - start).days
    bulk_insert(db, "customers", (
        "id", "email", "first_name", "last_name", "phone", "customer_number", "company_name",
        "city", "country", "customer_group", "marketing_consent", "created_at"), (
        (i, f"k{i}@example.com", "Max", f"Kunde{i}", "", f"K{i:07d}", "", "Wien", "AT",
         GROUPS[i % 3], True, NOW) for i in range(1, customers + 1)))
    # Each customer gets a trend: a third of them decline sharply in the current window.
    trend = [rng.choice((0.2, 1.0, 1.0)) for _ in range(customers + 1)]

    def rows():
        for n in range(lines):
            cid = rng.randint(1, customers)
            day = start + timedelta(days=rng.randrange(span))
            if day >= date(2025, 11, 23) and rng.random() > trend[cid]:
                day -= timedelta(days=365)  # moves the order into the previous window
            yield (f"A{n // 3}", n % 3 + 1, f"K{cid:07d}", cid, day, f"F{cid % 3}",
                   PRODUCT_GROUPS[n % 6], rng.randint(-2000, 60000))

    bulk_insert(db, "order_lines", ("order_number", "line", "customer_number", "customer_id",
                                    "order_date", "company_code", "product_group",
                                    "net_cents"), rows())


def plain_group_by(db: Database) -> float:
    """The reference: one SELECT … GROUP BY with the same two CASE WHEN sums."""
    w = detection.windows(NOW.date(), 12)
    sql = text(
        "SELECT customer_id, "
        "SUM(CASE WHEN order_date >= :p AND order_date < :c THEN net_cents ELSE 0 END), "
        "SUM(CASE WHEN order_date >= :c AND order_date < :t THEN net_cents ELSE 0 END) "
        "FROM order_lines WHERE customer_id IS NOT NULL GROUP BY customer_id")
    params = {"p": raw_value(w.previous_start), "c": raw_value(w.current_start),
              "t": raw_value(w.today)}
    with db.engine.connect() as conn:
        started = time.perf_counter()
        rows = conn.execute(sql, params).all()
        elapsed = time.perf_counter() - started
    assert rows
    return elapsed


def timed_detection(db: Database, settings: Settings) -> tuple[float, detection.DetectionReport]:
    started = time.perf_counter()
    with db.session(write=True) as session:
        report = detection.run(session, settings, NOW)
    return time.perf_counter() - started, report


def first_page(db: Database) -> float:
    best = float("inf")
    for _ in range(5):
        with db.session() as session:
            started = time.perf_counter()
            rows, total = queries.list_entries(session, tile="decline", today=NOW.date())
            best = min(best, time.perf_counter() - started)
    assert rows and total
    return best


@contextmanager
def filled(name: str, customers: int, lines: int) -> Iterator[Database]:
    """A bench database holding the test data; removed afterwards."""
    with bench_database(name) as db:
        started = time.perf_counter()
        fill(db, customers, lines)
        print(f"Testdaten: {customers:,} Kunden, {lines:,} Zeilen "
              f"({time.perf_counter() - started:.1f} s)")
        yield db


def small(settings: Settings, verdict: Verdict) -> None:
    with filled("detection", 20_000, 1_000_000) as db:
        plain = min(plain_group_by(db) for _ in range(3))
        firsts = []
        for attempt in range(3):  # each on a fresh copy: the first run creates the entries
            copy = copy_of(db, f"first{attempt}")
            firsts.append(timed_detection(copy, settings)[0])
            copy.engine.dispose()
        timed_detection(db, settings)
        again = min(timed_detection(db, settings)[0] for _ in range(3))
    first = min(firsts)
    print(f"Plain GROUP BY (2 Summen je Kunde): {plain:.3f} s")
    ok = verdict.check("erster Lauf <= 2x GROUP BY", first / plain <= 2)
    print(f"Erkennung, erster Lauf: {first:.3f} s = {first / plain:.2f}x (Ziel <= 2x: {ok})")
    ok = verdict.check("Folgelauf <= 2x GROUP BY", again / plain <= 2)
    print(f"Erkennung, Folgelauf:   {again:.3f} s = {again / plain:.2f}x (Ziel <= 2x: {ok})")


def large(settings: Settings, verdict: Verdict) -> None:
    with filled("detection_large", 200_000, 4_000_000) as db:
        plain = min(plain_group_by(db) for _ in range(2))
        copy = copy_of(db, "first")
        first, report = timed_detection(copy, settings)
        page = first_page(copy)
        copy.engine.dispose()
    print(f"Plain GROUP BY: {plain:.3f} s")
    ok = verdict.check("erster Lauf (200.000 Kunden) < 3 s", first < 3)
    print(f"Erkennung, erster Lauf: {first:.3f} s = {first / plain:.2f}x "
          f"({report.declines:,} mit Rückgang; Ziel < 3 s: {ok})")
    ok = verdict.check("Rückgangsliste < 50 ms", page < 0.05)
    print(f"Rückgangsliste, erste Seite: {page * 1000:.1f} ms (Ziel < 50 ms: {ok})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--large-only", action="store_true")
    args = parser.parse_args()
    settings, verdict = Settings(), Verdict()
    print(f"== detection on {DATABASE}")
    if not args.large_only:
        small(settings, verdict)
    if not args.small_only:
        large(settings, verdict)
    return verdict.exit_code()


if __name__ == "__main__":
    sys.exit(main())
