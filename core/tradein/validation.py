"""Input checks for the trade-in funnel: every field gets its own German message.

Used by the website API and the staff dialogs alike, so both refuse the same things."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from core.formatting import eur_to_cents

MIN_BUILD_YEAR = 1900
MAX_MILEAGE_KM = 3_000_000
MAX_EUR_CENTS = 100_000_000_00  # 100 Mio. €: anything above is a typo, not a car
# A website clock may run slightly ahead; a valuation from the real future is an error.
FUTURE_TOLERANCE = timedelta(hours=1)
_LOCAL_FORMAT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})\s*$")


# field -> German message; all problems are collected before raising once.
FieldErrors = dict[str, str]


def clean_text(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
               max_len: int, required: bool = True) -> str:
    """A single-line text: no CR/LF or other control characters (they would end up in mail
    headers and CSV files), trimmed, within the column's length."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = f"{label} fehlt."
        return ""
    if not isinstance(value, str):
        errors[field] = f"{label} muss ein Text sein."
        return ""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value):
        errors[field] = f"{label} darf keine Zeilenumbrüche oder Steuerzeichen enthalten."
        return ""
    value = value.strip()
    if len(value) > max_len:
        errors[field] = f"{label} ist zu lang (höchstens {max_len} Zeichen)."
        return ""
    return value


def clean_email(errors: FieldErrors, data: dict[str, Any], field: str = "email") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        errors[field] = "Bitte eine E-Mail-Adresse angeben."
        return ""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        errors[field] = f"„{value.strip()[:80]}“ ist keine gültige E-Mail-Adresse."
        return ""
    return result.normalized.lower()


def clean_int(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
              low: int, high: int) -> int:
    """Whole number in [low, high]; accepts "84.500" / "84 500" as typed by Germans."""
    value = data.get(field)
    if isinstance(value, bool) or value is None or value == "":
        errors[field] = f"{label} fehlt."
        return 0
    try:
        if isinstance(value, str):
            value = value.strip().replace(".", "").replace(" ", "")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = f"{label} muss eine ganze Zahl sein."
        return 0
    if not low <= number <= high:
        errors[field] = f"{label} muss zwischen {low} und {high} liegen."
        return 0
    return number


def clean_money(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
                missing: str) -> int:
    """Positive euro amount to cents; `missing` is the message when nothing was entered."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[field] = missing
        return 0
    try:
        if isinstance(value, bool):
            raise ValueError
        cents = eur_to_cents(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}: „{str(value)[:40]}“ ist kein Eurobetrag."
        return 0
    if cents != cents or cents <= 0:  # NaN or not positive
        errors[field] = f"{label} muss größer als 0 € sein."
        return 0
    if cents > MAX_EUR_CENTS:
        errors[field] = f"{label} ist unplausibel hoch."
        return 0
    return cents


def parse_instant(value: Any, tz: str) -> datetime:
    """ISO 8601 (with or without offset) or local "dd.mm.yyyy HH:MM"; naive means local
    business time. ValueError when it is no valid date/time."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        text = value.strip()
        match = _LOCAL_FORMAT.match(text)
        if match:
            day, month, year, hour, minute = (int(g) for g in match.groups())
            parsed = datetime(year, month, day, hour, minute)
        else:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    else:
        raise ValueError("not a date")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed


def clean_instant(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
                  tz: str, required: bool) -> datetime | None:
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = f"{label} fehlt (TT.MM.JJJJ HH:MM)."
        return None
    try:
        return parse_instant(value, tz)
    except (ValueError, TypeError, OverflowError):
        errors[field] = (f"{label}: „{str(value)[:40]}“ ist kein gültiges Datum mit Uhrzeit "
                         "(TT.MM.JJJJ HH:MM).")
        return None
