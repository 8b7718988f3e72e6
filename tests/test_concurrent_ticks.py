"""Two `python app.py tick` processes at the same instant on the same database: the rules run
once and every mail reaches the (real) SMTP server exactly once."""
from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

import app as kundenpilot
from core import clock, settings
from core.models import OutboxMessage
from core.tradein import service

ROOT = Path(__file__).resolve().parents[1]
CASES = 40


def _tick_process(url: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env |= {"KP_DATABASE_URL": url, "KP_SMTP_HOST": "127.0.0.1", "KP_SMTP_PORT": str(port),
            "KP_SMTP_SECURITY": "none"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "tick", "--at", "2026-12-02T03:45:00+01:00"],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_ticks_at_once_send_every_mail_exactly_once(tmp_path, smtp_sink):
    url = f"sqlite:///{tmp_path / 'ticks.db'}"
    db = kundenpilot.open_database(url)
    with clock.frozen(datetime(2026, 12, 1, 15, 0, tzinfo=UTC)), db.session(write=True) as s:
        for number in range(CASES):
            service.create_valuation(s, settings.load(s), {
                "email": f"kunde{number}@example.com", "first_name": "Eva",
                "last_name": f"Gruber{number}", "make": "Skoda", "model": "Octavia",
                "build_year": 2018, "mileage_km": 90000, "fuel": "Diesel",
                "market_value_eur": 11500}, clock.now())

    processes = [_tick_process(url, smtp_sink.port) for _ in range(2)]
    for process in processes:
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err

    message_ids = Counter(str(m["Message-ID"]) for m in smtp_sink.messages)
    assert len(message_ids) == CASES
    assert set(message_ids.values()) == {1}, "a mail was delivered twice"
    with db.session() as session:
        assert session.scalar(select(func.count(OutboxMessage.id))) == CASES
        assert session.scalar(select(func.count(OutboxMessage.id))
                              .where(OutboxMessage.status == "sent")) == CASES
    db.engine.dispose()
