"""The Excel export: every cell typed by us, so nothing a customer typed is evaluated and
nothing the dealer needs (leading zeros, "+43…") is changed."""
from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest

from core import exports
from core.csvexport import Money


def test_xlsx_cells_are_typed_and_text_is_never_a_formula():
    data = exports.write("xlsx", ["Nr.", "Name", "Telefon", "Betrag", "Am", "Seit", "Aktiv"], [
        ("00123", "=HYPERLINK(\"http://x\",\"klick\")", "+43 664 1234567", Money(123450),
         date(2026, 11, 23), datetime(2026, 11, 23, 9, 5, tzinfo=UTC), True),
    ], "Europe/Vienna")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    number, name, phone, amount, day, since, active = sheet[2]
    assert (number.value, number.data_type) == ("00123", "s")
    assert (name.value, name.data_type) == ("=HYPERLINK(\"http://x\",\"klick\")", "s")
    assert phone.value == "+43 664 1234567"
    assert amount.value == 1234.5 and "€" in amount.number_format
    assert day.value == datetime(2026, 11, 23) and day.number_format == "DD.MM.YYYY"
    assert since.value == datetime(2026, 11, 23, 10, 5)  # local business time
    assert active.value == "ja"
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"


def test_an_unknown_format_is_refused_in_german():
    with pytest.raises(ValueError, match="Unbekanntes Exportformat „pdf“"):
        exports.write("pdf", ["a"], [], "Europe/Vienna")
