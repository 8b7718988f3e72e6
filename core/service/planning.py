"""The pure part of the recompute: one batch of vehicles' stored rows in, the changes out -
due dates to insert, update or delete, planned invitations to add, move or drop, and sent
invitations an order has answered. No session: the batch can be computed in a worker process
while the recompute reads the next one (core.service.recompute)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, NamedTuple

from core.bulkwork import collector_paused
from core.calendar import BusinessCalendar
from core.db import Database
from core.service import history, timeline
from core.service.batches import DUE_COLUMNS, Batch, read
from core.service.config import Config
from core.service.duedates import VehicleFacts, de_date
from core.service.timing import local_today, send_instant
from core.service.types import label
from core.settings import Settings


class Stop(NamedTuple):
    """A sent invitation an order answered: the customer came on their own."""

    invitation_id: int
    customer_id: int | None
    text: str


class Changes(NamedTuple):
    writes: dict[str, dict[str, list]]  # statement -> column -> values
    stops: list[Stop]


class Planner:
    """What every vehicle of a recompute shares: the tables, the calendar, today."""

    def __init__(self, config: Config, settings: Settings, now: datetime) -> None:
        self.config = config
        self.classifier = config.classifier()
        self.calendar = BusinessCalendar(settings)
        self.settings, self.now = settings, now
        self.today = local_today(settings, now)
        self.country = settings.holiday_country
        self._instants: dict[date, datetime] = {}

    def send_at(self, day: date) -> datetime:
        if day not in self._instants:  # thousands of invitations share a few hundred days
            self._instants[day] = send_instant(self.settings, self.calendar, day)
        return self._instants[day]

    def compute(self, batch: Batch) -> Changes:
        writes: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        stops: list[Stop] = []
        for vehicle in batch.vehicles:
            vehicle_id = vehicle[0]
            self._vehicle(writes, stops, vehicle, batch.orders.get(vehicle_id, ()),
                          batch.readings.get(vehicle_id, []), batch.dues.get(vehicle_id, ()),
                          batch.invitations.get(vehicle_id, ()))
        return Changes({kind: dict(columns) for kind, columns in writes.items()}, stops)

    def _vehicle(self, writes: dict, stops: list[Stop], vehicle: tuple,
                 orders: Iterable[tuple], readings: list[tuple], stored_dues: Iterable[tuple],
                 invitations: Iterable[tuple]) -> None:
        vehicle_id, customer_id, make, model, fuel, registered, mileage, mileage_on = vehicle
        past = history.build(VehicleFacts(make, model, fuel, registered),
                             orders,
                             history.vehicle_readings(readings, mileage, mileage_on),
                             self.classifier)
        type_dues = history.dues(past, self.config, self.country, self.today)
        _due_changes(writes, vehicle_id, type_dues, stored_dues)
        sent = [i for i in invitations if i[3] != "planned"]
        stops.extend(self._answered(sent, orders))
        covered = {(t, row[2]) for row in sent for t in row[1].split(",")}
        plans = timeline.plan(type_dues, covered, self.config.timelines)
        self._planned_changes(writes, vehicle_id, customer_id, plans,
                              [i for i in invitations if i[3] == "planned"])

    def _planned_changes(self, writes: dict, vehicle_id: int, customer_id: int | None,
                         plans: list, stored: list[tuple]) -> None:
        """Keep a planned invitation whose types and due date still hold (moved if its day
        changed), drop the others, add the new ones."""
        before = {(row[1], row[2]): row for row in stored}
        for p in plans:
            at = self.send_at(p.invite_on)
            types = ",".join(p.types)
            old = before.pop((types, p.due_date), None)
            if old is None:
                _add(writes, "insert_planned", vehicle_id=vehicle_id, customer_id=customer_id,
                     service_types=types, due_date=p.due_date, status="planned",
                     next_kind="invitation", next_at=at, automated_clicks=0, outcome="",
                     created_at=self.now)
            elif old[6] != at or old[5] != customer_id:
                _add(writes, "move_planned", i=old[0], next_at=at, customer_id=customer_id)
        for old in before.values():
            _add(writes, "delete_planned", id=old[0])

    def _answered(self, sent: list[tuple], orders: Iterable[tuple]) -> list[Stop]:
        """An order of the invitation's type after it went out: no reminder, no call list."""
        active = [row for row in sent if row[3] in timeline.ACTIVE]
        if not active:
            return []
        classified = sorted(((number, day, self.classifier.types(text))
                             for number, day, text, _status, _km in orders),
                            key=lambda o: o[1])
        stops = []
        for invitation_id, types, _due, _status, invited_at, customer_id, _next in active:
            invited_on = local_today(self.settings, invited_at) if invited_at else None
            hit = timeline.first_order_after(classified, types.split(","), invited_at,
                                             invited_on)
            if hit is not None:
                number, day, service_type = hit
                stops.append(Stop(invitation_id, customer_id,
                                  f"Auftrag {number} vom {de_date(day)} "
                                  f"({label(service_type, self.country)}) nach der Einladung "
                                  f"gefunden"))
        return stops


def _add(writes: dict, kind: str, **values: Any) -> None:
    columns = writes[kind]
    for name, value in values.items():
        columns[name].append(value)


def _due_changes(writes: dict, vehicle_id: int, type_dues: list, stored: Iterable) -> None:
    """A vehicle whose due dates changed at all gets all of them written anew (one delete
    for the batch and a bulk insert beat an update per row, on PostgreSQL by far)."""
    before = {row[0]: tuple(row[1:]) for row in stored}
    now = {d.service_type: (d.due.due_date, d.due.basis, d.due.reason, d.excluded)
           for d in type_dues}
    if before == now:
        return
    if before:
        writes["replace_dues"]["vehicle_id"].append(vehicle_id)
    for service_type, values in now.items():
        _add(writes, "insert_due", vehicle_id=vehicle_id, service_type=service_type,
             **dict(zip(DUE_COLUMNS, values, strict=True)))


# --- worker processes --------------------------------------------------------------------------

_worker: tuple[Database, Planner] | None = None


def start_worker(url: str, config: Config, settings: Settings, now: datetime) -> None:
    """Process-pool initializer: each worker reads through its own connection and plans
    with the tables the recompute loaded (unsaved edits of the settings page included)."""
    global _worker
    _worker = (Database(url), Planner(config, settings, now))


def compute_in_worker(ids: list[int], every: bool) -> Changes:
    """Read and plan one batch. The rows are read as committed: the recompute holds the
    service run's turn, and its own writes concern other batches' vehicles."""
    assert _worker is not None, "start_worker first"
    db, planner = _worker
    with collector_paused():
        with db.session() as session:
            batch = read(session, ids, every)
        return planner.compute(batch)
