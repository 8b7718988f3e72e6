"""The automatic rules, driven by the clock exactly as the scheduler ticks them."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core import clock, optout
from core.models import Customer
from core.tradein import rules
from core.tradein.models import TradeInCase
from tests.tradein.conftest import (
    act,
    case_events,
    load,
    mails_of,
    new_case,
    outbox_rows,
    tick,
)

TONIGHT = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 03:30 Vienna after the `now` fixture
MINUTE = timedelta(minutes=1)
WEEK = timedelta(days=7)


def opt_out(db, case_id: int) -> None:
    with db.session(write=True) as session:
        optout.opt_out(session, session.get(Customer, load(db, case_id).customer_id),
                       clock.now())


def fired(outcomes) -> list[tuple[int, str]]:
    return [(o.record_id, o.mail) for o in outcomes if o.sent]


def test_market_value_mail_goes_out_in_the_first_nightly_run(tdb, settings, now):
    case_id = new_case(tdb, settings)
    assert tick(tdb, settings, TONIGHT - MINUTE) == []
    assert fired(tick(tdb, settings, TONIGHT)) == [(case_id, "market_value")]
    case = load(tdb, case_id)
    assert case.status == 2 and case.status_changed_at == TONIGHT
    assert (case.due_rule, case.due_at) == ("booking_reminder", TONIGHT + WEEK)
    assert [r.idempotency_key for r in outbox_rows(tdb, case_id)] == [
        f"tradein:{case_id}:market_value"]


def test_reminder_exactly_seven_days_after_entering_status_2_and_only_once(
        tdb, settings, now):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT)
    assert tick(tdb, settings, TONIGHT + WEEK - MINUTE) == []
    assert fired(tick(tdb, settings, TONIGHT + WEEK)) == [(case_id, "reminder")]
    for days in (8, 14, 30):
        assert tick(tdb, settings, TONIGHT + timedelta(days=days)) == []
    case = load(tdb, case_id)
    assert case.status == 2 and case.due_at is None  # the reminder is no status of its own
    assert mails_of(tdb, case_id) == ["market_value", "reminder"]
    assert any("eingereiht" in e.text and e.kind == "mail_queued"
               for e in case_events(tdb, case_id))


def test_no_reminder_when_an_appointment_was_requested_in_between(tdb, settings, now):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT)
    clock.set_now(TONIGHT + timedelta(days=3))
    act(tdb, settings, case_id, "request_appointment")
    assert tick(tdb, settings, TONIGHT + WEEK) == []
    assert mails_of(tdb, case_id) == ["market_value"]


def test_no_reminder_for_an_opted_out_customer_and_the_timeline_says_why(tdb, settings, now):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT)
    clock.set_now(TONIGHT + timedelta(days=2))
    opt_out(tdb, case_id)
    outcomes = tick(tdb, settings, TONIGHT + WEEK)
    assert [(o.mail, o.sent, o.reason) for o in outcomes] == [
        ("reminder", False, "Kunde hat sich abgemeldet")]
    assert mails_of(tdb, case_id) == ["market_value"]
    texts = [e.text for e in case_events(tdb, case_id) if e.kind == "mail_suppressed"]
    assert texts == ["Erinnerung Terminvereinbarung: automatische Mail nicht gesendet: "
                     "Kunde hat sich abgemeldet"]
    assert load(tdb, case_id).due_at is None
    assert tick(tdb, settings, TONIGHT + WEEK) == []  # said once, not every minute


def test_opted_out_before_the_night_gets_no_market_value_mail(tdb, settings, now):
    case_id = new_case(tdb, settings)
    opt_out(tdb, case_id)
    assert [o.sent for o in tick(tdb, settings, TONIGHT)] == [False]
    assert load(tdb, case_id).status == 1 and mails_of(tdb, case_id) == []


def test_no_automatic_mail_without_an_address_and_the_timeline_says_why(tdb, settings, now):
    """The due engine asks the one consent rule: a customer whose address was removed (a DMS
    import without e-mail, a merge) gets no automatic mail, and the timeline says why."""
    case_id = new_case(tdb, settings)
    with tdb.session(write=True) as session:
        session.get(Customer, load(tdb, case_id).customer_id).email = ""
    assert [(o.mail, o.sent, o.reason) for o in tick(tdb, settings, TONIGHT)] == [
        ("market_value", False, "Für den Kunden ist keine E-Mail-Adresse hinterlegt")]
    assert outbox_rows(tdb, case_id) == []
    texts = [e.text for e in case_events(tdb, case_id) if e.kind == "mail_suppressed"]
    assert texts == ["Marktwert-Mail: automatische Mail nicht gesendet: "
                     "Für den Kunden ist keine E-Mail-Adresse hinterlegt"]
    assert tick(tdb, settings, TONIGHT + WEEK) == []  # said once, not every minute


def to_missed(db, settings, case_id: int, appointment: str = "25.11.2026 10:00") -> None:
    act(db, settings, case_id, "request_appointment")
    act(db, settings, case_id, "confirm_appointment", {"appointment_at": appointment})
    act(db, settings, case_id, "missed_appointment")


def test_missed_followup_after_seven_days_once_then_nothing_more(tdb, settings, now):
    case_id = new_case(tdb, settings)
    to_missed(tdb, settings, case_id)
    assert tick(tdb, settings, now + WEEK - MINUTE) == []
    assert fired(tick(tdb, settings, now + WEEK)) == [(case_id, "missed_followup")]
    for days in (8, 15, 60):
        assert tick(tdb, settings, now + timedelta(days=days)) == []
    assert mails_of(tdb, case_id) == ["appointment_customer", "missed", "missed_followup"]
    # Re-booked and missed again: a new stay in status 5 earns one new follow-up.
    clock.set_now(now + timedelta(days=61))
    to_missed(tdb, settings, case_id, "26.01.2027 10:00")  # a Tuesday after that day
    assert fired(tick(tdb, settings, now + timedelta(days=68))) == [(case_id, "missed_followup")]
    keys = [r.idempotency_key for r in outbox_rows(tdb, case_id)
            if r.template_key == "tradein.missed_followup"]
    assert keys == [f"tradein:{case_id}:missed_followup:1", f"tradein:{case_id}:missed_followup:2"]


def test_running_twice_at_the_same_instant_sends_nothing_twice(tdb, settings, now):
    ids = [new_case(tdb, settings, email=f"k{n}@example.at") for n in range(3)]
    assert sorted(fired(tick(tdb, settings, TONIGHT))) == [(i, "market_value") for i in ids]
    assert tick(tdb, settings, TONIGHT) == []
    assert len(outbox_rows(tdb)) == 3


def test_downtime_is_caught_up_once(tdb, settings, now):
    case_id = new_case(tdb, settings)
    # The machine was off overnight (within the rules' allowance; longer downtime is held
    # for a decision, see test_late_rules.py): one mail at start-up.
    back = TONIGHT + timedelta(hours=6)
    assert fired(tick(tdb, settings, back)) == [(case_id, "market_value")]
    assert tick(tdb, settings, back + MINUTE) == []
    # The reminder counts from the mail actually sent, and is caught up once, too.
    assert load(tdb, case_id).due_at == back + WEEK
    assert fired(tick(tdb, settings, back + WEEK + timedelta(days=1))) == [(case_id, "reminder")]
    assert tick(tdb, settings, back + WEEK + timedelta(days=4)) == []
    assert mails_of(tdb, case_id) == ["market_value", "reminder"]


def test_dry_run_changes_nothing(tdb, settings, now):
    case_id = new_case(tdb, settings)
    with tdb.session(write=True) as session:
        outcomes = rules.run_due(session, TONIGHT, settings, dry_run=True)
    assert fired(outcomes) == [(case_id, "market_value")]
    assert load(tdb, case_id).status == 1 and outbox_rows(tdb) == []


def test_dry_run_reports_what_the_real_run_then_does(tdb, settings, now):
    """A send with a status change, a held-back mail, a stale due that is recomputed and
    then fires, and an archived case: the dry run names the same outcomes."""
    fresh = new_case(tdb, settings, email="neu@example.at")  # sends, moves to status 2
    quiet = new_case(tdb, settings, email="abgemeldet@example.at")
    opt_out(tdb, quiet)  # held back: suppressed
    stale = new_case(tdb, settings, email="veraltet@example.at")
    archived = new_case(tdb, settings, email="archiv@example.at")
    with tdb.session(write=True) as session:
        # A due left over from another status is recomputed first, then fires.
        session.get(TradeInCase, stale).due_rule = "booking_reminder"
        session.get(TradeInCase, archived).archived_at = now  # cleared, no mail
    with tdb.session() as session:
        dry = rules.run_due(session, TONIGHT, settings, dry_run=True)
    real = tick(tdb, settings, TONIGHT)

    def seen(outcomes):
        return sorted((o.record_id, o.rule, o.sent, o.reason, o.held, o.due_at)
                      for o in outcomes)
    assert seen(dry) == seen(real)
    assert {o.record_id: o.sent for o in real} == {fresh: True, quiet: False, stale: True}
    assert load(tdb, archived).due_at is None


def test_forecast_matches_what_run_due_later_does(tdb, settings, now):
    fresh = new_case(tdb, settings, email="neu@example.at")
    missed = new_case(tdb, settings, email="versaeumt@example.at")
    to_missed(tdb, settings, missed)
    asked = new_case(tdb, settings, email="termin@example.at")
    act(tdb, settings, asked, "request_appointment")
    quiet = new_case(tdb, settings, email="abgemeldet@example.at")
    opt_out(tdb, quiet)
    with tdb.session() as session:
        forecast = rules.forecast(session, now, settings, days=14)
        with_suppressed = rules.forecast(session, now, settings, days=14,
                                         include_suppressed=True)
    expected = [(fresh, "market_value", TONIGHT), (missed, "missed_followup", now + WEEK),
                (fresh, "reminder", TONIGHT + WEEK)]
    assert [(o.record_id, o.mail, o.at) for o in forecast] == expected
    assert [(o.record_id, o.sent) for o in with_suppressed if o.record_id == quiet] == [
        (quiet, False)]
    # Now let time pass: hourly ticks plus the forecast instants themselves.
    instants = {now + timedelta(hours=h) for h in range(1, 14 * 24)} | {o.at for o in forecast}
    happened = []
    for at in sorted(instants):
        happened += [(o.record_id, o.mail, at) for o in tick(tdb, settings, at) if o.sent]
    assert happened == expected


def test_upcoming_for_case_lists_the_chain_or_says_why_not(tdb, settings, now):
    case_id = new_case(tdb, settings)
    with tdb.session() as session:
        outcomes, reason = rules.upcoming_for_case(session, load(tdb, case_id), now, settings)
    assert [(o.mail, o.at) for o in outcomes] == [("market_value", TONIGHT),
                                                  ("reminder", TONIGHT + WEEK)]
    assert reason is None
    tick(tdb, settings, TONIGHT)
    tick(tdb, settings, TONIGHT + WEEK)
    assert reason_for(tdb, settings, case_id) == (
        "Erinnerung Terminvereinbarung wurde bereits gesendet")
    act(tdb, settings, case_id, "request_appointment")
    assert reason_for(tdb, settings, case_id) == (
        "Im Status „Termin angefragt“ sind keine automatischen Mails vorgesehen")
    opt_out(tdb, case_id)
    assert reason_for(tdb, settings, case_id) == (
        "Keine automatische Mail: Kunde hat sich abgemeldet")
    act(tdb, settings, case_id, "archive")
    assert reason_for(tdb, settings, case_id) == "Fall archiviert"


def reason_for(db, settings, case_id: int) -> str | None:
    with db.session() as session:
        case = load(db, case_id)
        return rules.upcoming_for_case(session, case, clock.now(), settings)[1]


def test_a_mail_already_queued_under_the_rules_key_is_not_queued_again(tdb, settings, now):
    """The nightly run looks up its keys in one query up front; a key used before the run
    (the same mail queued by hand, sharing the plain key) must still be found."""
    from core.tradein import mails

    first, second = (new_case(tdb, settings, email=f"k{n}@example.at") for n in range(2))
    with tdb.session(write=True) as session:
        case = session.get(TradeInCase, first)
        mails.queue(session, settings, case, session.get(Customer, case.customer_id),
                    "market_value", f"tradein:{first}:market_value", "staff", now)

    tick(tdb, settings, TONIGHT)

    assert mails_of(tdb, first) == ["market_value"]
    assert mails_of(tdb, second) == ["market_value"]
    assert [r.queued_by for r in outbox_rows(tdb, first)] == ["staff"]
