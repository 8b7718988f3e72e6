"""Recording timeline events. Every change is an event (DESIGN principle 5)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.models import Event


def record(
    session: Session,
    kind: str,
    text: str,
    *,
    customer_id: int | None = None,
    case_id: int | None = None,
    actor: str = "system",
    data: dict | None = None,
) -> Event:
    event = Event(
        at=clock.now(), kind=kind, text=text, customer_id=customer_id,
        case_id=case_id, actor=actor, data=data,
    )
    session.add(event)
    return event


def for_customer(session: Session, customer_id: int, limit: int = 200) -> list[Event]:
    query = (select(Event).where(Event.customer_id == customer_id)
             .order_by(Event.at.desc(), Event.id.desc()).limit(limit))
    return list(session.scalars(query))


def for_case(session: Session, case_id: int, limit: int = 200) -> list[Event]:
    query = (select(Event).where(Event.case_id == case_id)
             .order_by(Event.at.desc(), Event.id.desc()).limit(limit))
    return list(session.scalars(query))
