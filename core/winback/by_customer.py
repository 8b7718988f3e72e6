"""One customer's place in the win-back worklist, for the panel of the customer page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.winback.flow import STATUS_LABELS
from core.winback.models import WinbackEntry


@dataclass(frozen=True, slots=True)
class EntrySummary:
    customer_id: int
    status: str
    status_label: str
    previous_cents: int
    current_cents: int
    decline_percent: float | None
    is_decline: bool
    last_order_date: date | None
    remind_on: date | None


def entry_of(session: Session, customer_id: int) -> EntrySummary | None:
    """None for a customer without orders (never in the win-back worklist)."""
    entry = session.get(WinbackEntry, customer_id)
    if entry is None:
        return None
    return EntrySummary(
        customer_id=entry.customer_id, status=entry.status,
        status_label=STATUS_LABELS.get(entry.status, entry.status),
        previous_cents=entry.previous_cents, current_cents=entry.current_cents,
        decline_percent=entry.decline_percent, is_decline=entry.is_decline,
        last_order_date=entry.last_order_date, remind_on=entry.remind_on)
