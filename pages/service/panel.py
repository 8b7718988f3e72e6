"""The service panel of the customer page: the customer's vehicles and their next due date."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.service import vehicle_url
from core.service.queries import vehicles_with_next_due
from pages.frame import runtime


def _load(customer_id: int) -> list[dict[str, Any]]:
    with runtime().db.session() as session:
        return [{"id": v.id, "name": v.name, "plate": v.plate or v.vehicle_number, "due": due}
                for v, due in vehicles_with_next_due(session, customer_id)]


async def customer_panel(customer_id: int, user: Any) -> None:
    """Rendered into the card the customer page gives this module."""
    vehicles = await run.io_bound(_load, customer_id)
    if not vehicles:
        ui.label("Keine Fahrzeuge aus dem DMS.").classes("text-sm text-grey-7").mark(
            "service-panel-none")
        return
    with ui.column().classes("w-full gap-1").mark("service-panel"):
        for v in vehicles:
            with ui.row().classes("w-full items-center justify-between gap-2 no-wrap"):
                ui.link(f"{v['plate']} · {v['name']}", vehicle_url(v["id"])).classes(
                    "text-sm text-primary no-underline").mark("service-panel-vehicle")
                due = f"fällig ab {v['due']:%d.%m.%Y}" if v["due"] else "nichts fällig"
                ui.label(due).classes("text-xs text-grey-7")
