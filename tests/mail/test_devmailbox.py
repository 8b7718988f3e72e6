"""The dev mailbox: with no SMTP server configured, mail lands in the in-app mailbox."""
from __future__ import annotations

from dataclasses import replace

from core.mail import devmailbox
from core.mail.devmailbox import DevMailbox
from core.mail.sender import drain
from core.settings import Settings
from tests.mail.conftest import queue_mails


def dev_settings() -> Settings:
    return replace(Settings(), smtp_host="", public_base_url="http://127.0.0.1:8080")


def test_running_dev_mailbox_stores_the_mail(seeded, now):
    settings = dev_settings()
    queue_mails(seeded, settings, 2)
    mailbox = DevMailbox(seeded)
    port = mailbox.start()
    try:
        assert drain(seeded, settings, now, dev_port=port).sent == 2
    finally:
        mailbox.stop()
    with seeded.session() as session:
        stored, total = devmailbox.list_messages(session, page=1, page_size=1)
    assert total == 2 and len(stored) == 1
    mail = devmailbox.parse(stored[0].raw)
    assert mail.subject == "Hallo Anna – Mail 1"  # newest first
    assert mail.to == "Anna Muster <m1@kunde.example.com>"
    assert "Ihr Wagen: VW Golf" in mail.text and "<b>VW Golf</b>" in mail.html
    assert ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click") in mail.headers
    assert stored[0].message_id.startswith("<") and stored[0].rcpt_to == "m1@kunde.example.com"


def test_one_shot_drain_starts_a_dev_mailbox_for_its_duration(seeded, now):
    """`python app.py tick` has no running server: the mail must still arrive."""
    settings = dev_settings()
    queue_mails(seeded, settings, 1)
    assert drain(seeded, settings, now).sent == 1
    with seeded.session() as session:
        assert devmailbox.list_messages(session)[1] == 1
