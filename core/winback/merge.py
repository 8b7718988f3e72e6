"""Win-back's part of merging two customers: `winback_entries` has one row per customer
(customer_id is its primary key), so the generic re-pointing could collide; and win-back's
events and mails name the customer id as their record, ("winback", customer id)."""
from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.models import Event, OutboxMessage
from core.winback import KEY
from core.winback.models import WinbackEntry


def merge_customer(session: Session, keep_id: int, drop_id: int) -> None:
    """The kept customer's entry stays (where staff stand with them); the other's goes if
    both exist, else it moves over. The next detection run recomputes the figures from the
    order lines, which the merge moves to the kept customer as well."""
    kept = session.scalar(select(WinbackEntry.customer_id).where(
        WinbackEntry.customer_id == keep_id))
    if kept is not None:
        session.execute(delete(WinbackEntry).where(WinbackEntry.customer_id == drop_id)
                        .execution_options(synchronize_session=False))
    else:
        session.execute(update(WinbackEntry).where(WinbackEntry.customer_id == drop_id)
                        .values(customer_id=keep_id).execution_options(synchronize_session=False))
    for model in (Event, OutboxMessage):  # the kernel moves their customer_id itself
        session.execute(update(model).where(model.module == KEY, model.record_id == drop_id)
                        .values(record_id=keep_id).execution_options(synchronize_session=False))
