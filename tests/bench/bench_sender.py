"""Benchmark: draining the outbox vs. a raw smtplib loop, both into a local aiosmtpd sink.

Run: .venv/bin/python tests/bench/bench_sender.py [N] [ROUNDS]   (default 2,000 mails, 3 rounds;
a plain script, not a pytest test)

The sink is aiosmtpd in its own process, as a real mail server would be. The raw loop sends
the prebuilt messages over one smtplib connection and does nothing else; the drain claims
batches, builds each message, sends it over one connection and commits the mail's result and
timeline event before the next. Rounds alternate raw/drain on a fresh copy of the same queued
database; the best round of each counts (a shared machine only ever makes things slower).
Target: drain throughput >= 0.7x the raw loop.
"""
from __future__ import annotations

import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

import app  # noqa: E402
from core import clock  # noqa: E402
from core.db import Database  # noqa: E402
from core.mail import outbox, templates  # noqa: E402
from core.mail.sender import drain  # noqa: E402
from core.mail.transport import build_message  # noqa: E402
from core.models import Customer, OutboxMessage  # noqa: E402
from core.settings import Settings  # noqa: E402
from tools.liveserver import free_port  # noqa: E402

SUBJECT = "Ihr {{ car }}: Marktwert {{ value }}"
TEXT = ("Guten Tag {{ first_name }} {{ last_name }},\n\nder aktuelle Marktwert Ihres {{ car }} "
        "beträgt {{ value }}.\nVereinbaren Sie gern einen Termin zur Besichtigung.\n")
HTML = ("<p>Guten Tag {{ first_name }} {{ last_name }},</p><p>der aktuelle Marktwert Ihres "
        "<b>{{ car }}</b> beträgt <b>{{ value }}</b>.</p>"
        "<p>Vereinbaren Sie gern einen Termin zur Besichtigung.</p>")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def run_sink(port: int) -> None:
    """Sink process: accept every mail, count them, print the count when stdin closes."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd)
            self.count += 1
            return "250 OK"

    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
    print(handler.count, flush=True)


def prepare(workdir: Path, settings: Settings, count: int) -> Path:
    """A migrated database with `count` marketing mails queued; returns its file."""
    root = workdir / "templates" / "bench"
    root.mkdir(parents=True)
    for suffix, source in ((".subject.txt", SUBJECT), (".txt", TEXT), (".html", HTML)):
        (root / f"value{suffix}").write_text(source, encoding="utf-8")
    path = workdir / "queued.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    with db.session(write=True) as session:
        templates.seed_defaults(session, clock.now(), workdir / "templates")
        for number in range(count):
            customer = Customer(email=f"kunde{number}@bench.example.com", first_name="Anna",
                                last_name=f"Müller{number}", created_at=clock.now())
            session.add(customer)
            session.flush()
            outbox.enqueue(session, settings, clock.now(), idempotency_key=f"bench:{number}",
                           template_key="bench.value", to_addr=customer.email,
                           to_name=customer.full_name, kind="marketing", customer=customer,
                           context={"first_name": "Anna", "last_name": customer.last_name,
                                    "car": "VW Golf 1.5 TSI", "value": "18.450,00 €"})
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # copyable as one file
    db.engine.dispose()
    return path


def fresh_copy(queued: Path, workdir: Path, name: str) -> Database:
    target = workdir / f"{name}.db"
    shutil.copyfile(queued, target)
    return Database(f"sqlite:///{target}")


def raw_loop(db: Database, settings: Settings) -> float:
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    messages = [build_message(row, settings, date=NOW) for row in rows]  # prebuilt, untimed
    started = time.perf_counter()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port) as smtp:
        for msg in messages:
            smtp.send_message(msg, from_addr=settings.mail_from)
    return time.perf_counter() - started


def timed_drain(db: Database, settings: Settings, count: int) -> float:
    started = time.perf_counter()
    report = drain(db, settings, NOW)
    elapsed = time.perf_counter() - started
    assert report.sent == count, report
    return elapsed


def main(count: int, rounds: int) -> None:
    app.install_modules()  # what every command of app.py does first
    clock.set_now(NOW)
    port = free_port()
    sink = subprocess.Popen([sys.executable, __file__, "--sink", str(port)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert sink.stdout.readline().strip() == "ready"
    settings = replace(Settings(), smtp_host="127.0.0.1", smtp_port=port,
                       smtp_security="none", daily_quota=count * rounds * 2)
    raw_times, drain_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        queued = prepare(workdir, settings, count)
        for number in range(rounds):
            db = fresh_copy(queued, workdir, f"raw{number}")
            raw_times.append(raw_loop(db, settings))
            db.engine.dispose()
            db = fresh_copy(queued, workdir, f"drain{number}")
            drain_times.append(timed_drain(db, settings, count))
            db.engine.dispose()
    received = int(sink.communicate("", timeout=60)[0].strip())
    assert received == 2 * count * rounds, received

    raw_rate, drain_rate = count / min(raw_times), count / min(drain_times)
    print(f"mails per round:   {count} ({rounds} rounds, sink: aiosmtpd in its own process)")
    print(f"raw smtplib loop:  {raw_rate:8.0f} mails/s  (best; median "
          f"{count / statistics.median(raw_times):.0f})")
    print(f"outbox drain:      {drain_rate:8.0f} mails/s  (best; median "
          f"{count / statistics.median(drain_times):.0f})")
    ratio = drain_rate / raw_rate
    verdict = "ok" if ratio >= 0.7 else "MISSED"
    print(f"ratio drain/raw:   {ratio:8.2f}  (target >= 0.70: {verdict})")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        run_sink(int(sys.argv[2]))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
             int(sys.argv[2]) if len(sys.argv) > 2 else 3)
