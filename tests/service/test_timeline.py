"""The contact timeline end to end: DMS files through the importer, the daily run at the
instants the scheduler would call it, mails on the real test SMTP server.

Baseline: customer 1001 (consent) owns F1, a VW Golf first registered 10.06.2025, whose last
inspection was 05.01.2026 - so the inspection is due 05.01.2027 and its invitation belongs
28 days earlier: 08.12.2026, a public holiday in Austria, so 09.12.2026 at 09:00."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core import consent, optout
from core.models import Customer, Event
from core.service import responses
from tests.service.conftest import (
    customer,
    customer_id,
    due,
    invitations,
    local,
    order,
    planned,
    tick,
    vehicle,
)

INVITE = local(2026, 12, 9)
REMIND = local(2026, 12, 23)
DUE = local(2027, 1, 5)


def baseline(db) -> None:
    customer(db)
    vehicle(db)
    order(db, "A1", "05.01.2026", "Jahresservice")


def test_the_invitation_goes_out_once_at_send_time_on_the_next_working_day(
        sdb, settings, smtp_sink):
    baseline(sdb)
    assert due(sdb, "inspection").due_date == date(2027, 1, 5)
    assert due(sdb, "inspection").reason == "12 Monate nach Inspektion am 05.01.2026"
    assert tick(sdb, settings, local(2026, 12, 8, 12)) == []  # holiday: nothing yet
    assert tick(sdb, settings, local(2026, 12, 9, 8, 59)) == []
    sent = tick(sdb, settings, INVITE)
    assert [(o.rule, o.sent) for o in sent] == [("invitation", True)]
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert "Inspektion/Wartung für Ihren VW Golf (L-1234AB)" in str(mail["Subject"])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    body = mail.get_body(("plain",)).get_content()
    assert "/service/buchen/" in body and "/service/rueckruf/" in body
    assert tick(sdb, settings, INVITE + timedelta(minutes=1)) == []  # never twice
    assert len(smtp_sink.messages) == 1


def test_a_tick_after_downtime_catches_up_once(sdb, settings, smtp_sink):
    baseline(sdb)
    late = local(2026, 12, 14, 15, 30)  # the console was off for five days
    assert [o.rule for o in tick(sdb, settings, late)] == ["invitation"]
    assert tick(sdb, settings, late + timedelta(minutes=1)) == []
    assert len(smtp_sink.messages) == 1
    # the reminder counts from the day it really went out
    assert invitations(sdb)[0].next_at == local(2026, 12, 28)


def test_reminder_then_call_list_then_nothing_more(sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    assert tick(sdb, settings, REMIND - timedelta(minutes=1)) == []
    assert [o.rule for o in tick(sdb, settings, REMIND)] == ["reminder"]
    assert "Schon einen Termin?" in str(smtp_sink.messages[-1]["Subject"])
    assert [o.rule for o in tick(sdb, settings, DUE)] == ["call_list"]
    [invitation] = invitations(sdb)
    assert invitation.status == "call_list" and invitation.next_at is None
    assert tick(sdb, settings, local(2027, 3, 1)) == []
    assert len(smtp_sink.messages) == 2  # invitation and reminder, no third mail


def test_booking_through_the_link_stops_the_timeline_and_tells_the_workshop(
        sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    [invitation] = invitations(sdb)
    wish = responses.Wish(date(2026, 12, 17), "Vormittag", "+43 664 1234567", "Winterreifen?")
    with sdb.session(write=True) as session:
        responses.book(session, settings, invitation.id, wish, local(2026, 12, 10, 20))
    tick(sdb, settings, local(2026, 12, 11, 8))  # the dealership opens: the staff mail goes
    staff = smtp_sink.by_subject("Terminwunsch")
    assert len(staff) == 1 and staff[0]["To"].addresses[0].addr_spec == \
        settings.service_center_email
    assert "17.12.2026, Vormittag" in staff[0].get_body(("plain",)).get_content()
    assert tick(sdb, settings, REMIND) == [] and tick(sdb, settings, DUE) == []
    assert invitations(sdb)[0].status == "booked"


def test_a_call_back_request_waits_for_opening_hours_and_stops_the_reminder(
        sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    [invitation] = invitations(sdb)
    saturday_afternoon = local(2026, 12, 12, 15)
    with sdb.session(write=True) as session:
        responses.request_callback(session, settings, invitation.id, saturday_afternoon)
    tick(sdb, settings, local(2026, 12, 13, 12))  # Sunday: closed, the advisor is not told
    assert smtp_sink.by_subject("Rückruf erbeten") == []
    tick(sdb, settings, local(2026, 12, 14, 8))  # Monday 08:00: open
    assert len(smtp_sink.by_subject("Rückruf erbeten")) == 1
    assert tick(sdb, settings, REMIND) == []
    assert invitations(sdb)[0].status == "callback"


def test_a_later_order_of_that_type_stops_the_timeline(sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    order(sdb, "A2", "15.12.2026", "Inspektion", status="offen", at=local(2026, 12, 15, 18))
    [invitation] = invitations(sdb)
    assert invitation.status == "order_found"
    assert "Auftrag A2 vom 15.12.2026" in invitation.outcome
    assert tick(sdb, settings, REMIND) == [] and tick(sdb, settings, DUE) == []
    # closed, it moves the vehicle to its next inspection, a year later
    order(sdb, "A2", "15.12.2026", "Inspektion", status="erledigt", at=local(2026, 12, 16, 18))
    assert due(sdb, "inspection").due_date == date(2027, 12, 15)
    assert any(p.due_date == date(2027, 12, 15) and "inspection" in p.types for p in planned(sdb))


def test_an_open_order_of_the_same_type_excludes_the_invitation(sdb, settings, smtp_sink):
    baseline(sdb)
    order(sdb, "A2", "01.12.2026", "Service 60.000 km", status="offen")
    excluded = due(sdb, "inspection").excluded
    assert "offener Auftrag A2 vom 01.12.2026" in excluded and "„Service“" in excluded
    assert tick(sdb, settings, INVITE) == []
    assert smtp_sink.messages == []


def test_an_open_tyre_order_does_not_exclude_the_inspection(sdb, settings, smtp_sink):
    baseline(sdb)
    order(sdb, "A2", "01.12.2026", "Räder einlagern, Reifenwechsel", status="offen")
    assert due(sdb, "inspection").excluded == ""
    assert [o.rule for o in tick(sdb, settings, INVITE)] == ["invitation"]


def test_types_due_within_60_days_go_out_as_one_invitation(sdb, settings, smtp_sink):
    customer(sdb)
    vehicle(sdb, first_registration="10.01.2024")  # §57a due in January 2027 (3 years)
    order(sdb, "A1", "05.01.2026", "Jahresservice, Karosserie-Inspektion, Unterbodenschutz")
    assert due(sdb, "hu").due_date == date(2027, 1, 1)
    first = local(2026, 12, 4)  # 28 days before the §57a due date
    assert [o.rule for o in tick(sdb, settings, first)] == ["invitation"]
    [mail] = smtp_sink.messages
    assert "§57a-Begutachtung (Pickerl) und Inspektion/Wartung" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    assert "- §57a-Begutachtung (Pickerl): ab dem 01.01.2027" in text
    assert "- Inspektion/Wartung: ab dem 05.01.2027" in text
    assert tick(sdb, settings, INVITE) == []  # the inspection came with it


def test_an_opted_out_customer_gets_no_invitation_and_the_reason_is_recorded(
        sdb, settings, smtp_sink):
    baseline(sdb)
    with sdb.session(write=True) as session:
        optout.opt_out(session, session.get(Customer, customer_id(sdb)), local(2026, 12, 1))
    [outcome] = tick(sdb, settings, INVITE)
    assert not outcome.sent and outcome.reason == consent.OPTED_OUT
    assert smtp_sink.messages == []
    assert invitations(sdb)[0].status == "suppressed"
    with sdb.session() as session:
        texts = session.scalars(select(Event.text).where(Event.kind == "mail_suppressed"))
        assert any("Service-Einladung (Inspektion/Wartung) nicht gesendet" in t for t in texts)


def test_an_opt_out_after_the_invitation_stops_the_reminder(sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    with sdb.session(write=True) as session:
        optout.opt_out(session, session.get(Customer, customer_id(sdb)), local(2026, 12, 10))
    [outcome] = tick(sdb, settings, REMIND)
    assert not outcome.sent and len(smtp_sink.messages) == 1


def test_without_consent_only_an_existing_workshop_customer_is_invited(sdb, settings,
                                                                        smtp_sink):
    customer(sdb, "1001", consent="nein")
    vehicle(sdb, "F1", "1001")
    order(sdb, "A1", "05.01.2026", "Jahresservice", vehicle_number="F1")
    customer(sdb, "1002", consent="nein")
    vehicle(sdb, "F2", "1002", first_registration="10.12.2025", plate="L-999ZZ")  # no order yet
    outcomes = tick(sdb, settings, INVITE)
    by_vehicle = {o.customer_name: o for o in outcomes}
    assert by_vehicle["Eva Huber1001"].sent
    assert by_vehicle["Eva Huber1002"].reason == consent.NO_BASIS
    assert [m["To"].addresses[0].addr_spec for m in smtp_sink.messages] == \
        ["eva1001@example.at"]


def test_a_long_overdue_service_is_invited_at_once_and_called_overdue(sdb, settings, smtp_sink):
    customer(sdb)
    vehicle(sdb)  # no order at all: the first inspection was due a year after registration
    assert due(sdb, "inspection").due_date == date(2026, 6, 10)
    [outcome] = tick(sdb, settings, local(2026, 11, 24))
    assert outcome.rule == "invitation"
    text = smtp_sink.messages[0].get_body(("plain",)).get_content()
    assert "ist Inspektion/Wartung fällig – schon seit dem 10.06.2026." in text


def test_a_call_marked_done_leaves_the_call_list_with_who_called(sdb, settings, smtp_sink):
    from core import clock
    from core.auth import create_user
    from core.errors import ActionNotAllowed
    from core.service.calls import call_done

    baseline(sdb)
    tick(sdb, settings, INVITE)
    tick(sdb, settings, REMIND)
    tick(sdb, settings, DUE)
    with sdb.session(write=True) as session:
        advisor = create_user(session, "berger", "richtig-geheim-1", "service", "Eva Berger",
                              now=clock.now())
        invitation = call_done(session, invitations(sdb)[0].id, advisor,
                               "Termin am 14.01. vereinbart", DUE + timedelta(hours=2))
        assert invitation.outcome == "Angerufen von Eva Berger: Termin am 14.01. vereinbart"
    [done] = invitations(sdb)
    assert done.status == "done" and done.next_at is None
    with sdb.session(write=True) as session, pytest.raises(
            ActionNotAllowed, match=r"nicht \(mehr\) auf der Anrufliste"):
        call_done(session, done.id, advisor, "", DUE + timedelta(hours=3))


def test_an_order_after_a_call_back_wish_takes_it_off_the_call_list(sdb, settings, smtp_sink):
    baseline(sdb)
    tick(sdb, settings, INVITE)
    with sdb.session(write=True) as session:
        responses.request_callback(session, settings, invitations(sdb)[0].id,
                                   local(2026, 12, 10, 10))
    order(sdb, "A2", "14.12.2026", "Inspektion", status="offen", at=local(2026, 12, 14, 18))
    assert invitations(sdb)[0].status == "order_found"
