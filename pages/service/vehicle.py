"""One vehicle (`/service/fahrzeug/{id}`): its data and owner, per service type the due date
with its reason and the next contact (or why none will come), the invitations, the workshop
orders with the types their text matched, and the mileage readings (ignored ones marked).
Everything comes from core.service.vehicle.detail(); an unknown id is the frame's 404."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.customers import customer_url
from core.formatting import format_datetime, format_eur
from core.service import invitation_url, page_queries, queries
from core.service import vehicle as vehicles
from core.service.classify import describe
from core.service.duedates import de_km
from core.service.timeline import NEXT_LABELS
from core.service.types import joined_labels, labels
from pages.frame import page, runtime
from pages.service.vehicle_sections import (
    dues_section,
    invitations_section,
    orders_section,
    readings_section,
)
from pages.service.widgets import ROLES, de_date, local_today, status_cells, tel_href
from pages.widgets import section, value_row

BASIS = {"time": "nach Zeit", "km": "nach Kilometerstand"}


def _owner(customer: Any) -> dict[str, Any] | None:
    if customer is None:
        return None
    return {"id": customer.id, "name": customer.full_name, "href": customer_url(customer.id),
            "number": customer.customer_number or "", "email": customer.email,
            "phone": customer.phone, "tel": tel_href(customer.phone),
            "opted_out": customer.opted_out_at is not None}


def _type_line(line: vehicles.TypeLine, tz: str, today: Any) -> dict[str, Any]:
    if line.next_at is not None:
        kind = NEXT_LABELS.get(line.next_kind or "", line.next_kind or "Kontakt")
        next_text = f"{kind} am {format_datetime(line.next_at, tz)}"
    else:
        next_text = ""
    return {"type": line.service_type, "label": line.label, "due": de_date(line.due_date),
            "overdue": line.due_date < today, "basis": BASIS.get(line.basis, line.basis),
            "basis_key": line.basis, "reason": line.reason, "next": next_text,
            "why_none": line.why_none or ""}


def _invitation(invitation: Any, country: str, tz: str) -> dict[str, Any]:
    listed = invitation.status in queries.LISTED  # planned ones are not in the follow-up list
    coming = ""
    if invitation.next_at is not None:
        kind = NEXT_LABELS.get(invitation.next_kind or "", "Kontakt")
        coming = f"{kind} am {format_datetime(invitation.next_at, tz)}"
    return {"id": invitation.id, "types": joined_labels(invitation.types, country),
            "due": de_date(invitation.due_date), **status_cells(invitation.status),
            "invited": format_datetime(invitation.invited_at, tz) or "–",
            "outcome": invitation.outcome or coming,
            "href": invitation_url(invitation.id) if listed else ""}


def _source(source: str, order_numbers: set[str]) -> str:
    """Where a reading comes from: "Fahrzeugdaten" or the order ("Auftrag W000123")."""
    return f"Auftrag {source}" if source in order_numbers else source


def load(vehicle_id: int) -> dict[str, Any]:
    """A plain snapshot of everything the page shows; NotFound for an unknown id."""
    settings = runtime().settings()  # before the session: settings are not read inside one
    tz, country = settings.timezone, settings.holiday_country
    today, names = local_today(tz), labels(country)
    with runtime().db.session() as session:
        found = vehicles.detail(session, settings, vehicles.get_vehicle(session, vehicle_id))
        amounts = page_queries.order_amounts(session, vehicle_id)
        v = found.vehicle
        numbers = {order.number for order, _matches in found.orders}
        mileage = f"{de_km(v.mileage)} am {de_date(v.mileage_on)}" if v.mileage is not None \
            and v.mileage_on else (de_km(v.mileage) if v.mileage is not None else "")
        return {
            "id": v.id, "number": v.vehicle_number, "plate": v.plate, "vin": v.vin,
            "name": v.name, "fuel": v.fuel, "first_registration": de_date(v.first_registration),
            "mileage": mileage, "owner": _owner(found.customer),
            "types": [_type_line(line, tz, today) for line in found.types],
            "invitations": [_invitation(i, country, tz) for i in found.invitations],
            "orders": [{"key": o.number, "date": de_date(o.day), "number": o.number,
                        "text": o.text, "status": o.status,
                        "status_label": "offen" if o.status == "open" else "abgeschlossen",
                        "km": de_km(o.km) if o.km is not None else "–",
                        "amount": format_eur(amounts.get(o.number)) or "–",
                        "matches": describe(m, names) or "keine Serviceart erkannt",
                        "matched": bool(m)} for o, m in found.orders],
            # newest first, like the orders
            "readings": [{"key": f"{r.day}-{r.km}-{r.source}", "date": de_date(r.day),
                          "km": de_km(r.km), "source": _source(r.source, numbers),
                          "ignored": bool(r.ignored),
                          "note": f"ignoriert: {r.ignored}" if r.ignored else "zählt"}
                         for r in reversed(found.readings)],
        }


def _header(data: dict[str, Any]) -> None:
    with ui.row().classes("w-full items-center gap-x-3 gap-y-1"):
        ui.label(f"{data['plate'] or data['number']} · {data['name']}").classes(
            "text-2xl font-medium break-all").mark("vehicle-title")
        ui.badge(f"Fzg.-Nr. {data['number']}", color="blue-1", text_color="blue-10").classes(
            "text-sm px-3 py-1")
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4"):
        with section("Fahrzeug", "directions_car").classes("md:col-span-2"), ui.element(
                "div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-x-6 gap-y-2"):
            value_row("Fahrzeugnummer", data["number"], "vehicle-number")
            value_row("Kennzeichen", data["plate"], "vehicle-plate")
            value_row("FIN", data["vin"], "vehicle-vin")
            value_row("Marke / Modell", data["name"], "vehicle-name")
            value_row("Kraftstoff", data["fuel"], "vehicle-fuel")
            value_row("Erstzulassung", data["first_registration"], "vehicle-first-registration")
            value_row("Kilometerstand", data["mileage"], "vehicle-mileage")
        _owner_section(data["owner"])


def _owner_section(owner: dict[str, Any] | None) -> None:
    with section("Halter", "person"):
        if owner is None:
            ui.label("Kein Kunde zu diesem Fahrzeug im Kundenpiloten.").classes(
                "text-sm text-grey-7").mark("vehicle-owner-none")
            return
        ui.link(owner["name"] or "Kunde", owner["href"]).classes(
            "text-base text-primary no-underline font-medium").mark("vehicle-owner")
        value_row("Kundennummer", owner["number"], "owner-number")
        value_row("E-Mail", owner["email"], "owner-email")
        with ui.row().classes("w-full items-baseline gap-4 no-wrap"):
            ui.label("Telefon").classes("text-sm text-grey-7 w-32 shrink-0")
            if owner["tel"]:
                ui.link(owner["phone"], owner["tel"]).classes(
                    "text-sm text-primary no-underline").mark("owner-phone")
            else:
                ui.label("–").classes("text-sm")
        if owner["opted_out"]:
            ui.label("Abgemeldet: keine automatischen Erinnerungen an diesen Kunden.").classes(
                "text-sm text-negative").mark("owner-opted-out")


async def vehicle_page(user: Any, vehicle_id: int) -> None:
    data = await run.io_bound(load, vehicle_id)  # NotFound: the frame's German 404
    ui.link("← Service-Erinnerungen", "/service").classes(
        "text-sm text-primary no-underline").mark("back-to-service")
    _header(data)
    dues_section(data["types"])
    orders_section(data["orders"])
    # One below the other: side by side, either table needs sideways scrolling at 1400 px.
    invitations_section(data["invitations"])
    readings_section(data["readings"])


def create() -> None:
    """Register the vehicle page (called by pages.service.create)."""
    page("/service/fahrzeug/{vehicle_id}", "Service – Fahrzeug", roles=ROLES)(vehicle_page)
