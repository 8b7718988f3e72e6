"""Names that end up in From/To: an RFC 2047 encoded-word typed as a name is refused at
every edge (API/staff forms, CSV import, company and settings sender name) and, should one
slip through, sent so that the mail client shows it literally."""
from __future__ import annotations

import email
import email.policy
from dataclasses import replace

import pandas as pd
import pytest

from core import clock
from core import settings as settings_mod
from core.imports.parsers import text
from core.mail.outbox import ValidationError
from core.mail.transport import build_message, message_bytes
from core.models import OutboxMessage
from core.settings import Settings
from core.validation import clean_text

SPOOF = "=?utf-8?q?Gesch=C3=A4ftsf=C3=BChrer_Bank?="


def _row(**fields) -> OutboxMessage:
    values = dict(kind="staff", customer_id=None, to_addr="kunde@example.at", to_name="Max",
                  subject="Hallo", from_name="", message_id="<1@kp>", text_body="t",
                  html_body="<p>t</p>")
    return OutboxMessage(**(values | fields))


def _parsed(row: OutboxMessage):
    return email.message_from_bytes(message_bytes(build_message(row, Settings(), clock.now())),
                                    policy=email.policy.default)


def test_a_name_written_as_encoded_word_is_shown_literally_not_decoded():
    mail = _parsed(_row(to_name=SPOOF, from_name=SPOOF))
    assert mail["To"].addresses[0].display_name == SPOOF
    assert mail["To"].addresses[0].addr_spec == "kunde@example.at"
    assert mail["From"].addresses[0].display_name == SPOOF


def test_ordinary_names_stay_as_before():
    mail = _parsed(_row(to_name="Müller, Jürgen"))
    assert mail["To"].addresses[0].display_name == "Müller, Jürgen"
    assert _parsed(_row(to_name="Anna Muster"))["To"] == "Anna Muster <kunde@example.at>"


def test_a_sender_name_setting_with_a_line_break_is_not_sent():
    with pytest.raises(ValidationError):
        build_message(_row(), replace(Settings(), mail_from_name="Autohaus\r\nBcc: x@evil"),
                      clock.now())


@pytest.mark.parametrize("name", [SPOOF, "Max =?utf-8?b?QmFuaw==?= Muster", "=?"])
def test_api_and_form_names_refuse_encoded_words(name):
    errors: dict[str, str] = {}
    assert clean_text(errors, {"last_name": name}, "last_name", "Nachname", 100) == ""
    assert errors["last_name"] == "Nachname darf keine kodierten Zeichenfolgen („=?…?=“) enthalten."


def test_api_names_still_take_ordinary_names():
    errors: dict[str, str] = {}
    assert clean_text(errors, {"n": " Renée O'Brien-Müller = 1? "}, "n", "Name", 100) \
        == "Renée O'Brien-Müller = 1?"
    assert errors == {}


def test_import_refuses_encoded_words_in_text_cells():
    _values, reasons = text(100)(pd.Series([SPOOF, "Anna", "Gesch\nBank"], dtype=object))
    assert list(reasons) == ["enthält eine kodierte Zeichenfolge („=?…?=“)", "",
                             "enthält Zeilenumbrüche oder Steuerzeichen"]


def test_settings_refuse_an_encoded_sender_name():
    errors = settings_mod.validate(replace(Settings(), mail_from_name=SPOOF))
    assert errors["mail_from_name"].startswith("Absendername darf keine")
    assert settings_mod.validate(replace(Settings(), mail_from_name="Autohaus Linz")) == {}
