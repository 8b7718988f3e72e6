"""Separate sender processes: two at once send nothing twice; a SIGKILL loses nothing."""
from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from core.mail.sender import LEASE, drain
from core.models import OutboxMessage
from tests.conftest import SmtpSink, free_port
from tests.mail.conftest import queue_mails

WORKER = Path(__file__).with_name("drain_worker.py")
ROOT = Path(__file__).resolve().parents[2]


def start_worker(db, port: int, now, batch_size: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(WORKER), db.url, str(port), now.isoformat(), str(batch_size)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def all_rows(db) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage)))


def test_two_processes_draining_at_once_send_each_mail_exactly_once(seeded, settings,
                                                                    smtp_sink, now):
    queue_mails(seeded, settings, 200)
    workers = [start_worker(seeded, smtp_sink.port, now, batch_size=5) for _ in range(2)]
    reports = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        reports.append(json.loads(out))
    ids = Counter(str(m["Message-ID"]) for m in smtp_sink.messages)
    assert len(smtp_sink.messages) == 200 and max(ids.values()) == 1
    assert sum(r["sent"] for r in reports) == 200
    assert {r.status for r in all_rows(seeded)} == {"sent"}
    assert ids.keys() == {r.message_id for r in all_rows(seeded)}


@dataclass
class StallingSink(SmtpSink):
    """Keeps mail number `stall_at` but never answers it: the sender is stuck with that mail
    on the wire, which is exactly where a crash can cause a duplicate."""

    stall_at: int = 0
    reached: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd hook)
        await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.stall_at:
            self.reached.set()
            await asyncio.get_running_loop().create_future()  # until the server stops
        return "250 OK"


@pytest.fixture
def stalling_sink():
    sink = StallingSink(port=free_port(), stall_at=120)
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


def test_sigkill_mid_drain_loses_nothing_and_duplicates_at_most_one(seeded, settings,
                                                                    stalling_sink, now):
    queue_mails(seeded, settings, 300)
    worker = start_worker(seeded, stalling_sink.port, now, batch_size=50)
    try:
        assert stalling_sink.reached.wait(timeout=60), "worker never got going"
        assert worker.poll() is None  # really killed in the middle, not after the end
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL
    assert {r.status for r in all_rows(seeded)} >= {"sending"}  # its claimed batch is stuck

    restarted_at = now + LEASE + timedelta(minutes=1)  # the dead sender's lease has expired
    report = drain(seeded, replace(settings, smtp_port=stalling_sink.port), restarted_at)

    rows = all_rows(seeded)
    assert {r.status for r in rows} == {"sent"}
    received = Counter(str(m["Message-ID"]) for m in stalling_sink.messages)
    assert received.keys() == {r.message_id for r in rows}  # every mail delivered
    # Exactly the mail that was on the wire arrives twice (here it certainly arrived before
    # the kill), and both copies carry the same Message-ID.
    assert len(stalling_sink.messages) - len(received) == 1
    by_subject: dict[str, set[str]] = {}
    for mail in stalling_sink.messages:
        by_subject.setdefault(str(mail["Subject"]), set()).add(str(mail["Message-ID"]))
    assert len(by_subject) == 300 and all(len(ids) == 1 for ids in by_subject.values())
    assert report.sent == 300 - 119  # the first 119 were committed before the kill

