"""Rückgewinnung: the six worklist tiles with live counts, "Jetzt neu berechnen" (the
detection with a progress bar) and a short reminder of the settings the detection uses."""
from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import run, ui

from core import clock
from core.formatting import format_datetime
from core.winback import detection, queries
from core.winback.flow import TILE_STYLE, TILES
from pages.frame import page, runtime
from pages.widgets import Progress, notify_error, page_title, run_with_progress, section

REFRESH_SECONDS = 30
ROLES = ("admin", "service", "sales", "supervisor")


def today() -> date:
    """The local business day: reminders and tiles count in the dealer's calendar."""
    return clock.now().astimezone(ZoneInfo(runtime().settings().timezone)).date()


def load_state() -> dict[str, Any]:
    settings = runtime().settings()
    with runtime().db.session() as session:
        counts = queries.tile_counts(session, today())
        last = queries.last_run(session)
    return {"counts": counts, "last_run": format_datetime(last, settings.timezone),
            "window": settings.winback_window_months,
            "threshold": settings.winback_threshold_percent,
            "min_previous": settings.winback_min_previous_eur,
            "groups": settings.winback_groups.strip()}


def recompute(progress: Progress) -> Any:
    """The detection as of now, in one write transaction (the nightly run does the same)."""
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        return detection.run(session, settings, clock.now(), progress=progress)


def settings_hint(state: dict[str, Any]) -> str:
    groups = state["groups"] or "alle"
    return (f"Vergleich der letzten {state['window']} Monate mit den {state['window']} Monaten "
            f"davor · Rückgang ab {state['threshold']} % · Umsatz im Vorzeitraum mindestens "
            f"{state['min_previous']:,} €".replace(",", ".") + f" · Kundengruppen: {groups}")


def _tile(key: str, label: str, hint: str) -> ui.label:
    """A clickable card with the live count; returns the number label."""
    icon, color = TILE_STYLE.get(key, ("circle", "grey-7"))
    with ui.link(target=f"/rueckgewinnung/liste?tile={key}").classes(
            "no-underline text-inherit").mark(f"tile-{key}"), ui.card().props(
            "flat bordered").classes("w-full h-full gap-1 p-5 cursor-pointer hover:shadow-md "
                                     "transition-shadow relative overflow-hidden"):
        ui.element("div").classes(f"absolute left-0 top-0 bottom-0 w-1 bg-{color}")
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, size="sm").classes(f"text-{color}")
            ui.label(label).classes("text-sm text-grey-8 leading-tight")
        count = ui.label("…").classes("text-4xl font-light text-grey-10").mark(
            f"tile-{key}-count")
        ui.label(hint).classes("text-xs text-grey-6")
    return count


async def winback_page(user: Any) -> None:
    page_title("Rückgewinnung", "Kunden mit sinkendem Umsatz finden und einzeln ansprechen")
    counts: dict[str, ui.label] = {}
    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4"):
        for key, label, hint in TILES:
            counts[key] = _tile(key, label, hint)

    with section("Berechnung", "calculate"):
        hint = ui.label().classes("text-sm text-grey-8").mark("winback-settings-hint")
        with ui.row().classes("w-full items-center gap-4"):
            button = ui.button("Jetzt neu berechnen", icon="refresh").props(
                "outline").mark("winback-recompute")
            last_run = ui.label().classes("text-sm text-grey-7").mark("winback-last-run")
            if user.role == "admin":
                ui.link("Einstellungen ändern", "/einstellungen").classes(
                    "text-sm text-primary no-underline ml-auto")
        bar = ui.linear_progress(value=0, show_value=False).props("rounded size=6px").mark(
            "winback-progress")
        step = ui.label().classes("text-xs text-grey-7")
        bar.set_visibility(False)
        step.set_visibility(False)

    async def refresh() -> None:
        try:
            state = await run.io_bound(load_state)
        except Exception:  # noqa: BLE001 - keep the last numbers; the next tick tries again
            return
        if state is None:  # shutting down
            return
        for key, label in counts.items():
            label.set_text(f"{state['counts'].get(key, 0):,}".replace(",", "."))
        last_run.set_text(f"Zuletzt berechnet: {state['last_run']}" if state["last_run"]
                          else "Noch nie berechnet.")
        hint.set_text(settings_hint(state))

    async def run_detection() -> None:
        button.disable()
        try:
            report = await run_with_progress(recompute, bar, step)
        except Exception as exc:  # noqa: BLE001 - show any failure, the page stays usable
            notify_error(exc)
            return
        finally:
            button.enable()
        ui.notify(f"Neu berechnet: {report.customers:,} Kunden geprüft, ".replace(",", ".")
                  + f"{report.declines:,} mit Umsatzrückgang, ".replace(",", ".")
                  + f"{report.won_back} zurückgewonnen ({report.seconds:.1f} s).",
                  type="positive")
        await refresh()

    button.on_click(run_detection)
    await refresh()
    ui.timer(REFRESH_SECONDS, refresh)


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/rueckgewinnung", "Rückgewinnung", roles=ROLES)(winback_page)
