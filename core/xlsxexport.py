"""The Excel twin of core.csvexport: the same header and rows as an .xlsx file.

Every cell is typed by us, never guessed by the spreadsheet: text stays text (a customer
number "00123" keeps its zeros, "=HYPERLINK(…)" is shown, not evaluated, and needs no
apostrophe), amounts and counts are numbers, dates are dates in local business time."""
from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from core.csvexport import Money

MONEY_FORMAT = '#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"
MAX_TEXT = 32_767  # Excel's limit per cell


def _cell(sheet, value: object, zone: ZoneInfo) -> WriteOnlyCell:
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        return _text(sheet, "ja" if value else "nein")
    if isinstance(value, Money):
        cell = WriteOnlyCell(sheet, value=int(value) / 100)
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, (int, float, Decimal)):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(zone).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    return _text(sheet, str(value))


def _text(sheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=text[:MAX_TEXT])
    cell.data_type = "s"  # openpyxl would store a text starting with "=" as a formula
    return cell


def to_xlsx_bytes(header: Sequence[str], rows: Iterable[Sequence[object]],
                  timezone: str, title: str = "Export") -> bytes:
    """A complete .xlsx file (one sheet, bold header row) from Python values."""
    zone = ZoneInfo(timezone)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.freeze_panes = "A2"  # the header stays visible while scrolling
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = _text(sheet, name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append([_cell(sheet, value, zone) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
