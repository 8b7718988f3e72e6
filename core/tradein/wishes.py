"""The appointment a customer asked for through the booking link (the newest wish on the
case's timeline): shown on the case as the pending appointment and offered as the start of
the confirm dialog."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Event
from core.tradein import KEY

EVENT_KIND = "appointment_wish"
# A time window is no time: the dialog starts in its middle, staff adjust it.
WINDOW_STARTS = {"vormittag": "09:00", "nachmittag": "14:00"}


def last_wish(session: Session, case_id: int) -> dict[str, Any] | None:
    """The newest wish's data ({"wish": "Dienstag, 01.12.2026, 14:30 Uhr", "day", "window",
    "time", "phone", "note"}), or None."""
    event = session.scalar(select(Event).where(Event.module == KEY, Event.record_id == case_id,
                                               Event.kind == EVENT_KIND)
                           .order_by(Event.at.desc(), Event.id.desc()).limit(1))
    return (event.data or None) if event is not None else None


def suggested_slot(wish: dict[str, Any]) -> str:
    """The wish as the confirm dialog's "DD.MM.YYYY HH:MM"; "" if it names no day."""
    try:
        day = date.fromisoformat(str(wish.get("day") or ""))
    except ValueError:
        return ""
    at = wish.get("time") or WINDOW_STARTS.get(str(wish.get("window")), "")
    return f"{day:%d.%m.%Y} {at}" if at else ""
