"""Benchmark of the trade-in core with 50,000 cases (plain script, not collected by pytest).

    .venv/bin/python tests/bench/bench_tradein.py

Builds a temporary SQLite file (bulk insert, all eight statuses, a realistic share of cases
due in tonight's run), then times: the nightly run_due against one hand-written SQL query
selecting the same due cases, the first page of the case list, and the CSV export of all."""
from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import insert, text  # noqa: E402

import app  # noqa: E402
from core import clock  # noqa: E402
from core.db import Database  # noqa: E402
from core.mail import templates  # noqa: E402
from core.models import Customer  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.tradein import queries, rules  # noqa: E402
from core.tradein.models import TradeInCase  # noqa: E402

CASES = 50_000
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


def build(path: Path) -> Database:
    db = Database(f"sqlite:///{path}")
    db.migrate()
    rng = random.Random(7)
    customers, cases = [], []
    statuses = [s for s, share in SHARES.items() for _ in range(round(share * CASES))]
    statuses += [8] * (CASES - len(statuses))
    rng.shuffle(statuses)
    for i, status in enumerate(statuses, start=1):
        created = NOW - timedelta(days=rng.uniform(1, 900))
        customers.append({
            "id": i, "email": f"kunde{i}@example.at", "first_name": rng.choice(FIRST),
            "last_name": f"{rng.choice(LAST)}{i % 997}", "phone": "",
            "opted_out_at": created if rng.random() < 0.03 else None, "created_at": created})
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
        cases.append({
            "id": i, "customer_id": i, "status": status, "status_changed_at": changed,
            "make": rng.choice(("Volkswagen", "Skoda", "Audi", "BMW", "Toyota")),
            "model": rng.choice(("Golf", "Octavia", "A4", "X1", "Yaris")),
            "build_year": rng.randint(2008, 2025), "mileage_km": rng.randint(0, 250_000),
            "fuel": "Benzin", "market_value_cents": value, "calculated_at": created,
            "appointment_at": None,
            "purchase_price_cents": int(value * 0.9) if status >= 6 else None,
            "archived_at": changed + timedelta(days=30) if status in (7, 8)
            and rng.random() < 0.3 else None,
            "due_rule": due_rule, "due_at": due_at, "decision_count": int(status >= 7),
            "created_at": created, "updated_at": changed})
    with db.session(write=True) as session:
        session.execute(insert(Customer), customers)
        session.execute(insert(TradeInCase), cases)
        templates.seed_defaults(session, NOW)
    return db


def timed(func, repeat: int = 5) -> tuple[float, object]:
    """Best wall time in seconds of `repeat` runs (robust on a busy machine), last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def bench_rules(db: Database, path: Path, settings: Settings) -> None:
    def hand_sql():
        with db.engine.connect() as conn:
            # SQLAlchemy stores naive UTC as "YYYY-MM-DD HH:MM:SS.ffffff" text in SQLite.
            stamp = NOW.strftime("%Y-%m-%d %H:%M:%S.%f")
            return conn.execute(HAND_SQL, {"now": stamp}).fetchall()

    def dry_run():
        with db.session() as session:
            return rules.run_due(session, NOW, settings, dry_run=True)

    sql_time, due_rows = timed(hand_sql, 9)
    dry_time, outcomes = timed(dry_run, 9)
    assert len(outcomes) == len(due_rows), (len(outcomes), len(due_rows))
    real_times = []
    for attempt in range(3):  # each on a fresh copy: the real run changes the data
        copy = path.with_name(f"copy{attempt}.db")
        shutil.copy(path, copy)
        copy_db = Database(f"sqlite:///{copy}")
        start = time.perf_counter()
        with copy_db.session(write=True) as session:
            sent = rules.run_due(session, NOW, settings)
        real_times.append(time.perf_counter() - start)
        copy_db.engine.dispose()
    real = min(real_times)
    mails = sum(1 for o in sent if o.sent)
    print(f"due tonight: {len(due_rows)} of {CASES} cases ({mails} mails queued, "
          f"{len(sent) - mails} held back for opted-out customers)")
    print(f"hand-written SQL selecting the due cases      {ms(sql_time)}")
    print(f"run_due dry-run (select + rule decisions)     {ms(dry_time)}   "
          f"ratio {dry_time / sql_time:5.2f}x  (target <= 3x)")
    print(f"run_due full (renders + queues {mails:4d} mails)  {ms(real)}   "
          f"ratio {real / sql_time:5.1f}x  (target < 1 s; {real / max(mails, 1) * 1000:.2f} ms "
          "per mail)")


def bench_list(db: Database) -> None:
    views = {
        "status 2, newest first (default)": {"status": 2},
        "tile 'Neue Terminanfragen' by market value": {"tile": "new_requests",
                                                       "sort": "market_value"},
        "search 'huber' sorted by name": {"search": "huber", "sort": "name",
                                          "descending": False},
        "all open cases sorted by name": {"sort": "name", "descending": False},
        "all incl. archived, newest first": {"include_archived": True},
    }
    for label, filters in views.items():
        def first_page(filters=filters):
            with db.session() as session:
                return queries.list_cases(session, page=1, page_size=25, **filters)
        seconds, (rows, total) = timed(first_page, 7)
        print(f"first page: {label:44s} {ms(seconds)}  ({total} matches)   (target < 50 ms)")


def bench_export(db: Database) -> None:
    def export():
        with db.session() as session:
            return queries.export_csv(session, include_archived=True, timezone="Europe/Vienna")
    seconds, data = timed(export, 3)
    lines = data.count(b"\n") - 1
    print(f"CSV export of {lines} cases ({len(data) / 1e6:.1f} MB)          {ms(seconds)}"
          f"   (target < 3 s)")


def main() -> None:
    app.install_modules()  # what every command of app.py does first
    settings = Settings()
    clock.set_now(NOW)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        start = time.perf_counter()
        db = build(path)
        print(f"built {CASES} cases in {time.perf_counter() - start:.1f} s ({path.name})")
        bench_rules(db, path, settings)
        bench_list(db)
        bench_export(db)
        db.engine.dispose()


if __name__ == "__main__":
    main()
