"""Nachverfolgen: every invitation that went out (or was held back) and what came of it -
opened, clicked, booked, call-back wish, order found - with server-side sort, filter and
paging, CSV / Excel export of the filtered list, the opt-outs for the DMS, the reaction rates
per type, and the vehicles an open order excludes (second tab).

The view state lives in the query string. The tiles link here with `kachel` (week, call_list,
callback, booked, excluded); timeline and outbox link one invitation with `einladung`."""
from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from nicegui import run, ui

from core import clock, optout
from core.paging import count_label
from core.service import queries, vehicle_url
from core.service.timeline import STATUS_LABELS
from core.service.types import SERVICE_TYPES, joined_labels, labels
from core.settings import Settings
from pages.frame import page, runtime
from pages.paged_table import PagedTable
from pages.service.cards import FOLLOWUP_ITEM, cards_on_phone
from pages.service.excluded import excluded_view
from pages.service.rates import rates_section
from pages.service.widgets import (
    CUSTOMER_SLOT,
    ROLES,
    STATUS_SLOT,
    VEHICLE_SLOT,
    WRAP_SLOT,
    col,
    customer_cells,
    de_date,
    local_date,
    local_today,
    status_cells,
    vehicle_cells,
)
from pages.widgets import export_buttons, notify_error, page_title

PATH = "/service/nachverfolgen"
PAGE_SIZE = 25
DEFAULT_SORT = "invited_at"  # the newest invitations first: what staff look at after a run
SORTABLE = ("plate", "name", "due_date", "invited_at", "status")
TILE_STATUS = {"call_list": "call_list", "callback": "callback", "booked": "booked"}

INVITED_SLOT = r"""
<q-td :props="props">
  {{ props.value || '–' }}
  <div v-if="props.row.reminded" class="text-xs text-grey-7">erinnert {{ props.row.reminded }}</div>
</q-td>"""


def columns(tracking: bool) -> list[dict[str, Any]]:
    """Opened / clicked only while tracking is on: without it they would always be empty
    (the rates section says why)."""
    measured = [col("opened", "Geöffnet"), col("clicked", "Geklickt")] if tracking else []
    return [col("plate", "Fahrzeug", sortable=True), col("name", "Kunde", sortable=True),
            col("types", "Service"), col("due_date", "Fällig ab", sortable=True),
            col("invited_at", "Eingeladen", sortable=True), *measured,
            col("booked", "Gebucht"), col("callback", "Rückruf"),
            col("order_found", "Auftrag gefunden"),
            col("status", "Status / Ergebnis", sortable=True)]


def state_from_query(params: Any) -> dict[str, Any]:
    """The view state from the query string (unknown values fall back to defaults)."""
    def as_int(name: str) -> int | None:
        try:
            return int(params.get(name, ""))
        except ValueError:
            return None

    tile = params.get("kachel", "")
    status = params.get("status") or TILE_STATUS.get(tile)
    service_type = params.get("art")
    sort = params.get("sort", DEFAULT_SORT)
    return {
        "status": status if status in queries.LISTED else None,
        "service_type": service_type if service_type in SERVICE_TYPES else None,
        "search": params.get("q", "")[:100],
        "week": tile == "week",
        "invitation_id": as_int("einladung"),
        "tab": "excluded" if tile == "excluded" else "invitations",
        "sort": sort if sort in SORTABLE else DEFAULT_SORT,
        "descending": params.get("desc", "1") != "0",
        "page": max(as_int("page") or 1, 1),
    }


def query_string(state: dict[str, Any]) -> str:
    tile = "excluded" if state["tab"] == "excluded" else "week" if state["week"] else None
    params = {
        "kachel": tile, "status": state["status"], "art": state["service_type"],
        "q": state["search"] or None, "einladung": state["invitation_id"],
        "sort": state["sort"] if state["sort"] != DEFAULT_SORT else None,
        "desc": None if state["descending"] else "0",
        "page": state["page"] if state["page"] > 1 else None,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


def list_filters(state: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The keyword arguments core.service.page_queries takes for this view (minus paging)."""
    since = queries.week_start(settings, clock.now()) if state["week"] else None
    return {"invited_since": since, "status": state["status"],
            "service_type": state["service_type"], "search": state["search"],
            "invitation_id": state["invitation_id"], "sort": state["sort"],
            "descending": state["descending"]}


def _row(r: queries.InvitationRow, country: str, tz: str) -> dict[str, Any]:
    return {
        "id": r.id, "href": vehicle_url(r.vehicle_id),
        **vehicle_cells(r.plate, r.vehicle_number, r.make, r.model, r.vehicle_id),
        **customer_cells(r.name, r.customer_number, r.customer_id),
        "types": joined_labels(r.types, country), "due_date": de_date(r.due_date),
        "invited_at": local_date(r.invited_at, tz), "reminded": local_date(r.reminded_at, tz),
        "opened": local_date(r.opened_at, tz) or "–",
        "clicked": local_date(r.clicked_at, tz) or "–",
        "booked": local_date(r.booked_at, tz) or "–",
        "callback": local_date(r.callback_at, tz) or "–",
        "order_found": local_date(r.order_found_at, tz) or "–",
        **status_cells(r.status), "outcome": r.outcome,
    }


def load_page(state: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    settings = runtime().settings()  # before the session: settings are not read inside one
    filters = list_filters(state, settings)
    with runtime().db.session() as session:
        rows, total = queries.list_invitations(session, page=state["page"],
                                               page_size=PAGE_SIZE, **filters)
    return [_row(r, settings.holiday_country, settings.timezone) for r in rows], total


def export(state: dict[str, Any], file_format: str) -> bytes:
    settings = runtime().settings()
    filters = list_filters(state, settings)
    with runtime().db.session() as session:
        return queries.export_file(session, settings, file_format, **filters)


def export_optouts() -> tuple[bytes, str]:
    """The opt-outs as CSV for the DMS and the download's name (dated, local)."""
    tz = runtime().settings().timezone
    with runtime().db.session() as session:
        data = optout.export_csv(session, tz)
    return data, f"abmeldungen-{local_today(tz):%Y-%m-%d}.csv"


def file_name(state: dict[str, Any]) -> str:
    suffix = "-woche" if state["week"] else f"-{state['status']}" if state["status"] else ""
    return "service-einladungen" + suffix.replace("_", "-")


async def _download_optouts(button: ui.button) -> None:
    button.props("loading")
    try:
        data, name = await run.io_bound(export_optouts)
    except Exception as exc:  # noqa: BLE001 - shown in German
        notify_error(exc)
        return
    finally:
        button.props(remove="loading")
    ui.download.content(data, name, "text/csv")


def _filters(state: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The filter row (selects, search, chips for tile and invitation, export)."""
    status = ui.select({"": "Alle Status"} | {s: STATUS_LABELS[s] for s in queries.LISTED},
                       value=state["status"] or "", label="Status").props(
        "outlined dense").classes("w-full sm:w-52").mark("filter-status")
    kind = ui.select({"": "Alle Servicearten"} | labels(settings.holiday_country),
                     value=state["service_type"] or "", label="Serviceart").props(
        "outlined dense").classes("w-full sm:w-64").mark("filter-type")
    search = ui.input("Kennzeichen, FIN, Nummer, Name", value=state["search"]).props(
        "outlined dense clearable debounce=400").classes("w-full sm:w-72").mark(
        "filter-search")
    with search.add_slot("prepend"):
        ui.icon("search")
    chips: dict[str, ui.chip] = {}
    if state["week"]:
        today = local_today(settings.timezone)  # the same local Monday as week_start
        monday = today - timedelta(days=today.weekday())
        chips["week"] = ui.chip(f"Eingeladen seit Montag, {de_date(monday)}",
                                icon="filter_alt", removable=True, color="primary",
                                text_color="white").mark("filter-week")
    if state["invitation_id"] is not None:
        chips["invitation_id"] = ui.chip(f"Nur Einladung {state['invitation_id']}",
                                         icon="filter_alt", removable=True, color="primary",
                                         text_color="white").mark("filter-invitation")
    export_buttons(lambda key: export(state, key), lambda: file_name(state))
    return {"status": status, "service_type": kind, "search": search, "chips": chips}


async def _invitations(state: dict[str, Any], settings: Settings) -> None:
    with ui.row().classes("w-full items-end gap-3 flex-wrap"):
        widgets = _filters(state, settings)
    total_label = ui.label().classes("text-sm text-grey-7").mark("followup-total")

    def loaded(total: int) -> None:
        total_label.set_text(count_label(total, "Einladung", "Einladungen"))
        order = "desc" if state["descending"] else "asc"
        table.mark(f"followup-table sorted-{state['sort']}-{order}")
        ui.navigate.history.replace(PATH + (f"?{qs}" if (qs := query_string(state)) else ""))

    paged = PagedTable(columns(bool(settings.tracking)), load=load_page, state=state,
                       marker="followup-table", empty_label="Keine Einladungen für diese "
                       "Auswahl.", page_size=PAGE_SIZE, dense=True, sortable=SORTABLE,
                       default_sort=DEFAULT_SORT, on_loaded=loaded)
    table = cards_on_phone(paged.table.classes("w-full"), FOLLOWUP_ITEM)
    for name, slot in (("plate", VEHICLE_SLOT), ("name", CUSTOMER_SLOT), ("types", WRAP_SLOT),
                       ("invited_at", INVITED_SLOT), ("status", STATUS_SLOT)):
        table.add_slot(f"body-cell-{name}", slot)
    table.on("rowClick", lambda e: ui.navigate.to(e.args[1]["href"]))
    widgets["status"].on_value_change(lambda e: paged.filter_by("status", e.value or None))
    widgets["service_type"].on_value_change(
        lambda e: paged.filter_by("service_type", e.value or None))
    widgets["search"].on_value_change(
        lambda e: paged.filter_by("search", (e.value or "").strip()))
    for key, chip in widgets["chips"].items():
        empty = False if key == "week" else None
        chip.on("remove", lambda _e, k=key, v=empty: paged.filter_by(k, v))
    await paged.refresh()
    await rates_section()


async def followup_page(user: Any) -> None:
    state = state_from_query(ui.context.client.request.query_params)
    settings = await run.io_bound(runtime().settings)

    ui.link("← Service-Erinnerungen", "/service").classes(
        "text-sm text-primary no-underline").mark("back-to-service")
    with ui.row().classes("w-full items-end justify-between gap-2"):
        page_title("Nachverfolgen", "Jede Einladung und was daraus wurde; das Kennzeichen "
                   "öffnet das Fahrzeug.")
        optouts = ui.button("Abmeldungen exportieren (CSV)", icon="unsubscribe").props(
            "outline").classes("mb-2").mark("export-optouts").tooltip(
            "Alle abgemeldeten Kunden (Kundennummer;E-Mail;Abgemeldet am) für das DMS")
        optouts.on_click(lambda: _download_optouts(optouts))
    with ui.tabs(value=state["tab"]).props("dense align=left no-caps inline-label").classes(
            "w-full border-b") as tabs:
        ui.tab("invitations", "Einladungen", icon="mail").mark("tab-invitations")
        ui.tab("excluded", "Ausgeschlossen", icon="block").mark("tab-excluded")

    def switch(value: str) -> None:
        state["tab"] = value
        ui.navigate.history.replace(PATH + (f"?{qs}" if (qs := query_string(state)) else ""))

    tabs.on_value_change(lambda e: switch(e.value))
    with ui.tab_panels(tabs, value=state["tab"]).classes("w-full bg-transparent") as panels:
        with ui.tab_panel("invitations").classes("p-0 gap-4"):
            await _invitations(state, settings)
        with ui.tab_panel("excluded").classes("p-0 gap-4"):
            await excluded_view()
    panels.mark("followup-panels")


def create() -> None:
    """Register the follow-up page (called by pages.service.create)."""
    page(PATH, "Service – Nachverfolgen", roles=ROLES)(followup_page)
