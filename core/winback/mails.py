"""Win-back mails: the template variables staff may use, and the context that fills them.

Names are English and lower-case like the trade-in ones (core.tradein.mails). Every variable
is always defined; one the DMS left empty is "" so the template decides the wording of the
gap: `{{ first_name|default("Kundin, Kunde", true) }}` (the `true` makes an empty value use
the fallback too). Factory templates: templates/winback/standard.*, voucher.* (customer,
marketing) and offer_note.* (to the staff member creating an offer)."""
from __future__ import annotations

from datetime import date
from typing import Any

from core.formatting import format_eur, format_percent
from core.mail import identity
from core.models import Customer
from core.settings import Settings
from core.winback import process_url, vouchers
from core.winback.models import Company, WinbackEntry

STANDARD_KEY = "winback.standard"
VOUCHER_KEY = "winback.voucher"
OFFER_NOTE_KEY = "winback.offer_note"
TEMPLATE_LABELS = {"standard": "Standard", "voucher": "Gutschein"}

# Shown next to the editor; keys are exactly the context keys. "(leer möglich)" marks values
# a DMS export may leave empty - use default("…", true) for them.
VARIABLES: dict[str, str] = {
    "name": "Vor- und Nachname, sonst Firmenname, z. B. „Max Mustermann“ (leer möglich)",
    "first_name": "Vorname des Kunden (leer möglich)",
    "last_name": "Nachname des Kunden (leer möglich)",
    "company_name": "Firmenname des Kunden, z. B. „Muster GmbH“ (leer möglich)",
    "city": "Ort des Kunden (leer möglich)",
    "country": "Land des Kunden (leer möglich)",
    "email": "E-Mail-Adresse des Kunden",
    "customer_number": "Kundennummer aus dem DMS",
    "customer_group": "Kundengruppe, z. B. „Endkunde“ (leer möglich)",
    "last_order_date": "Datum der letzten Bestellung, TT.MM.JJJJ (leer möglich)",
    "days_since_last_order": "Tage seit der letzten Bestellung, z. B. „238“ (leer möglich)",
    "time_since_last_order": "wie lange die letzte Bestellung her ist, in Worten: „45 Tage“, "
                             "„über drei Monate“, „über ein Jahr“ (leer möglich)",
    "voucher_code": "Gutscheincode für diesen Kunden (fest je Firma oder eigener je Kunde)",
    "voucher_valid_until": "Gutschein gültig bis, TT.MM.JJJJ (ab heute, Tage je Firma)",
    "last_product_group": "Warengruppe mit dem größten Anteil an der letzten Bestellung "
                          "(leer möglich)",
    "company": "Firma/Filiale der letzten Bestellung, z. B. „Autohaus Linz“",
    "sender_name": "Absendername dieser Firma",
    "previous_revenue": "Umsatz im Vorzeitraum, z. B. „1.234,56 €“ (für Mails an Mitarbeiter)",
    "current_revenue": "Umsatz im aktuellen Zeitraum (für Mails an Mitarbeiter)",
    "decline_percent": "Umsatzrückgang in Prozent, z. B. „42,5 %“ (für Mails an Mitarbeiter)",
    "customer_phone": "Telefonnummer des Kunden (leer möglich)",
    "customer_url": "Link zum Kunden in Kundenpilot (für Mails an Mitarbeiter)",
    "note": "Vermerk zum Angebot (nur in der Angebotsnotiz an Mitarbeiter)",
    "staff_name": "Name des angemeldeten Mitarbeiters (nur in der Angebotsnotiz)",
    "dealer_name": "Absendername (vom Mailsystem eingesetzt: der Firma, sonst des Autohauses)",
    "unsubscribe_url": "Abmeldelink (nur in Mails an Kunden, vom Mailsystem eingesetzt)",
}


def time_since(today: date, day: date | None) -> str:
    """"45 Tage" up to three months; beyond, in words (nobody counts 617 days)."""
    if day is None:
        return ""
    days = (today - day).days
    if days <= 90:
        return "1 Tag" if days == 1 else f"{days} Tage"
    return "über drei Monate" if days <= 365 else "über ein Jahr"


def customer_url(settings: Settings, customer_id: int) -> str:
    """The customer's win-back process page in the console."""
    return settings.public_base_url.rstrip("/") + process_url(customer_id)


def has_real_name(company: Company | None) -> bool:
    """False for a company the import created from its code ("WIEN"): that code is no name
    to show a customer (companies page flags it until someone names it)."""
    return company is not None and bool(company.name.strip()) and \
        company.name.strip() != company.code.strip()


def sender_name(settings: Settings, company: Company | None) -> str:
    """Who a win-back mail comes from: the company's sender name, its real name, else the
    dealer's name."""
    if company is not None and company.sender_name.strip():
        return company.sender_name.strip()
    if has_real_name(company):
        return company.name.strip()
    return identity.dealer_name(settings)


def context(settings: Settings, customer: Customer, entry: WinbackEntry | None,
            company: Company | None, today: date) -> dict[str, Any]:
    """Every variable of VARIABLES except note/staff_name, formatted for German readers."""
    last_order = entry.last_order_date if entry is not None else None
    return {
        "name": customer.full_name,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "company_name": customer.company_name,
        "city": customer.city,
        "country": customer.country,
        "email": customer.email,
        "customer_number": customer.customer_number or "",
        "customer_group": customer.customer_group,
        "last_order_date": f"{last_order:%d.%m.%Y}" if last_order else "",
        "days_since_last_order": str((today - last_order).days) if last_order else "",
        "time_since_last_order": time_since(today, last_order),
        "voucher_code": vouchers.code_for(company.voucher_code, company.code, customer.id or 0)
        if company is not None else "",
        "voucher_valid_until": f"{vouchers.valid_until(today, company.voucher_valid_days):%d.%m.%Y}"
        if company is not None else "",
        "last_product_group": entry.top_product_group if entry is not None else "",
        "company": company.name.strip() if has_real_name(company)
        else identity.dealer_name(settings),
        "sender_name": sender_name(settings, company),
        "previous_revenue": format_eur(entry.previous_cents if entry else 0),
        "current_revenue": format_eur(entry.current_cents if entry else 0),
        "decline_percent": format_percent(entry.decline_percent if entry else None),
        "customer_phone": customer.phone,
        "customer_url": customer_url(settings, customer.id or 0),
        "note": "",
        "staff_name": "",
        # The outbox puts this into layout, footer and signature: the company's own name.
        "dealer_name": sender_name(settings, company),
    }


def sample_context(settings: Settings) -> dict[str, Any]:
    """A plausible context for validating and previewing win-back templates."""
    customer = Customer(id=0, email="max.mustermann@example.at", first_name="Max",
                        last_name="Mustermann", company_name="Muster GmbH", city="Linz",
                        country="Österreich", customer_number="100234",
                        customer_group="Endkunde", phone="+43 732 123456")
    entry = WinbackEntry(customer_id=0, previous_cents=482000, current_cents=121050,
                         decline_percent=74.9, last_order_date=date(2026, 3, 18),
                         top_product_group="Reifen")
    company = Company(code="LNZ", name="Autohaus Linz", sender_name="Autohaus Linz Service",
                      voucher_code="WB-{code}", voucher_valid_days=90)
    values = context(settings, customer, entry, company, date(2026, 11, 20))
    values |= {"note": "Winterreifen-Angebot mit Montage", "staff_name": "Eva Berger",
               "unsubscribe_url": f"{settings.public_base_url.rstrip('/')}/abmelden/beispiel"}
    return values
