"""The follow-up page's chart: per service type, how many of the invited customers opened the
mail, clicked a link and booked - as percentages of the invitations sent. Opens and clicks
only when tracking is on; the page says so when it is off instead of showing zeros."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.service import queries
from core.service.types import label
from pages.frame import runtime
from pages.widgets import section

PERCENT_JS = "v => Number(v).toLocaleString('de-DE') + ' %'"
SERIES = (("opened", "Geöffnet", "#90a4ae"), ("clicked", "Geklickt", "#1d5c8c"),
          ("booked", "Gebucht", "#2e7d32"))


def load() -> dict[str, Any]:
    settings = runtime().settings()
    with runtime().db.session() as session:
        rates = queries.rates_by_type(session)
    return {"tracking": bool(settings.tracking), "rates": [{
        "label": label(r.service_type, settings.holiday_country), "sent": r.sent,
        "opened": r.percent(r.opened), "clicked": r.percent(r.clicked),
        "booked": r.percent(r.booked)} for r in rates]}


def options(data: dict[str, Any]) -> dict[str, Any]:
    """Horizontal bars (the type names stay readable on a phone), one series per reaction."""
    shown = SERIES if data["tracking"] else SERIES[2:]
    rates = data["rates"]
    return {
        "grid": {"left": 8, "right": 48, "top": 32, "bottom": 8, "containLabel": True},
        "legend": {"top": 0, "left": 0},
        # ":" keys are JavaScript: German percent format in the tooltip and on the axis.
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"},
                    ":valueFormatter": PERCENT_JS},
        "xAxis": {"type": "value", "max": 100, "interval": 25,
                  "axisLabel": {":formatter": PERCENT_JS, "hideOverlap": True}},
        "yAxis": {"type": "category", "inverse": True,
                  "data": [f"{r['label']}\n{r['sent']} eingeladen" for r in rates],
                  # two lines per type (name, count): lineHeight keeps them apart
                  "axisLabel": {"fontSize": 11, "lineHeight": 15, "width": 135,
                                "overflow": "break"}},
        "series": [{"name": name, "type": "bar", "data": [r[key] for r in rates],
                    "itemStyle": {"color": colour},
                    "label": {"show": True, "position": "right", "fontSize": 10,
                              ":formatter": "p => p.value ? p.value.toLocaleString('de-DE')"
                                            " + ' %' : ''"}}
                   for key, name, colour in shown],
    }


def _note(tracking: bool) -> str:
    if tracking:
        return ("Anteil der verschickten Einladungen je Serviceart. Öffnungen und Klicks "
                "zählen nur bei Kunden, die der Messung zugestimmt haben; automatische "
                "Link-Prüfer von Mailprogrammen zählen nicht.")
    return ("Öffnungen und Klicks werden nicht gemessen – die Messung ist in den "
            "Einstellungen ausgeschaltet. Gezeigt wird nur, wie viele der Eingeladenen über "
            "den Link einen Termin gebucht haben.")


async def rates_section() -> None:
    with section("Reaktionen je Serviceart", "bar_chart").mark("rates-section"):
        try:
            data = await run.io_bound(load)
        except Exception as exc:  # noqa: BLE001 - the list above stays usable
            ui.label(f"Auswertung nicht verfügbar: {exc}").classes("text-sm text-negative")
            return
        if data is None:  # shutting down
            return
        tracking = data["tracking"]
        ui.label(_note(tracking)).classes(
            "text-sm " + ("text-grey-8" if tracking else "text-orange-9 font-medium")).mark(
            "rates-note" + ("" if tracking else " tracking-off"))
        ui.echart(options(data)).classes("w-full h-96").mark("rates-chart")
