"""The list behind one win-back tile: server-side paging and sorting on every column, filters
(search, customer group, company), CSV / Excel export of the filtered list.

The view state lives in the query string, and a row opens the customer with that same query
string, so the customer page's "Nächster Kunde" walks this list in its order."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from nicegui import run, ui

from core.formatting import format_eur, format_percent
from core.paging import count_label
from core.winback import companies, queries
from core.winback.flow import STATUS_LABELS, TILE_KEYS, TILES
from pages.frame import page, runtime
from pages.paged_table import PagedTable
from pages.widgets import export_buttons, page_title
from pages.winback.overview import ROLES, today
from pages.winback.widgets import WINBACK_COLORS

PAGE_SIZE = 25
TILE_LABELS = {key: label for key, label, _hint in TILES}
# German download names per tile (umlauts spelled out: some mail programs mangle them).
FILE_NAMES = {"decline": "umsatzrueckgang", "due": "erinnerungen-faellig",
              "mailed": "e-mail-gesendet", "offer": "angebot-angefragt",
              "no_interest": "kein-interesse", "won_back": "zurueckgewonnen"}
DEFAULT_SORT = "decline_percent"


def _col(name: str, label: str, align: str = "left") -> dict[str, Any]:
    return {"name": name, "label": label, "field": name, "align": align,
            "sortable": name in queries.SORT_COLUMNS}


# Every column sorts on the server (queries.list_entries knows the same names).
COLUMNS: list[dict[str, Any]] = [
    _col("customer_number", "Kundennr."),
    _col("name", "Kunde"),
    _col("city", "Ort"),
    _col("customer_group", "Gruppe"),
    _col("company", "Firma"),
    _col("previous", "Umsatz vorher", "right"),
    _col("current", "Umsatz jetzt", "right"),
    _col("decline_percent", "Rückgang", "right"),
    _col("last_order_date", "Letzter Auftrag"),
]
# Columns only some tiles need: every other tile holds one status only, so no status column.
EXTRA_COLUMNS = {
    "due": [_col("remind_on", "Erinnerung am"), _col("status", "Status")],
    "won_back": [_col("won_back_cents", "Umsatz seitdem", "right")],
}
SORTABLE = set(queries.SORT_COLUMNS)

STATUS_SLOT = r"""
<q-td :props="props">
  <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.value }}</q-badge>
</q-td>"""
NAME_SLOT = r"""
<q-td :props="props">
  <a :href="props.row.href" class="text-primary no-underline" @click.stop>{{ props.value }}</a>
  <div v-if="props.row.company_name" class="text-xs text-grey-7">{{ props.row.company_name }}</div>
</q-td>"""


def state_from_query(params: Any) -> dict[str, Any]:
    """The list's view state from a query string (unknown values fall back to defaults)."""
    try:
        page_number = max(int(params.get("page", "1")), 1)
    except ValueError:
        page_number = 1
    sort = params.get("sort", DEFAULT_SORT)
    return {
        "tile": params.get("tile") if params.get("tile") in TILE_KEYS else "decline",
        "search": params.get("q", "")[:100],
        "customer_group": params.get("group", "")[:60] or None,
        "company": params.get("company", "")[:60] or None,
        "sort": sort if sort in SORTABLE else DEFAULT_SORT,
        "descending": params.get("desc", "1") != "0",
        "page": page_number,
    }


def query_string(state: dict[str, Any], with_page: bool = True) -> str:
    params = {
        "tile": state["tile"], "q": state["search"] or None,
        "group": state["customer_group"], "company": state["company"],
        "sort": state["sort"] if state["sort"] != DEFAULT_SORT else None,
        "desc": None if state["descending"] else "0",
        "page": state["page"] if with_page and state["page"] > 1 else None,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


def list_filters(state: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments core.winback.queries takes for this view (minus paging)."""
    return {k: state[k] for k in ("tile", "search", "customer_group", "company", "sort",
                                  "descending")}


def customer_href(customer_id: int, state: dict[str, Any]) -> str:
    return f"/rueckgewinnung/kunde/{customer_id}?{query_string(state, with_page=False)}"


def _row(row: Any, state: dict[str, Any], firms: dict[str, str]) -> dict[str, Any]:
    last, remind = row.last_order_date, row.remind_on
    return {
        "id": row.customer_id,
        "href": customer_href(row.customer_id, state),
        "customer_number": row.customer_number or "",
        "name": row.name or "–",
        "company_name": row.company_name if row.company_name != row.name else "",
        "city": row.city or "",
        "customer_group": row.customer_group or "",
        "company": firms.get(row.last_company_code, row.last_company_code),
        "previous": format_eur(row.previous_cents),
        "current": format_eur(row.current_cents),
        "decline_percent": format_percent(row.decline_percent, "–"),
        "last_order_date": f"{last:%d.%m.%Y}" if last else "",
        "status": STATUS_LABELS.get(row.status, row.status),
        "status_color": WINBACK_COLORS.get(row.status, "grey"),
        "remind_on": f"{remind:%d.%m.%Y}" if remind else "",
        "won_back_cents": format_eur(row.won_back_cents),
    }


def load_page(state: dict[str, Any], firms: dict[str, str]) -> tuple[list[dict[str, Any]], int]:
    day = today()  # before the session: settings are not read inside one
    with runtime().db.session() as session:
        rows, total = queries.list_entries(session, page=state["page"], page_size=PAGE_SIZE,
                                           today=day, **list_filters(state))
        return [_row(r, state, firms) for r in rows], total


def load_options() -> tuple[list[str], dict[str, str]]:
    """Choices of the filters: customer groups and companies (code -> display name)."""
    with runtime().db.session() as session:
        found = queries.filter_options(session)
        names = {c.code: c.name for c in companies.list_companies(session)}
    return found["customer_groups"], {code: names.get(code) or code
                                      for code in found["companies"]}


def export(state: dict[str, Any], file_format: str) -> bytes:
    settings, day = runtime().settings(), today()
    with runtime().db.session() as session:
        return queries.export_file(session, today=day, timezone=settings.timezone,
                                   file_format=file_format,
                                  **list_filters(state))


def _filters(state: dict[str, Any], groups: list[str], firms: dict[str, str]) -> dict[str, Any]:
    """The filter row; returns the widgets by state key."""
    search = ui.input("Suche Kundennr., Name, Firma, Ort", value=state["search"]).props(
        "outlined dense clearable debounce=400").classes("w-72").mark("filter-search")
    with search.add_slot("prepend"):
        ui.icon("search")
    group_options = {"": "Alle Kundengruppen"} | {g: g for g in groups}
    if state["customer_group"] and state["customer_group"] not in group_options:
        group_options[state["customer_group"]] = state["customer_group"]
    group = ui.select(group_options, value=state["customer_group"] or "",
                      label="Kundengruppe").props("outlined dense").classes("w-52").mark(
        "filter-group")
    firm_options = {"": "Alle Firmen"} | firms
    if state["company"] and state["company"] not in firm_options:
        firm_options[state["company"]] = state["company"]
    firm = ui.select(firm_options, value=state["company"] or "", label="Firma").props(
        "outlined dense").classes("w-52").mark("filter-company")
    return {"search": search, "customer_group": group, "company": firm}


async def winback_list_page(user: Any) -> None:
    state = state_from_query(ui.context.client.request.query_params)
    groups, firms = await run.io_bound(load_options)

    ui.link("← Rückgewinnung", "/rueckgewinnung").classes(
        "text-sm text-primary no-underline").mark("back-to-tiles")
    with ui.row().classes("w-full items-end justify-between"):
        page_title(TILE_LABELS[state["tile"]], "Klick auf eine Zeile öffnet den Kunden; "
                   "„Nächster Kunde“ folgt dann dieser Liste.")
        total_label = ui.label().classes("text-sm text-grey-7 mb-2").mark("winback-total")
    with ui.row().classes("w-full items-end gap-4 flex-wrap"):
        widgets = _filters(state, groups, firms)
        export_buttons(lambda key: export(state, key),
                       lambda: f"rueckgewinnung-{FILE_NAMES[state['tile']]}")

    def loaded(total: int) -> None:
        total_label.set_text(count_label(total, "Kunde", "Kunden"))
        # The marker names the order shown, so a test can wait for a re-sorted list.
        order = "desc" if state["descending"] else "asc"
        table.mark(f"winback-table sorted-{state['sort']}-{order}")
        ui.navigate.history.replace(f"/rueckgewinnung/liste?{query_string(state)}")

    paged = PagedTable(COLUMNS + EXTRA_COLUMNS.get(state["tile"], []),
                       load=lambda s: load_page(s, firms), state=state, marker="winback-table",
                       empty_label="Keine Kunden für diese Auswahl.", page_size=PAGE_SIZE,
                       dense=True, sortable=SORTABLE, default_sort=DEFAULT_SORT,
                       on_loaded=loaded)
    table = paged.table.classes("w-full")
    table.add_slot("body-cell-status", STATUS_SLOT)
    table.add_slot("body-cell-name", NAME_SLOT)


    table.on("rowClick", lambda e: ui.navigate.to(e.args[1]["href"]))
    widgets["search"].on_value_change(
        lambda e: paged.filter_by("search", (e.value or "").strip()))
    widgets["customer_group"].on_value_change(
        lambda e: paged.filter_by("customer_group", e.value or None))
    widgets["company"].on_value_change(lambda e: paged.filter_by("company", e.value or None))
    await paged.refresh()


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/rueckgewinnung/liste", "Rückgewinnung – Liste", roles=ROLES)(winback_list_page)
