"""The win-back panel of the customer page: where the customer stands in the worklist."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.formatting import format_eur, format_percent
from core.winback import process_url
from core.winback.by_customer import entry_of
from pages.frame import may_open, runtime
from pages.widgets import value_row
from pages.winback.widgets import winback_badge


def _load(customer_id: int) -> dict[str, Any] | None:
    with runtime().db.session() as session:
        entry = entry_of(session, customer_id)
    if entry is None:
        return None
    return {
        "status": entry.status,
        "previous": format_eur(entry.previous_cents), "current": format_eur(entry.current_cents),
        "decline": format_percent(entry.decline_percent, "–"),
        "last_order": f"{entry.last_order_date:%d.%m.%Y}" if entry.last_order_date else "–",
        "remind_on": f"{entry.remind_on:%d.%m.%Y}" if entry.remind_on else "keine",
    }


async def customer_panel(customer_id: int, user: Any) -> None:
    """Rendered into the card the customer page gives this module."""
    data = await run.io_bound(_load, customer_id)
    if data is None:
        ui.label("Keine Aufträge – nicht in der Rückgewinnung.").classes(
            "text-sm text-grey-7").mark("winback-panel-none")
        return
    with ui.column().classes("w-full gap-1").mark("winback-panel"):
        with ui.row().classes("w-full items-center justify-between gap-2"):
            winback_badge(data["status"])
            if may_open(user, "/rueckgewinnung/kunde/{customer_id}"):
                ui.link("Zur Rückgewinnung →", process_url(customer_id)).classes(
                    "text-sm text-primary no-underline").mark("winback-panel-link")
        value_row("Umsatz vorher", data["previous"], "winback-previous")
        value_row("Umsatz jetzt", data["current"], "winback-current")
        value_row("Rückgang", data["decline"], "winback-decline")
        value_row("Letzter Auftrag", data["last_order"], "winback-last-order")
        value_row("Wiedervorlage", data["remind_on"], "winback-remind-on")
