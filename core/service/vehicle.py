"""One vehicle as the vehicle page and the API show it: its data, the mileage history (ignored
readings marked), the orders with the types they matched, and per type the due date with its
basis and the next contact - or why none will come."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core import consent
from core.errors import NotFound
from core.ids import in_range
from core.models import Customer
from core.service import config, history
from core.service.classify import Classifier, Matches
from core.service.duedates import Reading, VehicleFacts
from core.service.mails import existing_customer
from core.service.models import (
    ServiceDue,
    ServiceInvitation,
    Vehicle,
    VehicleReading,
    WorkshopOrder,
)
from core.service.timeline import STATUS_LABELS
from core.service.types import label
from core.settings import Settings

NO_INVITATION = "keine Einladung geplant"


@dataclass(frozen=True)
class TypeLine:
    service_type: str
    label: str
    due_date: date
    basis: str
    reason: str
    next_kind: str | None
    next_at: datetime | None
    why_none: str | None  # why no contact will come (None when one is planned)


@dataclass(frozen=True)
class VehicleDetail:
    vehicle: Vehicle
    customer: Customer | None
    readings: list[Reading]
    orders: list[tuple[history.Order, Matches]]
    types: list[TypeLine]
    invitations: list[ServiceInvitation]


def get_vehicle(session: Session, vehicle_id: int) -> Vehicle:
    vehicle = session.scalar(select(Vehicle).options(joinedload(Vehicle.customer))
                             .where(Vehicle.id == vehicle_id)) if in_range(vehicle_id) else None
    if vehicle is None:
        raise NotFound(f"Fahrzeug {vehicle_id} gibt es nicht.")
    return vehicle


def by_number(session: Session, vehicle_number: str) -> Vehicle:
    vehicle = session.scalar(select(Vehicle).options(joinedload(Vehicle.customer))
                             .where(Vehicle.vehicle_number == vehicle_number))
    if vehicle is None:
        raise NotFound(f"Fahrzeugnummer „{vehicle_number}“ ist unbekannt.")
    return vehicle


def _orders(session: Session, vehicle: Vehicle) -> list[history.Order]:
    return [history.Order(o.order_number, o.order_date, o.order_text, o.status, o.mileage)
            for o in session.scalars(select(WorkshopOrder)
                                     .where(WorkshopOrder.vehicle_id == vehicle.id))]


def _history(session: Session, vehicle: Vehicle, orders: list[history.Order],
             classifier: Classifier) -> history.History:
    stored = session.execute(select(VehicleReading.day, VehicleReading.km)
                             .where(VehicleReading.vehicle_id == vehicle.id)).all()
    own = history.vehicle_readings([(day, km) for day, km in stored], vehicle.mileage,
                                   vehicle.mileage_on)
    facts = VehicleFacts(vehicle.make, vehicle.model, vehicle.fuel, vehicle.first_registration)
    return history.build(facts, orders, own, classifier)


def _why_none(due: ServiceDue, customer: Customer | None, existing: bool,
              invitations: list[ServiceInvitation]) -> str:
    if due.excluded:
        return f"ausgeschlossen: {due.excluded}"
    for invitation in invitations:
        if due.service_type in invitation.types and invitation.due_date == due.due_date:
            return invitation.outcome or STATUS_LABELS.get(invitation.status, invitation.status)
    if customer is not None:  # the rule the daily run asks (core.service.run)
        refused = consent.may_send(customer, "marketing", existing_customer=existing)
        if refused:
            return refused
    return NO_INVITATION


def _line(due: ServiceDue, country: str, customer: Customer | None, existing: bool,
          invitations: list[ServiceInvitation]) -> TypeLine:
    coming = next((i for i in invitations if due.service_type in i.types and i.next_at), None)
    return TypeLine(due.service_type, label(due.service_type, country), due.due_date, due.basis,
                    due.reason, coming.next_kind if coming else None,
                    coming.next_at if coming else None,
                    None if coming else _why_none(due, customer, existing, invitations))


def detail(session: Session, settings: Settings, vehicle: Vehicle) -> VehicleDetail:
    classifier = config.load(session).classifier()
    orders = sorted(_orders(session, vehicle), key=lambda o: (o.day, o.number), reverse=True)
    past = _history(session, vehicle, orders, classifier)
    invitations = list(session.scalars(select(ServiceInvitation)
                                       .where(ServiceInvitation.vehicle_id == vehicle.id)
                                       .order_by(ServiceInvitation.due_date.desc(),
                                                 ServiceInvitation.id.desc())))
    dues = session.scalars(select(ServiceDue).where(ServiceDue.vehicle_id == vehicle.id)
                           .order_by(ServiceDue.due_date, ServiceDue.service_type)).all()
    country = settings.holiday_country
    existing = vehicle.customer is not None and existing_customer(session, vehicle.customer.id)
    return VehicleDetail(
        vehicle, vehicle.customer, past.readings,
        [(order, classifier.matches(order.text)) for order in orders],
        [_line(d, country, vehicle.customer, existing, invitations) for d in dues], invitations)


def api_view(found: VehicleDetail) -> dict:
    """The JSON of GET /api/v1/service/vehicles/{vehicle_number} (keep exact)."""
    return {
        "vehicle_number": found.vehicle.vehicle_number,
        "customer_number": found.customer.customer_number if found.customer else None,
        "due": [{
            "service_type": line.service_type,
            "due_date": line.due_date.isoformat(),
            "basis": line.basis,
            "reason": line.reason,
            "next_contact": {"kind": line.next_kind, "at": line.next_at.isoformat()}
            if line.next_at else None,
            "suppressed": None if line.next_at or line.why_none == NO_INVITATION
            else line.why_none,
        } for line in found.types],
    }
