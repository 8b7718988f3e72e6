"""Service-Erinnerungen: the module's tiles with live counts, the vehicle search, and the call
list (pages.service.call_list)."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock
from core.service import page_queries, queries, vehicle_url
from core.service.module import TILE_GROUPS
from pages.dashboard import tile_card  # the dashboard's tile, so both look alike
from pages.frame import page, runtime
from pages.service.call_list import call_list_section
from pages.service.widgets import (
    REFRESH_SECONDS,
    ROLES,
)
from pages.widgets import notify_error, page_title, section

PAGE_SIZE = 25
SEARCH_LIMIT = 20
def load_counts() -> dict[str, int]:
    settings, now = runtime().settings(), clock.now()
    with runtime().db.session() as session:
        return queries.tile_counts(session, settings, now)


def find(text: str) -> list[page_queries.VehicleHit]:
    with runtime().db.session() as session:
        return page_queries.search_vehicles(session, text, SEARCH_LIMIT + 1)


def _tiles() -> dict[str, ui.label]:
    counts: dict[str, ui.label] = {}
    # One column on a phone: two side by side leave "Rückrufwünsche" no room in its card.
    with ui.element("div").classes("w-full grid grid-cols-1 sm:grid-cols-3 lg:grid-cols-5 "
                                   "gap-3"):
        for group in TILE_GROUPS:
            for tile in group.tiles:
                counts[tile.key] = tile_card(tile, f"tile-{tile.key}", large=False)
    return counts


def _hit(hit: page_queries.VehicleHit) -> None:
    with ui.row().classes("w-full items-baseline gap-x-3 gap-y-0 py-1 border-b "
                          "border-gray-200").mark("vehicle-hit"):
        ui.link(f"{hit.plate or hit.vehicle_number} · {hit.name}", vehicle_url(hit.id)).classes(
            "text-sm text-primary no-underline font-medium")
        details = [f"Fzg.-Nr. {hit.vehicle_number}", f"FIN {hit.vin}" if hit.vin else "",
                   f"{hit.owner} ({hit.customer_number})" if hit.owner else
                   f"Kundennr. {hit.customer_number}"]
        ui.label(" · ".join(d for d in details if d)).classes("text-xs text-grey-7 break-all")


def _search() -> None:
    with section("Fahrzeug suchen", "search"):
        with ui.row().classes("w-full items-start gap-2 no-wrap"):
            box = ui.input(placeholder="Kennzeichen, FIN, Nr.").props(
                'outlined dense clearable hint="Kennzeichen, FIN, Fahrzeug- oder Kundennummer '
                '– Enter sucht"').classes("grow min-w-0").mark("vehicle-search")
            button = ui.button(icon="search").props("unelevated").classes("h-10").mark(
                "vehicle-search-go").tooltip("Suchen")
        results = ui.column().classes("w-full gap-0").mark("vehicle-results")

    async def search() -> None:
        text = (box.value or "").strip()
        results.clear()
        if not text:
            return
        try:
            hits = await run.io_bound(find, text)
        except Exception as exc:  # noqa: BLE001 - shown in German, the page stays usable
            notify_error(exc)
            return
        if len(hits) == 1:  # a plate or FIN names one vehicle: no list to click through
            ui.navigate.to(vehicle_url(hits[0].id))
            return
        with results:
            if not hits:
                ui.label(f"Kein Fahrzeug zu „{text}“ gefunden.").classes(
                    "text-sm text-grey-7").mark("vehicle-none")
            for hit in hits[:SEARCH_LIMIT]:
                _hit(hit)
            if len(hits) > SEARCH_LIMIT:
                ui.label(f"Mehr als {SEARCH_LIMIT} Treffer – bitte genauer suchen.").classes(
                    "text-xs text-grey-7 mt-1")

    button.on_click(search)
    box.on("keydown.enter", search)


async def overview_page(user: Any) -> None:
    page_title("Service-Erinnerungen", "Einladungen zu Inspektion, Reifenwechsel, Pickerl "
               "& Co. – und wen das Service-Team jetzt anrufen sollte")
    counts = _tiles()
    _search()
    paged = call_list_section(user)

    async def refresh() -> None:
        try:
            numbers = await run.io_bound(load_counts)
        except Exception:  # noqa: BLE001 - keep the last numbers; the next tick tries again
            return
        if numbers is None:  # shutting down
            return
        for key, label in counts.items():
            label.set_text(f"{numbers.get(key, 0):,}".replace(",", "."))

    async def tick() -> None:
        await refresh()
        await paged.refresh()

    await refresh()
    await paged.refresh()
    ui.timer(REFRESH_SECONDS, tick)


def create() -> None:
    """Register the overview (called by pages.service.create)."""
    page("/service", "Service-Erinnerungen", roles=ROLES)(overview_page)
