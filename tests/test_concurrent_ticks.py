"""Several schedulers on one database at the same instant – three `python app.py tick`
processes, or two consoles serving one database – fire every rule once: one status change
and one timeline entry per case, and every mail reaches the (real) SMTP server exactly once.
Runs on SQLite and, with KP_TEST_DATABASE=postgresql, on PostgreSQL."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

import app as kundenpilot
from core import clock, settings
from core.models import Event, OutboxMessage
from core.tradein import service
from core.tradein.models import TradeInCase
from tools import liveserver

ROOT = Path(__file__).resolve().parents[1]
CASES = 60
VALUED = 2  # the status the first automatic mail (market value) moves a case to


def _smtp_env(port: int) -> dict[str, str]:
    return {"KP_SMTP_HOST": "127.0.0.1", "KP_SMTP_PORT": str(port), "KP_SMTP_SECURITY": "none"}


def _tick_process(url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env |= {"KP_DATABASE_URL": url} | _smtp_env(port)
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "tick", "--at", "2026-12-02T03:45:00+01:00"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _valuations(url: str, created: datetime):
    db = kundenpilot.open_database(url)
    with clock.frozen(created), db.session(write=True) as s:
        for number in range(CASES):
            service.create_valuation(s, settings.load(s), {
                "email": f"kunde{number}@example.com", "first_name": "Eva",
                "last_name": f"Gruber{number}", "make": "Skoda", "model": "Octavia",
                "build_year": 2018, "mileage_km": 90000, "fuel": "Diesel",
                "market_value_eur": 11500}, clock.now())
    return db


def _last_nightly_run() -> datetime:
    vienna = ZoneInfo("Europe/Vienna")
    run = datetime.now(vienna).replace(hour=3, minute=30, second=0, microsecond=0)
    if run > datetime.now(vienna):
        run -= timedelta(days=1)
    return run.astimezone(UTC)


def _assert_every_rule_fired_once(db, smtp_sink) -> None:
    message_ids = Counter(str(m["Message-ID"]) for m in smtp_sink.messages)
    assert len(message_ids) == CASES
    assert set(message_ids.values()) == {1}, "a mail was delivered twice"
    with db.session() as session:
        statuses = Counter(session.scalars(select(TradeInCase.status)))
        status_events = Counter(session.scalars(
            select(Event.record_id).where(Event.module == "tradein", Event.kind == "status")))
        sent = session.scalar(select(func.count(OutboxMessage.id))
                              .where(OutboxMessage.status == "sent"))
        queued = session.scalar(select(func.count(OutboxMessage.id)))
    assert statuses == {VALUED: CASES}
    assert len(status_events) == CASES
    assert set(status_events.values()) == {1}, "a case got the same status change twice"
    assert queued == sent == CASES


def test_three_ticks_at_once_fire_every_rule_once(databases, smtp_sink):
    url = databases.new_url("ticks")
    db = _valuations(url, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    processes = [_tick_process(url, smtp_sink.port) for _ in range(3)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    _assert_every_rule_fired_once(db, smtp_sink)
    db.engine.dispose()


def test_two_consoles_on_one_database_fire_every_rule_once(databases, smtp_sink, tmp_path):
    url = databases.new_url("consoles")
    # Valued an hour before the last nightly run: both consoles catch up on it at start.
    db = _valuations(url, _last_nightly_run() - timedelta(hours=1))
    with ThreadPoolExecutor(2) as pool:
        servers = list(pool.map(lambda n: liveserver.start_server(
            tmp_path / f"console{n}", demo=False, db_url=url, create_user=n == 0,
            env=_smtp_env(smtp_sink.port)), range(2)))
    try:
        smtp_sink.wait_for(CASES, timeout=90)  # two real servers send on their own
        _assert_every_rule_fired_once(db, smtp_sink)
    finally:
        for server in servers:
            server.stop()
        db.engine.dispose()
