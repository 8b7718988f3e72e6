"""Helpers for the import tests: CSV files written the way German Excel and DMS exports do."""
from __future__ import annotations

import pytest

CUSTOMER_HEADER = ("Kundennummer;Vorname;Nachname;Firmenname;E-Mail;Telefon;Ort;Land;"
                   "Kundengruppe;Werbeeinwilligung")
ORDER_HEADER = "Auftragsnummer;Position;Kundennummer;Datum;Firma;Warengruppe;Nettobetrag"


def excel_csv(*lines: str, encoding: str = "cp1252", bom: bool = False) -> bytes:
    """Lines joined with CRLF as Excel writes them ("CSV (Trennzeichen-getrennt)" = cp1252,
    "CSV UTF-8" = UTF-8 with BOM)."""
    data = ("\r\n".join(lines) + "\r\n").encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


@pytest.fixture
def customers_file() -> bytes:
    return excel_csv(
        CUSTOMER_HEADER,
        "10001;Anna;Gruber;;Anna.Gruber@Example.AT;+43 664 1234567;Wien;Österreich;Privat;ja",
        "10002;Jörg;Hüttner;;joerg@example.at;;Graz;Österreich;Privat;nein",
        '10003;;;"Bau & Transport Steiner GmbH";office@steiner.example;;Schwechat;Österreich;'
        'Gewerbe;x',
        "10004;Maria;Bauer;;maria@example.at;;Linz;Österreich;Privat;Widerspruch",
    )


@pytest.fixture
def orders_file() -> bytes:
    return excel_csv(
        ORDER_HEADER,
        "A100;1;10001;15.03.2025;WIEN;Service;1.234,56",
        "A100;2;10001;15.03.2025;WIEN;Reifen;480,00",
        "A101;1;10002;02.02.26;GRAZ;Ersatzteile;99,90",
        "A102;1;10001;2026-06-30;WIEN;Zubehör;1234.5",
        "G103;1;10001;01.07.2026;WIEN;Reifen;-50,00",
    )
