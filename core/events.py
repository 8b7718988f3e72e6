"""Recording timeline events. Every change is an event (DESIGN principle 5).

`now` comes from the edge that started the work (page callback, API handler, tick, CLI), so
every event of one request carries the same instant and core never reads the clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Event


def record(
    session: Session,
    now: datetime,
    kind: str,
    text: str,
    *,
    customer_id: int | None = None,
    module: str | None = None,
    record_id: int | None = None,
    actor: str = "system",
    data: dict | None = None,
) -> Event:
    """Add one timeline row at `now`; (module, record_id) names the module record, if any."""
    event = Event(
        at=now, kind=kind, text=text, customer_id=customer_id, module=module,
        record_id=record_id, actor=actor, data=data,
    )
    session.add(event)
    return event


def for_customer(session: Session, customer_id: int, limit: int = 200) -> list[Event]:
    query = (select(Event).where(Event.customer_id == customer_id)
             .order_by(Event.at.desc(), Event.id.desc()).limit(limit))
    return list(session.scalars(query))


def for_record(session: Session, module: str, record_id: int, limit: int = 200) -> list[Event]:
    """The timeline of one module record (e.g. a trade-in case), newest first."""
    query = (select(Event).where(Event.module == module, Event.record_id == record_id)
             .order_by(Event.at.desc(), Event.id.desc()).limit(limit))
    return list(session.scalars(query))
