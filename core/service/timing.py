"""When the service run acts: on working days of the business calendar at the configured
send time (settings.service_send_at, local), as UTC instants the daily run compares."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from core.calendar import BusinessCalendar
from core.settings import Settings


def local_today(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def send_time(settings: Settings) -> time:
    hours, minutes = str(settings.service_send_at).split(":")
    return time(int(hours), int(minutes))


def send_instant(settings: Settings, calendar: BusinessCalendar, day: date) -> datetime:
    """The send time on the first working day on or after `day`, as a UTC instant."""
    working = calendar.next_working_day(day)
    local = datetime.combine(working, send_time(settings), tzinfo=ZoneInfo(settings.timezone))
    return local.astimezone(UTC)
