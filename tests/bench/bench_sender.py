"""Benchmark: the outbox drain of `python app.py tick` vs. a raw smtplib loop, both into a
local aiosmtpd sink in its own process (a plain script, not a pytest test).

    .venv/bin/python tests/bench/bench_sender.py [N] [ROUNDS]   (default 2,000 mails, 3 rounds)

On the database KP_TEST_DATABASE names (see tests/bench/common.py). The raw loop sends the
same messages, built and flattened to bytes beforehand (untimed), over one smtplib
connection and does nothing else. The drain runs as `python app.py tick` on a fresh copy of
the same queued database: it claims batches, builds each message, sends it over one
connection and commits the mail's result and timeline event before the next mail becomes
final; its time is the drain's own, as the tick prints it (without interpreter start).
Rounds alternate; the best of each counts. Targets: drain >= 0.8x the raw loop on SQLite,
>= 0.6x on PostgreSQL.
"""
from __future__ import annotations

import os
import re
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from common import DATABASE, ON_POSTGRESQL, ROOT, Verdict, bench_database, copy_of
from sqlalchemy import select

from core import clock
from core.db import Database
from core.mail import outbox, templates
from core.mail.transport import build_message, message_bytes
from core.models import Customer, OutboxMessage
from core.settings import Settings
from tools.liveserver import free_port

SUBJECT = "Ihr {{ car }}: Marktwert {{ value }}"
TEXT = ("Guten Tag {{ first_name }} {{ last_name }},\n\nder aktuelle Marktwert Ihres {{ car }} "
        "beträgt {{ value }}.\nVereinbaren Sie gern einen Termin zur Besichtigung.\n")
HTML = ("<p>Guten Tag {{ first_name }} {{ last_name }},</p><p>der aktuelle Marktwert Ihres "
        "<b>{{ car }}</b> beträgt <b>{{ value }}</b>.</p>"
        "<p>Vereinbaren Sie gern einen Termin zur Besichtigung.</p>")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DRAIN_LINE = re.compile(r"Postausgang: (\d+) gesendet.* in ([\d,]+) s")


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


def prepare(db: Database, workdir: Path, settings: Settings, count: int) -> None:
    """`count` marketing mails queued in `db`."""
    root = workdir / "templates" / "bench"
    root.mkdir(parents=True)
    for suffix, source in ((".subject.txt", SUBJECT), (".txt", TEXT), (".html", HTML)):
        (root / f"value{suffix}").write_text(source, encoding="utf-8")
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


def raw_loop(db: Database, settings: Settings) -> float:
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    # Built and flattened beforehand: the loop only talks SMTP.
    wire = [(row.to_addr, message_bytes(build_message(row, settings, date=NOW)))
            for row in rows]
    started = time.perf_counter()
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port) as smtp:
        for to_addr, data in wire:
            smtp.sendmail(settings.mail_from, [to_addr], data)
    return time.perf_counter() - started


def tick_drain(db: Database, port: int, count: int) -> float:
    """`python app.py tick` on `db`; the drain's time as the tick reports it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env |= {"KP_DATABASE_URL": db.url, "KP_SMTP_HOST": "127.0.0.1", "KP_SMTP_PORT": str(port),
            "KP_SMTP_SECURITY": "none", "KP_DAILY_QUOTA": "0"}
    result = subprocess.run([sys.executable, str(ROOT / "app.py"), "tick"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    match = DRAIN_LINE.search(result.stdout)
    assert match and int(match.group(1)) == count, result.stdout[-500:]
    return float(match.group(2).replace(",", "."))


def main(count: int, rounds: int) -> int:
    clock.set_now(NOW)
    verdict = Verdict()
    port = free_port()
    sink = subprocess.Popen([sys.executable, __file__, "--sink", str(port)], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert sink.stdout.readline().strip() == "ready"
    settings = replace(Settings(), smtp_host="127.0.0.1", smtp_port=port,
                       smtp_security="none", daily_quota=0)
    raw_times, drain_times = [], []
    with bench_database("sender") as queued, tempfile.TemporaryDirectory() as tmp:
        prepare(queued, Path(tmp), settings, count)
        for number in range(rounds):
            db = copy_of(queued, f"raw{number}")
            raw_times.append(raw_loop(db, settings))
            db.engine.dispose()
            db = copy_of(queued, f"drain{number}")
            drain_times.append(tick_drain(db, port, count))
            db.engine.dispose()
    received = int(sink.communicate("", timeout=60)[0].strip())
    assert received == 2 * count * rounds, received

    raw_rate, drain_rate = count / min(raw_times), count / min(drain_times)
    target = 0.6 if ON_POSTGRESQL else 0.8
    ratio = drain_rate / raw_rate
    print(f"== sender on {DATABASE}: {count} mails per round, {rounds} rounds")
    print(f"raw smtplib loop (prebuilt bytes): {raw_rate:8.0f} mails/s  (best; median "
          f"{count / statistics.median(raw_times):.0f})")
    print(f"app.py tick drain:                 {drain_rate:8.0f} mails/s  (best; median "
          f"{count / statistics.median(drain_times):.0f})")
    ok = verdict.check(f"drain >= {target}x raw", ratio >= target)
    print(f"ratio drain/raw:                   {ratio:8.2f}  (target >= {target}: {ok})")
    return verdict.exit_code()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sink"]:
        run_sink(int(sys.argv[2]))
    else:
        sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000,
                      int(sys.argv[2]) if len(sys.argv) > 2 else 3))
