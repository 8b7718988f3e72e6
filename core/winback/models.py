"""Win-back's own tables: the DMS order lines, the companies that appear in them, and each
customer's place in the worklist. Shared tables point to a win-back record as
("winback", customer id)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base


class Company(Base):
    """A company/branch of the dealer group ("Firma" in order lines) with its own sender name
    and win-back mail templates (a standard one and optionally a voucher one)."""

    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # as written in the DMS export
    name: Mapped[str] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    # Where customers' replies to this company's mails go; empty: the general setting.
    reply_to: Mapped[str] = mapped_column(String(254), default="", server_default="")
    standard_template_key: Mapped[str] = mapped_column(String(64), default="winback.standard")
    voucher_template_key: Mapped[str | None] = mapped_column(String(64))
    # A fixed code, or a pattern with "{code}" for one code per customer (core.winback.vouchers)
    voucher_code: Mapped[str] = mapped_column(String(40), default="WIEDERDA30",
                                              server_default="WIEDERDA30")
    voucher_valid_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    created_at: Mapped[datetime]


class OrderLine(Base):
    """One line of a workshop/sales order from the DMS export; credit notes are negative."""

    __tablename__ = "order_lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40))
    line: Mapped[int] = mapped_column(Integer)
    customer_number: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_date: Mapped[date] = mapped_column(Date)
    company_code: Mapped[str] = mapped_column(String(60), default="")
    product_group: Mapped[str] = mapped_column(String(100), default="")
    net_cents: Mapped[int] = mapped_column(Integer)
    import_run_id: Mapped[int | None] = mapped_column(Integer)  # see Customer.import_run_id

    __table_args__ = (
        UniqueConstraint("order_number", "line", name="uq_order_line"),
        # Covers the detection without the table: its GROUP BY (sums per customer and
        # window) and the look at each customer's last order (company, product group).
        Index("ix_order_lines_detection", "customer_id", "order_date", "net_cents",
              "order_number", "company_code", "product_group"),
    )


class WinbackEntry(Base):
    """A customer's place in the win-back worklist: the revenue figures of the last detection
    run and where staff stand with them. One row per customer that ever had orders."""

    __tablename__ = "winback_entries"
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    previous_cents: Mapped[int] = mapped_column(Integer, default=0)
    current_cents: Mapped[int] = mapped_column(Integer, default=0)
    decline_percent: Mapped[float | None] = mapped_column(Float)
    is_decline: Mapped[bool] = mapped_column(Boolean, default=False)
    last_order_date: Mapped[date | None] = mapped_column(Date)
    top_product_group: Mapped[str] = mapped_column(String(100), default="")
    last_company_code: Mapped[str] = mapped_column(String(60), default="")
    computed_at: Mapped[datetime]
    # open | mailed | offer | no_interest | won_back (see core.winback.flow)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    status_changed_at: Mapped[datetime | None]
    remind_on: Mapped[date | None] = mapped_column(Date)
    contacted_at: Mapped[datetime | None]
    won_back_at: Mapped[datetime | None]
    won_back_cents: Mapped[int] = mapped_column(Integer, default=0)
    remark: Mapped[str] = mapped_column(Text, default="")

    # The decline list's default order, read in index order (the id breaks ties); reminders
    # only where one is set (detection writes every entry, most never get one).
    __table_args__ = (
        Index("ix_winback_entries_decline_id", "decline_percent", "customer_id"),
        Index("ix_winback_entries_remind_on", "remind_on",
              sqlite_where=text("remind_on IS NOT NULL"),
              postgresql_where=text("remind_on IS NOT NULL")),
    )
