"""What the customer page shows of the shared record: the customer's data and consent, and
the one timeline across all modules (newest first, each entry with its module and record)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core import events, modules
from core.errors import NotFound
from core.ids import in_range as id_in_range
from core.models import Customer

KERNEL_LABEL = "Allgemein"  # events no module owns: opt-out, imports, merges, logins


@dataclass(frozen=True, slots=True)
class Profile:
    """The customer's own data (plain values, usable after the session closed)."""

    id: int
    first_name: str
    last_name: str
    company_name: str
    email: str
    phone: str
    customer_number: str
    city: str
    country: str
    customer_group: str
    created_at: datetime
    marketing_consent: bool
    opted_out_at: datetime | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company_name or \
            self.email or f"Kunde {self.id}"


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    text: str
    actor: str
    module_label: str
    url: str | None  # the module's page of the record the event is about, if any


def get_customer(session: Session, customer_id: int) -> Customer:
    """The customer row; NotFound (German) for an unknown or out-of-range id."""
    customer = session.get(Customer, customer_id) if id_in_range(customer_id) else None
    if customer is None:
        raise NotFound(f"Den Kunden {customer_id} gibt es nicht.")
    return customer


def profile(session: Session, customer_id: int) -> Profile:
    c = get_customer(session, customer_id)
    return Profile(
        id=c.id, first_name=c.first_name, last_name=c.last_name, company_name=c.company_name,
        email=c.email, phone=c.phone, customer_number=c.customer_number or "", city=c.city,
        country=c.country, customer_group=c.customer_group, created_at=c.created_at,
        marketing_consent=bool(c.marketing_consent), opted_out_at=c.opted_out_at)


def timeline(session: Session, customer_id: int, limit: int = 200) -> list[TimelineEntry]:
    """Every module's events about the customer, newest first."""
    entries = []
    for event in events.for_customer(session, customer_id, limit=limit):
        key = event.module
        module = modules.get(key) if key else None
        entries.append(TimelineEntry(
            at=event.at, kind=event.kind, text=event.text, actor=event.actor,
            module_label=module.label if module is not None else KERNEL_LABEL,
            url=modules.record_url(key, event.record_id)))
    return entries
