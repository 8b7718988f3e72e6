"""Dashboard: what needs attention (every registered module's tiles with live counts), the mail
engine's state and the automatic mails of the next 14 days across modules. Counts refresh in
place every 30 seconds."""
from __future__ import annotations

from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from nicegui import run, ui

from core import clock, modules
from core.formatting import format_datetime
from core.mail import outbox
from core.modules import Tile
from pages.frame import page, runtime
from pages.widgets import page_title, section

REFRESH_SECONDS = 30
FORECAST_REFRESH_SECONDS = 300
FORECAST_DAYS = 14
PER_DAY_SHOWN = 5
WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
MAIL_STATES = (  # (outbox count key, label, colour); order as the outbox's count chips
    ("queued", "Warteschlange", "grey-9"), ("retry", "Neuer Versuch geplant", "orange-9"),
    ("held", "Zurückgehalten", "orange-9"),
    # The two special rows follow the status they are part of; each links to the outbox
    # filtered to exactly these mails.
    (outbox.LATE, "davon zu spät – Entscheidung offen", "deep-orange-9"),
    ("failed", "Fehlgeschlagen", "negative"),
    (outbox.GAVE_UP, "davon aufgegeben (nicht zustellbar)", "negative"),
    ("sent_today", "Heute gesendet", "positive"),
)


def tile_marker(module_key: str, tile: Tile) -> str:
    return f"tile-{module_key}-{tile.key}"


def load_counts() -> dict[str, Any]:
    """Every module's tile counts (keyed by tile marker) and the mail engine's state."""
    settings, now = runtime().settings(), clock.now()
    with runtime().db.session() as session:
        tiles: dict[str, int] = {}
        for module in modules.registered():
            if module.tile_counts is not None:
                counts = module.tile_counts(session, settings, now)
                tiles |= {f"tile-{module.key}-{key}": n for key, n in counts.items()}
        return {"tiles": tiles, "mail": outbox.counts(session, now, settings),
                "send_emails": settings.send_emails}


def load_forecast() -> list[dict[str, Any]]:
    """The dry-run outcomes grouped per local day: [{day, total, items[...]}]."""
    settings = runtime().settings()
    zone, now = ZoneInfo(settings.timezone), clock.now()
    outcomes: list[tuple[Any, Any]] = []  # (module, outcome)
    with runtime().db.session() as session:
        for module in modules.registered():
            if module.forecast is not None:
                outcomes += [(module, o) for o in module.forecast(session, now, settings,
                                                                  FORECAST_DAYS)]
    days: dict[Any, list] = defaultdict(list)
    for module, outcome in sorted(outcomes, key=lambda pair: pair[1].at):
        days[outcome.at.astimezone(zone).date()].append((module, outcome))
    result = []
    for day, items in days.items():
        result.append({
            "day": f"{WEEKDAYS[day.weekday()]}, {day:%d.%m.%Y}",
            "total": len(items),
            "suppressed": sum(1 for _m, o in items if not o.sent),
            "items": [{
                "at": format_datetime(o.at, settings.timezone)[-5:],
                "mail": o.label,
                "customer": o.customer_name or f"{m.label} {m.record_label} {o.record_id}",
                "href": modules.record_url(m.key, o.record_id) or "", "reason": o.reason or "",
            } for m, o in items[:PER_DAY_SHOWN]],
        })
    return result


def tile_card(tile: Tile, marker: str, large: bool) -> ui.label:
    """A clickable card with a big number; returns the number label for live updates."""
    color, icon = tile.color, tile.icon
    link = ui.link(target=tile.href).classes("no-underline text-inherit").mark(marker)
    with link, ui.card().props("flat bordered").classes(
            "w-full h-full gap-1 cursor-pointer hover:shadow-md transition-shadow relative "
            "overflow-hidden " + ("p-5" if large else "p-4")):
        ui.element("div").classes(f"absolute left-0 top-0 bottom-0 w-1 bg-{color}")
        with ui.row().classes("items-center gap-2 no-wrap"):
            if icon:
                ui.icon(icon, size="sm").classes(f"text-{color}")
            ui.label(tile.label).classes("text-sm text-grey-8 leading-tight")
        count = ui.label("…").classes(
            ("text-4xl" if large else "text-3xl") + " font-light text-grey-10").mark(
            marker + "-count")
        if tile.hint:
            ui.label(tile.hint).classes("text-xs text-grey-6")
        return count


def _tile_groups(view: dict[str, ui.label]) -> None:
    """Every module's tile groups; the large ones ("Handlungsbedarf") first."""
    groups = [(module, group) for module in modules.registered() for group in module.tiles]
    for module, group in sorted(groups, key=lambda pair: not pair[1].large):
        ui.label(group.title).classes("text-sm font-medium text-grey-7 uppercase mt-2")
        grid = "grid-cols-1 md:grid-cols-3" if group.large else \
            "grid-cols-1 sm:grid-cols-2 lg:grid-cols-4"
        with ui.element("div").classes(f"w-full grid {grid} gap-3"):
            for tile in group.tiles:
                marker = tile_marker(module.key, tile)
                view[marker] = tile_card(tile, marker, group.large)


def _mail_state(counts_view: dict[str, ui.label]) -> None:
    with section("E-Mail-Versand", "outbox"):
        with ui.row().classes("w-full items-center gap-3"):
            ui.label("E-Mails versenden:").classes("text-sm text-grey-8")
            counts_view["send_emails"] = ui.label("…").classes("text-sm font-medium").mark(
                "send-switch-state")
        for key, label, color in MAIL_STATES:
            with _mail_state_row(key):
                link = key in outbox.SPECIAL_FILTERS  # looks like the link it is
                ui.label(label + (" →" if link else "")).classes(
                    "text-sm " + ("text-primary" if link else "text-grey-8"))
                counts_view["mail_" + key] = ui.label("…").classes(
                    f"text-lg font-medium text-{color}").mark("mail-" + key)
        ui.link("Zum Postausgang →", "/postausgang").classes(
            "text-sm text-primary no-underline mt-1").mark("link-outbox")


def _mail_state_row(key: str) -> ui.element:
    """A plain row, or for the late / given-up mails a link to the filtered outbox."""
    if key not in outbox.SPECIAL_FILTERS:
        return ui.row().classes("w-full items-baseline justify-between")
    return ui.link(target=f"/postausgang?status={key}").classes(
        "w-full flex items-baseline justify-between no-underline text-inherit").mark(
        "link-outbox-" + key)


def _forecast_view(days: list[dict[str, Any]]) -> None:
    if not days:
        ui.label("In den nächsten 14 Tagen ist keine automatische Mail fällig.").classes(
            "text-sm text-grey-7")
        return
    for day in days:
        suffix = f" (davon {day['suppressed']} unterdrückt)" if day["suppressed"] else ""
        title = f"{day['day']} — {day['total']} Mail{'s' if day['total'] != 1 else ''}{suffix}"
        with ui.expansion(title).classes("w-full border-b border-gray-200").props(
                "dense header-class=text-sm").mark("forecast-day"):
            for item in day["items"]:
                with ui.row().classes("w-full no-wrap gap-3 text-sm items-baseline"):
                    ui.label(item["at"]).classes("w-12 text-grey-7 shrink-0")
                    ui.label(item["mail"]).classes("w-56 shrink-0")
                    ui.link(item["customer"], item["href"]).classes(
                        "text-primary no-underline truncate")
                    if item["reason"]:
                        ui.label(item["reason"]).classes("text-xs text-grey-6")
            if day["total"] > len(day["items"]):
                ui.label(f"… und {day['total'] - len(day['items'])} weitere").classes(
                    "text-xs text-grey-6")


async def dashboard_page(user: Any) -> None:
    page_title("Übersicht", "Was heute Aufmerksamkeit braucht")
    view: dict[str, ui.label] = {}

    _tile_groups(view)

    with ui.element("div").classes("w-full grid grid-cols-1 md:grid-cols-3 gap-4 items-start"):
        _mail_state(view)
        with ui.element("div").classes("md:col-span-2"), section(
                f"Automatische Mails der nächsten {FORECAST_DAYS} Tage", "schedule"):
            forecast_box = ui.column().classes("w-full gap-0").mark("forecast")

    async def refresh_counts() -> None:
        try:
            data = await run.io_bound(load_counts)
        except Exception:  # noqa: BLE001 - keep the last numbers; the next tick tries again
            return
        if data is None:  # the app is shutting down (run.io_bound gives None then)
            return
        for key, count in data["tiles"].items():
            if key in view:
                view[key].set_text(f"{count:,}".replace(",", "."))
        for key, _label, color in MAIL_STATES:
            number = data["mail"].get(key, 0)
            view["mail_" + key].set_text(str(number))
            # Colour only what is there: a red zero would draw the eye for nothing.
            view["mail_" + key].classes(replace="text-lg font-medium text-" + (
                color if number else "grey-6"))
        on = data["send_emails"]
        view["send_emails"].set_text("Ja" if on else "Nein — Mails werden zurückgehalten")
        view["send_emails"].classes(replace="text-sm font-medium " + (
            "text-positive" if on else "text-negative"))

    async def refresh_forecast() -> None:
        try:
            days = await run.io_bound(load_forecast)
        except Exception as exc:  # noqa: BLE001
            forecast_box.clear()
            with forecast_box:
                ui.label(f"Vorschau nicht verfügbar: {exc}").classes("text-sm text-negative")
            return
        if days is None:  # shutting down
            return
        forecast_box.clear()
        with forecast_box:
            _forecast_view(days)

    await refresh_counts()
    await refresh_forecast()
    ui.timer(REFRESH_SECONDS, refresh_counts)
    ui.timer(FORECAST_REFRESH_SECONDS, refresh_forecast)


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/", "Übersicht")(dashboard_page)
