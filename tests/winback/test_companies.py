"""Companies (Firmen): created by the order import or by hand, edited with validation."""
from __future__ import annotations

import pytest

from core.errors import NotFound, ValidationError
from core.imports import run_import
from core.mail.templates import seed_defaults
from core.winback import companies
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
