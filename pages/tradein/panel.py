"""The trade-in panel of the customer page: the customer's cases, each linking to its page."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.formatting import format_datetime, format_eur
from core.tradein.by_customer import cases_of
from core.tradein.module import case_url
from pages.frame import may_open, runtime
from pages.tradein.widgets import status_badge


def _load(customer_id: int) -> list[dict[str, Any]]:
    tz = runtime().settings().timezone
    with runtime().db.session() as session:
        return [{"id": c.id, "vehicle": f"{c.vehicle} ({c.build_year})", "status": c.status,
                 "archived": c.archived, "market_value": format_eur(c.market_value_cents),
                 "changed": format_datetime(c.changed_at, tz)}
                for c in cases_of(session, customer_id)]


async def customer_panel(customer_id: int, user: Any) -> None:
    """Rendered into the card the customer page gives this module."""
    cases = await run.io_bound(_load, customer_id)
    if not cases:
        ui.label("Keine Ankauf-Fälle.").classes("text-sm text-grey-7").mark("tradein-panel-none")
        return
    linked = may_open(user, "/ankauf/{case_id}")
    with ui.column().classes("w-full gap-0").mark("tradein-panel"):
        for case in cases:
            with ui.element("div").classes(
                    "w-full flex flex-wrap items-center gap-x-4 gap-y-1 py-2 border-b "
                    "border-gray-200").mark(f"tradein-case-{case['id']}"):
                title = f"Fall {case['id']} · {case['vehicle']}"
                if linked:
                    ui.link(title, case_url(case["id"])).classes(
                        "text-sm font-medium text-primary no-underline min-w-[14rem]")
                else:
                    ui.label(title).classes("text-sm font-medium min-w-[14rem]")
                status_badge(case["status"], case["archived"])
                ui.label(f"Marktwert {case['market_value']}").classes("text-sm text-grey-8")
                ui.label(f"geändert {case['changed']}").classes("text-xs text-grey-6")
