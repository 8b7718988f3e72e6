"""What the service pages read beyond core.service.queries: the call list with the number
staff dial, the vehicles an open order keeps from being invited, the follow-up list with an
"invited since" filter (the "this week" tile), the vehicle search with the owners' names and
the amounts of a vehicle's orders (the history the vehicle page gets carries none)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import exports
from core.models import Customer
from core.paging import capped_count
from core.service import queries
from core.service.models import ServiceDue, Vehicle, WorkshopOrder
from core.service.queries import InvitationRow
from core.service.types import label
from core.settings import Settings

C = Customer
CALL_STATUSES = ("callback", "call_list")  # who staff should phone


def _name(first: str, last: str, company: str) -> str:
    return f"{first} {last}".strip() or company


# --- the call list ------------------------------------------------------------------------

def call_list(session: Session, page: int = 1, page_size: int = 25
              ) -> tuple[list[InvitationRow], int]:
    """Invitations waiting for a phone call (call-back wishes and no reaction), the oldest
    due date first; one page and the (capped) count."""
    return queries.list_invitations(session, status=CALL_STATUSES, sort="due_date",
                                    descending=False, page=page, page_size=page_size)


# --- vehicles excluded by an open order -------------------------------------------------------

@dataclass(frozen=True)
class ExcludedDue:
    service_type: str
    due_date: date
    why: str  # ServiceDue.excluded: the open order and the words it matched


@dataclass(frozen=True)
class ExcludedVehicle:
    vehicle_id: int
    vehicle_number: str
    plate: str
    make: str
    model: str
    customer_id: int | None
    customer_number: str | None
    name: str
    dues: tuple[ExcludedDue, ...]


def excluded_vehicles(session: Session, page: int = 1, page_size: int = 25
                      ) -> tuple[list[ExcludedVehicle], int]:
    """Vehicles with at least one due date an open order excludes (what the "Ausgeschlossen"
    tile counts), the earliest due date first, with every excluded type and why."""
    excluded = ServiceDue.excluded != ""
    grouped = select(ServiceDue.vehicle_id).where(excluded).group_by(ServiceDue.vehicle_id)
    total = capped_count(session, grouped)
    page, page_size = max(int(page), 1), max(min(int(page_size), 500), 1)
    ids = list(session.scalars(grouped.order_by(func.min(ServiceDue.due_date),
                                                ServiceDue.vehicle_id)
                               .offset((page - 1) * page_size).limit(page_size)))
    if not ids:
        return [], total
    dues: dict[int, list[ExcludedDue]] = defaultdict(list)
    for vehicle_id, service_type, due_date, why in session.execute(
            select(ServiceDue.vehicle_id, ServiceDue.service_type, ServiceDue.due_date,
                   ServiceDue.excluded).where(excluded, ServiceDue.vehicle_id.in_(ids))
            .order_by(ServiceDue.due_date, ServiceDue.service_type)):
        dues[vehicle_id].append(ExcludedDue(service_type, due_date, why))
    rows = {row.id: row for row in session.execute(
        select(Vehicle.id, Vehicle.vehicle_number, Vehicle.plate, Vehicle.make, Vehicle.model,
               Vehicle.customer_id, C.customer_number, C.first_name, C.last_name,
               C.company_name).outerjoin(C, C.id == Vehicle.customer_id)
        .where(Vehicle.id.in_(ids)))}
    result = []
    for vehicle_id in ids:
        r = rows[vehicle_id]
        result.append(ExcludedVehicle(r.id, r.vehicle_number, r.plate, r.make, r.model,
                                      r.customer_id, r.customer_number,
                                      _name(r.first_name, r.last_name, r.company_name),
                                      tuple(dues[vehicle_id])))
    return result, total


EXCLUDED_HEADER = ("Fahrzeugnummer", "Kennzeichen", "Fahrzeug", "Kundennummer", "Kunde",
                   "Serviceart", "Fällig ab", "Grund")


def export_excluded(session: Session, settings: Settings, file_format: str = "csv") -> bytes:
    """Every excluded due date (one line per vehicle and type) as CSV or Excel."""
    rows, _ = excluded_vehicles(session, page_size=500)
    country = settings.holiday_country
    lines = ((v.vehicle_number, v.plate, f"{v.make} {v.model}".strip(), v.customer_number,
              v.name, label(d.service_type, country), d.due_date, d.why)
             for v in rows for d in v.dues)
    return exports.write(file_format, EXCLUDED_HEADER, lines, settings.timezone)


# --- vehicle search and order amounts -----------------------------------------------------------

@dataclass(frozen=True)
class VehicleHit:
    id: int
    vehicle_number: str
    plate: str
    vin: str
    name: str  # "VW Golf"
    owner: str
    customer_number: str


def search_vehicles(session: Session, text: str, limit: int = 20) -> list[VehicleHit]:
    """core.service.queries.find_vehicles with each owner's name, for the result list."""
    vehicles = queries.find_vehicles(session, text, limit)
    ids = {v.customer_id for v in vehicles if v.customer_id is not None}
    owners = {c.id: c for c in session.scalars(select(C).where(C.id.in_(ids)))} if ids else {}
    result = []
    for v in vehicles:
        owner = owners.get(v.customer_id) if v.customer_id is not None else None
        result.append(VehicleHit(v.id, v.vehicle_number, v.plate, v.vin, v.name,
                                 owner.full_name if owner else "",
                                 (owner.customer_number if owner else None)
                                 or v.customer_number))
    return result


def order_amounts(session: Session, vehicle_id: int) -> dict[str, int]:
    """Order number -> amount in cents for one vehicle."""
    return dict(session.execute(select(WorkshopOrder.order_number, WorkshopOrder.amount_cents)
                                .where(WorkshopOrder.vehicle_id == vehicle_id)).all())
