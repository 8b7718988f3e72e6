"""Every action of the flow table, allowed or refused in every status; required data,
roles, opt-out and preview behave as staff expect."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core import auth, clock
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, ValidationError
from core.models import Customer
from core.tradein import service
from core.tradein.actions import when_possible
from core.tradein.flow import ACTIONS
from tests.tradein.conftest import act, case_events, load, mails_of, new_case, outbox_rows

PATH = {  # how to reach each status from a new case
    1: [], 2: ["send_market_value"], 3: ["request_appointment"],
    4: ["request_appointment", "confirm_appointment"],
    5: ["request_appointment", "confirm_appointment", "missed_appointment"],
    6: ["request_appointment", "confirm_appointment", "send_offer"],
    7: ["request_appointment", "confirm_appointment", "send_offer", "set_not_bought"],
    8: ["request_appointment", "confirm_appointment", "send_offer", "set_bought"],
}
DATA = {"confirm_appointment": {"appointment_at": "02.12.2026 14:30"},
        "send_offer": {"purchase_price_eur": "14.800"}}


def case_in_status(db, settings, status: int) -> int:
    case_id = new_case(db, settings)
    for action in PATH[status]:
        act(db, settings, case_id, action, DATA.get(action))
    assert load(db, case_id).status == status
    return case_id


@pytest.mark.parametrize("status", range(1, 9))
def test_each_action_is_allowed_exactly_where_the_flow_table_says(tdb, settings, now, status):
    for name, action in ACTIONS.items():
        case_id = case_in_status(tdb, settings, status)
        if status in action.allowed_from:
            case = act(tdb, settings, case_id, name, DATA.get(name))
            expected = action.to_status if action.to_status is not None else status
            assert case.status == expected, name
            if name == "archive":
                assert load(tdb, case_id).archived_at is not None
        else:
            with pytest.raises(ActionNotAllowed, match="nicht möglich"):
                act(tdb, settings, case_id, name, DATA.get(name))
            assert load(tdb, case_id).status == status


def test_archived_case_refuses_every_action(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 2)
    act(tdb, settings, case_id, "archive")
    assert load(tdb, case_id).due_at is None  # no reminder for an archived case
    for name in ACTIONS:
        with pytest.raises(ActionNotAllowed, match="archiviert"):
            act(tdb, settings, case_id, name, DATA.get(name))


def test_missing_purchase_price_is_refused_and_nothing_changes(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 4)
    before = len(outbox_rows(tdb, case_id))
    for body in (None, {}, {"purchase_price_eur": ""}):
        with pytest.raises(ValidationError) as caught:
            act(tdb, settings, case_id, "send_offer", body)
        assert caught.value.errors == {"purchase_price_eur": "Bitte einen Ankaufspreis eingeben"}
    with pytest.raises(ValidationError, match="größer als 0"):
        act(tdb, settings, case_id, "send_offer", {"purchase_price_eur": "-100"})
    assert load(tdb, case_id).status == 4
    assert len(outbox_rows(tdb, case_id)) == before


@pytest.mark.parametrize("value", ["32.12.2026 14:30", "02.12.2026 25:00", "morgen", ""])
def test_bad_appointment_date_is_refused(tdb, settings, now, value):
    case_id = case_in_status(tdb, settings, 3)
    with pytest.raises(ValidationError) as caught:
        act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": value})
    assert "appointment_at" in caught.value.errors
    assert "TT.MM.JJJJ HH:MM" in caught.value.errors["appointment_at"]
    assert load(tdb, case_id).status == 3 and mails_of(tdb, case_id) == []


def test_appointment_in_local_and_iso_format(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 3)
    act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": "02.12.2026 14:30"})
    assert load(tdb, case_id).appointment_at == datetime(2026, 12, 2, 13, 30, tzinfo=UTC)
    act(tdb, settings, case_id, "confirm_appointment",
        {"appointment_at": "2026-12-03T09:00:00+01:00"})
    assert load(tdb, case_id).appointment_at == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    # A re-scheduled appointment is confirmed again with a second, numbered mail.
    keys = [row.idempotency_key for row in outbox_rows(tdb, case_id)]
    assert keys == [f"tradein:{case_id}:appointment_customer",
                    f"tradein:{case_id}:appointment_customer:2"]


def test_role_is_checked_inside_the_action(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 3)
    with tdb.session(write=True) as session:
        seller = auth.create_user(session, "verkauf", "geheim-genug-1", "sales",
                                  now=clock.now())
        with pytest.raises(PermissionDenied, match="Verkauf"):
            service.perform(session, settings, case_id, "confirm_appointment",
                            DATA["confirm_appointment"], user=seller, now=clock.now())
        # Sales may record the customer's decision though.
        service.perform(session, settings, case_id, "set_not_bought", user=seller,
                        now=clock.now())
    events = [e for e in case_events(tdb, case_id) if e.kind == "status"]
    assert events[-1].actor == "verkauf"


def test_manual_marketing_mail_to_opted_out_customer_is_refused_with_reason(
        tdb, settings, now):
    case_id = new_case(tdb, settings)
    with tdb.session(write=True) as session:
        session.get(Customer, load(tdb, case_id).customer_id).opted_out_at = clock.now()
    with pytest.raises(ActionNotAllowed, match="abgemeldet"):
        act(tdb, settings, case_id, "send_market_value")
    with tdb.session() as session:
        states = service.action_states(service.case_detail(session, case_id))
    assert "abgemeldet" in states["send_market_value"]
    # What the customer asked for (an appointment) is still confirmed.
    act(tdb, settings, case_id, "request_appointment")
    act(tdb, settings, case_id, "confirm_appointment", DATA["confirm_appointment"])
    assert mails_of(tdb, case_id) == ["appointment_customer"]


def test_preview_renders_the_mail_without_storing_anything(tdb, settings, now):
    case_id = case_in_status(tdb, settings, 4)
    before = len(outbox_rows(tdb, case_id))
    with tdb.session(write=True) as session:
        at = clock.now()
        rendered = service.preview(session, settings, case_id, "send_offer",
                                   {"purchase_price_eur": "14.800,00"}, now=at)
        decision = service.preview(session, settings, case_id, "set_bought", now=at)
        assert service.preview(session, settings, case_id, "request_appointment",
                               now=at) is None
        with pytest.raises(ValidationError, match="Ankaufspreis"):
            service.preview(session, settings, case_id, "send_offer", {}, now=at)
    assert "14.800,00 €" in rendered.subject and "14.800,00 €" in rendered.html
    assert "gekauft" in decision.subject
    case = load(tdb, case_id)
    assert case.status == 4 and case.purchase_price_cents is None
    assert len(outbox_rows(tdb, case_id)) == before


def test_a_disabled_button_says_in_words_when_it_works():
    assert when_possible(1, ACTIONS["missed_appointment"]) == (
        "erst ab „Terminbestätigung gesendet“ möglich")
    assert when_possible(8, ACTIONS["send_market_value"]) == (
        "bei „Abgeschlossen: gekauft“ nicht mehr möglich")
    assert when_possible(3, ACTIONS["request_appointment"]) == (
        "bei „Termin angefragt“ nicht möglich")
