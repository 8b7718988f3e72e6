"""The command line as a script or an operator uses it: real processes, a real database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect, select

import app as kundenpilot
from core import auth, clock, settings
from core.models import DevMailboxMessage, OutboxMessage, User
from core.tradein import service

ROOT = Path(__file__).resolve().parents[2]
VALUATION = {"email": "lena.berger@example.com", "first_name": "Lena", "last_name": "Berger",
             "make": "Toyota", "model": "Yaris", "build_year": 2020, "mileage_km": 41000,
             "fuel": "Hybrid", "market_value_eur": 13900}


def _run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env["KP_DATABASE_URL"] = url
    return subprocess.run([sys.executable, str(ROOT / "app.py"), *args], env=env, cwd=ROOT,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_tick_at_delivers_due_mail_into_dev_mailbox_once(databases):
    url = databases.new_url("cli")
    db = kundenpilot.open_database(url)
    # A valuation on Tuesday afternoon is due at the next nightly run (03:30 Vienna).
    with clock.frozen(datetime(2026, 12, 1, 15, 0, tzinfo=UTC)), db.session(write=True) as s:
        case_id = service.create_valuation(s, settings.load(s), VALUATION, clock.now()).id

    before = _run(url, "tick", "--at", "2026-12-02T03:15:00+01:00")
    assert before.returncode == 0, before.stderr
    with db.session() as session:
        assert session.scalar(select(DevMailboxMessage)) is None  # not due yet

    first = _run(url, "tick", "--at", "2026-12-02T03:45:00+01:00")
    assert first.returncode == 0, first.stderr
    assert f"Fall {case_id}" in first.stdout and "1 gesendet" in first.stdout
    second = _run(url, "tick", "--at", "2026-12-02T03:45:00+01:00")
    assert second.returncode == 0, second.stderr
    assert "0 gesendet" in second.stdout

    with db.session() as session:
        received = list(session.scalars(select(DevMailboxMessage)))
        sent = list(session.scalars(select(OutboxMessage)))
    assert [m.rcpt_to for m in received] == ["lena.berger@example.com"]
    assert "Toyota Yaris" in received[0].subject
    assert [m.status for m in sent] == ["sent"]
    db.engine.dispose()


def test_tick_refuses_time_without_zone(databases):
    result = _run(databases.new_url("cli"), "tick", "--at", "2026-12-02T03:45:00")
    assert result.returncode == 2
    assert "Zeitzone" in result.stderr


def test_create_user_with_flags_and_login_works(databases):
    url = databases.new_url("cli")
    result = _run(url, "create-user", "--username", "Petra", "--role", "supervisor",
                  "--password", "sehr-geheim-42", "--display-name", "Petra Maier")
    assert result.returncode == 0, result.stderr
    assert "angelegt" in result.stdout
    again = _run(url, "create-user", "--username", "petra", "--role", "sales",
                 "--password", "sehr-geheim-42")
    assert again.returncode == 1 and "gibt es schon" in again.stderr
    short = _run(url, "create-user", "--username", "kurt", "--role", "sales", "--password", "kurz")
    assert short.returncode == 1 and "mindestens" in short.stderr

    db = kundenpilot.open_database(url)
    with db.session(write=True) as session:
        user = auth.authenticate(session, "petra", "sehr-geheim-42", clock.now())
        assert user is not None and user.role == "supervisor" and user.display_name == "Petra Maier"
        assert session.scalar(select(User).where(User.username == "kurt")) is None
    db.engine.dispose()


def test_create_user_without_terminal_needs_the_flags(databases):
    result = _run(databases.new_url("cli"), "create-user", "--username", "x",
                  stdin="")
    assert result.returncode != 0
    assert "Fehlt" in result.stderr


def test_serve_on_a_busy_port_says_so_in_german_and_touches_nothing(databases):
    with socket.socket() as other:  # another program already listens on the port
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
        url = databases.new_url("busy")
        env |= {"KP_DATABASE_URL": url, "KP_PORT": str(port),
                "KP_DEMO": "true"}
        result = subprocess.run([sys.executable, str(ROOT / "app.py")], env=env, cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Port {port} auf 127.0.0.1 ist schon belegt" in result.stderr
    assert "Traceback" not in result.stderr
    # Stopped before creating or loading anything: the database has no tables.
    engine = create_engine(url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
