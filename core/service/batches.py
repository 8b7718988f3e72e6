"""Reading one batch of vehicles for the recompute: their stored rows as plain tuples,
grouped by vehicle. Used in the recompute's own session, or by a worker process on its own
connection (core.service.planning)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from core.db import driver_rows
from core.service.models import (
    ServiceDue,
    ServiceInvitation,
    Vehicle,
    VehicleReading,
    WorkshopOrder,
)

DUE, INV = ServiceDue.__table__, ServiceInvitation.__table__
DUE_COLUMNS = ("due_date", "basis", "reason", "excluded")


class Batch(NamedTuple):
    """A batch's stored rows, grouped by vehicle id (the id itself left out)."""

    vehicles: list[tuple]  # id, customer_id, make, model, fuel, first_registration, km, km_on
    orders: dict[int, list[tuple]]  # number, day, text, status, km
    readings: dict[int, list[tuple]]  # day, km
    dues: dict[int, list[tuple]]  # service_type, due_date, basis, reason, excluded
    invitations: dict[int, list[tuple]]  # id, types, due_date, status, invited_at, customer, next


def _grouped(rows: Iterable[tuple]) -> dict[int, list[tuple]]:
    """Rows by their first column (the vehicle id), the rest of each row kept."""
    result: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        result[row[0]].append(row[1:])
    return dict(result)


def read(session: Session, ids: list[int], every: bool) -> Batch:
    """The batch's stored rows. A range of ids rather than a list: one index range scan per
    table (`every`: the batch is the whole range, else other vehicles' rows are dropped)."""
    connection = session.connection()
    low, high = ids[0], ids[-1]
    wanted = set(ids)

    def rows(query) -> list[tuple]:
        found = driver_rows(connection, query, {"low": low, "high": high})
        return found if every else [r for r in found if r[0] in wanted]

    def span(column):
        return column.between(bindparam("low"), bindparam("high"))

    return Batch(
        rows(select(Vehicle.id, Vehicle.customer_id, Vehicle.make, Vehicle.model, Vehicle.fuel,
                    Vehicle.first_registration, Vehicle.mileage, Vehicle.mileage_on)
             .where(span(Vehicle.id))),
        _grouped(rows(select(WorkshopOrder.vehicle_id, WorkshopOrder.order_number,
                             WorkshopOrder.order_date, WorkshopOrder.order_text,
                             WorkshopOrder.status, WorkshopOrder.mileage)
                      .where(span(WorkshopOrder.vehicle_id)))),
        _grouped(rows(select(VehicleReading.vehicle_id, VehicleReading.day, VehicleReading.km)
                      .where(span(VehicleReading.vehicle_id)))),
        _grouped(rows(select(DUE.c.vehicle_id, DUE.c.service_type,
                             *(DUE.c[c] for c in DUE_COLUMNS)).where(span(DUE.c.vehicle_id)))),
        _grouped(rows(select(INV.c.vehicle_id, INV.c.id, INV.c.service_types, INV.c.due_date,
                             INV.c.status, INV.c.invited_at, INV.c.customer_id, INV.c.next_at)
                      .where(span(INV.c.vehicle_id)))))


