"""Fixtures shared by every test: a real database file, the clock, a real SMTP server."""
from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

import app
from core import clock
from core.db import Database
from core.settings import Settings
from tests.databases import Databases
from tools.liveserver import free_port  # noqa: F401 - tests import it from here

app.install_modules()  # what every command of app.py does first
# Fixtures of throw-away modules that several test folders register.
pytest_plugins = ["tests.probe_settings"]


@pytest.fixture
def databases(tmp_path) -> Iterator[Databases]:
    """Fresh database URLs for this test (SQLite files, or PostgreSQL databases when
    KP_TEST_DATABASE=postgresql), removed when the test ends."""
    handed_out = Databases(tmp_path)
    yield handed_out
    handed_out.drop_all()


@pytest.fixture
def db(databases) -> Iterator[Database]:
    """A fresh database, migrated by Alembic exactly as the app does."""
    database = Database(databases.new_url("test"))
    database.migrate()
    yield database
    database.engine.dispose()


@pytest.fixture
def now() -> Iterator[datetime]:
    """Pins the one clock to a Monday morning in Vienna; tests move it with clock.set_now."""
    start = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    clock.set_now(start)
    yield start
    clock.set_now(None)


@dataclass
class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps what it receives.

    `reply` lets a test make it answer DATA with an error, e.g. "451 4.3.0 busy"."""

    port: int
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    reply: str | None = None
    arrived: threading.Condition = field(default_factory=threading.Condition, repr=False)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        if self.reply:
            return self.reply
        with self.arrived:
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float) -> bool:
        """True once `count` mails have arrived (senders in other processes send on their
        own time); False after `timeout` seconds."""
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.messages) >= count, timeout)

    def by_subject(self, text: str) -> list[EmailMessage]:
        return [m for m in self.messages if text in str(m["Subject"])]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture
def settings(smtp_sink) -> Settings:
    """Settings pointing at the test SMTP server (plain, no login)."""
    return replace(
        Settings(), smtp_host="127.0.0.1", smtp_port=smtp_sink.port, smtp_security="none",
        api_key="test-api-key", public_base_url="http://127.0.0.1:8080",
    )
