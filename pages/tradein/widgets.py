"""Trade-in display blocks: the status colours and the status pill."""
from __future__ import annotations

from nicegui import ui

from core.tradein.flow import STATUS_COLORS, STATUS_LABELS


def status_badge(status: int, archived: bool = False) -> ui.badge:
    """A coloured pill with the status number and German label."""
    label = f"{status}) {STATUS_LABELS.get(status, '?')}"
    badge = ui.badge(label, color=STATUS_COLORS.get(status, "grey")).classes(
        "text-sm px-3 py-1").mark("status-badge")
    if archived:
        ui.badge("archiviert", color="grey-5").classes("text-sm px-3 py-1").mark("archived-badge")
    return badge
