"""Field checks every edge shares (API, staff dialogs, settings, companies): each problem
becomes a German message for its field, collected before one ValidationError is raised, so a
form can mark every wrong field at once and the API refuses the same things as the UI."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from core.formatting import format_eur, parse_eur
from core.text import ENCODED_WORD, has_control

# field -> German message; all problems are collected before raising once.
FieldErrors = dict[str, str]

MAX_EUR_CENTS = 10_000_000_00  # 10 Mio. €: anything above is a typo, not a car or an order
UNENCODABLE = "enthält ungültige Zeichen (kein gültiger Unicode-Text)."
_LOCAL_FORMAT = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})\s*$")


def is_encodable(text: str) -> bool:
    """False for text that UTF-8 (database, mail, JSON reply) cannot hold, e.g. a lone
    surrogate such as JSON's "\\ud800"."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown(value: Any, limit: int = 40) -> str:
    """`value` as it may appear inside an error message: short and always encodable."""
    try:
        text = value if isinstance(value, str) else str(value)
    except (ValueError, RecursionError):  # e.g. an int too long to print
        text = "…"
    return text[:limit].encode("utf-8", "replace").decode("utf-8")


def clean_text(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
               max_len: int, required: bool = True) -> str:
    """A single-line text: no CR/LF or other control characters and no RFC 2047 encoded-word
    start "=?" (they would end up in mail headers and CSV files), trimmed, within the
    column's length."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = f"{label} fehlt."
        return ""
    if not isinstance(value, str):
        errors[field] = f"{label} muss ein Text sein."
        return ""
    if not is_encodable(value):
        errors[field] = f"{label} {UNENCODABLE}"
        return ""
    if has_control(value):
        errors[field] = f"{label} darf keine Zeilenumbrüche oder Steuerzeichen enthalten."
        return ""
    if ENCODED_WORD in value:  # "=?utf-8?q?...?=": a mail client would decode it in a header
        errors[field] = f"{label} darf keine kodierten Zeichenfolgen („=?…?=“) enthalten."
        return ""
    value = value.strip()
    if len(value) > max_len:
        errors[field] = f"{label} ist zu lang (höchstens {max_len} Zeichen)."
        return ""
    return value


def clean_message(errors: FieldErrors, data: dict[str, Any], field: str, max_len: int) -> str:
    """A free-text message a customer types on a public page (several lines are fine, other
    control characters are not), trimmed; "" with a German error when it cannot be kept."""
    value = data.get(field)
    note = value.strip().replace("\r\n", "\n") if isinstance(value, str) else ""
    if not is_encodable(note) or has_control(note, ("Cc", "Cf"), allowed="\n\t"):
        errors[field] = "Die Nachricht enthält unzulässige Steuerzeichen."
        return ""
    if len(note) > max_len:
        errors[field] = f"Die Nachricht ist zu lang (höchstens {max_len} Zeichen)."
        return ""
    return note


# A phone number as people and DMS exports write it: digits, spaces and + / ( ) -. Nothing a
# spreadsheet could evaluate ("=HYPERLINK(…)") passes as one.
PHONE = re.compile(r"[0-9 +/()-]*[0-9][0-9 +/()-]*")
PHONE_RULE = "nur Ziffern, Leerzeichen und + / ( ) - erlaubt"


def clean_phone(errors: FieldErrors, data: dict[str, Any], field: str, label: str,
                max_len: int = 50) -> str:
    """An optional phone number (see PHONE)."""
    value = clean_text(errors, data, field, label, max_len, required=False)
    if value and not PHONE.fullmatch(value):
        errors[field] = f"{label}: {PHONE_RULE}."
        return ""
    return value


def clean_email(errors: FieldErrors, data: dict[str, Any], field: str = "email") -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        errors[field] = "Bitte eine E-Mail-Adresse angeben."
        return ""
    if not is_encodable(value):
        errors[field] = f"Die E-Mail-Adresse {UNENCODABLE}"
        return ""
    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError:
        errors[field] = f"„{shown(value.strip(), 80)}“ ist keine gültige E-Mail-Adresse."
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
    """Euro amount above 0 and up to MAX_EUR_CENTS, in cents; `missing` is the message when
    nothing was entered. inf, nan and numbers beyond float range are no amount."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[field] = missing
        return 0
    try:
        amount = parse_eur(value)
    except (TypeError, ValueError):
        errors[field] = f"{label}: „{shown(value)}“ ist kein Eurobetrag."
        return 0
    if amount > MAX_EUR_CENTS / 100:
        errors[field] = f"{label} ist unplausibel hoch (höchstens {format_eur(MAX_EUR_CENTS)})."
        return 0
    cents = round(amount * 100) if amount > 0 else 0  # no overflow for -1e308
    if cents <= 0:
        errors[field] = f"{label} muss größer als 0 € sein."
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
    """A date/time as aware UTC. Instants UTC cannot express (0001-01-01 local time,
    9999-12-31T23:59-23:59) are refused like any other invalid date."""
    value = data.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = f"{label} fehlt (TT.MM.JJJJ HH:MM)."
        return None
    try:
        return parse_instant(value, tz).astimezone(UTC)
    except (ValueError, TypeError, OverflowError):
        errors[field] = (f"{label}: „{shown(value)}“ ist kein gültiges Datum mit Uhrzeit "
                         "(TT.MM.JJJJ HH:MM).")
        return None
