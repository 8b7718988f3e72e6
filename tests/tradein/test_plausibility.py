"""Range checks of the shared validation helpers, as staff dialogs and the API both hit them:
money within 0 – 10 Mio. €, dates within a window around the `now` the edge passes in,
appointments within the business calendar unless staff give a reason."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import validation as fields
from core.errors import ValidationError
from core.tradein import validation
from tests.tradein.conftest import act, case_events, load, mails_of, new_case
from tests.tradein.test_actions import case_in_status


def _money(value) -> tuple[int, dict]:
    errors: dict[str, str] = {}
    return fields.clean_money(errors, {"p": value}, "p", "Ankaufspreis", "fehlt"), errors


@pytest.mark.parametrize("value", [1e308, -1e308, float("inf"), float("-inf"), float("nan"),
                                   "1e400", "Infinity", 10**400, "10.000.000,01"])
def test_money_beyond_range_or_not_finite_is_a_field_error(value):
    cents, errors = _money(value)
    assert cents == 0 and set(errors) == {"p"}
    assert errors["p"].startswith("Ankaufspreis")


def test_money_up_to_ten_million_is_accepted():
    assert _money("10.000.000,00") == (10_000_000_00, {})
    assert _money(0.01) == (1, {})


def test_lone_surrogate_is_refused_in_text_and_email_without_echoing_it():
    errors: dict[str, str] = {}
    data = {"name": "Ma\ud800ria", "email": "m\udc00@example.com", "at": "\ud800"}
    assert fields.clean_text(errors, data, "name", "Vorname", 100) == ""
    assert fields.clean_email(errors, data) == ""
    fields.clean_instant(errors, data, "at", "Termin", "Europe/Vienna", True)
    assert "ungültige Zeichen" in errors["name"] and "ungültige Zeichen" in errors["email"]
    for message in errors.values():
        message.encode("utf-8")  # a message that cannot be encoded would break the reply


def test_calculated_at_window_uses_the_given_now():
    now = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
    for value, ok in (("1899-12-31T10:00:00+01:00", False), ("0001-01-01T00:00", False),
                      ("2000-01-01T02:00:00+01:00", True),
                      ((now + timedelta(minutes=50)).isoformat(), True),
                      ((now + timedelta(hours=2)).isoformat(), False)):
        errors: dict[str, str] = {}
        result = validation.clean_calculated_at(errors, {"calculated_at": value},
                                                "Europe/Vienna", now)
        assert (result is not None) == ok and bool(errors) != ok, value


def test_valuation_from_1899_stores_nothing(tdb, settings, now):
    with pytest.raises(ValidationError) as caught:
        new_case(tdb, settings, calculated_at="1899-06-01T10:00:00+01:00")
    assert "Berechnungszeitpunkt" in caught.value.errors["calculated_at"]


@pytest.mark.parametrize("value, words", [
    ("31.12.9999 10:00", "zu weit in der Zukunft"),
    ("01.01.1900 10:00", "Vergangenheit"),
    ("23.11.2026 09:30", "Vergangenheit"),  # half an hour ago (now: 10:00 Vienna)
    ("29.11.2026 03:00", "Sonntags"),
    ("08.12.2026 10:00", "Feiertag"),
    ("24.12.2026 10:00", "Schließtag"),
    ("28.11.2026 13:00", "geöffnet 09:00–12:00"),  # Saturday afternoon
])
def test_implausible_appointment_is_refused_and_sends_nothing(tdb, settings, now, value,
                                                             words):
    case_id = case_in_status(tdb, settings, 3)
    with pytest.raises(ValidationError) as caught:
        act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": value})
    assert words in caught.value.errors["appointment_at"]
    assert load(tdb, case_id).status == 3 and mails_of(tdb, case_id) == []


def test_override_reason_allows_a_closed_slot_and_is_on_the_timeline(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 3)
    act(tdb, settings, case_id, "confirm_appointment",
        {"appointment_at": "08.12.2026 10:00", "override_reason": "Hausmesse am Feiertag"})
    case = load(tdb, case_id)
    assert case.status == 4 and case.appointment_at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    assert mails_of(tdb, case_id) == ["appointment_customer"]
    action = [e for e in case_events(tdb, case_id) if e.kind == "action"][-1]
    assert "außerhalb der Öffnungszeiten" in action.text
    assert "Hausmesse am Feiertag" in action.text
    assert action.data["override"] is True


def test_override_reason_does_not_allow_the_past_or_bad_text(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 3)
    for data in ({"appointment_at": "01.01.1900 10:00", "override_reason": "egal"},
                 {"appointment_at": "08.12.2026 10:00", "override_reason": "a\ud800"}):
        with pytest.raises(ValidationError):
            act(tdb, settings, case_id, "confirm_appointment", data)
    assert load(tdb, case_id).status == 3 and mails_of(tdb, case_id) == []
