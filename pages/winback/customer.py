"""One customer in the win-back process: who they are, how their revenue developed (24 months
as a chart), their last orders, the action buttons, the timeline, and "Nächster Kunde" — the
next customer of the list the user came from, in that list's order."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import actions, clock
from core.customers import customer_url
from core.errors import NotFound
from core.formatting import format_datetime, format_eur, format_percent
from core.winback import queries
from core.winback.actions import FLOW
from core.winback.flow import STATUS_LABELS
from pages.action_dialog import action_bar
from pages.frame import page, runtime
from pages.timeline import timeline
from pages.widgets import section, value_row
from pages.winback.customers import (
    TILE_LABELS,
    customer_href,
    list_filters,
    query_string,
    state_from_query,
)
from pages.winback.overview import ROLES, today
from pages.winback.widgets import winback_badge

EURO_JS = ("v => Number(v).toLocaleString('de-DE', {minimumFractionDigits: 0, "
           "maximumFractionDigits: 2}) + ' €'")
MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS[int(month) - 1]} {year[2:]}"


def _consent(customer: Any, tz: str) -> str:
    if customer.opted_out_at is not None:
        return f"widersprochen am {format_datetime(customer.opted_out_at, tz)}"
    return "Einwilligung liegt vor" if customer.marketing_consent else \
        "keine Einwilligung (nur Bestandskunden-Ausnahme)"


def _entry_values(entry: Any, detail: Any) -> dict[str, Any]:
    """The win-back figures; a customer without orders has no entry and shows dashes."""
    if entry is None:
        return {"status": "open", "has_entry": False, "previous": "–", "current": "–",
                "decline": "–", "last_order": "–", "days_since": "–", "top_group": "",
                "remind_on": "", "won_back": ""}
    last = entry.last_order_date
    return {
        "status": entry.status, "has_entry": True,
        "previous": format_eur(entry.previous_cents),
        "current": format_eur(entry.current_cents),
        "decline": format_percent(entry.decline_percent, "–"),
        "last_order": f"{last:%d.%m.%Y}" if last else "–",
        "days_since": str(detail.days_since) if detail.days_since is not None else "–",
        "top_group": entry.top_product_group,
        "remind_on": f"{entry.remind_on:%d.%m.%Y}" if entry.remind_on else "",
        "won_back": format_eur(entry.won_back_cents) if entry.status == "won_back" else "",
    }


def load(customer_id: int, user: Any = None) -> dict[str, Any]:
    """A plain snapshot of everything the page shows (nothing lazy after the session)."""
    settings = runtime().settings()
    tz, day = settings.timezone, today()
    with runtime().db.session() as session:
        detail = queries.customer_detail(session, customer_id, day)
        customer = detail.customer
        data = {
            "id": customer.id, "number": customer.customer_number or "",
            "name": customer.full_name, "company_name": customer.company_name,
            "city": customer.city, "country": customer.country,
            "group": customer.customer_group, "email": customer.email,
            "phone": customer.phone, "consent": _consent(customer, tz),
            "opted_out": customer.opted_out_at is not None,
            "last_company": detail.company.name if detail.company else "",
            "window": settings.winback_window_months,
            "monthly": list(detail.monthly),
            "orders": [{"key": o.order_number, "date": f"{o.order_date:%d.%m.%Y}",
                        "order": o.order_number, "company": o.company_name or o.company_code,
                        "group": ", ".join(dict.fromkeys(g for _n, g, _c in o.lines if g)),
                        "amount": format_eur(o.amount_cents)} for o in detail.orders],
            "timeline": [{"at": format_datetime(e.at, tz), "text": e.text, "kind": e.kind,
                          "actor": e.actor} for e in detail.events],
        } | _entry_values(detail.entry, detail)
        data["status_label"] = STATUS_LABELS.get(data["status"], "")
        data["actions"] = actions.views(FLOW, session, settings, detail.entry, user,
                                        clock.now()) if detail.entry is not None else []
        return data


def next_customer(customer_id: int, state: dict[str, Any]) -> int | None:
    day = today()  # before the session: settings are not read inside one
    with runtime().db.session() as session:
        return queries.next_customer(session, customer_id, today=day,
                                     **list_filters(state))


def revenue_chart(monthly: list[tuple[str, int]], window: int) -> None:
    """Bars per month; the current window in the accent colour, the previous one grey."""
    labels = [_month_label(key) for key, _cents in monthly]
    values = []
    for index, (_key, cents) in enumerate(monthly):
        current = index >= len(monthly) - window
        values.append({"value": round(cents / 100, 2),
                       "itemStyle": {"color": "#1d5c8c" if current else "#b0bec5"}})
    ui.echart({
        "grid": {"left": 70, "right": 16, "top": 16, "bottom": 40},
        # ":" keys are JavaScript: German number format for axis and tooltip.
        "tooltip": {"trigger": "axis", ":valueFormatter": EURO_JS},
        "xAxis": {"type": "category", "data": labels, "axisLabel": {"fontSize": 11}},
        "yAxis": {"type": "value", "axisLabel": {":formatter": EURO_JS}},
        "series": [{"type": "bar", "data": values, "name": "Umsatz"}],
    }).classes("w-full h-64").mark("revenue-chart")


def _header(data: dict[str, Any]) -> None:
    with ui.row().classes("w-full items-center gap-3"):
        title = f"{data['number']} · {data['name']}" if data["number"] else data["name"]
        ui.label(title).classes("text-2xl font-medium").mark("customer-title")
        winback_badge(data["status"])
        if data["remind_on"]:
            ui.badge(f"Erinnerung am {data['remind_on']}", color="red-1", text_color="red-9") \
                .classes("text-sm px-3 py-1").mark("remind-on")
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4"):
        with section("Kunde", "person"):
            value_row("Kundennummer", data["number"], "customer-number")
            value_row("Firmenname", data["company_name"], "customer-company")
            value_row("Ort", ", ".join(p for p in (data["city"], data["country"]) if p))
            value_row("Kundengruppe", data["group"], "customer-group")
            ui.link("Kundenakte öffnen →", customer_url(data['id'])).classes(
                "text-sm text-primary no-underline").mark("customer-record-link")
        with section("Kontakt", "contact_mail"):
            value_row("E-Mail", data["email"], "customer-email")
            value_row("Telefon", data["phone"])
            cell = value_row("Werbemails", data["consent"], "customer-consent")
            if data["opted_out"]:
                cell.classes("text-negative")
        with section("Umsatz", "euro"):
            value_row(f"Vorher ({data['window']} Mon.)", data["previous"], "revenue-previous")
            value_row(f"Jetzt ({data['window']} Mon.)", data["current"], "revenue-current")
            value_row("Rückgang", data["decline"], "revenue-decline")
            value_row("Letzter Auftrag", f"{data['last_order']} (vor {data['days_since']} "
                      "Tagen)" if data["days_since"] != "–" else "–", "last-order")
            value_row("Firma", data["last_company"])
            if data["won_back"]:
                value_row("Seit Rückgewinnung", data["won_back"], "won-back-revenue")


def _orders(data: dict[str, Any]) -> None:
    with section("Letzte Aufträge", "receipt_long"):
        if not data["orders"]:
            ui.label("Keine Aufträge.").classes("text-sm text-grey-7")
            return
        columns = [
            {"name": "date", "label": "Datum", "field": "date", "align": "left"},
            {"name": "order", "label": "Auftrag", "field": "order", "align": "left"},
            {"name": "company", "label": "Firma", "field": "company", "align": "left"},
            {"name": "group", "label": "Warengruppen", "field": "group", "align": "left",
             "style": "white-space: normal"},
            {"name": "amount", "label": "Netto", "field": "amount", "align": "right"},
        ]
        ui.table(columns=columns, rows=data["orders"], row_key="key").props(
            "flat dense hide-pagination :rows-per-page-options=[0]").classes("w-full").mark(
            "last-orders")
        ui.label(f"Warengruppe mit dem größten Anteil am letzten Auftrag: "
                 f"{data['top_group'] or '–'}").classes("text-xs text-grey-7")


async def winback_customer_page(user: Any, customer_id: int) -> None:
    state = state_from_query(ui.context.client.request.query_params)
    list_href = f"/rueckgewinnung/liste?{query_string(state)}"
    acted = {"any": False}  # after the first action "Nächster Kunde" is the main button

    with ui.row().classes("w-full items-center justify-between"):
        ui.link(f"← {TILE_LABELS[state['tile']]}", list_href).classes(
            "text-sm text-primary no-underline").mark("back-to-list")
        next_box = ui.row().classes("items-center gap-2")

    async def show_next() -> None:
        following = await run.io_bound(next_customer, customer_id, state)
        next_box.clear()
        with next_box:
            button = ui.button("Nächster Kunde", icon="arrow_forward").props(
                ("unelevated" if acted["any"] else "outline") + " icon-right").mark(
                "next-customer")
            if following is None:
                button.disable()
                ui.label("Letzter Kunde dieser Liste").classes("text-xs text-grey-7").mark(
                    "next-none")
            else:
                button.on_click(lambda: ui.navigate.to(customer_href(following, state)))

    @ui.refreshable
    async def body() -> None:
        try:
            data = await run.io_bound(load, customer_id, user)
        except NotFound as exc:
            ui.label(str(exc) or f"Den Kunden {customer_id} gibt es in der Rückgewinnung "
                     "nicht.").classes("text-lg").mark("not-found")
            return
        _header(data)
        with section("Aktionen", "bolt"):
            if data["actions"]:
                action_bar(FLOW, customer_id, data["actions"], user, after_action)
            else:
                ui.label("Keine Aufträge – der Kunde ist nicht in der Rückgewinnung.").classes(
                    "text-sm text-grey-7").mark("no-entry")
        with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-5 gap-4 "
                                       "items-start"):
            with ui.element("div").classes("lg:col-span-3 flex flex-col gap-4"):
                with section("Umsatz pro Monat (letzte 24 Monate)", "bar_chart"):
                    revenue_chart(data["monthly"], data["window"])
                    ui.label(f"Blau: aktuelles Fenster ({data['window']} Monate), grau: das "
                             "Fenster davor.").classes("text-xs text-grey-7")
                _orders(data)
            with ui.element("div").classes("lg:col-span-2"):
                timeline(data["timeline"])

    async def after_action() -> None:
        acted["any"] = True
        await body.refresh()
        await show_next()

    await body()
    await show_next()


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/rueckgewinnung/kunde/{customer_id}", "Rückgewinnung – Kunde",
         roles=ROLES)(winback_customer_page)
