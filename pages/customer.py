"""The one customer page `/kunden/{id}`: the shared record (data, consent, opt-out), one panel
per registered module, and the one timeline across all modules. A suggested duplicate shows
as a banner with a one-click merge (pages.customer_merge)."""
from __future__ import annotations

import inspect
from typing import Any

from nicegui import run, ui

from core import modules
from core.customers import duplicates, profile
from core.formatting import format_date, format_datetime
from pages.customer_merge import duplicate_banner, duplicates_overview
from pages.frame import module_pages, page, runtime
from pages.timeline import timeline
from pages.widgets import section, value_row

ROLES = ("admin", "service", "sales", "supervisor")  # everyone who works with customers


def load(customer_id: int) -> dict[str, Any]:
    """A plain snapshot of the record, its timeline and its duplicates (one short session);
    NotFound for an unknown id, which the frame shows as the 404 page."""
    tz = runtime().settings().timezone
    with runtime().db.session() as session:
        p = profile.profile(session, customer_id)
        entries = profile.timeline(session, customer_id)
        pairs = duplicates.duplicates_of(session, customer_id)
    return {
        "id": p.id, "name": p.name, "company_name": p.company_name, "email": p.email,
        "phone": p.phone, "number": p.customer_number,
        "place": ", ".join(x for x in (p.city, p.country) if x), "group": p.customer_group,
        "created": format_date(p.created_at, tz),
        "consent": "ja" if p.marketing_consent else "nein",
        "opted_out": f"Abgemeldet seit {format_datetime(p.opted_out_at, tz)}"
        if p.opted_out_at else "nicht abgemeldet",
        "is_opted_out": p.opted_out_at is not None,
        "timeline": [{"at": format_datetime(e.at, tz), "text": e.text, "kind": e.kind,
                      "actor": e.actor, "module": e.module_label, "url": e.url}
                     for e in entries],
        "pairs": pairs,
    }


def _header(data: dict[str, Any]) -> None:
    with ui.row().classes("w-full items-center gap-3"):
        ui.label(data["name"]).classes("text-2xl font-medium break-all").mark("customer-title")
        if data["number"]:
            ui.badge(f"Kundennr. {data['number']}", color="blue-1", text_color="blue-10") \
                .classes("text-sm px-3 py-1").mark("customer-number-badge")
        else:
            ui.badge("Website-Kunde", color="grey-3", text_color="grey-9").classes(
                "text-sm px-3 py-1").tooltip("Über die Website gekommen, ohne Kundennummer "
                                             "aus dem DMS")


def _record(data: dict[str, Any]) -> None:
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4"):
        with section("Kunde", "person").classes("md:col-span-2"), ui.element("div").classes(
                "w-full grid grid-cols-1 lg:grid-cols-2 gap-x-6 gap-y-2"):
            value_row("Name", data["name"], "customer-name")
            value_row("Firmenname", data["company_name"], "customer-company")
            value_row("E-Mail", data["email"], "customer-email")
            value_row("Telefon", data["phone"], "customer-phone")
            value_row("Kundennummer", data["number"], "customer-number")
            value_row("Ort", data["place"], "customer-place")
            value_row("Kundengruppe", data["group"], "customer-group")
            value_row("Angelegt am", data["created"], "customer-created")
        with section("Werbung & Abmeldung", "mark_email_read"):
            value_row("Werbeeinwilligung", data["consent"], "customer-consent")
            cell = value_row("Abmeldung", data["opted_out"], "customer-optout")
            if data["is_opted_out"]:
                cell.classes("text-negative font-medium")
                ui.label("Keine Werbe- und keine automatischen E-Mails an diesen Kunden.") \
                    .classes("text-xs text-grey-7")


async def _panels(customer_id: int, user: Any) -> None:
    """One card per registered module whose page package brings a customer panel."""
    with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-4 "
                                   "items-start"):
        for module in modules.registered():
            pages = module_pages(module)
            panel = getattr(pages, "customer_panel", None) if pages is not None else None
            if panel is None:
                continue
            icon = module.nav[0].icon if module.nav else "extension"
            with section(module.label, icon).mark(f"module-panel-{module.key}"):
                result = panel(customer_id, user)
                if inspect.isawaitable(result):
                    await result


async def customer_page(user: Any, customer_id: int) -> None:
    data = await run.io_bound(load, customer_id)
    _header(data)
    for pair in data["pairs"]:
        duplicate_banner(pair, customer_id, user)
    _record(data)
    await _panels(customer_id, user)
    timeline(data["timeline"], "Verlauf (alle Module)")
    duplicates_overview(customer_id)


def create() -> None:
    """Register the customer page (called by the composition root)."""
    page("/kunden/{customer_id}", "Kunde", roles=ROLES)(customer_page)
