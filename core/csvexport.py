"""The one CSV writer for every export: what German Excel opens correctly, and safely.

`;` separator, UTF-8 with BOM, decimal comma, dates `dd.mm.yyyy HH:MM` in local business time.
Text cells that a spreadsheet would read as a formula get a leading apostrophe, so an e-mail
address like "=HYPERLINK(...)" stays harmless text: "=", "@", TAB and CR at the start, and
"+" or "-" unless a phone number or a number follows ("+43 664 1234567" stays as it is)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

FORMULA_STARTS = ("=", "@", "\t", "\r")
SIGNS = ("+", "-")
# What may follow a leading + or -: a phone number or a number, as the edges accept phone
# numbers (core.validation.clean_phone) and as German numbers are written.
PHONE_OR_NUMBER = re.compile(r"[+-][0-9][0-9 ()/.,+-]*")


class Money(int):
    """Integer cents that export as a plain decimal-comma number ("1234,50")."""


def neutralise(text: str) -> str:
    """Defuse spreadsheet formula injection in a text cell (OWASP recommendation)."""
    if text.startswith(FORMULA_STARTS) or (
            text.startswith(SIGNS) and not PHONE_OR_NUMBER.fullmatch(text)):
        return "'" + text
    return text


def decimal_comma(value: float | Decimal) -> str:
    return f"{value}".replace(".", ",")


def _money(value: Money) -> str:
    sign = "-" if value < 0 else ""
    euros, cents = divmod(abs(int(value)), 100)
    return f"{sign}{euros},{cents:02d}"


# Dispatch on the exact type: an export formats about a million cells.
_BY_TYPE = {
    str: lambda v, zone: neutralise(v),
    type(None): lambda v, zone: "",
    bool: lambda v, zone: "ja" if v else "nein",
    int: lambda v, zone: str(v),
    Money: lambda v, zone: _money(v),
    float: lambda v, zone: decimal_comma(v),
    Decimal: lambda v, zone: decimal_comma(v),
    datetime: lambda v, zone: v.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
    date: lambda v, zone: v.strftime("%d.%m.%Y"),
}


def cell(value: object, zone: ZoneInfo) -> str:
    """One value as CSV text. Only text from users is neutralised; numbers we format
    ourselves (even negative ones) stay numbers for the spreadsheet."""
    formatter = _BY_TYPE.get(type(value))
    if formatter is None:  # subclasses (e.g. str enums): format like their base type
        base = next((t for t in _BY_TYPE if t is not type(None) and isinstance(value, t)), str)
        formatter = _BY_TYPE[base]
    return formatter(value, zone)


def to_csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]],
                 timezone: str) -> bytes:
    """A complete CSV file (UTF-8 with BOM) from a header and rows of Python values."""
    zone = ZoneInfo(timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([cell(v, zone) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
