"""Benchmark: win-back detection over 20,000 customers and 1,000,000 order lines.

    .venv/bin/python tests/bench/bench_detection.py [--customers N] [--lines N]

Targets (issue 3): detection under 3 s and within 2x of one plain SQL GROUP BY computing the
same two window sums per customer; the decline list's first page under 50 ms."""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import text  # noqa: E402

import app  # noqa: E402
from core.db import Database  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.winback import detection, queries  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GROUPS = ("Endkunde", "Gewerbe", "Flotte")
PRODUCT_GROUPS = ("Werkstatt", "Reifen", "Teile", "Zubehör", "Fahrzeug", "Lack")


def fill(db: Database, customers: int, lines: int, seed: int = 7) -> None:
    """Bulk insert through the raw driver: the import path is benchmarked elsewhere."""
    rng = random.Random(seed)
    created = NOW.replace(tzinfo=None).isoformat(sep=" ")
    start = date(2024, 5, 1)
    span = (NOW.date() - start).days
    with db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        raw.executemany(
            "INSERT INTO customers (id, email, first_name, last_name, phone, customer_number, "
            "company_name, city, country, customer_group, marketing_consent, created_at) "
            "VALUES (?, ?, 'Max', ?, '', ?, '', 'Wien', 'AT', ?, 1, ?)",
            [(i, f"k{i}@example.com", f"Kunde{i}", f"K{i:06d}", GROUPS[i % 3], created)
             for i in range(1, customers + 1)])
        # Each customer gets a trend: a third of them decline sharply in the current window.
        trend = {i: rng.choice((0.2, 1.0, 1.0)) for i in range(1, customers + 1)}
        rows = []
        for n in range(lines):
            cid = rng.randint(1, customers)
            day = start + timedelta(days=rng.randrange(span))
            recent = day >= date(2025, 11, 23)
            if recent and rng.random() > trend[cid]:
                day -= timedelta(days=365)  # moves the order into the previous window
            rows.append((f"A{n // 3}", n % 3 + 1, f"K{cid:06d}", cid, day.isoformat(),
                         f"F{cid % 3}", PRODUCT_GROUPS[n % 6], rng.randint(-2000, 60000)))
        raw.executemany(
            "INSERT INTO order_lines (order_number, line, customer_number, customer_id, "
            "order_date, company_code, product_group, net_cents) VALUES (?,?,?,?,?,?,?,?)",
            rows)


def plain_group_by(db: Database) -> float:
    """The reference: one SELECT … GROUP BY with the same two CASE WHEN sums."""
    w = detection.windows(NOW.date(), 12)
    sql = text(
        "SELECT customer_id, "
        "SUM(CASE WHEN order_date >= :p AND order_date < :c THEN net_cents ELSE 0 END), "
        "SUM(CASE WHEN order_date >= :c AND order_date < :t THEN net_cents ELSE 0 END) "
        "FROM order_lines WHERE customer_id IS NOT NULL GROUP BY customer_id")
    params = {"p": w.previous_start.isoformat(), "c": w.current_start.isoformat(),
              "t": w.today.isoformat()}
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


def main() -> int:
    app.install_modules()  # what every command of app.py does first
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db")
        db.migrate()
        started = time.perf_counter()
        fill(db, args.customers, args.lines)
        print(f"Testdaten: {args.customers} Kunden, {args.lines} Auftragszeilen "
              f"({time.perf_counter() - started:.1f} s)")
        plain = min(plain_group_by(db) for _ in range(3))
        first, report = timed_detection(db, settings)
        again = min(timed_detection(db, settings)[0] for _ in range(3))
        page = first_page(db)
        db.engine.dispose()
    ratio = again / plain
    print(f"Plain GROUP BY (2 Summen je Kunde): {plain:.3f} s")
    print(f"Erkennung, erster Lauf (legt Einträge an): {first:.3f} s "
          f"({report.customers} Kunden, {report.declines} mit Rückgang)")
    print(f"Erkennung, Folgelauf: {again:.3f} s  -> Verhältnis {ratio:.2f}x "
          f"(Ziel < 3 s und <= 2x; erster Lauf {first / plain:.2f}x)")
    print(f"Rückgangsliste, erste Seite: {page * 1000:.1f} ms (Ziel < 50 ms)")
    ok = max(first, again) < 3 and max(first, again) / plain <= 2 and page < 0.05
    print("OK" if ok else "ZIEL VERFEHLT")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
