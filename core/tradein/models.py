"""The trade-in funnel's own table; shared tables point to a case as ("tradein", case id)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Customer


class TradeInCase(Base):
    """One car valuation and everything that followed. `due_at`/`due_rule` hold the next
    automatic step so the scheduler only asks one indexed question: what is due now?"""

    __tablename__ = "tradein_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[int] = mapped_column(Integer)
    status_changed_at: Mapped[datetime]
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(80))
    build_year: Mapped[int] = mapped_column(Integer)
    mileage_km: Mapped[int] = mapped_column(Integer)
    fuel: Mapped[str] = mapped_column(String(30))
    market_value_cents: Mapped[int] = mapped_column(Integer)
    calculated_at: Mapped[datetime]
    appointment_at: Mapped[datetime | None]
    purchase_price_cents: Mapped[int | None] = mapped_column(Integer)
    archived_at: Mapped[datetime | None]
    due_rule: Mapped[str | None] = mapped_column(String(40))
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    decision_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    customer: Mapped[Customer] = relationship()

    # One index per sort order of the case list, ending in the id (its tie-breaker).
    __table_args__ = (
        Index("ix_tradein_status_changed_id", "status", "status_changed_at", "id"),
        Index("ix_tradein_changed_id", "status_changed_at", "id"),
        Index("ix_tradein_market_value_id", "market_value_cents", "id"),
        Index("ix_tradein_make_model_id", "make", "model", "id"),
        Index("ix_tradein_created_id", "created_at", "id"),
    )
