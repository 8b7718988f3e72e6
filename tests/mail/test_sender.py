"""Draining against a real SMTP server: delivery, headers, retries, failures, switch, quota."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from core import clock
from core.events import for_customer
from core.mail import outbox
from core.mail.sender import drain
from core.mail.tokens import read_unsubscribe_token
from core.models import OutboxMessage
from tests.conftest import free_port
from tests.databases import postgresql_only
from tests.mail.conftest import add_customer, queue_mails


def rows(db) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def move_clock(minutes: float):
    clock.set_now(clock.now() + timedelta(minutes=minutes))
    return clock.now()


def test_customer_mail_arrives_as_multipart_with_unsubscribe_headers(seeded, settings,
                                                                     smtp_sink, now):
    queue_mails(seeded, settings, 1)
    report = drain(seeded, settings, now)
    assert report.sent == 1
    [mail] = smtp_sink.messages
    [row] = rows(seeded)
    assert row.status == "sent" and row.sent_at == now and row.attempts == 1
    assert mail["Message-ID"] == row.message_id
    assert mail["From"] == "Autohaus Kundenservice <kundenpilot@autohaus.example>"
    assert mail["To"] == "Anna Muster <m0@kunde.example.com>"
    assert mail["Subject"] == "Hallo Anna – Mail 0"
    assert mail.get_content_type() == "multipart/alternative"
    assert "Ihr Wagen: VW Golf" in mail.get_body(("plain",)).get_content()
    assert "<b>VW Golf</b>" in mail.get_body(("html",)).get_content()
    link = str(mail["List-Unsubscribe"]).strip()  # long headers are folded on the wire
    assert link.startswith("<http://127.0.0.1:8080/abmelden/") and link.endswith(">")
    assert read_unsubscribe_token(link[1:-1].rsplit("/", 1)[1]) == row.customer_id
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with seeded.session() as session:
        assert for_customer(session, row.customer_id)[0].kind == "mail_sent"


def test_staff_mail_has_no_unsubscribe_header(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 1, kind="staff")
    drain(seeded, settings, now)
    assert smtp_sink.messages[0]["List-Unsubscribe"] is None
    assert "abmelden" not in smtp_sink.messages[0].get_body(("html",)).get_content()


def test_4xx_is_retried_with_backoff_then_delivered(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 1)
    smtp_sink.reply = "451 4.3.0 Bitte später"
    assert drain(seeded, settings, now).retried == 1
    [row] = rows(seeded)
    assert row.status == "retry" and row.attempts == 1
    assert "451 4.3.0 Bitte später" in row.last_error
    assert now + timedelta(minutes=1) <= row.next_attempt_at <= now + timedelta(minutes=1.25)
    assert drain(seeded, settings, now).attempted == 0  # not due yet: no hammering

    later = move_clock(2)
    drain(seeded, settings, later)  # second failure: the wait doubles
    [row] = rows(seeded)
    assert row.attempts == 2 and row.next_attempt_at >= later + timedelta(minutes=2)

    smtp_sink.reply = None
    assert drain(seeded, settings, move_clock(3)).sent == 1
    assert len(smtp_sink.messages) == 1 and rows(seeded)[0].status == "sent"


def test_server_down_keeps_every_mail_until_it_is_back(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 3)
    down = replace(settings, smtp_port=free_port())  # nobody listens there
    report = drain(seeded, down, now)
    assert report.retried == 1 and report.sent == 0
    assert [r.status for r in rows(seeded)] == ["retry", "queued", "queued"]
    assert "Keine Verbindung zum Mailserver" in rows(seeded)[0].last_error

    assert drain(seeded, settings, move_clock(2)).sent == 3
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_sink.messages) == [
        "m0@kunde.example.com", "m1@kunde.example.com", "m2@kunde.example.com"]


def test_5xx_fails_at_once_with_the_servers_reason(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 1)
    smtp_sink.reply = "550 5.1.1 Unbekannter Empfänger"
    assert drain(seeded, settings, now).failed == 1
    [row] = rows(seeded)
    assert row.status == "failed" and "550 5.1.1 Unbekannter Empfänger" in row.last_error
    with seeded.session() as session:
        event = for_customer(session, row.customer_id)[0]
    assert event.kind == "mail_failed" and "550 5.1.1 Unbekannter Empfänger" in event.text
    smtp_sink.reply = None
    assert drain(seeded, settings, move_clock(120)).attempted == 0  # failed stays failed


def test_send_switch_off_holds_then_on_delivers(seeded, settings, off, smtp_sink, now):
    queue_mails(seeded, settings, 2)
    report = drain(seeded, off, now)
    assert report.held == 2 and not smtp_sink.messages
    assert [r.status for r in rows(seeded)] == ["held", "held"]
    with seeded.session() as session:
        event = for_customer(session, rows(seeded)[0].customer_id)[0]
    assert event.kind == "mail_held" and "Versand ist ausgeschaltet" in event.text
    report = drain(seeded, settings, move_clock(1))
    assert report.released == 2 and report.sent == 2 and len(smtp_sink.messages) == 2


def test_release_held_from_the_outbox_api(seeded, off, settings, smtp_sink, now):
    queue_mails(seeded, off, 1)  # queued while off: held at once
    with seeded.session(write=True) as session:
        assert outbox.release_held(session, now) == 1
    assert drain(seeded, settings, now).sent == 1


def test_daily_quota_stops_draining_until_the_next_local_day(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 5)
    limited = replace(settings, daily_quota=3)
    report = drain(seeded, limited, now)
    assert report.sent == 3 and report.quota_reached
    assert drain(seeded, limited, move_clock(60)).sent == 0
    with seeded.session() as session:
        counts = outbox.counts(session, clock.now(), limited)
    assert counts["sent_today"] == 3 and counts["queued"] == 2
    # 09:00 UTC is 10:00 in Vienna; 14 hours later it is just past local midnight.
    assert drain(seeded, limited, move_clock(13 * 60 + 1)).sent == 2
    assert len(smtp_sink.messages) == 5


def test_quota_zero_means_no_limit(seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 5)
    report = drain(seeded, replace(settings, daily_quota=0), now)
    assert report.sent == 5 and not report.quota_reached
    assert len(smtp_sink.messages) == 5


def test_a_queue_that_ends_exactly_at_the_quota_does_not_report_the_limit(
        seeded, settings, smtp_sink, now):
    queue_mails(seeded, settings, 3)
    exact = replace(settings, daily_quota=3)
    report = drain(seeded, exact, now)
    assert report.sent == 3 and not report.quota_reached
    assert not drain(seeded, exact, now).quota_reached  # nothing waits: still no limit hit
    queue_mails(seeded, settings, 1, prefix="later")
    assert drain(seeded, exact, now).quota_reached  # now a mail waits for tomorrow


def test_nothing_due_opens_no_connection(seeded, settings, now):
    def refuse():
        raise AssertionError("no transport wanted")

    assert drain(seeded, settings, now, transport_factory=refuse).attempted == 0


def test_event_links_customer_and_case(seeded, settings, smtp_sink, now):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "fall@kunde.example.com")
        outbox.enqueue(session, settings, now, idempotency_key="x", template_key="test.hello",
                       context={"first_name": "A", "car": "B", "number": 1},
                       to_addr=customer.email, kind="marketing", customer=customer,
                       module="tradein", record_id=42)
    drain(seeded, settings, now)
    with seeded.session() as session:
        kinds = [(e.kind, e.module, e.record_id, e.at)
                 for e in for_customer(session, customer.id)]
    # Both timeline rows point to the mail's module record, at the edge's instant.
    assert kinds == [("mail_sent", "tradein", 42, now), ("mail_queued", "tradein", 42, now)]


def test_a_line_starting_with_a_dot_arrives_whole(seeded, settings, smtp_sink, now):
    """The sender speaks SMTP itself: a body line of a single "." would end the message
    early, so lines starting with a dot are doubled on the wire (RFC 5321 4.5.2)."""
    with seeded.session(write=True) as session:
        customer = add_customer(session, "punkt@kunde.example.com")
        outbox.enqueue(session, settings, now, idempotency_key="dot", template_key="test.hello",
                       context={"first_name": "A", "car": "Golf\n.\n..und weiter", "number": 1},
                       to_addr=customer.email, kind="transactional", customer=customer)
    assert drain(seeded, settings, now).sent == 1
    [mail] = smtp_sink.messages
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Golf\n.\n..und weiter" in text


@postgresql_only("synchronous_commit")
def test_the_senders_relaxed_commits_stay_on_its_own_connection(seeded, settings, smtp_sink,
                                                                 now):
    """The sender commits each result without waiting for PostgreSQL's disk flush (durable
    like SQLite's WAL); every other transaction on a pooled connection still waits for it."""
    # The test cluster runs with synchronous_commit off for speed: this database waits.
    with seeded.engine.connect() as conn:
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" SET synchronous_commit = on')
        conn.commit()
    seeded.engine.dispose()  # new connections start with the database's setting
    queue_mails(seeded, settings, 3)
    assert drain(seeded, settings, now).sent == 3
    idle = seeded.engine.pool.checkedin()
    assert idle >= 1
    connections = [seeded.engine.connect() for _ in range(idle)]
    try:
        settings_seen = {c.exec_driver_sql("SHOW synchronous_commit").scalar()
                         for c in connections}
    finally:
        for c in connections:
            c.close()
    assert settings_seen == {"on"}
