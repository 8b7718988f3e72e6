"""The call list: the customers staff should phone now (a call-back wish, or no reaction to
invitation and reminder by the due date), the oldest due date first. "Erledigt" takes a
customer off the list with a word on what came of the call."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock
from core.formatting import format_datetime
from core.paging import count_label
from core.service import page_queries, vehicle_url
from core.service.calls import MAX_NOTE, call_done
from core.service.queries import InvitationRow
from core.service.types import joined_labels
from pages.frame import runtime
from pages.paged_table import PagedTable
from pages.service.cards import CALL_ITEM, cards_on_phone
from pages.service.widgets import (
    CUSTOMER_SLOT,
    VEHICLE_SLOT,
    WRAP_SLOT,
    col,
    customer_cells,
    de_date,
    local_date,
    local_today,
    tel_href,
    vehicle_cells,
)
from pages.widgets import confirm_dialog, notify_error, section

PAGE_SIZE = 25
REASONS = {  # status -> (badge text, badge colour)
    "callback": ("Rückruf gewünscht", "deep-purple-6"),
    "call_list": ("Keine Reaktion", "orange-8"),
}

CALL_COLUMNS = [
    col("name", "Kunde / Telefon"),
    col("plate", "Fahrzeug"),
    col("types", "Service"),
    col("due", "Fällig ab"),
    col("reason", "Warum auf der Liste"),
    col("action", ""),
]
CALL_CUSTOMER_SLOT = CUSTOMER_SLOT.replace("</q-td>", r"""
  <div v-if="props.row.tel">
    <a :href="props.row.tel" class="text-primary no-underline" @click.stop>
      <q-icon name="call" size="xs" /> {{ props.row.phone }}</a>
  </div>
  <div v-else class="text-xs text-negative">keine Telefonnummer</div>
</q-td>""")
DUE_SLOT = r"""
<q-td :props="props">
  {{ props.value }}
  <div v-if="props.row.overdue" class="text-xs text-negative">{{ props.row.overdue }}</div>
</q-td>"""
REASON_SLOT = r"""
<q-td :props="props" style="white-space: normal; min-width: 190px">
  <q-badge :color="props.row.reason_color" class="px-2 py-1">{{ props.row.reason }}</q-badge>
  <div class="text-xs text-grey-7 q-mt-xs">{{ props.row.reason_detail }}</div>
</q-td>"""


def _reason_detail(row: InvitationRow, tz: str) -> str:
    if row.status == "callback":
        return f"Bitte um Anruf am {format_datetime(row.callback_at, tz)}"
    sent = [f"eingeladen {local_date(row.invited_at, tz)}"] if row.invited_at else []
    if row.reminded_at:
        sent.append(f"erinnert {local_date(row.reminded_at, tz)}")
    listed = f"auf der Liste seit {local_date(row.call_listed_at, tz)}" \
        if row.call_listed_at else "auf der Liste"
    return ", ".join(sent + [listed])


def _call_row(row: InvitationRow, country: str, tz: str, today: Any) -> dict[str, Any]:
    reason, color = REASONS.get(row.status, (row.status, "grey"))
    late = (today - row.due_date).days
    return {
        "id": row.id, "href": vehicle_url(row.vehicle_id),
        **customer_cells(row.name, row.customer_number, row.customer_id),
        **vehicle_cells(row.plate, row.vehicle_number, row.make, row.model, row.vehicle_id),
        "phone": row.phone, "tel": tel_href(row.phone),
        "types": joined_labels(row.types, country), "due": de_date(row.due_date),
        "overdue": f"seit {late} Tagen fällig" if late > 1 else "",
        "reason": reason, "reason_color": color, "reason_detail": _reason_detail(row, tz),
    }


def load_calls(state: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    settings = runtime().settings()  # before the session: settings are not read inside one
    tz, today = settings.timezone, local_today(settings.timezone)
    with runtime().db.session() as session:
        rows, total = page_queries.call_list(session, state["page"], PAGE_SIZE)
    return [_call_row(r, settings.holiday_country, tz, today) for r in rows], total




ACTION_SLOT = r"""
<q-td :props="props" auto-width>
  <q-btn flat dense no-caps no-wrap color="primary" icon="task_alt" label="Erledigt"
         @click.stop="() => $parent.$emit('call_done', props.row)" />
</q-td>"""


def _done(invitation_id: int, user: Any, note: str) -> str:
    with runtime().db.session(write=True) as session:
        return call_done(session, invitation_id, user, note, clock.now()).outcome


def _ask_done(row: dict[str, Any], user: Any, paged: PagedTable) -> None:
    note = {"text": ""}

    def body() -> None:
        ui.label(f"{row['name']} · {row['plate']} – {row['types']}").classes("text-sm")
        ui.textarea("Was kam heraus? (freiwillig)", on_change=lambda e: note.update(text=e.value),
                    placeholder="z. B. Termin am 14.01. vereinbart").props(
            f"outlined autogrow maxlength={MAX_NOTE}").classes("w-full").mark("call-note")

    async def save() -> bool:
        try:
            outcome = await run.io_bound(_done, row["id"], user, note["text"])
        except Exception as exc:  # noqa: BLE001 - German message, the dialog keeps the text
            notify_error(exc)
            return False
        ui.notify(outcome, type="positive")
        await paged.refresh()
        return True

    confirm_dialog("Anruf erledigt", save, body=body, confirm_label="Von der Liste nehmen")


def call_list_section(user: Any) -> PagedTable:
    with section("Anrufliste", "phone_in_talk").mark("call-list-section"):
        with ui.row().classes("w-full items-baseline justify-between gap-x-4 gap-y-1"):
            ui.label("Kunden mit Rückrufwunsch und Kunden ohne Reaktion auf Einladung und "
                     "Erinnerung bis zur Fälligkeit – älteste Fälligkeit zuerst.").classes(
                "text-sm text-grey-8 min-w-0")
            total_label = ui.label().classes("text-sm text-grey-7").mark("call-list-total")
        paged = PagedTable(CALL_COLUMNS, load=load_calls, state={"page": 1},
                           marker="call-list", empty_label="Niemand wartet auf einen Anruf.",
                           page_size=PAGE_SIZE, dense=True,
                           on_loaded=lambda total: total_label.set_text(
                               count_label(total, "Anruf", "Anrufe")))
        table = cards_on_phone(paged.table.classes("w-full"), CALL_ITEM)
        for name, slot in (("name", CALL_CUSTOMER_SLOT), ("plate", VEHICLE_SLOT),
                           ("types", WRAP_SLOT), ("due", DUE_SLOT), ("reason", REASON_SLOT),
                           ("action", ACTION_SLOT)):
            table.add_slot(f"body-cell-{name}", slot)
        table.on("rowClick", lambda e: ui.navigate.to(e.args[1]["href"]))
        table.on("call_done", lambda e: _ask_done(e.args, user, paged))
        with ui.row().classes("w-full items-baseline justify-between gap-x-4 gap-y-1"):
            ui.label("Nach dem Anruf „Erledigt“ – was daraus wird (Termin, Auftrag), kommt mit "
                     "dem nächsten DMS-Import.").classes("text-xs text-grey-7")
            ui.link("Alle Einladungen nachverfolgen →", "/service/nachverfolgen").classes(
                "text-sm text-primary no-underline").mark("link-followup")
    return paged
