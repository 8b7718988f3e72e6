"""Bring the stored due dates and planned invitations up to date after an import: for every
vehicle (in batches) read its history, compute the due date of each type, stop invitations
an order has answered, and plan the invitations still to come. The daily run then only reads
the indexed `next_at` column (DESIGN principle 1)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from core import events
from core.calendar import BusinessCalendar
from core.service import KEY, config, history, timeline
from core.service.duedates import VehicleFacts, de_date
from core.service.models import (
    ServiceDue,
    ServiceInvitation,
    Vehicle,
    VehicleReading,
    WorkshopOrder,
)
from core.service.timing import local_today, send_instant
from core.service.types import label
from core.settings import Settings

BATCH = 2_000
Progress = Callable[[float], None]


class _Context:
    """What every vehicle of a run shares: the tables, the calendar, today."""

    def __init__(self, session: Session, settings: Settings, now: datetime) -> None:
        self.config = config.load(session)
        self.classifier = self.config.classifier()
        self.calendar = BusinessCalendar(settings)
        self.settings, self.now = settings, now
        self.today = local_today(settings, now)
        self.country = settings.holiday_country
        self._instants: dict[date, datetime] = {}

    def send_at(self, day: date) -> datetime:
        if day not in self._instants:  # thousands of invitations share a few hundred days
            self._instants[day] = send_instant(self.settings, self.calendar, day)
        return self._instants[day]


def recompute(session: Session, settings: Settings, now: datetime,
              vehicle_ids: Iterable[int] | None = None, progress: Progress | None = None) -> int:
    """Recompute the vehicles `vehicle_ids` (None: all); returns how many."""
    ids = sorted(vehicle_ids) if vehicle_ids is not None else \
        list(session.scalars(select(Vehicle.id).order_by(Vehicle.id)))
    context = _Context(session, settings, now)
    for start in range(0, len(ids), BATCH):
        _batch(session, context, ids[start:start + BATCH])
        if progress is not None:
            progress(min(1.0, (start + BATCH) / max(len(ids), 1)))
    return len(ids)


def _grouped(rows: Iterable, key: int = 0) -> dict[int, list]:
    result: dict[int, list] = defaultdict(list)
    for row in rows:
        result[row[key]].append(row)
    return result


def _batch(session: Session, context: _Context, ids: list[int]) -> None:
    vehicles = session.execute(select(
        Vehicle.id, Vehicle.customer_id, Vehicle.make, Vehicle.model, Vehicle.fuel,
        Vehicle.first_registration, Vehicle.mileage, Vehicle.mileage_on)
        .where(Vehicle.id.in_(ids))).all()
    orders = _grouped(session.execute(select(
        WorkshopOrder.vehicle_id, WorkshopOrder.order_number, WorkshopOrder.order_date,
        WorkshopOrder.order_text, WorkshopOrder.status, WorkshopOrder.mileage)
        .where(WorkshopOrder.vehicle_id.in_(ids))))
    readings = _grouped(session.execute(select(
        VehicleReading.vehicle_id, VehicleReading.day, VehicleReading.km)
        .where(VehicleReading.vehicle_id.in_(ids))))
    sent = _grouped(session.execute(select(
        ServiceInvitation.vehicle_id, ServiceInvitation.id, ServiceInvitation.service_types,
        ServiceInvitation.due_date, ServiceInvitation.status, ServiceInvitation.invited_at,
        ServiceInvitation.customer_id)
        .where(ServiceInvitation.vehicle_id.in_(ids), ServiceInvitation.status != "planned")))
    session.execute(delete(ServiceDue).where(ServiceDue.vehicle_id.in_(ids)))
    session.execute(delete(ServiceInvitation).where(ServiceInvitation.vehicle_id.in_(ids),
                                                    ServiceInvitation.status == "planned"))
    due_rows: list[dict] = []
    planned_rows: list[dict] = []
    for vehicle in vehicles:
        found = _vehicle(session, context, vehicle, orders.get(vehicle.id, []),
                         readings.get(vehicle.id, []), sent.get(vehicle.id, []))
        due_rows.extend(found[0])
        planned_rows.extend(found[1])
    if due_rows:
        session.execute(insert(ServiceDue), due_rows)
    if planned_rows:
        session.execute(insert(ServiceInvitation), planned_rows)


def _vehicle(session: Session, context: _Context, vehicle, orders: list, readings: list,
             sent: list) -> tuple[list[dict], list[dict]]:
    facts = VehicleFacts(vehicle.make, vehicle.model, vehicle.fuel, vehicle.first_registration)
    own = history.vehicle_readings([(r.day, r.km) for r in readings], vehicle.mileage,
                                   vehicle.mileage_on)
    past = history.build(facts, [history.Order(o.order_number, o.order_date, o.order_text or "",
                                               o.status, o.mileage) for o in orders],
                         own, context.classifier)
    type_dues = history.dues(past, context.config, context.country, context.today)
    due_rows = [dict(vehicle_id=vehicle.id, service_type=d.service_type,
                     due_date=d.due.due_date, basis=d.due.basis, reason=d.due.reason,
                     excluded=d.excluded) for d in type_dues]
    classified = [(o.number, o.day, frozenset(m)) for o, m in zip(past.orders, past.matches,
                                                                   strict=True)]
    _stop_answered(session, context, sent, classified)
    covered = {(t, row.due_date) for row in sent for t in row.service_types.split(",")}
    planned = [dict(vehicle_id=vehicle.id, customer_id=vehicle.customer_id,
                    service_types=",".join(p.types), due_date=p.due_date, status="planned",
                    next_kind="invitation", next_at=context.send_at(p.invite_on),
                    automated_clicks=0, outcome="", created_at=context.now)
               for p in timeline.plan(type_dues, covered, context.config.timelines)]
    return due_rows, planned


def _stop_answered(session: Session, context: _Context, sent: list, orders: list) -> None:
    """An order of the invitation's type after it went out: the customer came; no reminder,
    no call-list entry."""
    for row in sent:
        if row.status not in timeline.ACTIVE:
            continue
        invited_on = local_today(context.settings, row.invited_at) if row.invited_at else None
        hit = timeline.first_order_after(orders, row.service_types.split(","), row.invited_at,
                                         invited_on)
        if hit is None:
            continue
        number, day, service_type = hit
        text = (f"Auftrag {number} vom {de_date(day)} ({label(service_type, context.country)}) "
                f"nach der Einladung gefunden")
        session.execute(update(ServiceInvitation).where(ServiceInvitation.id == row.id).values(
            status="order_found", order_found_at=context.now, next_kind=None, next_at=None,
            outcome=text))
        events.record(session, context.now, "service_order_found",
                      f"Service-Einladung erledigt: {text}.", customer_id=row.customer_id,
                      module=KEY, record_id=row.id)


def snapshot_readings(session: Session) -> None:
    """Keep each vehicle's current mileage as a reading: the next vehicle file overwrites the
    vehicle's mileage, the history keeps it."""
    stored = select(VehicleReading.id).where(VehicleReading.vehicle_id == Vehicle.id,
                                             VehicleReading.day == Vehicle.mileage_on,
                                             VehicleReading.km == Vehicle.mileage)
    session.execute(insert(VehicleReading).from_select(
        ["vehicle_id", "day", "km"],
        select(Vehicle.id, Vehicle.mileage_on, Vehicle.mileage).where(
            Vehicle.mileage.is_not(None), Vehicle.mileage_on.is_not(None), ~stored.exists())))


def refresh_after_import(db, now: datetime, progress: Progress) -> None:
    """Any import (customers, vehicles, orders) may change due dates and answer invitations."""
    from core import settings as settings_store

    with db.session(write=True) as session:
        snapshot_readings(session)
        recompute(session, settings_store.load(session), now, progress=progress)
