"""Stored templates: seeded from the factory files, edited with validation, reset."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core import clock
from core.mail import templates
from core.mail.render import TemplateError
from core.models import Event, MailTemplate
from core.tradein.flow import MAILS


def test_seed_defaults_inserts_missing_templates_once(db, template_root, now):
    with db.session(write=True) as session:
        assert templates.seed_defaults(session, now, template_root) == 1
        assert templates.seed_defaults(session, now, template_root) == 0
        stored = templates.get(session, "test.hello")
    assert stored.version == 1
    assert stored.subject == "Hallo {{ first_name }} – Mail {{ number }}"  # no trailing newline


def test_factory_templates_exist_for_every_trade_in_mail():
    keys = set(templates.default_sources())
    assert {f"tradein.{key}" for key in MAILS} <= keys


def test_save_validates_bumps_version_and_records_event(seeded):
    with seeded.session(write=True) as session:
        saved = templates.save(session, "test.hello", "Neu: {{ first_name }}", "Text",
                               "<p>{{ first_name }}</p><p>{{ unsubscribe_url }}</p>",
                               actor="admin", sample_context={"first_name": "Anna"},
                               now=clock.now())
        assert saved.version == 2
        event = session.scalar(select(Event).where(Event.kind == "template_saved"))
        assert event.actor == "admin" and "Version 2" in event.text


def test_save_refuses_broken_template_and_keeps_the_old_one(seeded):
    with seeded.session(write=True) as session, pytest.raises(TemplateError) as caught:
        templates.save(session, "test.hello", "{{ ''.__class__ }}", "{{ nix }}", "<p>",
                       actor="admin", sample_context={}, now=clock.now())
    assert len(caught.value.messages) == 2
    with seeded.session() as session:
        assert session.scalar(select(MailTemplate.version)) == 1


def test_reset_to_default_restores_factory_text(seeded, template_root):
    with seeded.session(write=True) as session:
        templates.save(session, "test.hello", "Anders", "x", "<p>x</p>", actor="admin",
                       sample_context={}, now=clock.now())
        reset = templates.reset_to_default(session, "test.hello", actor="admin",
                                           now=clock.now(), root=template_root)
        assert reset.subject.startswith("Hallo {{ first_name }}")
        assert reset.version == 3
