"""Service mails: the template variables, the context of an invitation, and queueing the
invitation or reminder through the outbox (marketing: consent or the existing-customer
exception, no objection). Factory templates: templates/service/invitation.*, combined.*
(several types in one visit), reminder.* and callback.* (to the service advisor)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core.db import in_lists
from core.models import Customer
from core.service import links
from core.service.duedates import de_date
from core.service.models import ServiceDue, ServiceInvitation, Vehicle, WorkshopOrder
from core.service.types import joined_labels, label
from core.settings import Settings

INVITATION, COMBINED, REMINDER, CALLBACK, BOOKING = (
    "service.invitation", "service.combined", "service.reminder", "service.callback",
    "service.booking")
LABELS = {INVITATION: "Einladung (eine Serviceart)",
          COMBINED: "Einladung (mehrere Servicearten in einem Besuch)",
          REMINDER: "Erinnerung an die Einladung",
          CALLBACK: "Rückrufwunsch (an den Serviceberater)",
          BOOKING: "Terminwunsch (an den Serviceberater)"}
KINDS = {INVITATION: "marketing", COMBINED: "marketing", REMINDER: "marketing",
         CALLBACK: "staff", BOOKING: "staff"}

VARIABLES: dict[str, str] = {
    "name": "Vor- und Nachname, sonst Firmenname (leer möglich)",
    "first_name": "Vorname des Kunden (leer möglich)",
    "last_name": "Nachname des Kunden (leer möglich)",
    "customer_number": "Kundennummer aus dem DMS",
    "customer_phone": "Telefonnummer des Kunden (leer möglich)",
    "vehicle": "Marke und Modell, z. B. „VW Golf“",
    "make": "Marke (leer möglich)",
    "model": "Modell (leer möglich)",
    "plate": "Kennzeichen (leer möglich)",
    "vin": "Fahrgestellnummer (leer möglich)",
    "vehicle_number": "Fahrzeugnummer aus dem DMS",
    "services": "die fälligen Arbeiten in einem Satzteil, z. B. „Inspektion/Wartung und "
                "§57a-Begutachtung (Pickerl)“",
    "service_list": "Liste der fälligen Arbeiten; je Eintrag .label, .due_date und .phrase "
                    "(für {% for s in service_list %})",
    "due_date": "frühestes Fälligkeitsdatum, TT.MM.JJJJ",
    "due_phrase": "„ab dem 05.01.2027“, bei einem schon verstrichenen Datum „schon seit dem "
                  "02.09.2025“",
    "overdue": "wahr, wenn das früheste Fälligkeitsdatum schon verstrichen ist "
               "({% if overdue %}…{% endif %})",
    "booking_url": "Link zur Terminbuchung",
    "callback_url": "Link „Bitte rufen Sie mich an“",
    "vehicle_url": "Link zum Fahrzeug in Kundenpilot (nur in Mails an Mitarbeiter)",
    "wish": "Terminwunsch des Kunden, z. B. „12.01.2027, Vormittag“ (nur im Terminwunsch)",
    "dealer_name": "Absendername (vom Mailsystem eingesetzt)",
    "unsubscribe_url": "Abmeldelink (nur in Mails an Kunden, vom Mailsystem eingesetzt)",
}


def template_for(invitation_types: list[str], reminder: bool) -> str:
    if reminder:
        return REMINDER
    return COMBINED if len(invitation_types) > 1 else INVITATION


def existing_customers(session: Session, customer_ids: Iterable[int]) -> set[int]:
    """The existing-customer exception: those of `customer_ids` who already had work done in
    our workshop (one query for a whole daily run)."""
    wanted = sorted(set(customer_ids))
    found: set[int] = set()
    has_orders = exists().where(WorkshopOrder.vehicle_id == Vehicle.id)
    for part in in_lists(wanted):
        found.update(session.scalars(select(Vehicle.customer_id).distinct()
                                     .where(Vehicle.customer_id.in_(part), has_orders)))
    return found


def existing_customer(session: Session, customer_id: int) -> bool:
    return customer_id in existing_customers(session, (customer_id,))


def due_dates(session: Session, vehicle_ids: Iterable[int]) -> dict[int, dict[str, date]]:
    """Each vehicle's due date per type (a mail lists the date of every type it names)."""
    wanted = sorted(set(vehicle_ids))
    found: dict[int, dict[str, date]] = {v: {} for v in wanted}
    for part in in_lists(wanted):
        for vehicle_id, service_type, day in session.execute(
                select(ServiceDue.vehicle_id, ServiceDue.service_type, ServiceDue.due_date)
                .where(ServiceDue.vehicle_id.in_(part))):
            found[vehicle_id][service_type] = day
    return found


def due_phrase(day: date, today: date) -> str:
    """How a mail names a due date: ahead, or already past (a vehicle whose history knows
    no such service is due since long)."""
    return f"ab dem {de_date(day)}" if day >= today else f"schon seit dem {de_date(day)}"


def context(settings: Settings, invitation: ServiceInvitation, vehicle: Vehicle,
            customer: Customer, dues: dict[str, date], today: date) -> dict[str, Any]:
    country = settings.holiday_country
    types = invitation.types
    return {
        "name": customer.full_name, "first_name": customer.first_name,
        "last_name": customer.last_name, "customer_number": customer.customer_number or "",
        "customer_phone": customer.phone, "vehicle": vehicle.name, "make": vehicle.make,
        "model": vehicle.model, "plate": vehicle.plate, "vin": vehicle.vin,
        "vehicle_number": vehicle.vehicle_number,
        "services": joined_labels(types, country),
        "service_list": [{"label": label(t, country),
                          "due_date": de_date(dues.get(t, invitation.due_date)),
                          "phrase": due_phrase(dues.get(t, invitation.due_date), today)}
                         for t in types],
        "due_date": de_date(invitation.due_date),
        "due_phrase": due_phrase(invitation.due_date, today),
        "overdue": invitation.due_date < today,
        "booking_url": links.url(settings, "booking", invitation.id or 0),
        "callback_url": links.url(settings, "callback", invitation.id or 0),
        "vehicle_url": f"{settings.public_base_url.rstrip('/')}/service/fahrzeug/"
                       f"{vehicle.id or 0}",
        "wish": "",
    }


def sample_context(settings: Settings, key: str = INVITATION) -> dict[str, Any]:
    """Made-up values for validating and previewing service templates."""
    customer = Customer(id=0, first_name="Max", last_name="Mustermann", email="max@example.at",
                        customer_number="100234", phone="+43 732 123456")
    vehicle = Vehicle(id=0, vehicle_number="F-20417", make="VW", model="Golf 1.5 TSI",
                      plate="L-123AB", vin="WVWZZZ1KZAW000001")
    types = "inspection,hu" if key == COMBINED else "inspection"
    invitation = ServiceInvitation(id=0, service_types=types, due_date=date(2027, 3, 1))
    values = context(settings, invitation, vehicle, customer,
                     {"inspection": date(2027, 3, 1), "hu": date(2027, 4, 1)}, date(2027, 2, 1))
    return values | {"wish": "Terminwunsch: 12.01.2027, Vormittag" if key == BOOKING else "",
                     "unsubscribe_url": f"{settings.public_base_url.rstrip('/')}/abmelden/"
                                        f"beispiel"}
