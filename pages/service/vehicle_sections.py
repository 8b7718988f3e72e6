"""The sections of the vehicle page below its header: due dates per type, workshop orders,
invitations and mileage readings. They render the plain dicts pages.service.vehicle loads."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from core.service.duedates import MAX_KM_PER_YEAR, de_km
from pages.service.cards import INVITATION_ITEM, ORDER_ITEM, READING_ITEM, cards_on_phone
from pages.service.widgets import STATUS_SLOT, WRAP_SLOT, col
from pages.widgets import section

ORDERS_PER_PAGE = 10
BASIS_ICONS = {"time": "event", "km": "speed"}

ORDER_COLUMNS = [col("date", "Datum"), col("number", "Auftrag"), col("text", "Text"),
                 col("status", "Status"), col("km", "km-Stand", "right"),
                 col("amount", "Betrag", "right"),
                 col("matches", "Erkannte Serviceart (Stichwörter)")]
ORDER_STATUS_SLOT = r"""
<q-td :props="props">
  <q-badge :color="props.row.status === 'open' ? 'orange-8' : 'grey-5'" class="px-2 py-1">
    {{ props.row.status_label }}</q-badge>
</q-td>"""
MATCHES_SLOT = r"""
<q-td :props="props" style="white-space: normal; min-width: 200px">
  <span :class="props.row.matched ? 'text-grey-10' : 'text-grey-6'">{{ props.value }}</span>
</q-td>"""

READING_COLUMNS = [col("date", "Datum"), col("km", "km-Stand", "right"),
                   col("source", "Quelle"), col("note", "Zählt?")]
READING_ROW_SLOT = r"""
<q-tr :props="props" :class="props.row.ignored ? 'bg-red-1' : ''">
  <q-td v-for="col in props.cols" :key="col.name" :props="props"
        :style="col.name === 'note' ? 'white-space: normal; min-width: 120px' : ''">
    <template v-if="col.name === 'note' && props.row.ignored">
      <span class="text-negative text-weight-medium">
        <q-icon name="block" size="xs" /> {{ col.value }}</span>
    </template>
    <template v-else-if="col.name === 'km' && props.row.ignored">
      <s class="text-grey-7">{{ col.value }}</s></template>
    <template v-else>{{ col.value }}</template>
  </q-td>
</q-tr>"""

INVITATION_COLUMNS = [col("id", "Nr."), col("types", "Service"), col("due", "Fällig ab"),
                      col("invited", "Eingeladen"), col("status", "Status / Ergebnis")]
INVITATION_ID_SLOT = r"""
<q-td :props="props">
  <a v-if="props.row.href" :href="props.row.href" class="text-primary no-underline">
    {{ props.value }}</a>
  <span v-else>{{ props.value }}</span>
</q-td>"""


def _due_line(line: dict[str, Any]) -> None:
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-12 gap-x-4 gap-y-1 "
                                   "py-2 border-b border-gray-200").mark(
            f"due-line due-{line['type']}"):
        with ui.column().classes("gap-0 md:col-span-3"):
            ui.label(line["label"]).classes("text-sm font-medium text-grey-10")
            due = ui.label(f"fällig ab {line['due']}").classes("text-sm").mark("due-date")
            if line["overdue"]:
                due.classes("text-negative")
        with ui.row().classes("gap-2 no-wrap items-start md:col-span-5 min-w-0"):
            ui.icon(BASIS_ICONS.get(line["basis_key"], "event"), size="xs").classes(
                "text-grey-6 mt-1").tooltip(line["basis"])
            ui.label(line["reason"]).classes("text-sm text-grey-8 min-w-0 break-words").mark(
                "due-reason")
        with ui.row().classes("gap-2 no-wrap items-start md:col-span-4 min-w-0"):
            if line["next"]:
                ui.icon("schedule_send", size="xs").classes("text-primary mt-1")
                ui.label(line["next"]).classes("text-sm text-grey-10").mark("due-next")
            else:
                ui.icon("do_not_disturb_on", size="xs").classes("text-grey-6 mt-1")
                ui.label(line["why_none"]).classes("text-sm text-grey-7 min-w-0 "
                                                   "break-words").mark("due-none")


def dues_section(types: list[dict[str, Any]]) -> None:
    with section("Fälligkeiten", "event_repeat").mark("vehicle-dues"):
        if not types:
            ui.label("Für dieses Fahrzeug ist keine Serviceart fällig (keine passende "
                     "Intervallregel).").classes("text-sm text-grey-7")
            return
        # max-md:hidden, not "hidden md:grid": Quasar's .hidden is !important
        with ui.element("div").classes("w-full grid grid-cols-12 gap-x-4 text-xs text-grey-6 "
                                       "max-md:hidden"):
            ui.label("Serviceart").classes("col-span-3")
            ui.label("Warum dann").classes("col-span-5")
            ui.label("Nächster Kontakt").classes("col-span-4")
        for line in types:
            _due_line(line)


def orders_section(orders: list[dict[str, Any]]) -> None:
    with section("Werkstattaufträge", "build"):
        if not orders:
            ui.label("Keine Werkstattaufträge aus dem DMS.").classes("text-sm text-grey-7")
            return
        table = ui.table(columns=ORDER_COLUMNS, rows=orders, row_key="key",
                         pagination={"rowsPerPage": ORDERS_PER_PAGE}).props(
            "flat dense :rows-per-page-options=[10,25,0]").classes("w-full").mark(
            "vehicle-orders")
        cards_on_phone(table, ORDER_ITEM)
        table.add_slot("body-cell-status", ORDER_STATUS_SLOT)
        table.add_slot("body-cell-text", WRAP_SLOT)
        table.add_slot("body-cell-matches", MATCHES_SLOT)
        ui.label("Ein offener Auftrag einer Serviceart hält die Einladung dafür zurück; "
                 "erkannt wird die Art an den Stichwörtern im Auftragstext.").classes(
            "text-xs text-grey-7")


def invitations_section(invitations: list[dict[str, Any]]) -> None:
    with section("Einladungen", "mail"):
        if not invitations:
            ui.label("Noch keine Einladung für dieses Fahrzeug.").classes(
                "text-sm text-grey-7")
            return
        table = ui.table(columns=INVITATION_COLUMNS, rows=invitations, row_key="id").props(
            "flat dense hide-pagination :rows-per-page-options=[0]").classes("w-full").mark(
            "vehicle-invitations")
        cards_on_phone(table, INVITATION_ITEM)
        table.add_slot("body-cell-id", INVITATION_ID_SLOT)
        table.add_slot("body-cell-types", WRAP_SLOT)
        table.add_slot("body-cell-status", STATUS_SLOT)


def readings_section(readings: list[dict[str, Any]]) -> None:
    with section("Kilometerstände", "speed"):
        if not readings:
            ui.label("Keine Kilometerstände bekannt – fällig wird nur nach Zeit.").classes(
                "text-sm text-grey-7")
            return
        table = ui.table(columns=READING_COLUMNS, rows=readings, row_key="key",
                         pagination={"rowsPerPage": ORDERS_PER_PAGE}).props(
            "flat dense :rows-per-page-options=[10,25,0]").classes("w-full").mark(
            "vehicle-readings")
        table.add_slot("body", READING_ROW_SLOT)
        cards_on_phone(table, READING_ITEM)
        ui.label(f"Ein Stand, der zurückgeht oder mehr als {de_km(MAX_KM_PER_YEAR)} im Jahr "
                 "bedeuten würde, ist ein Tippfehler und zählt nicht für die "
                 "Hochrechnung.").classes(
            "text-xs text-grey-7")
