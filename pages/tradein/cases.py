"""Ankauf case list: server-side paging, sorting and filtering; CSV / Excel export of the view.

The view state lives in the query string, so the browser's back button (and the detail
page's "Zur Liste") returns to exactly the same list position."""
from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlencode

from nicegui import app, ui

from core.formatting import format_datetime, format_eur
from core.paging import count_label
from core.tradein import queries
from core.tradein.flow import SPECIAL_TILES, STATUS_LABELS
from pages.frame import page, runtime
from pages.paged_table import PagedTable
from pages.tradein.widgets import STATUS_COLORS
from pages.widgets import export_buttons, page_title

ROLES = ("admin", "service", "sales", "supervisor")

PAGE_SIZE = 25
LIST_URL_KEY = "ankauf_list_url"  # user storage: last list view, for the detail page's back link
TILE_LABELS = {key: label for key, label, _ in SPECIAL_TILES}
SORTABLE = ("id", "status_changed_at", "status", "name", "market_value", "created_at")

COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "label": "Nr.", "field": "id", "align": "left", "sortable": True},
    {"name": "name", "label": "Kunde / E-Mail", "field": "name", "align": "left",
     "sortable": True},
    {"name": "vehicle", "label": "Fahrzeug", "field": "vehicle", "align": "left"},
    {"name": "market_value", "label": "Marktwert", "field": "market_value", "align": "right",
     "sortable": True},
    {"name": "status", "label": "Status", "field": "status_label", "align": "left",
     "sortable": True},
    {"name": "status_changed_at", "label": "Status seit", "field": "status_changed",
     "align": "left", "sortable": True},
]

# The status cell as a coloured badge, the name as a real link (middle-click opens a tab).
STATUS_SLOT = r"""
<q-td :props="props">
  <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.value }}</q-badge>
  <q-badge v-if="props.row.archived" color="grey-5" class="ml-1 px-2 py-1">archiviert</q-badge>
</q-td>"""
NAME_SLOT = r"""
<q-td :props="props">
  <a :href="'/ankauf/' + props.row.id" class="text-primary no-underline"
     @click.stop>{{ props.value }}</a>
  <div class="text-xs text-grey-7">{{ props.row.email }}</div>
</q-td>"""


def _filters_from_query(params: Any) -> dict[str, Any]:
    """The list's view state from the URL (unknown or broken values fall back to defaults)."""
    def as_int(name: str, default: int | None) -> int | None:
        try:
            return int(params.get(name, ""))
        except ValueError:
            return default

    status = as_int("status", None)
    sort = params.get("sort", "status_changed_at")
    return {
        "tile": params.get("tile") if params.get("tile") in TILE_LABELS else None,
        "status": status if status in STATUS_LABELS else None,
        "search": params.get("q", "")[:100],
        "include_archived": params.get("archived") == "1",
        "sort": sort if sort in SORTABLE else "status_changed_at",
        "descending": params.get("desc", "1") != "0",
        "page": max(as_int("page", 1) or 1, 1),
    }


def _query_string(state: dict[str, Any]) -> str:
    params = {
        "tile": state["tile"], "status": state["status"], "q": state["search"] or None,
        "archived": "1" if state["include_archived"] else None,
        "sort": state["sort"] if state["sort"] != "status_changed_at" else None,
        "desc": None if state["descending"] else "0",
        "page": state["page"] if state["page"] > 1 else None,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


def _query_filters(state: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments core.tradein.queries takes for this view (minus paging)."""
    return {k: state[k] for k in ("tile", "status", "search", "include_archived", "sort",
                                  "descending")}


def _row(row: Any, tz: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.customer_name or "–",
        "email": row.email,
        "vehicle": f"{row.make} {row.model} ({row.build_year})",
        "market_value": format_eur(row.market_value_cents),
        "status": row.status,
        "status_label": f"{row.status}) {STATUS_LABELS[row.status]}",
        "status_color": STATUS_COLORS.get(row.status, "grey"),
        "status_changed": format_datetime(row.status_changed_at, tz),
        "archived": row.archived_at is not None,
    }


def _load(state: dict[str, Any], tz: str) -> tuple[list[dict[str, Any]], int]:
    with runtime().db.session() as session:
        rows, total = queries.list_cases(session, page=state["page"], page_size=PAGE_SIZE,
                                         **_query_filters(state))
        return [_row(r, tz) for r in rows], total


def _export(state: dict[str, Any], file_format: str) -> bytes:
    with runtime().db.session() as session:
        return queries.export_file(session, file_format=file_format, **_query_filters(state))


async def cases_page(user: Any) -> None:
    state = _filters_from_query(ui.context.client.request.query_params)
    tz = runtime().settings().timezone

    with ui.row().classes("w-full items-end justify-between"):
        page_title("Ankauf-Fälle", "Alle Fahrzeugbewertungen und ihr Bearbeitungsstand")
        total_label = ui.label().classes("text-sm text-grey-7 mb-2").mark("cases-total")
    with ui.row().classes("w-full items-end gap-4 flex-wrap"):
        tile_chip = None
        if state["tile"]:
            tile_chip = ui.chip(TILE_LABELS[state["tile"]], icon="filter_alt", removable=True,
                                color="primary", text_color="white").mark("tile-filter")
        status_select = ui.select(
            {0: "Alle Status"} | {k: f"{k}) {v}" for k, v in STATUS_LABELS.items()},
            value=state["status"] or 0, label="Status",
        ).classes("w-60").props("outlined dense").mark("filter-status")
        search = ui.input("Suche Name oder E-Mail", value=state["search"]).props(
            "outlined dense clearable debounce=400").classes("w-64").mark("filter-search")
        with search.add_slot("prepend"):
            ui.icon("search")
        archived = ui.switch("archivierte anzeigen", value=state["include_archived"]).mark(
            "filter-archived")
        export_buttons(lambda key: _export(state, key), lambda: "ankauf-faelle")

    def loaded(total: int) -> None:
        total_label.set_text(count_label(total, "Fall", "Fälle"))
        url = "/ankauf" + (f"?{qs}" if (qs := _query_string(state)) else "")
        ui.navigate.history.replace(url)
        _remember(url)

    paged = PagedTable(COLUMNS, load=lambda s: _load(s, tz), state=state, marker="cases-table",
                       empty_label="Keine Fälle für diese Auswahl.", page_size=PAGE_SIZE,
                       sortable=SORTABLE, default_sort="status_changed_at", on_loaded=loaded)
    table = paged.table.classes("w-full")
    table.add_slot("body-cell-status", STATUS_SLOT)
    table.add_slot("body-cell-name", NAME_SLOT)

    async def clear_tile() -> None:
        if tile_chip:
            tile_chip.delete()
        await paged.filter_by("tile", None)

    table.on("rowClick", lambda e: ui.navigate.to(f"/ankauf/{e.args[1]['id']}"))
    status_select.on_value_change(lambda e: paged.filter_by("status", e.value or None))
    search.on_value_change(lambda e: paged.filter_by("search", (e.value or "").strip()))
    archived.on_value_change(lambda e: paged.filter_by("include_archived", e.value))
    if tile_chip:
        tile_chip.on("remove", clear_tile)
    await paged.refresh()


def _remember(url: str) -> None:
    """Keep the view for the detail page's back link (user storage needs a login session)."""
    with contextlib.suppress(RuntimeError, AssertionError):
        app.storage.user[LIST_URL_KEY] = url


def list_url() -> str:
    """The case list as the user last saw it (for back links)."""
    try:
        return str(app.storage.user.get(LIST_URL_KEY, "/ankauf"))
    except (RuntimeError, AssertionError):
        return "/ankauf"


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/ankauf", "Ankauf-Fälle", roles=ROLES)(cases_page)
