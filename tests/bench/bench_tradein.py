"""Benchmark of the trade-in core (plain script, not collected by pytest).

    .venv/bin/python tests/bench/bench_tradein.py [--list-cases N]

On the database KP_TEST_DATABASE names (see tests/bench/common.py). Builds 50,000 cases (all
eight statuses, a realistic share due in tonight's run) and times the nightly run_due against
one hand-written SQL query selecting the same due cases, and the CSV export of all; then
1,000,000 cases for the first page of the case list. Exits 0 when every target is met:
run_due < 0.5 s (SQLite) / < 1 s (PostgreSQL), dry run <= 2x the hand-written query, list
first page < 50 ms, export < 3 s."""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, datetime, timedelta

from common import (
    DATABASE,
    ON_POSTGRESQL,
    Verdict,
    bench_database,
    bulk_insert,
    copy_of,
    ms,
    raw_value,
    timed,
)
from sqlalchemy import text

from core import clock
from core.db import Database
from core.mail import templates
from core.settings import Settings
from core.tradein import queries, rules

CASES = 50_000
LIST_CASES = 1_000_000
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # tonight's nightly run (03:30 Vienna)
# Per status: share of all cases. Due tonight: every status-1 case (valued since yesterday's
# run), reminders of status-2 cases that got their market-value mail a week ago, follow-ups.
SHARES = {1: 0.005, 2: 0.25, 3: 0.06, 4: 0.08, 5: 0.05, 6: 0.09, 7: 0.22, 8: 0.245}
DUE_SHARE = {2: 0.012, 5: 0.02}
HAND_SQL = text(
    "SELECT c.id, c.status, c.status_changed_at, c.due_rule, c.due_at, c.archived_at, "
    "cu.opted_out_at, cu.first_name, cu.last_name, cu.email "
    "FROM tradein_cases c JOIN customers cu ON cu.id = c.customer_id "
    "WHERE c.due_at <= :now ORDER BY c.due_at, c.id")
FIRST = ("Anna", "Lukas", "Maria", "Florian", "Katharina", "Stefan", "Julia", "Thomas")
LAST = ("Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser")


CUSTOMER_COLUMNS = ("id", "email", "first_name", "last_name", "phone", "opted_out_at",
                    "created_at", "company_name", "city", "country", "customer_group",
                    "marketing_consent")
CASE_COLUMNS = ("id", "customer_id", "status", "status_changed_at", "make", "model",
                "build_year", "mileage_km", "fuel", "market_value_cents", "calculated_at",
                "appointment_at", "purchase_price_cents", "archived_at", "due_rule", "due_at",
                "decision_count", "created_at", "updated_at")


def _rows(count: int) -> tuple[list[tuple], list[tuple]]:
    rng = random.Random(7)
    customers, cases = [], []
    statuses = [s for s, share in SHARES.items() for _ in range(round(share * count))]
    statuses += [8] * (count - len(statuses))
    rng.shuffle(statuses)
    for i, status in enumerate(statuses, start=1):
        created = NOW - timedelta(days=rng.uniform(1, 900))
        first, last = rng.choice(FIRST), f"{rng.choice(LAST)}{i % 997}"
        opted_out = created if rng.random() < 0.03 else None
        customers.append((i, f"kunde{i}@example.at", first, last, "", opted_out, created, "",
                          "", "", "", False))
        changed = created + timedelta(days=rng.uniform(0, 1))
        due_rule = due_at = None
        if status == 1:
            created = changed = NOW - timedelta(hours=rng.uniform(1, 23))
            due_rule, due_at = "market_value_mail", NOW
        elif status in DUE_SHARE and rng.random() < DUE_SHARE[status] * 20:
            # Armed: a twentieth of these are due tonight, the rest later this month.
            rule = "booking_reminder" if status == 2 else "missed_followup"
            offset = timedelta(days=-rng.uniform(0, 0.5)) if rng.random() < 0.05 \
                else timedelta(days=rng.uniform(0.1, 7))
            due_rule, due_at, changed = rule, NOW + offset, NOW + offset - timedelta(days=7)
        value = rng.randint(3_000, 60_000) * 100
        archived = changed + timedelta(days=30) if status in (7, 8) and rng.random() < 0.3 \
            else None
        cases.append((
            i, i, status, changed, rng.choice(("Volkswagen", "Skoda", "Audi", "BMW", "Toyota")),
            rng.choice(("Golf", "Octavia", "A4", "X1", "Yaris")), rng.randint(2008, 2025),
            rng.randint(0, 250_000), "Benzin", value, created, None,
            int(value * 0.9) if status >= 6 else None, archived, due_rule, due_at,
            int(status >= 7), created, changed))
    return customers, cases


def build(db: Database, count: int) -> None:
    customers, cases = _rows(count)
    bulk_insert(db, "customers", CUSTOMER_COLUMNS, customers)
    bulk_insert(db, "tradein_cases", CASE_COLUMNS, cases)
    with db.session(write=True) as session:
        templates.seed_defaults(session, NOW)


def bench_rules(db: Database, settings: Settings, verdict: Verdict) -> None:
    def hand_sql():
        with db.engine.connect() as conn:
            return conn.execute(HAND_SQL, {"now": raw_value(NOW)}).fetchall()

    def dry_run():
        with db.session() as session:
            return rules.run_due(session, NOW, settings, dry_run=True)

    sql_time, due_rows = timed(hand_sql, 9)
    dry_time, outcomes = timed(dry_run, 9)
    assert len(outcomes) == len(due_rows), (len(outcomes), len(due_rows))
    real_times = []
    for attempt in range(3):  # each on a fresh copy: the real run changes the data
        copy = copy_of(db, f"copy{attempt}")
        start = time.perf_counter()
        with copy.session(write=True) as session:
            sent = rules.run_due(session, NOW, settings)
        real_times.append(time.perf_counter() - start)
        copy.engine.dispose()
    real = min(real_times)
    mails = sum(1 for o in sent if o.sent)
    limit = 1.0 if ON_POSTGRESQL else 0.5
    ratio = dry_time / sql_time
    print(f"due tonight: {len(due_rows)} of {CASES} cases ({mails} mails queued, "
          f"{len(sent) - mails} held back for opted-out customers)")
    print(f"hand-written SQL selecting the due cases      {ms(sql_time)}")
    print(f"run_due dry-run (select + rule decisions)     {ms(dry_time)}   ratio {ratio:5.2f}x"
          f"  (target <= 2x: {verdict.check('dry run <= 2x', ratio <= 2)})")
    print(f"run_due full (renders + queues {mails:4d} mails)  {ms(real)}   "
          f"({real / max(mails, 1) * 1000:.2f} ms per mail; target < {limit:g} s: "
          f"{verdict.check(f'run_due < {limit:g} s', real < limit)})")


LIST_VIEWS = {
    "status 2, newest first (default)": {"status": 2},
    "tile 'Neue Terminanfragen' by market value": {"tile": "new_requests",
                                                   "sort": "market_value"},
    "search 'huber' (12 % of all), newest first": {"search": "huber"},
    "search one customer's e-mail": {"search": "kunde654321@example"},
    "all open cases sorted by name": {"sort": "name", "descending": False},
    "all incl. archived, newest first": {"include_archived": True},
}


# Shown, not a target: in this data "huber" is one of eight surnames, so walking the name
# index passes every Bauer and Gruber (a quarter of the table) before the first Huber.
# Real surnames spread over the alphabet; a rare word goes through the text index.
WORST_CASE = ("search 'huber' sorted by name (worst case)",
              {"search": "huber", "sort": "name", "descending": False})


def bench_list(db: Database, count: int, verdict: Verdict) -> None:
    for label, filters in [*LIST_VIEWS.items(), WORST_CASE]:
        def first_page(filters=filters):
            with db.session() as session:
                return queries.list_cases(session, page=1, page_size=25, **filters)
        seconds, (rows, total) = timed(first_page, 7)
        ok = "informativ" if label == WORST_CASE[0] else verdict.check(
            f"list '{label}' < 50 ms", seconds < 0.05)
        print(f"first page of {count}: {label:44s} {ms(seconds)}  ({total} matches; "
              f"target < 50 ms: {ok})")


def bench_export(db: Database, verdict: Verdict) -> None:
    def export():
        with db.session() as session:
            return queries.export_file(session, include_archived=True, timezone="Europe/Vienna")
    seconds, data = timed(export, 3)
    lines = data.count(b"\n") - 1
    print(f"CSV export of {lines} cases ({len(data) / 1e6:.1f} MB)          {ms(seconds)}"
          f"   (target < 3 s: {verdict.check('export < 3 s', seconds < 3)})")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--list-cases", type=int, default=LIST_CASES)
    parser.add_argument("--skip-list", action="store_true")
    args = parser.parse_args()
    settings = Settings()
    clock.set_now(NOW)
    verdict = Verdict()
    print(f"== trade-in on {DATABASE}")
    with bench_database("tradein") as db:
        start = time.perf_counter()
        build(db, CASES)
        print(f"built {CASES} cases in {time.perf_counter() - start:.1f} s")
        bench_rules(db, settings, verdict)
        bench_export(db, verdict)
    if not args.skip_list:
        with bench_database("tradein_list") as db:
            start = time.perf_counter()
            build(db, args.list_cases)
            print(f"built {args.list_cases} cases in {time.perf_counter() - start:.1f} s")
            bench_list(db, args.list_cases, verdict)
    return verdict.exit_code()


if __name__ == "__main__":
    sys.exit(main())
