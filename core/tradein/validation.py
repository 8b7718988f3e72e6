"""Input checks of the trade-in funnel (valuations from the website, appointments, prices):
each field gets its own German message. The field checks every module shares live in
core.validation; these add the funnel's own ranges and the business calendar."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.calendar import BusinessCalendar
from core.formatting import format_datetime
from core.validation import FieldErrors, clean_instant, clean_text

if TYPE_CHECKING:
    from core.settings import Settings

MIN_BUILD_YEAR = 1900
MAX_MILEAGE_KM = 3_000_000
# A website clock may run slightly ahead; a valuation from the real future is an error.
FUTURE_TOLERANCE = timedelta(hours=1)
EARLIEST_CALCULATION = datetime(2000, 1, 1, tzinfo=UTC)  # before that: a broken clock
APPOINTMENT_MAX_AHEAD = timedelta(days=366)
OVERRIDE_MAX_LEN = 500


def clean_calculated_at(errors: FieldErrors, data: dict[str, Any], tz: str,
                        now: datetime) -> datetime | None:
    """When the website calculated the value (optional): from 2000 until shortly after
    `now`, which the edge reads once from the clock."""
    field = "calculated_at"
    calculated = clean_instant(errors, data, field, "Berechnungszeitpunkt", tz, False)
    if calculated is None:
        return None
    if calculated < EARLIEST_CALCULATION:
        errors[field] = (f"Der Berechnungszeitpunkt liegt vor dem "
                         f"{format_datetime(EARLIEST_CALCULATION, tz)} – bitte prüfen.")
        return None
    if calculated > now + FUTURE_TOLERANCE:
        errors[field] = "Der Berechnungszeitpunkt liegt in der Zukunft."
        return None
    return calculated


def clean_appointment(errors: FieldErrors, data: dict[str, Any], settings: Settings,
                      now: datetime) -> tuple[datetime | None, str]:
    """The confirmed appointment ("appointment_at"): not before `now`, at most
    APPOINTMENT_MAX_AHEAD later, and while the business calendar says open — unless staff
    give a reason ("override_reason"). Returns (appointment, the reason if it was needed)."""
    field, tz = "appointment_at", settings.timezone
    reason = clean_text(errors, data, "override_reason", "Begründung", OVERRIDE_MAX_LEN,
                        required=False)
    at = clean_instant(errors, data, field, "Termin", tz, required=True)
    if at is None:
        return None, ""
    latest = now + APPOINTMENT_MAX_AHEAD
    if at < now:
        errors[field] = (f"Der Termin {format_datetime(at, tz)} liegt in der Vergangenheit – "
                         "bitte einen künftigen Termin eingeben.")
        return None, ""
    if at > latest:
        errors[field] = (f"Der Termin liegt zu weit in der Zukunft (spätestens "
                         f"{format_datetime(latest, tz)}).")
        return None, ""
    closed = BusinessCalendar(settings).closed_reason(at)
    if closed is None:
        return at, ""
    if reason:
        return at, reason
    if "override_reason" not in errors:
        errors[field] = (f"{closed} Termine bitte innerhalb der Öffnungszeiten vereinbaren oder "
                         "eine Begründung für die Ausnahme angeben.")
    return None, ""
