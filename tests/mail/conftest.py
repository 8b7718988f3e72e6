"""Fixtures for the mail engine: a test template seeded from files, customers, queued mails."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core import clock
from core.mail import outbox, templates
from core.models import Customer

SUBJECT = "Hallo {{ first_name }} – Mail {{ number }}"
TEXT = "Guten Tag {{ first_name }},\nIhr Wagen: {{ car }}.\n"
HTML = "<p>Guten Tag {{ first_name }},</p><p>Ihr Wagen: <b>{{ car }}</b>.</p>"


def write_template(root: Path, module: str, name: str, subject: str, text: str,
                   html: str) -> None:
    folder = root / module
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.subject.txt").write_text(subject + "\n", encoding="utf-8")
    (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    (folder / f"{name}.html").write_text(html, encoding="utf-8")


@pytest.fixture
def template_root(tmp_path) -> Path:
    root = tmp_path / "templates"
    write_template(root, "test", "hello", SUBJECT, TEXT, HTML)
    return root


@pytest.fixture
def seeded(db, template_root, now):
    """The database with the factory template "test.hello" stored."""
    with db.session(write=True) as session:
        templates.seed_defaults(session, now, template_root)
    return db


def add_customer(session, email: str, first_name: str = "Anna", opted_out: bool = False):
    customer = Customer(email=email, first_name=first_name, last_name="Muster",
                        created_at=clock.now(),
                        opted_out_at=clock.now() if opted_out else None)
    session.add(customer)
    session.flush()
    return customer


def queue_mails(db, settings, count: int, kind: str = "transactional", prefix: str = "m"):
    """`count` mails to as many customers; returns their outbox ids."""
    ids = []
    with db.session(write=True) as session:
        for number in range(count):
            customer = add_customer(session, f"{prefix}{number}@kunde.example.com")
            row = outbox.enqueue(
                session, settings, clock.now(), idempotency_key=f"{prefix}:{number}",
                template_key="test.hello",
                context={"first_name": customer.first_name, "car": "VW Golf", "number": number},
                to_addr=customer.email, to_name="Anna Muster", kind=kind, customer=customer)
            ids.append(row.id)
    return ids


@pytest.fixture
def off(settings):
    """The settings with the send switch turned off."""
    return replace(settings, send_emails=False)
