"""Helpers for the trade-in tests: seeded templates, new cases, ticking the clock."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.mail import sender, templates
from core.models import Event, OutboxMessage
from core.tradein import rules, service
from core.tradein.models import TradeInCase

VALID = {
    "email": "Maria.Muster@Example.at", "first_name": "Maria", "last_name": "Muster",
    "phone": "+43 660 1234567", "make": "Volkswagen", "model": "Golf", "build_year": 2018,
    "mileage_km": 84500, "fuel": "Benzin", "market_value_eur": "15.490,00",
}


@pytest.fixture
def tdb(db, now):
    """The test database with the factory mail templates stored, clock pinned."""
    with db.session(write=True) as session:
        templates.seed_defaults(session, now)
    return db


def new_case(db, settings, **overrides) -> int:
    with db.session(write=True) as session:
        return service.create_valuation(session, settings, VALID | overrides, clock.now()).id


def act(db, settings, case_id: int, action: str, data: dict | None = None) -> TradeInCase:
    with db.session(write=True) as session:
        return service.perform(session, settings, case_id, action, data, actor="test",
                               now=clock.now())


def tick(db, settings, at: datetime) -> list[rules.RuleOutcome]:
    """Move the clock to `at` and run the rules there, as the scheduler would."""
    clock.set_now(at)
    with db.session(write=True) as session:
        return rules.run_due(session, at, settings)


def drain(db, settings) -> sender.DrainReport:
    return sender.drain(db, settings, clock.now())


def outbox_rows(db, case_id: int | None = None) -> list[OutboxMessage]:
    with db.session() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if case_id is not None:
            query = query.where(OutboxMessage.module == "tradein",
                                OutboxMessage.record_id == case_id)
        return list(session.scalars(query))


def mails_of(db, case_id: int) -> list[str]:
    """Template names queued for the case, in order (e.g. ["market_value", "reminder"])."""
    return [row.template_key.removeprefix("tradein.") for row in outbox_rows(db, case_id)]


def case_events(db, case_id: int) -> list[Event]:
    with db.session() as session:
        return list(session.scalars(select(Event).where(Event.module == "tradein",
                                                        Event.record_id == case_id)
                                    .order_by(Event.id)))


def load(db, case_id: int) -> TradeInCase:
    with db.session() as session:
        return service.case_detail(session, case_id)
