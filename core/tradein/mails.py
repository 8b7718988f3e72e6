"""The funnel's mails: template context, the variable list staff see, and queueing.

Every trade-in mail is queued here and only through core.mail.outbox.enqueue, so recipient,
classification (flow.MAILS) and template key are decided in one place."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from core import flows
from core.formatting import format_date, format_datetime, format_eur
from core.mail import identity
from core.models import Customer, OutboxMessage
from core.settings import Settings
from core.tradein import KEY, links
from core.tradein.flow import MAILS, STATUS_LABELS, MailSpec
from core.tradein.models import TradeInCase

# Shown on the templates page next to the editor; keys are exactly the context keys.
VARIABLES: dict[str, str] = {
    "first_name": "Vorname des Kunden",
    "last_name": "Nachname des Kunden",
    "full_name": "Vor- und Nachname des Kunden",
    "customer_email": "E-Mail-Adresse des Kunden",
    "customer_phone": "Telefonnummer des Kunden (kann leer sein)",
    "case_id": "Fallnummer",
    "make": "Marke des Fahrzeugs",
    "model": "Modell des Fahrzeugs",
    "vehicle": "Marke und Modell, z. B. „VW Golf“",
    "build_year": "Baujahr",
    "mileage": "Kilometerstand, z. B. „84.500 km“",
    "fuel": "Kraftstoff / Antrieb",
    "market_value": "Berechneter Marktwert, z. B. „12.345,00 €“",
    "calculated_at": "Datum der Marktwertberechnung (TT.MM.JJJJ)",
    "appointment": "Termin mit Datum und Uhrzeit (leer, solange keiner feststeht)",
    "appointment_date": "Termin – nur Datum (kann leer sein)",
    "appointment_time": "Termin – nur Uhrzeit (kann leer sein)",
    "purchase_price": "Ankaufspreis aus dem Händlerangebot (kann leer sein)",
    "status": "Statusnummer (1–8)",
    "status_label": "Statusbezeichnung, z. B. „Abgeschlossen: gekauft“",
    "bought": "Ja/Nein: Fahrzeug wurde angekauft (für {% if bought %} … {% endif %})",
    "decision": "Kundenentscheidung als Text: „gekauft“ oder „nicht gekauft“",
    "booking_url": "Link zur Terminbuchung für den Kunden",
    "wish": "Terminwunsch des Kunden über die Terminseite, z. B. „Dienstag, 01.12.2026, "
            "Vormittag“ (leer, solange keiner vorliegt)",
    "case_url": "Link zum Fall in Kundenpilot (für Mails an Mitarbeiter)",
    "dealer_name": "Name des Autohauses (Absendername, vom Mailsystem eingesetzt)",
    "service_center_email": "E-Mail-Adresse des Service-Centers",
    "dealer_email": "E-Mail-Adresse des Händlers",
    "unsubscribe_url": "Abmeldelink (nur in Mails an Kunden, vom Mailsystem eingesetzt)",
}


def template_key(mail: str) -> str:
    """Database key of a funnel mail's template (factory file: templates/tradein/<mail>.*)."""
    return flows.template_key(KEY, mail)


def _base(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/")


def booking_url(settings: Settings, case_id: int) -> str:
    """Where a customer books (or re-books) the appraisal appointment for this case."""
    return links.booking_url(settings, case_id)


def case_url(settings: Settings, case_id: int) -> str:
    return f"{_base(settings)}/ankauf/{case_id}"


def case_context(settings: Settings, case: TradeInCase, customer: Customer) -> dict[str, Any]:
    """Everything a funnel template may use, formatted for German readers."""
    tz = settings.timezone
    appointment = case.appointment_at
    return {
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "full_name": customer.full_name,
        "customer_email": customer.email,
        "customer_phone": customer.phone or "",
        "case_id": case.id,
        "make": case.make,
        "model": case.model,
        "vehicle": f"{case.make} {case.model}".strip(),
        "build_year": case.build_year,
        "mileage": f"{case.mileage_km:,} km".replace(",", "."),
        "fuel": case.fuel,
        "market_value": format_eur(case.market_value_cents),
        "calculated_at": format_date(case.calculated_at, tz),
        "appointment": format_datetime(appointment, tz),
        "appointment_date": format_date(appointment, tz),
        "appointment_time": format_datetime(appointment, tz)[-5:] if appointment else "",
        "purchase_price": format_eur(case.purchase_price_cents),
        "status": case.status,
        "status_label": STATUS_LABELS[case.status],
        "bought": case.status == 8,
        "decision": "gekauft" if case.status == 8 else "nicht gekauft",
        "booking_url": booking_url(settings, case.id),
        "case_url": case_url(settings, case.id),
        "wish": "",
        "service_center_email": settings.service_center_email,
        "dealer_email": settings.dealer_email,
    }


def sample_context(settings: Settings, status: int = 8) -> dict[str, Any]:
    """A plausible context for validating and previewing templates without a real case."""
    customer = Customer(id=0, email="maria.muster@example.at", first_name="Maria",
                        last_name="Muster", phone="+43 660 1234567")
    sample_day = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)
    case = TradeInCase(
        id=4711, status=status, make="Volkswagen", model="Golf 1.5 TSI", build_year=2019,
        mileage_km=84500, fuel="Benzin", market_value_cents=1549000, calculated_at=sample_day,
        appointment_at=sample_day, purchase_price_cents=1480000,
    )
    context = case_context(settings, case, customer)
    context["dealer_name"] = identity.dealer_name(settings)
    context["unsubscribe_url"] = f"{_base(settings)}/abmelden/beispiel"
    context["wish"] = "Dienstag, 01.12.2026, Vormittag"
    return context


def recipient(settings: Settings, spec: MailSpec, customer: Customer) -> tuple[str, str]:
    """(address, display name) of a funnel mail."""
    if spec.recipient == "dealer":
        return settings.dealer_email, "Händler"
    if spec.recipient == "service_center":
        return settings.service_center_email, "Service-Center"
    return customer.email, customer.full_name


def queue(session: Session, settings: Settings, case: TradeInCase, customer: Customer,
          mail: str, idempotency_key: str, actor: str, now: datetime,
          extra: dict[str, Any] | None = None,
          not_before: datetime | None = None) -> OutboxMessage | None:
    """Put one funnel mail into the outbox at `now` (same transaction as the change causing
    it); the row points to ("tradein", case id). `extra` adds to the case's variables."""
    from core.mail import outbox  # imported late: the mail engine imports nothing from here

    spec = MAILS[mail]
    to_addr, to_name = recipient(settings, spec, customer)
    return outbox.enqueue(
        session, settings, now, idempotency_key=idempotency_key,
        template_key=template_key(mail),
        context=case_context(settings, case, customer) | (extra or {}),
        to_addr=to_addr, to_name=to_name, kind=spec.kind, customer=customer, module=KEY,
        record_id=case.id, actor=actor, not_before=not_before,
    )


def render_preview(session: Session, settings: Settings, case: TradeInCase,
                   customer: Customer, mail: str):
    """The mail as it would be queued now (core.mail.render.Rendered)."""
    from core.mail import outbox

    return outbox.preview(session, settings, template_key(mail),
                          case_context(settings, case, customer), customer=customer,
                          kind=MAILS[mail].kind)


