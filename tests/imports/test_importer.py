"""run_import against a real SQLite file: what ends up in the database, what does not."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.imports import run_import
from core.models import Customer, Event
from core.winback.models import Company, OrderLine, WinbackEntry
from tests.imports.conftest import ORDER_HEADER, excel_csv


def _customers(db) -> dict[str, Customer]:
    with db.session() as session:
        return {c.customer_number: c for c in session.scalars(select(Customer))}


def _lines(db) -> dict[tuple[str, int], OrderLine]:
    with db.session() as session:
        return {(o.order_number, o.line): o for o in session.scalars(select(OrderLine))}


def _import_events(db) -> list[Event]:
    with db.session() as session:
        return list(session.scalars(select(Event).where(Event.kind == "import")
                                    .order_by(Event.id)))


def test_german_excel_customers_are_stored_clean(db, now, customers_file):
    result = run_import(db, "customers", customers_file, now=now)
    assert result.committed and (result.inserted, result.updated, result.unchanged) == (4, 0, 0)
    stored = _customers(db)
    anna = stored["10001"]
    assert (anna.first_name, anna.last_name, anna.email, anna.city, anna.country) == (
        "Anna", "Gruber", "anna.gruber@example.at", "Wien", "Österreich")
    assert anna.marketing_consent and anna.opted_out_at is None
    assert stored["10002"].first_name == "Jörg" and not stored["10002"].marketing_consent
    assert stored["10002"].opted_out_at is None  # "nein" is no consent, not an objection
    assert stored["10003"].company_name == "Bau & Transport Steiner GmbH"
    assert stored["10003"].marketing_consent  # "x"
    maria = stored["10004"]
    assert not maria.marketing_consent and maria.opted_out_at == now  # "Widerspruch"
    [event] = _import_events(db)
    assert event.customer_id is None and event.actor == "import"
    assert event.data["inserted"] == 4 and "4 neu" in event.text


def test_reimport_changes_nothing_and_a_changed_row_is_one_update(db, now, customers_file):
    run_import(db, "customers", customers_file, now=now)
    again = run_import(db, "customers", customers_file, now=now)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    changed = customers_file.replace(b"Graz", b"Leoben")
    third = run_import(db, "customers", changed, now=now)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 3)
    assert _customers(db)["10002"].city == "Leoben"
    assert len(_import_events(db)) == 3


def test_objection_is_never_lifted_by_a_later_import(db, now, customers_file):
    run_import(db, "customers", customers_file, now=now)
    consent_again = customers_file.replace(b"Widerspruch", b"ja")
    result = run_import(db, "customers", consent_again, now=now)
    assert result.updated == 1  # the consent flag itself follows the DMS
    maria = _customers(db)["10004"]
    assert maria.marketing_consent and maria.opted_out_at == now  # the objection stays
    # A new objection for a customer who had none is an update with today's date.
    objected = customers_file.replace(b"Graz;\xd6sterreich;Privat;nein",
                                      b"Graz;\xd6sterreich;Privat;Widerspruch")
    assert run_import(db, "customers", objected, now=now).updated >= 1
    assert _customers(db)["10002"].opted_out_at == now


def test_columns_not_in_the_file_keep_their_values(db, now, customers_file):
    run_import(db, "customers", customers_file, now=now)
    result = run_import(db, "customers", excel_csv("Kundennummer;Telefon", "10001;+43 1 999"),
                        now=now)
    assert (result.inserted, result.updated) == (0, 1)
    anna = _customers(db)["10001"]
    assert anna.phone == "+43 1 999"
    assert (anna.first_name, anna.email, anna.marketing_consent) == (
        "Anna", "anna.gruber@example.at", True)


def test_one_bad_row_refuses_the_whole_file(db, now, customers_file):
    bad = customers_file + "10005;Eva;Bauer;;eva@@example.at;;;;;\r\n".encode("cp1252")
    result = run_import(db, "customers", bad, now=now)
    assert not result.committed and result.refused
    assert [(e.line, e.column, e.value) for e in result.errors] == [
        (6, "E-Mail", "eva@@example.at")]
    assert result.errors[0].reason == "keine gültige E-Mail-Adresse"
    assert _customers(db) == {} and _import_events(db) == []


def test_valid_only_imports_the_good_rows_and_reports_the_bad(db, now, customers_file):
    bad = customers_file + "10005;Eva;Bauer;;eva@@example.at;;;;;\r\n".encode("cp1252")
    result = run_import(db, "customers", bad, valid_only=True, now=now)
    assert result.committed and not result.refused
    assert (result.inserted, result.skipped) == (4, 1)
    assert [e.line for e in result.errors] == [6]
    assert set(_customers(db)) == {"10001", "10002", "10003", "10004"}
    assert "1 fehlerhafte Zeile(n) übersprungen." in result.lines()


def test_dry_run_writes_nothing_but_says_what_would_happen(db, now, customers_file,
                                                          orders_file):
    result = run_import(db, "customers", customers_file, dry_run=True, now=now)
    assert result.dry_run and not result.committed and result.inserted == 4
    assert _customers(db) == {} and _import_events(db) == []
    run_import(db, "customers", customers_file, now=now)
    orders = run_import(db, "orders", orders_file, dry_run=True, now=now)
    assert orders.inserted == 5 and orders.created == ["GRAZ", "WIEN"]
    assert _lines(db) == {}
    with db.session() as session:
        assert session.scalar(select(func.count(Company.id))) == 0


def test_order_lines_link_customers_create_companies_and_keep_credit_notes(
        db, now, customers_file, orders_file):
    run_import(db, "customers", customers_file, now=now)
    result = run_import(db, "orders", orders_file, actor="petra", now=now)
    assert result.committed and result.inserted == 5
    assert result.created == ["GRAZ", "WIEN"]
    lines = _lines(db)
    customers = _customers(db)
    first = lines[("A100", 1)]
    assert (first.order_date, first.net_cents, first.company_code, first.product_group) == (
        date(2025, 3, 15), 123456, "WIEN", "Service")
    assert first.customer_id == customers["10001"].id
    assert lines[("A101", 1)].order_date == date(2026, 2, 2)
    assert lines[("A102", 1)].net_cents == 123450
    assert lines[("G103", 1)].net_cents == -5000  # credit note
    with db.session() as session:
        companies = {c.code: c for c in session.scalars(select(Company))}
    assert companies["WIEN"].name == "WIEN" and companies["GRAZ"].name == "GRAZ"
    assert _import_events(db)[-1].actor == "petra"

    again = run_import(db, "orders", orders_file, now=now)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)
    assert again.created == []
    corrected = orders_file.replace(b"480,00", b"500,00")
    third = run_import(db, "orders", corrected, now=now)
    assert (third.inserted, third.updated, third.unchanged) == (0, 1, 4)
    assert _lines(db)[("A100", 2)].net_cents == 50000


def test_unknown_customer_number_refuses_the_order_file(db, now, customers_file):
    run_import(db, "customers", customers_file, now=now)
    data = excel_csv(ORDER_HEADER, "A1;1;10001;01.10.2026;WIEN;Service;100,00",
                     "A2;1;99999;01.10.2026;WIEN;Service;100,00")
    result = run_import(db, "orders", data, now=now)
    assert not result.committed
    [error] = result.errors
    assert (error.line, error.column, error.value, error.reason) == (
        3, "Kundennummer", "99999",
        "Kundennummer unbekannt – bitte zuerst die Kunden importieren")
    assert _lines(db) == {}
    partial = run_import(db, "orders", data, valid_only=True, now=now)
    assert partial.committed and (partial.inserted, partial.skipped) == (1, 1)


def test_other_headers_via_mapping_utf8_bom_comma(db, now):
    data = excel_csv("Kunden-Nr.,Vorname,Name,Mail,Einwilligung",
                     '"K-1","Anna","Gruber","ANNA@EXAMPLE.AT","ja"', encoding="utf-8", bom=True)
    result = run_import(db, "customers", data, mapping={"customer_number": "Kunden-Nr.",
                                                        "email": "Mail"}, now=now)
    assert result.committed and result.inserted == 1, result.errors
    anna = _customers(db)["K-1"]
    assert (anna.first_name, anna.last_name, anna.email, anna.marketing_consent) == (
        "Anna", "Gruber", "anna@example.at", True)


def test_committed_order_import_brings_winback_figures_up_to_date(db, now, customers_file):
    run_import(db, "customers", customers_file, now=now)
    # `now` is 23.11.2026: previous window 23.11.2024–22.11.2025, current since 23.11.2025.
    data = excel_csv(ORDER_HEADER, "A1;1;10001;10.01.2025;WIEN;Service;1.000,00",
                     "A2;1;10001;10.01.2026;WIEN;Service;200,00",
                     "G3;1;10001;11.01.2026;WIEN;Service;-50,00")
    run_import(db, "orders", data, now=now)
    with db.session() as session:
        entry = session.scalar(select(WinbackEntry))
        customer_id = _customers(db)["10001"].id
    assert entry.customer_id == customer_id
    assert (entry.previous_cents, entry.current_cents) == (100000, 15000)
    assert entry.last_order_date == date(2026, 1, 11) and entry.is_decline

