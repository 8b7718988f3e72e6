"""A valuation from the website: stored in status 1, mailed in the first nightly run;
bad input is refused field by field in German and stores nothing."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.errors import ValidationError
from core.models import Customer, Event
from core.tradein import service
from core.tradein.models import TradeInCase
from tests.tradein.conftest import VALID, load, new_case


def test_valuation_creates_case_in_status_1_due_at_next_nightly_run(tdb, settings, now):
    case_id = new_case(tdb, settings)
    case = load(tdb, case_id)
    assert case.status == 1
    assert case.customer.email == "maria.muster@example.at"
    assert case.market_value_cents == 1549000
    # now = Monday 10:00 Vienna -> the next run is Tuesday 03:30 Vienna (CET, UTC+1).
    assert case.due_rule == "market_value_mail"
    assert case.due_at == datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    with tdb.session() as session:
        texts = session.scalars(select(Event.text).where(Event.module == "tradein",
                                                         Event.record_id == case_id)).all()
    assert any("15.490,00 €" in text for text in texts)


def test_same_email_in_other_case_reuses_the_customer(tdb, settings, now):
    first = new_case(tdb, settings)
    second = new_case(tdb, settings, email="MARIA.muster@example.AT", model="Passat")
    assert load(tdb, first).customer_id == load(tdb, second).customer_id


def test_calculated_at_in_the_past_is_due_at_the_run_after_it(tdb, settings, now):
    case_id = new_case(tdb, settings, calculated_at="2026-11-20T23:10:00+01:00")
    case = load(tdb, case_id)
    assert case.calculated_at == datetime(2026, 11, 20, 22, 10, tzinfo=UTC)
    assert case.due_at == datetime(2026, 11, 21, 2, 30, tzinfo=UTC)  # overdue: next tick


@pytest.mark.parametrize("field, value, message", [
    ("email", "keine-adresse", "keine gültige E-Mail-Adresse"),
    ("email", "", "Bitte eine E-Mail-Adresse angeben"),
    ("first_name", "Maria\r\nBcc: x@example.com", "keine Zeilenumbrüche"),
    ("last_name", "Muster\x00", "keine Zeilenumbrüche oder Steuerzeichen"),
    ("last_name", "", "Nachname fehlt"),
    ("build_year", 1850, "Baujahr muss zwischen 1900"),
    ("build_year", "neu", "Baujahr muss eine ganze Zahl sein"),
    ("mileage_km", -5, "Kilometerstand muss zwischen 0"),
    ("market_value_eur", 0, "Marktwert muss größer als 0 € sein"),
    ("market_value_eur", "viel", "kein Eurobetrag"),
    ("calculated_at", "31.02.2026 10:00", "kein gültiges Datum"),
    ("calculated_at", "2027-01-01T10:00:00+01:00", "in der Zukunft"),
])
def test_bad_input_gets_a_german_message_per_field_and_stores_nothing(
        tdb, settings, now, field, value, message):
    with pytest.raises(ValidationError) as caught, tdb.session(write=True) as session:
        service.create_valuation(session, settings, VALID | {field: value}, now)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]
    with tdb.session() as session:
        assert session.scalar(select(func.count(TradeInCase.id))) == 0
        assert session.scalar(select(func.count(Customer.id))) == 0


def test_several_bad_fields_are_reported_together(tdb, settings, now):
    with pytest.raises(ValidationError) as caught, tdb.session(write=True) as session:
        service.create_valuation(session, settings, {"email": "x@", "make": "VW"}, now)
    assert {"email", "first_name", "last_name", "model", "fuel", "build_year",
            "mileage_km", "market_value_eur"} <= set(caught.value.errors)
