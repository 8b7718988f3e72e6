"""Every kind of bad row is reported with line, column, value and a German reason; the valid
rows come out parsed (German amounts, dates and consent values)."""
from __future__ import annotations

from datetime import date

import pytest

from core.imports import read_table, validate
from tests.imports.conftest import CUSTOMER_HEADER, ORDER_HEADER, excel_csv


def _errors(kind: str, *lines: str, mapping=None) -> list[tuple[int, str, str, str]]:
    report = validate(kind, read_table(excel_csv(*lines)), mapping)
    return [(e.line, e.column, e.value, e.reason) for e in report.errors]


def test_each_bad_customer_cell_is_reported():
    errors = _errors(
        "customers", CUSTOMER_HEADER,
        "10001;Anna;Gruber;;anna@example.at;;Wien;AT;Privat;ja",  # fine
        ";Lukas;Huber;;;;;;;",
        "10003;Jörg;Hüttner;;joerg(at)example.at;;;;;",
        "10004;Eva\x07;Bauer;;;;;;;",
        "10005;Max;" + "M" * 101 + ";;;;;;;",
        "10006;Sepp;Maier;;;;;;;vielleicht",
        "10001;Anna;Gruber;;;;;;;",
        "10008;Rita;Ranner;;;+43 (0)1 234-56/7;;;;",  # a phone number as people write it
        '10009;Otto;Orth;;;=HYPERLINK("http://x");;;;',
    )
    assert errors == [
        (3, "Kundennummer", "", "Pflichtfeld ist leer"),
        (4, "E-Mail", "joerg(at)example.at", "keine gültige E-Mail-Adresse"),
        (5, "Vorname", "Eva\x07", "enthält Zeilenumbrüche oder Steuerzeichen"),
        (6, "Nachname", "M" * 101, "zu lang (höchstens 100 Zeichen)"),
        (7, "Werbeeinwilligung", "vielleicht",
         "unbekannter Wert (erlaubt: ja, nein, 1, 0, x, Widerspruch)"),
        (8, "Kundennummer", "10001",
         "Kundennummer kommt in der Datei mehrfach vor (zuerst in Zeile 2)"),
        (10, "Telefon", '=HYPERLINK("http://x")',
         "nur Ziffern, Leerzeichen und + / ( ) - erlaubt"),
    ]


def test_each_bad_order_cell_is_reported():
    errors = _errors(
        "orders", ORDER_HEADER,
        "A1;1;10001;31.12.2025;WIEN;Service;1.234,56",  # fine
        "A2;1a;10001;31.12.2025;WIEN;Service;10,00",
        "A3;1;10001;31.02.2025;WIEN;Service;10,00",
        "A4;1;10001;31.12.2025;WIEN;Service;12,3,4",
        "A5;1;10001;31.12.2025;;Service;EUR",
        "A1;1;10002;01.01.2026;WIEN;Service;5,00",
    )
    assert errors == [
        (3, "Position", "1a", "keine ganze Zahl"),
        (4, "Datum", "31.02.2025", "kein gültiges Datum (TT.MM.JJJJ, TT.MM.JJ oder JJJJ-MM-TT)"),
        (5, "Nettobetrag", "12,3,4", "kein gültiger Betrag (z. B. 1.234,56 oder -50,00)"),
        (6, "Firma", "", "Pflichtfeld ist leer"),
        (6, "Nettobetrag", "EUR", "kein gültiger Betrag (z. B. 1.234,56 oder -50,00)"),
        (7, "Position", "1",
         "Auftragsnummer / Position kommt in der Datei mehrfach vor (zuerst in Zeile 2)"),
    ]


def test_missing_required_columns_and_unknown_headers_are_errors_on_the_header_line():
    header_only = ["Auftragsnummer;Kundennummer;Datum;Firma;Nettobetrag",
                   "A1;10001;31.12.2025;WIEN;1,00"]
    assert _errors("orders", *header_only) == [
        (1, "Position", "", "Pflichtspalte „Position“ fehlt – bitte einer Spalte der Datei "
                            "zuordnen")]
    mapping = {"order_number": "Auftragsnummer", "line": "Pos.", "customer_number": "Kundennummer",
               "order_date": "Datum", "company_code": "Firma", "net_cents": "Nettobetrag"}
    assert _errors("orders", *header_only, mapping=mapping) == [
        (1, "Pos.", "", "Spalte gibt es in der Datei nicht (zugeordnet für „Position“)")]
    with pytest.raises(ValueError, match="Unbekannte Felder"):
        validate("orders", read_table(excel_csv(*header_only)), {"betrag": "Nettobetrag"})


@pytest.mark.parametrize(("text", "cents"), [
    ("1.234,56", 123456), ("1234,56", 123456), ("1234.56", 123456), ("-50,00", -5000),
    ("50,00-", -5000), ("1,234.56", 123456), ("12.500", 1250000), ("0,5", 50), ("7", 700),
    ("1.234,56 €", 123456), ("€ -1.000.000,00", -100000000), ("+3,10", 310),
])
def test_amounts_in_german_and_english_notation(text, cents):
    report = validate("orders", read_table(excel_csv(
        ORDER_HEADER, f"A1;1;10001;31.12.2025;WIEN;;{text}")))
    assert report.errors == []
    assert report.valid_rows[0]["net_cents"] == cents


@pytest.mark.parametrize(("text", "day"), [
    ("31.12.2025", date(2025, 12, 31)), ("1.2.2025", date(2025, 2, 1)),
    ("31.12.25", date(2025, 12, 31)), ("2025-12-31", date(2025, 12, 31)),
    ("31.12.2025 00:00", date(2025, 12, 31)), ("29.02.2024", date(2024, 2, 29)),
])
def test_dates_as_excel_and_iso_write_them(text, day):
    report = validate("orders", read_table(excel_csv(
        ORDER_HEADER, f"A1;1;10001;{text};WIEN;;1,00")))
    assert report.errors == []
    assert report.valid_rows[0]["order_date"] == day


def test_parsed_customer_row_and_consent_values():
    report = validate("customers", read_table(excel_csv(
        "Kundennummer;E-Mail;Werbeeinwilligung",
        " 10001 ; Anna.Gruber@Example.AT ;JA", "10002;;0", "10003;;", "10004;;Widerspruch",
        "10005;;X", "10006;;nein")))
    assert report.errors == []
    rows = {r["customer_number"]: r for r in report.valid_rows}
    assert rows["10001"]["email"] == "anna.gruber@example.at"
    assert {k: r["marketing_consent"] for k, r in rows.items()} == {
        "10001": "yes", "10002": "no", "10003": "no", "10004": "objection", "10005": "yes",
        "10006": "no"}
    assert report.rows_total == 6 and report.valid_count == 6
