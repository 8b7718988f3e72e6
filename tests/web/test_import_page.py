"""The CSV import page: upload, column mapping with preview, validation report in German,
all-or-nothing by default, valid rows only when chosen, summary."""
from __future__ import annotations

import pytest
from nicegui.elements.upload_files import SmallFileUpload
from sqlalchemy import func, select

from core.models import Customer
from core.winback.models import OrderLine

GOOD_CUSTOMERS = (
    "Kundennummer;Vorname;Nachname;Firmenname;E-Mail;Telefon;Ort;Land;Kundengruppe;"
    "Werbeeinwilligung\r\n"
    "20001;Jörg;Müller;;joerg.mueller@example.at;;Graz;Österreich;Privat;ja\r\n"
    "20002;Eva;Berger;Berger KG;eva@berger.example;;Wels;Österreich;Firma;nein\r\n"
).encode("cp1252")
BAD_CUSTOMERS = (
    "Kundennummer;Vorname;Nachname;E-Mail\n"
    "30001;Anna;Gut;anna@example.at\n"
    ";Ohne;Nummer;ohne@example.at\n"
    "30003;Kaputt;Mail;keine-adresse\n"
).encode("utf-8-sig")
ORDERS_OTHER_HEADERS = (
    b"Beleg;Pos;KdNr;Belegdatum;Filiale;Sparte;Netto EUR\n"
    b"B-1;1;20001;31.12.2025;GRAZ;Service;1.234,56\n"
)


def element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


def count(web, model) -> int:
    with web.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


async def upload(user, data: bytes, name: str = "export.csv") -> None:
    await element(user, "import-upload").handle_uploads([SmallFileUpload(name, "text/csv",
                                                                          data)])


@pytest.fixture
async def staff(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    user = await web.login("sina")
    await user.open("/import")
    await user.should_see(marker="import-upload", retries=30)
    return user


async def test_good_customer_file_is_mapped_checked_and_imported(web, now, staff):
    await upload(staff, GOOD_CUSTOMERS)
    await staff.should_see(marker="report-ok", retries=30)
    info = element(staff, "import-file-info").text
    assert f"({len(GOOD_CUSTOMERS)} Byte)" in info and "Zeichensatz Windows-1252" in info
    assert element(staff, "map-customer_number").value == "Kundennummer"
    assert element(staff, "map-email").value == "E-Mail"
    preview = element(staff, "import-preview")
    assert preview.rows[0]["1"] == "Jörg"  # the first rows as read, before the import
    assert element(staff, "report-valid").text == "2"

    staff.find(marker="import-run").click()
    await staff.should_see(marker="result-summary", retries=50)
    assert "2 neu" in element(staff, "result-summary").text
    with web.db.session() as session:
        names = sorted(c.full_name for c in session.scalars(select(Customer)))
    assert names == ["Eva Berger", "Jörg Müller"]


async def test_bad_file_shows_german_errors_and_imports_nothing(web, now, staff):
    await upload(staff, BAD_CUSTOMERS)
    await staff.should_see(marker="report-table", retries=30)
    rows = element(staff, "report-table").rows
    assert [(r["line"], r["column"]) for r in rows] == [(3, "Kundennummer"), (4, "E-Mail")]
    assert [r["reason"] for r in rows] == ["Pflichtfeld ist leer",
                                           "Keine gültige E-Mail-Adresse"]
    assert element(staff, "report-invalid").text == "2"

    staff.find(marker="import-run").click()
    await staff.should_see(marker="result-nothing", retries=50)
    assert count(web, Customer) == 0  # all or nothing: the good row is not imported either


async def test_valid_rows_only_when_chosen_explicitly(web, now, staff):
    await upload(staff, BAD_CUSTOMERS)
    await staff.should_see(marker="report-table", retries=30)
    element(staff, "import-valid-only").value = True
    staff.find(marker="import-run").click()
    await staff.should_see(marker="result-summary", retries=50)
    assert "1 neu" in element(staff, "result-summary").text
    assert "2 übersprungen" in element(staff, "result-summary").text
    with web.db.session() as session:
        assert list(session.scalars(select(Customer.customer_number))) == ["30001"]


async def test_unknown_headers_are_mapped_by_hand(web, now, staff):
    await upload(staff, GOOD_CUSTOMERS)
    await staff.should_see(marker="report-ok", retries=30)
    staff.find(marker="import-run").click()
    await staff.should_see(marker="result-summary", retries=50)

    element(staff, "import-kind").value = "orders"
    await upload(staff, ORDERS_OTHER_HEADERS)
    await staff.should_see(marker="map-net_cents", retries=30)
    assert element(staff, "map-customer_number").value == "KdNr"  # a known DMS spelling
    assert element(staff, "map-net_cents").value == ""  # "Netto EUR" is not recognised
    await staff.should_see(marker="report-table", retries=30)
    element(staff, "map-order_number").value = "Beleg"
    element(staff, "map-net_cents").value = "Netto EUR"
    element(staff, "map-product_group").value = "Sparte"
    await staff.should_see(marker="report-ok", retries=30)
    staff.find(marker="import-run").click()
    await staff.should_see(marker="result-summary", retries=50)
    with web.db.session() as session:
        line = session.scalar(select(OrderLine))
        assert (line.net_cents, line.product_group, line.company_code) == (123456, "Service",
                                                                           "GRAZ")
    await staff.should_see(marker="result-created")  # GRAZ was created: name it


async def test_sample_files_are_offered(web, now, staff):
    await staff.should_see(marker="sample-customers")
    staff.find(marker="sample-orders").click()
    response = await staff.download.next()
    assert response.content.decode("utf-8-sig").startswith("Auftragsnummer;Position")
