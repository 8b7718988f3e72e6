"""The timeline ("Verlauf") as every record page shows it: one line per event with an icon
for its kind, the text, when and by whom; on the customer page also the module and a link to
the module's record."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from pages.widgets import section

# First match wins, by part of the event kind: "mail_suppressed" is a block, not a mail.
EVENT_ICONS = {"suppress": "block", "not_sent": "block", "optout": "unsubscribe",
               "opt_out": "unsubscribe", "opted_out": "unsubscribe", "merged": "merge",
               "won": "emoji_events", "mail": "mail", "status": "flag", "action": "touch_app",
               "valuation": "calculate", "remark": "chat", "import": "upload_file",
               "archiv": "archive", "wish": "event"}


def event_icon(kind: str) -> str:
    return next((icon for key, icon in EVENT_ICONS.items() if key in kind), "circle")


def timeline(entries: list[dict[str, Any]], title: str = "Verlauf") -> None:
    """A section with the entries (dicts: at, text, kind, actor; optional module, url)."""
    with section(title, "history"):
        if not entries:
            ui.label("Noch keine Einträge.").classes("text-sm text-grey-7")
        with ui.column().classes("w-full gap-0").mark("timeline"):
            for entry in entries:
                _entry(entry)


def _entry(entry: dict[str, Any]) -> None:
    with ui.row().classes("w-full no-wrap gap-3 py-2 border-b border-gray-200").mark(
            "timeline-entry"):
        ui.icon(event_icon(entry["kind"]), size="xs").classes("text-grey-6 mt-1")
        with ui.column().classes("gap-0 min-w-0 grow"):
            ui.label(entry["text"]).classes("text-sm break-words whitespace-pre-wrap")
            with ui.row().classes("items-center gap-x-2 gap-y-0"):
                if entry.get("module"):
                    ui.label(entry["module"]).classes(
                        "text-xs font-medium text-primary").mark("timeline-module")
                ui.label(f"{entry['at']} · {entry['actor']}").classes("text-xs text-grey-6")
                if entry.get("url"):
                    ui.link("öffnen", entry["url"]).classes("text-xs text-primary").mark(
                        "timeline-link")
