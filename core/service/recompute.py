"""Bring the stored due dates and planned invitations up to date after an import: for every
vehicle (in batches of ids) read its history, compute the due date of each type, stop
invitations an order has answered, and plan the invitations still to come. The daily run then
only reads the indexed `next_at` column (DESIGN principle 1).

Only what changed is written: a planned invitation keeps its id while its plan holds, and a
re-import of an unchanged DMS export writes nothing."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from core import events
from core.calendar import BusinessCalendar
from core.db import DriverStatement, driver_rows
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
DUE, INV = ServiceDue.__table__, ServiceInvitation.__table__
DUE_COLUMNS = ("due_date", "basis", "reason", "excluded")
_INSERT_DUE = DriverStatement(insert(DUE), ["vehicle_id", "service_type", *DUE_COLUMNS])
_UPDATE_DUE = DriverStatement(update(DUE).where(
    DUE.c.vehicle_id == bindparam("v"), DUE.c.service_type == bindparam("t"))
    .values({c: bindparam(c) for c in DUE_COLUMNS}))
_DELETE_DUE = DriverStatement(delete(DUE).where(DUE.c.vehicle_id == bindparam("v"),
                                                DUE.c.service_type == bindparam("t")))
PLANNED_COLUMNS = ["vehicle_id", "customer_id", "service_types", "due_date", "status",
                   "next_kind", "next_at", "automated_clicks", "outcome", "created_at"]
_INSERT_PLANNED = DriverStatement(insert(INV), PLANNED_COLUMNS)
_MOVE_PLANNED = DriverStatement(update(INV).where(INV.c.id == bindparam("i")).values(
    next_at=bindparam("next_at"), customer_id=bindparam("customer_id")))
_DELETE_PLANNED = DriverStatement(delete(INV).where(INV.c.id == bindparam("i")))


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
        _batch(session, context, ids[start:start + BATCH], every=vehicle_ids is None)
        if progress is not None:
            progress(min(1.0, (start + BATCH) / max(len(ids), 1)))
    return len(ids)


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows by their first column (the vehicle id), the rest of each row kept."""
    result: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        result[row[0]].append(row[1:])
    return result


def _read(session: Session, ids: list[int], every: bool) -> tuple:
    """The batch's vehicles, orders, readings, stored dues and invitations, as plain rows.
    A range of ids rather than a list: one index range scan per table (`every`: the batch is
    the whole range, else rows of vehicles not asked for are dropped)."""
    connection = session.connection()
    low, high = ids[0], ids[-1]
    wanted = set(ids)

    def rows(query) -> list[tuple]:
        found = driver_rows(connection, query, {"low": low, "high": high})
        return found if every else [r for r in found if r[0] in wanted]

    def span(column):
        return column.between(bindparam("low"), bindparam("high"))

    vehicles = rows(select(Vehicle.id, Vehicle.customer_id, Vehicle.make, Vehicle.model,
                           Vehicle.fuel, Vehicle.first_registration, Vehicle.mileage,
                           Vehicle.mileage_on).where(span(Vehicle.id)))
    orders = _grouped(rows(select(
        WorkshopOrder.vehicle_id, WorkshopOrder.order_number, WorkshopOrder.order_date,
        WorkshopOrder.order_text, WorkshopOrder.status, WorkshopOrder.mileage)
        .where(span(WorkshopOrder.vehicle_id))))
    readings = _grouped(rows(select(VehicleReading.vehicle_id, VehicleReading.day,
                                    VehicleReading.km).where(span(VehicleReading.vehicle_id))))
    dues = _grouped(rows(select(DUE.c.vehicle_id, DUE.c.service_type,
                                *(DUE.c[c] for c in DUE_COLUMNS))
                         .where(span(DUE.c.vehicle_id))))
    invitations = _grouped(rows(select(
        INV.c.vehicle_id, INV.c.id, INV.c.service_types, INV.c.due_date, INV.c.status,
        INV.c.invited_at, INV.c.customer_id, INV.c.next_at).where(span(INV.c.vehicle_id))))
    return vehicles, orders, readings, dues, invitations


class _Writes:
    """The batch's changes, collected column-wise for one executemany each."""

    def __init__(self) -> None:
        self.lists: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(self, kind: str, **values) -> None:
        for name, value in values.items():
            self.lists[kind][name].append(value)

    def flush(self, session: Session) -> None:
        connection = session.connection()
        statements = {"delete_due": _DELETE_DUE, "update_due": _UPDATE_DUE,
                      "insert_due": _INSERT_DUE, "delete_planned": _DELETE_PLANNED,
                      "move_planned": _MOVE_PLANNED, "insert_planned": _INSERT_PLANNED}
        for kind, statement in statements.items():
            if self.lists.get(kind):
                statement.execute_many(connection, self.lists[kind])


def _batch(session: Session, context: _Context, ids: list[int], every: bool) -> None:
    vehicles, orders, readings, dues, invitations = _read(session, ids, every)
    writes = _Writes()
    for vehicle in vehicles:
        _vehicle(session, context, writes, vehicle, orders.get(vehicle[0], ()),
                 readings.get(vehicle[0], []), dues.get(vehicle[0], ()),
                 invitations.get(vehicle[0], ()))
    writes.flush(session)


def _vehicle(session: Session, context: _Context, writes: _Writes, vehicle: tuple,
             orders: Iterable[tuple], readings: list[tuple], stored_dues: Iterable[tuple],
             invitations: Iterable[tuple]) -> None:
    vehicle_id, customer_id, make, model, fuel, first_registration, mileage, mileage_on = vehicle
    past = history.build(VehicleFacts(make, model, fuel, first_registration),
                         [history.Order(*o) for o in orders],
                         history.vehicle_readings(readings, mileage, mileage_on),
                         context.classifier)
    type_dues = history.dues(past, context.config, context.country, context.today)
    _write_dues(writes, vehicle_id, type_dues, stored_dues)
    sent = [i for i in invitations if i[3] != "planned"]
    _stop_answered(session, context, sent, orders)
    covered = {(t, row[2]) for row in sent for t in row[1].split(",")}
    plans = timeline.plan(type_dues, covered, context.config.timelines)
    _write_planned(context, writes, vehicle_id, customer_id, plans,
                   [i for i in invitations if i[3] == "planned"])


def _write_dues(writes: _Writes, vehicle_id: int, type_dues: list, stored: Iterable) -> None:
    before = {row[0]: row[1:] for row in stored}
    for d in type_dues:
        values = (d.due.due_date, d.due.basis, d.due.reason, d.excluded)
        old = before.pop(d.service_type, None)
        if old is None:
            writes.add("insert_due", vehicle_id=vehicle_id, service_type=d.service_type,
                       **dict(zip(DUE_COLUMNS, values, strict=True)))
        elif tuple(old) != values:
            writes.add("update_due", v=vehicle_id, t=d.service_type,
                       **dict(zip(DUE_COLUMNS, values, strict=True)))
    for service_type in before:
        writes.add("delete_due", v=vehicle_id, t=service_type)


def _write_planned(context: _Context, writes: _Writes, vehicle_id: int,
                   customer_id: int | None, plans: list, stored: list[tuple]) -> None:
    """Keep a planned invitation whose types and due date still hold (moved if its day
    changed), drop the others, add the new ones."""
    before = {(row[1], row[2]): row for row in stored}
    for p in plans:
        at = context.send_at(p.invite_on)
        old = before.pop((",".join(p.types), p.due_date), None)
        if old is None:
            writes.add("insert_planned", vehicle_id=vehicle_id, customer_id=customer_id,
                       service_types=",".join(p.types), due_date=p.due_date, status="planned",
                       next_kind="invitation", next_at=at, automated_clicks=0, outcome="",
                       created_at=context.now)
        elif old[6] != at or old[5] != customer_id:
            writes.add("move_planned", i=old[0], next_at=at, customer_id=customer_id)
    for old in before.values():
        writes.add("delete_planned", i=old[0])


def _stop_answered(session: Session, context: _Context, sent: list[tuple],
                   orders: Iterable[tuple]) -> None:
    """An order of the invitation's type after it went out: the customer came; no reminder,
    no call-list entry."""
    active = [row for row in sent if row[3] in timeline.ACTIVE]
    if not active:
        return
    classified = [(number, day, context.classifier.types(text))
                  for number, day, text, _status, _km in orders]
    for invitation_id, types, _due, _status, invited_at, customer_id, _next in active:
        invited_on = local_today(context.settings, invited_at) if invited_at else None
        hit = timeline.first_order_after(sorted(classified, key=lambda o: o[1]),
                                         types.split(","), invited_at, invited_on)
        if hit is None:
            continue
        number, day, service_type = hit
        text = (f"Auftrag {number} vom {de_date(day)} ({label(service_type, context.country)}) "
                f"nach der Einladung gefunden")
        session.execute(update(ServiceInvitation).where(ServiceInvitation.id == invitation_id)
                        .values(status="order_found", order_found_at=context.now,
                                next_kind=None, next_at=None, outcome=text))
        events.record(session, context.now, "service_order_found",
                      f"Service-Einladung erledigt: {text}.", customer_id=customer_id,
                      module=KEY, record_id=invitation_id)


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
