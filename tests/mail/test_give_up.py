"""Mail that cannot be delivered gives up: temporary errors are retried for the maximum age
(KP_MAIL_MAX_AGE_HOURS, default 72 h, counted from the first error), then the mail fails."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core import settings as settings_mod
from core.events import for_customer
from core.mail import outbox
from core.mail.sender import drain
from core.models import OutboxMessage
from core.settings import Settings
from tests.mail.conftest import queue_mails

BUSY = "451 4.3.0 Bitte später"


def row(db) -> OutboxMessage:
    with db.session() as session:
        return session.scalars(select(OutboxMessage)).one()


def drain_hourly(db, settings, start: datetime, hours: int) -> None:
    """The scheduler draining once an hour from `start` up to `start + hours` h."""
    for hour in range(hours + 1):
        at = start + timedelta(hours=hour)
        clock.set_now(at)
        drain(db, settings, at)


def test_451_for_73_hours_fails_with_the_last_reason_and_is_not_retried(
        seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 1)
    smtp_sink.reply = BUSY
    drain_hourly(seeded, settings, now, 73)
    mail = row(seeded)
    assert mail.status == "failed" and mail.reason_code == "gave_up"
    assert mail.last_error.startswith("Nach 72 Stunden aufgegeben: ")
    assert BUSY in mail.last_error
    with seeded.session() as session:
        event = for_customer(session, mail.customer_id)[0]
    assert event.kind == "mail_failed" and "Nach 72 Stunden aufgegeben" in event.text
    attempts = mail.attempts
    smtp_sink.reply = None  # the server would take it now: too late, it stays failed
    later = now + timedelta(hours=80)
    assert drain(seeded, settings, later).attempted == 0
    assert row(seeded).attempts == attempts and smtp_sink.messages == []


def test_451_for_71_hours_is_still_retried_and_delivered_when_the_server_is_back(
        seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 1)
    smtp_sink.reply = BUSY
    drain_hourly(seeded, settings, now, 71)
    assert (row(seeded).status, row(seeded).reason_code) == ("retry", "")
    smtp_sink.reply = None
    assert drain(seeded, settings, now + timedelta(hours=72, minutes=30)).sent == 1
    assert len(smtp_sink.messages) == 1


def test_the_maximum_age_is_a_setting(seeded, settings, smtp_sink, now):
    short = replace(settings, mail_max_age_hours=2)
    queue_mails(seeded, short, 1)
    smtp_sink.reply = BUSY
    drain_hourly(seeded, short, now, 1)
    assert row(seeded).status == "retry"
    report = drain(seeded, short, now + timedelta(hours=2, minutes=5))
    assert (report.failed, report.gave_up) == (1, 1)
    assert row(seeded).last_error.startswith("Nach 2 Stunden aufgegeben: ")


def test_the_age_counts_from_the_first_error_not_from_waiting_held(seeded, settings, off,
                                                                   smtp_sink, now):
    queue_mails(seeded, off, 1)  # held by the send switch for four days
    smtp_sink.reply = BUSY
    assert drain(seeded, settings, now + timedelta(days=4)).retried == 1
    assert row(seeded).status == "retry"


def test_staff_retry_of_a_given_up_mail_gets_a_fresh_maximum_age(seeded, settings, smtp_sink,
                                                                  now):
    queue_mails(seeded, settings, 1)
    smtp_sink.reply = BUSY
    drain_hourly(seeded, settings, now, 73)
    with seeded.session(write=True) as session:
        outbox.retry(session, row(seeded).id, "sabine", clock.now())
    assert drain(seeded, settings, clock.now() + timedelta(minutes=1)).retried == 1
    assert (row(seeded).status, row(seeded).reason_code) == ("retry", "")


def test_counts_and_filter_show_the_given_up_mails(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 2)
    smtp_sink.reply = BUSY
    drain_hourly(seeded, settings, now, 73)
    smtp_sink.reply = "550 5.1.1 Unbekannter Empfänger"
    queue_mails(seeded, settings, 1, prefix="x")
    drain(seeded, settings, clock.now())
    with seeded.session() as session:
        counts = outbox.counts(session, clock.now(), settings)
        given_up, total = outbox.list_messages(session, status="gave_up")
    assert (counts["failed"], counts["gave_up"], counts["late"]) == (3, 2, 0)
    assert total == 2 and all(m.reason_code == "gave_up" for m in given_up)


def test_maximum_age_is_validated_and_read_from_the_environment(monkeypatch):
    assert settings_mod.validate(Settings(mail_max_age_hours=0)) == {
        "mail_max_age_hours": "Zustellung aufgeben nach (Stunden) muss zwischen 1 und 720 "
                              "liegen."}
    assert settings_mod.validate(Settings(mail_max_age_hours=720)) == {}
    monkeypatch.setenv("KP_MAIL_MAX_AGE_HOURS", "24")
    assert settings_mod.from_environment().mail_max_age_hours == 24
    monkeypatch.setenv("KP_MAIL_MAX_AGE_HOURS", "drei")
    with pytest.raises(ValueError, match="keine ganze Zahl"):
        settings_mod.from_environment()
