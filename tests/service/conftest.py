"""Helpers for the service scenarios: DMS files go in through the real importer, the daily
run and the outbox drain run as of instants the test names, mails land on the real test SMTP
server. The clock fixture `now` is Monday 23.11.2026 10:00 in Vienna (calendar AT: 8 December
is a public holiday, Saturdays are open in the morning)."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core import clock
from core.imports.importer import run_import
from core.mail import sender, templates
from core.models import Customer
from core.service import run
from core.service.models import ServiceDue, ServiceInvitation, Vehicle
from tests.web.conftest import _nicegui_storage, web  # noqa: F401 (the API tests use `web`)

VIENNA = ZoneInfo("Europe/Vienna")
CUSTOMERS_HEAD = "Kundennummer;Vorname;Nachname;E-Mail;Werbeeinwilligung\n"
VEHICLES_HEAD = ("Fahrzeugnummer;Kundennummer;Kennzeichen;Marke;Modell;Kraftstoff;"
                 "Erstzulassung;Kilometerstand;Kilometerstand am\n")
ORDERS_HEAD = ("Auftragsnummer;Fahrzeugnummer;Kundennummer;Datum;Auftragstext;Status;"
               "Kilometerstand\n")


def local(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A Vienna wall time as the UTC instant the code works with."""
    return datetime(year, month, day, hour, minute, tzinfo=VIENNA).astimezone(UTC)


@pytest.fixture
def sdb(db, now):
    with db.session(write=True) as session:
        templates.seed_defaults(session, now)
    return db


def load(db, kind: str, head: str, *rows: str, at: datetime | None = None):
    """Import CSV rows (German columns) as of `at`; the result must not be refused."""
    result = run_import(db, kind, (head + "\n".join(rows) + "\n").encode(),
                        now=at or clock.now())
    assert not result.refused, [e.reason for e in result.errors]
    return result


def customer(db, number: str = "1001", consent: str = "ja", email: str = "") -> None:
    load(db, "customers", CUSTOMERS_HEAD,
         f"{number};Eva;Huber{number};{email or f'eva{number}@example.at'};{consent}")


def vehicle(db, number: str = "F1", owner: str = "1001", first_registration: str = "10.06.2025",
            fuel: str = "Benzin", plate: str = "L-1234AB", at: datetime | None = None) -> None:
    load(db, "vehicles", VEHICLES_HEAD,
         f"{number};{owner};{plate};VW;Golf;{fuel};{first_registration};;", at=at)


def order(db, number: str, day: str, text: str, status: str = "abgeschlossen",
          vehicle_number: str = "F1", km: str = "", at: datetime | None = None) -> None:
    load(db, "workshop_orders", ORDERS_HEAD,
         f"{number};{vehicle_number};;{day};{text};{status};{km}", at=at)


def tick(db, settings, at: datetime):
    """The daily service run and the outbox drain as of `at` (what the scheduler does)."""
    with db.session(write=True) as session:
        outcomes = run.run_due(session, at, settings)
    sender.drain(db, settings, at)
    return outcomes


def invitations(db) -> list[ServiceInvitation]:
    with db.session() as session:
        return list(session.scalars(select(ServiceInvitation).where(
            ServiceInvitation.status != "planned").order_by(ServiceInvitation.id)))


def planned(db) -> list[ServiceInvitation]:
    with db.session() as session:
        return list(session.scalars(select(ServiceInvitation).where(
            ServiceInvitation.status == "planned").order_by(ServiceInvitation.due_date)))


def due(db, service_type: str, vehicle_number: str = "F1") -> ServiceDue:
    with db.session() as session:
        return session.scalar(select(ServiceDue).join(Vehicle).where(
            Vehicle.vehicle_number == vehicle_number, ServiceDue.service_type == service_type))


def customer_id(db, number: str = "1001") -> int:
    with db.session() as session:
        return session.scalar(select(Customer.id).where(Customer.customer_number == number))
