"""German display formats: one place for dates and money as the UI and the mails show them."""
from __future__ import annotations

import math
import re
from datetime import datetime
from zoneinfo import ZoneInfo


def format_datetime(value: datetime | None, tz: str) -> str:
    """`dd.mm.yyyy HH:MM` in local business time; empty for None."""
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


def format_date(value: datetime | None, tz: str) -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y")


def format_eur(cents: int | None) -> str:
    """`1.234,56 €` from integer cents; empty for None."""
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}{grouped},{rest:02d} €"


def format_percent(value: float | None, empty: str = "") -> str:
    """`12,5 %` with one decimal; `empty` for None (no figure to compare with)."""
    return empty if value is None else f"{value:.1f} %".replace(".", ",")


def parse_eur(value: float | int | str) -> float:
    """Euro amount (number or German/English text) as a finite float; ValueError if not one,
    also for inf, nan and numbers beyond float range ("1e400", 10**400)."""
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, str):
        text = value.strip().replace("€", "").replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        elif re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")  # German thousands dots: "12.500" is 12500 €
        value = text
    try:
        amount = float(value)
    except OverflowError:  # an int too large for a float
        raise ValueError("amount out of range") from None
    if not math.isfinite(amount):
        raise ValueError("not a finite amount")
    return amount


def eur_to_cents(value: float | int | str) -> int:
    """Euro amount (number or German/English text) to integer cents; ValueError if not one."""
    cents = parse_eur(value) * 100
    if not math.isfinite(cents):  # e.g. 1e308 € overflows when counted in cents
        raise ValueError("amount out of range")
    return round(cents)


def format_bytes(size: int) -> str:
    """A file size in German units: "351 Byte", "12,3 KB", "4,5 MB"."""
    if size < 1024:
        return f"{size} Byte"
    if size < 1_048_576:
        return f"{size / 1024:.1f} KB".replace(".", ",")
    return f"{size / 1_048_576:.1f} MB".replace(".", ",")


# Python's codec names as a German user reads them (e.g. in Excel's "Speichern unter").
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "cp1252": "Windows-1252",
                   "utf-16": "UTF-16", "utf-16-le": "UTF-16", "utf-16-be": "UTF-16"}


def encoding_label(encoding: str) -> str:
    return ENCODING_LABELS.get(encoding.lower(), encoding)
