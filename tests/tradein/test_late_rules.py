"""An automatic mail whose moment has passed by more than its rule allows is not sent late
silently: it waits in the outbox for staff to send or discard it."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from core import clock
from core.mail import outbox
from core.tradein.flow import RULES_BY_STATUS
from tests.tradein.conftest import act, case_events, drain, load, new_case, outbox_rows, tick

TONIGHT = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # the first nightly run (03:30 Vienna)
WEEK = timedelta(days=7)
REMINDER = "Noch Interesse?"
LATE_3_DAYS = "3 Tage zu spät – bitte entscheiden: senden oder verwerfen"


def market_value_sent(db, settings) -> int:
    """A case whose market-value mail went out on time tonight; its reminder is due a week
    later."""
    case_id = new_case(db, settings)
    tick(db, settings, TONIGHT)
    drain(db, settings)
    return case_id


def reminder_row(db, case_id: int):
    [row] = [r for r in outbox_rows(db, case_id) if r.template_key == "tradein.reminder"]
    return row


def decide(db, message_id: int, send: bool):
    with db.session(write=True) as session:
        if send:
            outbox.send_anyway(session, message_id, "sabine", clock.now())
        else:
            outbox.discard(session, message_id, "sabine", clock.now())


def test_every_automatic_rule_has_a_lateness_allowance():
    assert all(rule.max_late is not None for rule in RULES_BY_STATUS.values())


def test_reminder_run_three_days_late_is_held_with_the_reason_and_not_sent(
        tdb, settings, smtp_sink, now):
    case_id = market_value_sent(tdb, settings)
    late = TONIGHT + WEEK + timedelta(days=3)
    [outcome] = tick(tdb, settings, late)
    assert (outcome.mail, outcome.sent, outcome.held) == ("reminder", False, True)
    assert outcome.reason == LATE_3_DAYS
    row = reminder_row(tdb, case_id)
    assert (row.status, row.reason_code, row.last_error) == ("held", "late", LATE_3_DAYS)
    assert any(e.kind == "mail_held" and LATE_3_DAYS in e.text
               for e in case_events(tdb, case_id))
    assert drain(tdb, settings).sent == 0
    assert drain(tdb, settings).attempted == 0
    clock.set_now(late + timedelta(days=1))
    assert drain(tdb, settings).attempted == 0
    assert smtp_sink.by_subject(REMINDER) == []
    assert tick(tdb, settings, late + timedelta(days=2)) == []  # decided once, not again
    assert load(tdb, case_id).due_at is None


def test_send_anyway_sends_the_late_mail_once(tdb, settings, smtp_sink, now):
    case_id = market_value_sent(tdb, settings)
    tick(tdb, settings, TONIGHT + WEEK + timedelta(days=3))
    decide(tdb, reminder_row(tdb, case_id).id, send=True)
    assert drain(tdb, settings).sent == 1
    clock.set_now(clock.now() + timedelta(hours=1))
    assert drain(tdb, settings).attempted == 0
    assert len(smtp_sink.by_subject(REMINDER)) == 1
    row = reminder_row(tdb, case_id)
    assert (row.status, row.reason_code) == ("sent", "")


def test_discard_cancels_the_late_mail_and_it_never_goes_out(tdb, settings, smtp_sink, now):
    case_id = market_value_sent(tdb, settings)
    tick(tdb, settings, TONIGHT + WEEK + timedelta(days=3))
    decide(tdb, reminder_row(tdb, case_id).id, send=False)
    assert reminder_row(tdb, case_id).status == "cancelled"
    for days in (1, 5):
        clock.set_now(TONIGHT + WEEK + timedelta(days=3 + days))
        tick(tdb, settings, clock.now())
        drain(tdb, settings)
    with tdb.session(write=True) as session:
        # the send switch being turned on again changes nothing:
        outbox.release_held(session, clock.now())
    drain(tdb, settings)
    assert smtp_sink.by_subject(REMINDER) == []
    assert any(e.kind == "mail_cancelled" and "verworfen" in e.text
               for e in case_events(tdb, case_id))


def test_reminder_on_time_is_sent_normally(tdb, settings, smtp_sink, now):
    case_id = market_value_sent(tdb, settings)
    [outcome] = tick(tdb, settings, TONIGHT + WEEK)
    assert (outcome.sent, outcome.held, outcome.reason) == (True, False, None)
    assert drain(tdb, settings).sent == 1
    assert len(smtp_sink.by_subject(REMINDER)) == 1
    assert reminder_row(tdb, case_id).status == "sent"


def test_a_day_late_is_within_the_reminders_allowance(tdb, settings, smtp_sink, now):
    market_value_sent(tdb, settings)
    [outcome] = tick(tdb, settings, TONIGHT + WEEK + timedelta(days=1))
    assert outcome.sent and not outcome.held
    assert drain(tdb, settings).sent == 1


def test_market_value_mail_three_nights_late_is_held(tdb, settings, smtp_sink, now):
    case_id = new_case(tdb, settings)
    [outcome] = tick(tdb, settings, TONIGHT + timedelta(days=3, hours=6))
    assert outcome.held and outcome.reason == LATE_3_DAYS
    assert drain(tdb, settings).sent == 0 and smtp_sink.messages == []
    [row] = outbox_rows(tdb, case_id)
    assert (row.status, row.reason_code) == ("held", "late")


def test_no_reminder_about_a_market_value_mail_that_was_discarded(tdb, settings, smtp_sink,
                                                                    now):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT + timedelta(days=3, hours=6))  # held as late
    [market_value] = outbox_rows(tdb, case_id)
    decide(tdb, market_value.id, send=False)
    [outcome] = tick(tdb, settings, TONIGHT + timedelta(days=3, hours=6) + WEEK)
    assert (outcome.mail, outcome.sent) == ("reminder", False)
    assert "Marktwert-Mail nicht hinausging (verworfen)" in outcome.reason
    assert [r.template_key for r in outbox_rows(tdb, case_id)] == ["tradein.market_value"]
    assert drain(tdb, settings).sent == 0 and smtp_sink.messages == []
    assert any(e.kind == "mail_suppressed" and "verworfen" in e.text
               for e in case_events(tdb, case_id))
    assert load(tdb, case_id).due_at is None  # nothing more for this stay


def test_no_reminder_while_the_market_value_mail_awaits_a_decision(tdb, settings, smtp_sink,
                                                                   now):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT + timedelta(days=3, hours=6))
    [outcome] = tick(tdb, settings, TONIGHT + timedelta(days=3, hours=6) + WEEK)
    assert not outcome.sent and "wartet noch auf eine Entscheidung" in outcome.reason
    assert len(outbox_rows(tdb, case_id)) == 1


def test_second_missed_appointment_mail_three_days_late_is_held(tdb, settings, smtp_sink,
                                                                now):
    case_id = new_case(tdb, settings)
    act(tdb, settings, case_id, "request_appointment")
    act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": "25.11.2026 10:00"})
    act(tdb, settings, case_id, "missed_appointment")
    drain(tdb, settings)
    before = len(smtp_sink.messages)
    [outcome] = tick(tdb, settings, now + WEEK + timedelta(days=3))
    assert (outcome.mail, outcome.held, outcome.reason) == ("missed_followup", True,
                                                           LATE_3_DAYS)
    assert drain(tdb, settings).sent == 0 and len(smtp_sink.messages) == before


def test_queued_reminder_that_sat_unsent_past_its_allowance_is_held(tdb, settings, smtp_sink,
                                                                     now):
    case_id = market_value_sent(tdb, settings)
    tick(tdb, settings, TONIGHT + WEEK)  # queued on time, but the sender never ran
    assert reminder_row(tdb, case_id).status == "queued"
    clock.set_now(TONIGHT + WEEK + timedelta(days=3))
    report = drain(tdb, settings)
    assert (report.sent, report.held_late) == (0, 1)
    row = reminder_row(tdb, case_id)
    assert (row.status, row.reason_code, row.last_error) == ("held", "late", LATE_3_DAYS)
    assert smtp_sink.by_subject(REMINDER) == []
    assert any(e.kind == "mail_held" and LATE_3_DAYS in e.text
               for e in case_events(tdb, case_id))


def test_turning_sending_back_on_does_not_release_the_late_mails(tdb, settings, smtp_sink,
                                                                 now):
    off = replace(settings, send_emails=False)
    case_id = market_value_sent(tdb, settings)
    tick(tdb, off, TONIGHT + WEEK + timedelta(days=3))  # switch off and too late
    first = new_case(tdb, settings, email="frisch@example.at")
    tick(tdb, off, TONIGHT + WEEK + timedelta(days=4))  # switch off, nightly: on time
    assert [r.status for r in outbox_rows(tdb, first)] == ["held"]
    with tdb.session(write=True) as session:
        # only the switch-held market-value mail:
        assert outbox.release_held(session, clock.now()) == 1
    report = drain(tdb, settings)
    assert report.sent == 1
    row = reminder_row(tdb, case_id)
    assert (row.status, row.reason_code) == ("held", "late")
    assert smtp_sink.by_subject(REMINDER) == []
