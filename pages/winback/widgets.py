"""Win-back display blocks: the status colours and the status pill."""
from __future__ import annotations

from nicegui import ui

from core.winback.flow import STATUS_COLORS as WINBACK_COLORS
from core.winback.flow import STATUS_LABELS as WINBACK_LABELS


def winback_badge(status: str) -> ui.badge:
    """The win-back status as a coloured pill (German label from the flow table)."""
    return ui.badge(WINBACK_LABELS.get(status, status), color=WINBACK_COLORS.get(
        status, "grey")).classes("text-sm px-3 py-1").mark("winback-status")
