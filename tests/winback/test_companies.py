"""Companies (Firmen): created by the order import or by hand, edited with validation."""
from __future__ import annotations

from datetime import date

import pytest

from core.errors import NotFound, ValidationError
from core.imports import run_import
from core.mail.templates import seed_defaults
from core.winback import companies
from core.winback.mails import time_since
from core.winback.vouchers import code_for
from tests.imports.conftest import ORDER_HEADER, excel_csv


def test_create_and_update_with_validation(db, now):
    with db.session(write=True) as session:
        seed_defaults(session, now)
        company = companies.create(session, {"code": "WIEN", "name": "Autohaus Wien",
                                             "sender_name": "Autohaus Wien Service"}, now,
                                   "admin")
        assert company.standard_template_key == "winback.standard"
        assert company.voucher_template_key is None
        with pytest.raises(ValidationError) as caught:
            companies.create(session, {"code": "WIEN", "name": "", "sender_name": "A\r\nB",
                                       "voucher_template_key": "winback.gibtsnicht"}, now)
        assert set(caught.value.errors) == {"code", "name", "sender_name",
                                            "voucher_template_key"}
        assert "gibt es schon" in caught.value.errors["code"]
        companies.update(session, company.id, {"name": "Autohaus Wien-Nord",
                                               "voucher_template_key": None}, now)
        assert [c.name for c in companies.list_companies(session)] == ["Autohaus Wien-Nord"]
        with pytest.raises(NotFound):
            companies.get(session, 999)


def test_import_creates_missing_companies_and_their_code_then_stays_fixed(db, now):
    run_import(db, "customers", excel_csv("Kundennummer", "10001"), now=now)
    run_import(db, "orders", excel_csv(ORDER_HEADER, "A1;1;10001;01.10.2026;LINZ;;10,00"),
               now=now)
    with db.session(write=True) as session:
        linz = companies.by_code(session, "LINZ")
        assert (linz.name, linz.standard_template_key) == ("LINZ", "winback.standard")
        companies.update(session, linz.id, {"name": "Autohaus Linz", "code": "LINZ"}, now)
        with pytest.raises(ValidationError) as caught:
            companies.update(session, linz.id, {"code": "LNZ"}, now)
        assert "Auftragspositionen verweisen" in caught.value.errors["code"]
        assert companies.get(session, linz.id).name == "Autohaus Linz"


def test_voucher_code_and_validity_are_checked_per_field(db, now):
    with db.session(write=True) as session:
        seed_defaults(session, now)
        company = companies.create(session, {"code": "LINZ", "name": "Autohaus Linz"}, now)
        assert (company.voucher_code, company.voucher_valid_days) == ("WIEDERDA30", 90)
        with pytest.raises(ValidationError) as caught:
            companies.update(session, company.id, {"voucher_code": "Wieder da!",
                                                   "voucher_valid_days": 0}, now)
        assert set(caught.value.errors) == {"voucher_code", "voucher_valid_days"}
        companies.update(session, company.id, {"voucher_code": "wb-{code}",
                                               "voucher_valid_days": "30"}, now)
        assert (company.voucher_code, company.voucher_valid_days) == ("WB-{code}", 30)


def test_one_own_code_per_customer_or_one_for_all():
    assert code_for("WIEDERDA30", "LINZ", 1) == code_for("WIEDERDA30", "LINZ", 2) == "WIEDERDA30"
    first, again, other = (code_for("WB-{code}", "LINZ", 1), code_for("WB-{code}", "LINZ", 1),
                           code_for("WB-{code}", "LINZ", 2))
    assert first == again != other  # the same customer always gets the same code
    assert first.startswith("WB-") and len(first) == 9 and first[3:].isalnum()


def test_time_since_the_last_order_reads_like_a_person_wrote_it():
    today = date(2026, 11, 23)
    assert time_since(today, date(2026, 10, 9)) == "45 Tage"
    assert time_since(today, date(2026, 6, 1)) == "über drei Monate"
    assert time_since(today, date(2025, 3, 16)) == "über ein Jahr"  # not "617 Tage"
    assert time_since(today, None) == ""
