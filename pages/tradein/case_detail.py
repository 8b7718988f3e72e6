"""One trade-in case: customer, vehicle, valuation, status, actions, timeline and the
automatic mails still to come. Everything shown is read from core in one short session."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import actions, clock, events
from core.customers import customer_url
from core.errors import NotFound
from core.formatting import format_date, format_datetime, format_eur
from core.tradein import KEY, rules, service, wishes
from core.tradein.actions import FLOW
from core.tradein.flow import MAILS, STATUS_LABELS
from pages.action_dialog import action_bar
from pages.frame import page, runtime
from pages.timeline import timeline
from pages.tradein.cases import ROLES, list_url
from pages.tradein.widgets import status_badge
from pages.widgets import section, value_row


def load_case(case_id: int, user: Any = None) -> dict[str, Any]:
    """A plain snapshot of everything the page shows (no lazy loading after the session)."""
    settings = runtime().settings()
    tz = settings.timezone
    with runtime().db.session() as session:
        case = service.case_detail(session, case_id)
        customer = case.customer
        now = clock.now()
        upcoming, why_none = rules.upcoming_for_case(session, case, now, settings)
        entries = events.for_record(session, KEY, case_id)
        return {
            "id": case.id, "status": case.status, "archived": case.archived_at is not None,
            "customer_name": customer.full_name, "email": customer.email,
            "phone": customer.phone, "customer_id": customer.id,
            "opted_out": format_datetime(customer.opted_out_at, tz)
            if customer.opted_out_at else "",
            "vehicle": f"{case.make} {case.model}", "build_year": str(case.build_year),
            "mileage": f"{case.mileage_km:,} km".replace(",", "."), "fuel": case.fuel,
            "market_value": format_eur(case.market_value_cents),
            "calculated_at": format_datetime(case.calculated_at, tz),
            "appointment": format_datetime(case.appointment_at, tz),
            # While a request waits, the customer's wish is the appointment to confirm.
            "wish": (wishes.last_wish(session, case.id) or {}).get("wish", "")
            if case.status == 3 else "",
            "purchase_price": format_eur(case.purchase_price_cents),
            "status_since": format_datetime(case.status_changed_at, tz),
            "created": format_date(case.created_at, tz),
            "actions": actions.views(FLOW, session, settings, case, user, now),
            "upcoming": [
                {"at": format_datetime(o.at, tz), "mail": MAILS[o.mail].label if o.mail in MAILS
                 else o.mail, "reason": o.reason or ""} for o in upcoming],
            "why_none": why_none or "",
            "timeline": [{"at": format_datetime(e.at, tz), "text": e.text, "kind": e.kind,
                          "actor": e.actor} for e in entries],
        }


def status_track(status: int, archived: bool, since: str) -> None:
    """The funnel as a row of steps: done steps ticked, the current one named and coloured."""
    with ui.row().classes("w-full gap-1 items-center flex-wrap").mark("status-track"):
        for number, label in STATUS_LABELS.items():
            if number == status:
                status_badge(status)
                continue
            done = number < status and not (status == 8 and number == 7)
            chip = ui.chip(str(number), icon="check" if done else None,
                           color="grey-3" if done else "white",
                           text_color="grey-8" if done else "grey-5").props("dense square")
            chip.tooltip(label)
        if archived:
            ui.badge("archiviert", color="grey-6").classes("text-sm px-3 py-1").mark(
                "archived-badge")
        ui.label(f"seit {since}").classes("text-sm text-grey-7 ml-2")


def _customer(case: dict[str, Any]) -> None:
    with section("Kunde", "person"):
        value_row("Name", case["customer_name"], "customer-name")
        value_row("E-Mail", case["email"], "customer-email")
        value_row("Telefon", case["phone"])
        if case["opted_out"]:
            value_row("Werbemails", f"abgemeldet am {case['opted_out']}", "customer-optout") \
                .classes("text-negative")
        else:
            value_row("Werbemails", "erlaubt", "customer-optout")
        ui.link("Kundenakte öffnen →", customer_url(case['customer_id'])).classes(
            "text-sm text-primary no-underline").mark("customer-record-link")


def _vehicle(case: dict[str, Any]) -> None:
    with section("Fahrzeug & Bewertung", "directions_car"):
        value_row("Fahrzeug", case["vehicle"], "vehicle")
        value_row("Baujahr", case["build_year"])
        value_row("Kilometerstand", case["mileage"])
        value_row("Kraftstoff", case["fuel"])
        value_row("Marktwert", case["market_value"], "market-value")
        value_row("Berechnet am", case["calculated_at"])


def _deal(case: dict[str, Any]) -> None:
    with section("Termin & Angebot", "event"):
        if case["wish"]:
            value_row("Terminwunsch", f"{case['wish']} (noch zu bestätigen)",
                      "appointment-wish").classes("text-orange-9 font-medium")
            if case["appointment"]:
                value_row("Bisher bestätigt", case["appointment"], "appointment")
        else:
            value_row("Termin", case["appointment"] or "noch keiner", "appointment")
        value_row("Ankaufspreis", case["purchase_price"] or "noch keiner", "purchase-price")
        value_row("Angelegt am", case["created"])


def _upcoming(case: dict[str, Any]) -> None:
    with section("Automatische Mails", "schedule"), ui.column().classes("w-full gap-2").mark(
            "upcoming"):
        for item in case["upcoming"]:
            with ui.row().classes("w-full no-wrap items-baseline gap-3"):
                ui.label(item["at"]).classes("text-sm font-medium w-36 shrink-0")
                with ui.column().classes("gap-0"):
                    ui.label(item["mail"]).classes("text-sm")
                    if item["reason"]:
                        ui.label(item["reason"]).classes("text-xs text-grey-7")
        if case["why_none"]:
            ui.label(case["why_none"]).classes("text-sm text-grey-8").mark("upcoming-none")
        elif not case["upcoming"]:
            ui.label("Keine automatischen Mails geplant.").classes("text-sm text-grey-8").mark(
                "upcoming-none")


async def case_page(user: Any, case_id: int) -> None:
    @ui.refreshable
    async def body() -> None:
        try:
            case = await run.io_bound(load_case, case_id, user)
        except NotFound:
            ui.label(f"Den Fall {case_id} gibt es nicht.").classes("text-lg").mark("not-found")
            return
        with ui.row().classes("w-full items-center gap-3"):
            ui.label(f"Fall {case['id']} · {case['customer_name']}").classes(
                "text-2xl font-medium").mark("case-title")
        status_track(case["status"], case["archived"], case["status_since"])
        with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4"):
            _customer(case)
            _vehicle(case)
            _deal(case)
        with section("Aktionen", "bolt"):
            action_bar(FLOW, case["id"], case["actions"], user, body.refresh)
        with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4 items-start"):
            with ui.element("div").classes("md:col-span-2"):
                timeline(case["timeline"])
            _upcoming(case)

    ui.link("← Zurück zur Liste", list_url()).classes("text-sm text-primary no-underline").mark(
        "back-to-list")
    await body()


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/ankauf/{case_id}", "Ankauf-Fall", roles=ROLES)(case_page)
