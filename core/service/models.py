"""Service's own tables: vehicles and workshop orders from the DMS, the mileage history,
the editable interval and keyword tables, each vehicle's due dates per type, and the
invitations with their contact timeline. Shared tables point to an invitation as
("service", invitation id)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Customer


class Vehicle(Base):
    """A vehicle from the DMS export, owned by one customer."""

    __tablename__ = "vehicles"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_number: Mapped[str] = mapped_column(String(40), unique=True)
    customer_number: Mapped[str] = mapped_column(String(40))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    vin: Mapped[str] = mapped_column(String(40), default="", index=True)
    plate: Mapped[str] = mapped_column(String(20), default="", index=True)
    make: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    fuel: Mapped[str] = mapped_column(String(40), default="")
    first_registration: Mapped[date] = mapped_column(Date)
    mileage: Mapped[int | None] = mapped_column(Integer)
    mileage_on: Mapped[date | None] = mapped_column(Date)
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None]
    customer: Mapped[Customer | None] = relationship(lazy="raise")

    @property
    def name(self) -> str:
        """"VW Golf" - make and model as staff say it."""
        return " ".join(part for part in (self.make, self.model) if part) or "Fahrzeug"


class WorkshopOrder(Base):
    """One workshop order from the DMS export (open or closed)."""

    __tablename__ = "workshop_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(String(40), unique=True)
    vehicle_number: Mapped[str] = mapped_column(String(40))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    customer_number: Mapped[str] = mapped_column(String(40), default="")
    order_date: Mapped[date] = mapped_column(Date)
    order_text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10))  # open | closed
    mileage: Mapped[int | None] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    import_run_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_workshop_orders_vehicle", "vehicle_id", "order_date"),)


class VehicleReading(Base):
    """A mileage the vehicle file reported on a day (orders carry their own readings)."""

    __tablename__ = "vehicle_readings"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"))
    day: Mapped[date] = mapped_column(Date)
    km: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("vehicle_id", "day", "km", name="uq_vehicle_reading"),)


class ServiceRule(Base):
    """One row of the interval table (core.service.types.IntervalRule), as admins edit it."""

    __tablename__ = "service_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    service_type: Mapped[str] = mapped_column(String(20))
    make: Mapped[str] = mapped_column(String(60), default="")
    model_prefix: Mapped[str] = mapped_column(String(100), default="")
    fuel: Mapped[str] = mapped_column(String(40), default="")
    year_from: Mapped[int | None] = mapped_column(Integer)
    year_to: Mapped[int | None] = mapped_column(Integer)
    months: Mapped[int | None] = mapped_column(Integer)
    km: Mapped[int | None] = mapped_column(Integer)
    none: Mapped[bool] = mapped_column(Boolean, default=False)


class ServiceTypeSetting(Base):
    """A type's keyword list and contact timeline, as admins edit them."""

    __tablename__ = "service_type_settings"
    service_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    keywords: Mapped[str] = mapped_column(Text, default="")  # comma-separated
    invite_days_before: Mapped[int] = mapped_column(Integer, default=28)
    reminder_after_days: Mapped[int] = mapped_column(Integer, default=14)
    call_list: Mapped[bool] = mapped_column(Boolean, default=True)


class ServiceDue(Base):
    """When a vehicle is next due for one type, and why (recomputed after imports)."""

    __tablename__ = "service_dues"
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), primary_key=True)
    service_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    basis: Mapped[str] = mapped_column(String(4))  # time | km
    reason: Mapped[str] = mapped_column(Text, default="")
    # Why no invitation comes for this due date (an open order of the type), or "".
    excluded: Mapped[str] = mapped_column(Text, default="")


class ServiceInvitation(Base):
    """One invitation to the workshop: a vehicle, the types due together, and where its
    contact timeline stands. `next_kind`/`next_at` is the next automatic step (indexed: the
    daily run reads only the due ones).

    status: planned | invited | reminded | call_list | booked | callback | order_found |
    suppressed | done (the timeline ran out: nothing more for this due date)."""

    __tablename__ = "service_invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    service_types: Mapped[str] = mapped_column(String(120))  # comma-separated, due order
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="planned", index=True)
    next_kind: Mapped[str | None] = mapped_column(String(12))  # invitation|reminder|call_list
    next_at: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    call_listed_at: Mapped[datetime | None]
    booked_at: Mapped[datetime | None]
    callback_at: Mapped[datetime | None]
    order_found_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    clicked_at: Mapped[datetime | None]
    automated_clicks: Mapped[int] = mapped_column(Integer, default=0)
    outcome: Mapped[str] = mapped_column(Text, default="")  # German: what stopped it, or why
    created_at: Mapped[datetime]
    vehicle: Mapped[Vehicle] = relationship(lazy="raise")
    customer: Mapped[Customer | None] = relationship(lazy="raise")

    __table_args__ = (
        # The follow-up list's default order, read in index order (the id breaks ties).
        Index("ix_service_invitations_due_id", "due_date", "id"),
        Index("ix_service_invitations_next_at", "next_at",
              sqlite_where=text("next_at IS NOT NULL"),
              postgresql_where=text("next_at IS NOT NULL")),
    )

    @property
    def types(self) -> list[str]:
        return [t for t in self.service_types.split(",") if t]
