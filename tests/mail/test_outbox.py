"""Enqueueing: idempotent, opt-outs respected, header injection and bad addresses refused."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core import clock
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.events import for_customer
from core.mail import outbox
from core.mail.tokens import read_unsubscribe_token
from core.models import OutboxMessage
from tests.mail.conftest import add_customer, queue_mails

CONTEXT = {"first_name": "Anna", "car": "Škoda Octavia", "number": 1}


def enqueue(session, settings, customer, key="k1", kind="transactional", **overrides):
    args = {"idempotency_key": key, "template_key": "test.hello", "context": CONTEXT,
            "to_addr": customer.email, "to_name": "Anna Muster", "kind": kind,
            "customer": customer} | overrides
    return outbox.enqueue(session, settings, clock.now(), **args)


def outbox_count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage))


def test_enqueue_renders_and_fixes_message_id(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        row = enqueue(session, settings, customer)
        assert row.status == "queued"
        assert row.subject == "Hallo Anna – Mail 1"
        assert row.message_id.endswith("@autohaus.example>")
        # The unsubscribe link is personal, signed, and carries no e-mail address.
        link = row.text_body.split("erhalten: ")[1].strip()
        assert "anna" not in link and "%40" not in link
        assert read_unsubscribe_token(link.rsplit("/", 1)[1]) == customer.id
        assert [e.kind for e in for_customer(session, customer.id)] == ["mail_queued"]


def test_same_idempotency_key_returns_the_existing_row_unchanged(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        first = enqueue(session, settings, customer)
        again = enqueue(session, settings, customer, context={"first_name": "X", "car": "Y",
                                                              "number": 2})
        assert again.id == first.id and again.subject == "Hallo Anna – Mail 1"
    assert outbox_count(seeded) == 1


def test_marketing_mail_to_opted_out_customer_is_suppressed_with_reason(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "weg@kunde.example.com", opted_out=True)
        assert enqueue(session, settings, customer, kind="marketing") is None
        events = for_customer(session, customer.id)
        assert [e.kind for e in events] == ["mail_suppressed"]
        assert "nicht gesendet: Kunde hat sich abgemeldet" in events[0].text
        # A mail the customer asked for (transactional) still goes out.
        assert enqueue(session, settings, customer, key="k2") is not None
    assert outbox_count(seeded) == 1


@pytest.mark.parametrize("field, value", [
    ("to_name", "Anna\r\nBcc: opfer@example.com"), ("to_name", "Anna\x00"),
    ("to_addr", "anna@kunde.example.com\nBcc: x@example.com"),
])
def test_line_breaks_in_headers_are_refused_and_nothing_stored(seeded, settings, field, value):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        with pytest.raises(ValidationError) as caught:
            enqueue(session, settings, customer, **{field: value})
    assert "Zeilenumbrüche" in caught.value.errors[field]
    assert outbox_count(seeded) == 0


def test_line_break_reaching_the_subject_is_refused(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        with pytest.raises(ValidationError) as caught:
            enqueue(session, settings, customer,
                    context=CONTEXT | {"first_name": "Anna\nBcc: opfer@example.com"})
    assert "subject" in caught.value.errors


def test_invalid_address_is_refused_in_german(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        with pytest.raises(ValidationError) as caught:
            enqueue(session, settings, customer, to_addr="anna(at)kunde")
    assert caught.value.errors["to_addr"] == "„anna(at)kunde“ ist keine gültige E-Mail-Adresse."


def test_send_switch_off_holds_new_mail(seeded, off):
    with seeded.session(write=True) as session:
        row = enqueue(session, off, add_customer(session, "anna@kunde.example.com"))
        assert row.status == "held"
        assert outbox.release_held(session, clock.now()) == 1
        session.refresh(row)
        assert row.status == "queued"


def test_retry_cancel_counts_and_list(seeded, settings):
    ids = queue_mails(seeded, settings, 3)
    with seeded.session(write=True) as session:
        outbox.cancel(session, ids[0], "admin", clock.now())
        with pytest.raises(ActionNotAllowed):
            outbox.cancel(session, ids[0], "admin", clock.now())
        outbox.retry(session, ids[0], "admin", clock.now())
        outbox.cancel(session, ids[1], "admin", clock.now())
    with seeded.session() as session:
        counts = outbox.counts(session, clock.now(), settings)
        assert counts["queued"] == 2 and counts["cancelled"] == 1 and counts["sent_today"] == 0
        rows, total = outbox.list_messages(session, status="queued", page_size=1)
        assert total == 2 and [r.id for r in rows] == [ids[2]]
        rows, total = outbox.list_messages(session, search="M1@KUNDE")
        assert total == 1 and rows[0].id == ids[1]


def test_preview_renders_without_storing(seeded, settings):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "anna@kunde.example.com")
        shown = outbox.preview(session, settings, "test.hello", CONTEXT, customer=customer)
    assert "<b>Škoda Octavia</b>" in shown.html and "/abmelden/" in shown.html
    assert outbox_count(seeded) == 0


def test_each_mail_remembers_who_queued_it_and_a_user_sees_only_theirs(seeded, settings,
                                                                         now):
    with seeded.session(write=True) as session:
        customer = add_customer(session, "eigene@kunde.example.com")
        mine = outbox.enqueue(session, settings, now, idempotency_key="eigene",
                              template_key="test.hello", to_addr=customer.email,
                              context={"first_name": "A", "car": "Golf", "number": 1},
                              kind="transactional", customer=customer, actor="vera").id
    queue_mails(seeded, settings, 2)  # automatic ones: queued by "system"
    with seeded.session() as session:
        rows, total = outbox.list_messages(session, queued_by="vera")
        assert ([r.id for r in rows], total) == ([mine], 1)
        assert outbox.counts(session, now, settings, queued_by="vera")["queued"] == 1
        assert outbox.counts(session, now, settings)["queued"] == 3
        others = outbox.list_messages(session, queued_by="system")[0]
        with pytest.raises(NotFound):
            outbox.get_message(session, others[0].id, queued_by="vera")
