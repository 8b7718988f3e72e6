"""Mails a dealer can sign: the imprint in the footer of every customer mail, the dealer's
name in the layout, and replies going where the dealer wants them (Reply-To)."""
from __future__ import annotations

from dataclasses import replace

from core import settings as settings_mod
from core.mail.sender import drain
from tests.mail.conftest import queue_mails

IDENTITY = dict(dealer_legal_name="Autohaus Gruber GmbH", dealer_address="Hauptstraße 1, 4020 Linz",
                dealer_phone="+43 732 123456", dealer_website="www.autohaus-gruber.at",
                dealer_register="FN 123456a, LG Linz, UID ATU12345678")


def _one_mail(seeded, settings, smtp_sink, now, kind="transactional"):
    queue_mails(seeded, settings, 1, kind=kind)
    assert drain(seeded, settings, now).sent == 1
    [mail] = smtp_sink.messages
    return mail


def test_every_customer_mail_carries_the_imprint_and_a_reply_address(seeded, settings,
                                                                       smtp_sink, now):
    settings = replace(settings, **IDENTITY, reply_to="verkauf@autohaus-gruber.at")
    mail = _one_mail(seeded, settings, smtp_sink, now)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for line in ("Autohaus Gruber GmbH", "Hauptstraße 1, 4020 Linz", "Telefon +43 732 123456",
                 "www.autohaus-gruber.at", "FN 123456a, LG Linz, UID ATU12345678"):
        assert line in text and line in html
    assert mail["Reply-To"] == "verkauf@autohaus-gruber.at"


def test_without_a_reply_setting_replies_go_to_the_sender_address(seeded, settings,
                                                                   smtp_sink, now):
    mail = _one_mail(seeded, settings, smtp_sink, now)
    assert mail["Reply-To"] == settings.mail_from


def test_staff_mails_carry_no_imprint_and_no_reply_address(seeded, settings, smtp_sink, now):
    settings = replace(settings, **IDENTITY)
    mail = _one_mail(seeded, settings, smtp_sink, now, kind="staff")
    assert mail["Reply-To"] is None
    assert "FN 123456a" not in mail.get_body(("plain",)).get_content()


def test_imprint_fields_are_one_line_each_and_the_phone_is_a_phone_number():
    bad = replace(settings_mod.Settings(), dealer_address="Hauptstraße 1\nBcc: x@y.z",
                  dealer_phone="=HYPERLINK(1)", reply_to="keine-adresse")
    errors = settings_mod.validate(bad)
    assert set(errors) >= {"dealer_address", "dealer_phone", "reply_to"}
    assert settings_mod.validate(replace(settings_mod.Settings(), **IDENTITY)) == {}
