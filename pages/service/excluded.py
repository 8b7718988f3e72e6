"""The "Ausgeschlossen" view of the follow-up page: vehicles that get no invitation because an
open workshop order of the same kind exists - per vehicle every excluded type, its due date
and the order with the words that matched. What the "Ausgeschlossen" tile counts."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from core.paging import count_label
from core.service import page_queries, vehicle_url
from core.service.types import label
from pages.frame import runtime
from pages.paged_table import PagedTable
from pages.service.cards import EXCLUDED_ITEM, cards_on_phone
from pages.service.widgets import (
    CUSTOMER_SLOT,
    VEHICLE_SLOT,
    col,
    customer_cells,
    de_date,
    vehicle_cells,
)
from pages.widgets import export_buttons

PAGE_SIZE = 25
COLUMNS = [col("plate", "Fahrzeug"), col("name", "Kunde"),
           col("dues", "Ausgeschlossen (Serviceart, fällig ab, offener Auftrag)")]
DUES_SLOT = r"""
<q-td :props="props" style="white-space: normal; min-width: 260px">
  <div v-for="due in props.row.dues" :key="due.type" class="q-mb-xs">
    <span class="text-weight-medium">{{ due.label }}</span>
    <span class="text-grey-7"> · fällig ab {{ due.due }}</span>
    <div class="text-xs text-grey-8">{{ due.why }}</div>
  </div>
</q-td>"""


def _row(v: page_queries.ExcludedVehicle, country: str) -> dict[str, Any]:
    return {
        "id": v.vehicle_id, "href": vehicle_url(v.vehicle_id),
        **vehicle_cells(v.plate, v.vehicle_number, v.make, v.model, v.vehicle_id),
        **customer_cells(v.name, v.customer_number, v.customer_id),
        "dues": [{"type": d.service_type, "label": label(d.service_type, country),
                  "due": de_date(d.due_date), "why": d.why} for d in v.dues],
    }


def load(state: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    country = runtime().settings().holiday_country
    with runtime().db.session() as session:
        rows, total = page_queries.excluded_vehicles(session, state["page"], PAGE_SIZE)
    return [_row(v, country) for v in rows], total


def export(file_format: str) -> bytes:
    settings = runtime().settings()
    with runtime().db.session() as session:
        return page_queries.export_excluded(session, settings, file_format)


async def excluded_view() -> None:
    """The hint, the export and the paged list (rendered into the tab panel)."""
    with ui.row().classes("w-full items-end justify-between gap-x-4 gap-y-2"):
        ui.label("Für diese Fahrzeuge kommt keine Einladung, solange der offene Auftrag "
                 "derselben Art im DMS steht. Wird er abgeschlossen, rechnet der nächste "
                 "Import die Fälligkeit neu.").classes("text-sm text-grey-8 min-w-0 grow "
                                                      "basis-80")
        total_label = ui.label().classes("text-sm text-grey-7").mark("excluded-total")
        buttons = export_buttons(export, lambda: "service-ausgeschlossen")
    # export_buttons marks its buttons export-csv / export-xlsx; the invitations tab has
    # those already, so these get their own names.
    found = [child for child in buttons.default_slot.children if isinstance(child, ui.button)]
    for button, key in zip(found, ("csv", "xlsx"), strict=True):
        button.mark(f"excluded-export-{key}")
    paged = PagedTable(COLUMNS, load=load, state={"page": 1}, marker="excluded-table",
                       empty_label="Kein Fahrzeug ausgeschlossen.", page_size=PAGE_SIZE,
                       dense=True, on_loaded=lambda total: total_label.set_text(
                           count_label(total, "Fahrzeug", "Fahrzeuge")))
    table = cards_on_phone(paged.table.classes("w-full"), EXCLUDED_ITEM)
    for name, slot in (("plate", VEHICLE_SLOT), ("name", CUSTOMER_SLOT), ("dues", DUES_SLOT)):
        table.add_slot(f"body-cell-{name}", slot)
    table.on("rowClick", lambda e: ui.navigate.to(e.args[1]["href"]))
    await paged.refresh()
