"""Reading CSV files as German Excel, DMS systems and English tools write them."""
from __future__ import annotations

import pytest

from core.imports import UnreadableFile, auto_mapping, read_table, validate
from tests.imports.conftest import CUSTOMER_HEADER, excel_csv


def test_german_excel_file_cp1252_semicolon():
    table = read_table(excel_csv(CUSTOMER_HEADER,
                                 "10002;Jörg;Hüttner;;joerg@example.at;;Graz;Österreich;;ja"))
    assert (table.encoding, table.delimiter) == ("cp1252", ";")
    assert table.headers[0] == "Kundennummer" and len(table.headers) == 10
    assert table.rows[0][:3] == ["10002", "Jörg", "Hüttner"]
    assert len(table.rows) == 1


def test_utf8_bom_comma_with_quoted_fields():
    data = excel_csv("Kundennummer,Firmenname,Ort",
                     '10003,"Bau, Transport & Söhne GmbH",Wien',
                     '10004,"Der ""Schnelle"" Service",Graz', encoding="utf-8", bom=True)
    table = read_table(data)
    assert (table.encoding, table.delimiter) == ("utf-8-sig", ",")
    assert table.headers == ["Kundennummer", "Firmenname", "Ort"]  # no BOM in the first name
    assert table.rows == [["10003", "Bau, Transport & Söhne GmbH", "Wien"],
                          ["10004", 'Der "Schnelle" Service', "Graz"]]


def test_utf8_without_bom_and_tab_separated():
    table = read_table("Kundennummer\tOrt\n10001\tSankt Pölten\n".encode())
    assert (table.encoding, table.delimiter) == ("utf-8", "\t")
    assert table.rows[0] == ["10001", "Sankt Pölten"]


def test_blank_and_separator_only_lines_are_dropped_but_line_numbers_stay():
    data = excel_csv("Kundennummer;E-Mail", "10001;a@example.at", "", ";",
                     "10002;kaputt", ";", "")
    table = read_table(data)
    assert len(table.rows) == 2
    assert list(table.lines) == [2, 5]
    report = validate("customers", table)
    assert [(e.line, e.column, e.value) for e in report.errors] == [(5, "E-Mail", "kaputt")]


def test_multiline_field_and_extra_fields_report_the_real_line():
    data = excel_csv("Kundennummer;Vorname;Nachname",
                     '10001;"Anna\r\nMaria";Gruber',
                     "10002;Lukas;Huber;zu viel",
                     "10003;Jörg;Hüttner")
    table = read_table(data)
    assert list(table.lines) == [2, 4, 5]
    report = validate("customers", table)
    reasons = {(e.line, e.column): e.reason for e in report.errors}
    assert reasons[(2, "Vorname")] == "enthält Zeilenumbrüche oder Steuerzeichen"
    assert "4 Felder statt 3" in reasons[(4, "")]
    assert [r["customer_number"] for r in report.valid_rows] == ["10003"]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "leer"),
    (b"  \r\n", "leer"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "keine CSV-Datei"),
    (b"\xef\xbb\xbfKundennummer\r\n\xff\xfe", "ungültige Zeichen"),
    (b"Kundennummer\r\n10001 \x81\x8d\x8f\r\n", "Zeichenkodierung"),
])
def test_unreadable_files_get_a_german_message(data, message):
    with pytest.raises(UnreadableFile) as caught:
        read_table(data)
    assert message in str(caught.value)


def test_auto_mapping_accepts_german_and_english_names_loosely():
    headers = ["\ufeff customer_number ", "VORNAME", "Last Name", "e-mail", "Werbeeinwilligung",
               "Kundengruppe", "irgendwas"]
    mapping = auto_mapping("customers", headers)
    assert mapping["customer_number"] == "\ufeff customer_number "
    assert mapping["first_name"] == "VORNAME"
    assert mapping["last_name"] == "Last Name"
    assert mapping["email"] == "e-mail"
    assert mapping["marketing_consent"] == "Werbeeinwilligung"
    assert mapping["city"] is None
    orders = auto_mapping("orders", ["order_number", "LINE", "Customer_Number", "date",
                                     "Company", "product_group", "Net Amount"])
    assert None not in orders.values()
