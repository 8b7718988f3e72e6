"""The trade-in cases of one customer, for the trade-in panel of the customer page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.tradein.flow import STATUS_LABELS
from core.tradein.models import TradeInCase


@dataclass(frozen=True, slots=True)
class CaseSummary:
    id: int
    vehicle: str
    build_year: int
    status: int
    status_label: str
    market_value_cents: int
    changed_at: datetime
    archived: bool


def cases_of(session: Session, customer_id: int, limit: int = 50) -> list[CaseSummary]:
    """The customer's cases, the most recently changed first (archived ones included)."""
    rows = session.execute(
        select(TradeInCase.id, TradeInCase.make, TradeInCase.model, TradeInCase.build_year,
               TradeInCase.status, TradeInCase.market_value_cents, TradeInCase.updated_at,
               TradeInCase.archived_at)
        .where(TradeInCase.customer_id == customer_id)
        .order_by(TradeInCase.updated_at.desc(), TradeInCase.id.desc()).limit(limit))
    return [CaseSummary(id=r.id, vehicle=f"{r.make} {r.model}".strip(), build_year=r.build_year,
                        status=r.status, status_label=STATUS_LABELS.get(r.status, ""),
                        market_value_cents=r.market_value_cents, changed_at=r.updated_at,
                        archived=r.archived_at is not None)
            for r in rows]
