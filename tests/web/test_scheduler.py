"""The in-process ticker: catches up at start, sends due mail once, survives errors."""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

import app as kundenpilot
from core import clock, settings
from core.models import DevMailboxMessage, OutboxMessage
from core.runtime import Runtime
from core.tradein import service
from scheduler.ticker import Ticker

VALUATION = {"email": "otto.lang@example.com", "first_name": "Otto", "last_name": "Lang",
             "make": "BMW", "model": "320d", "build_year": 2018, "mileage_km": 99000,
             "fuel": "Diesel", "market_value_eur": 17800}


def _runtime_with_due_case(databases) -> Runtime:
    db = kundenpilot.open_database(databases.new_url("tick"))
    with clock.frozen(datetime(2026, 12, 1, 15, 0, tzinfo=UTC)), db.session(write=True) as s:
        service.create_valuation(s, settings.load(s), VALUATION, clock.now())
    return Runtime(db)


def _received(runtime: Runtime) -> list[str]:
    with runtime.db.session() as session:
        return list(session.scalars(select(DevMailboxMessage.rcpt_to)))


async def test_start_catches_up_at_once_into_the_dev_mailbox(databases):
    runtime = _runtime_with_due_case(databases)
    runtime.start_dev_mailbox()
    # The console was off during the nightly run; it starts the next morning.
    clock.set_now(datetime(2026, 12, 2, 8, 0, tzinfo=UTC))
    ticker = Ticker(runtime)
    try:
        ticker.start()
        await asyncio.wait_for(ticker.ticked.wait(), timeout=30)
    finally:
        ticker.stop()
        runtime.stop_dev_mailbox()
        clock.set_now(None)
    assert ticker.last_error == ""
    assert _received(runtime) == ["otto.lang@example.com"]
    assert ticker.last_report.fired == 1 and ticker.last_report.drain.sent == 1


def test_second_tick_at_same_instant_sends_nothing(databases):
    runtime = _runtime_with_due_case(databases)
    ticker = Ticker(runtime)
    with clock.frozen(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)):
        first, second = ticker.tick_once(), ticker.tick_once()
    assert first.fired == 1 and first.drain.sent == 1
    assert second.fired == 0 and second.drain.sent == 0
    assert _received(runtime) == ["otto.lang@example.com"]  # one-shot mailbox per drain
    runtime.db.engine.dispose()


def test_a_failing_tick_is_reported_and_the_next_one_runs(databases, monkeypatch):
    runtime = _runtime_with_due_case(databases)
    ticker = Ticker(runtime)

    def broken(*_args, **_kwargs):
        raise RuntimeError("Datenbank gesperrt")

    monkeypatch.setattr("scheduler.ticker.run_tick", broken)
    with clock.frozen(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)):
        assert ticker.tick_once() is None
    assert "gesperrt" in ticker.last_error
    monkeypatch.undo()
    with clock.frozen(datetime(2026, 12, 2, 3, 0, tzinfo=UTC)):
        assert ticker.tick_once().fired == 1
    with runtime.db.session() as session:
        assert [m.status for m in session.scalars(select(OutboxMessage))] == ["sent"]
    runtime.db.engine.dispose()
