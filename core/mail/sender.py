"""Draining the outbox: claim due mails, send them over one connection, record each result.

Semantics are at-least-once. A batch is claimed in one short write transaction (status
'sending' plus a lease), then every mail's result is committed before the next is sent, so a
crash can repeat at most the one mail that was on the wire — with the same Message-ID. Rows a
killed sender left in 'sending' come back once their lease has expired.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, and_, bindparam, case, func, insert, or_, select, update

from core.db import Database, take_turns
from core.events import record
from core.mail.outbox import GAVE_UP, LATE, late_reason, local_midnight
from core.mail.transport import PermanentError, TemporaryError, build_message, open_transport
from core.models import Event, OutboxMessage, UTCDateTime
from core.settings import Settings

BATCH_SIZE = 50
LEASE = timedelta(minutes=10)  # longer than any batch can take; a crash delays at most this
FIRST_RETRY = 60  # seconds; doubles per attempt
MAX_RETRY = 3600
HELD_TEXT = "zurückgehalten: Versand ist ausgeschaltet"

Transport = AbstractContextManager  # anything with .send(message, to_addr) used as a context


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    held: int = 0
    released: int = 0
    held_late: int = 0  # automatic mails past their deadline: now wait for a staff decision
    gave_up: int = 0  # part of `failed`: temporary errors for longer than the maximum age
    quota_reached: bool = False

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait before attempt `attempts + 1`: 1 min doubling, jittered (+0..25 %), at most 1 h."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)
    jitter = (rng or random).uniform(1.0, 1.25)  # spreads retries of a burst over time
    return timedelta(seconds=min(base * jitter, MAX_RETRY))


def drain(db: Database, settings: Settings, now: datetime, *,
          transport_factory: Callable[[], Transport] | None = None,
          dev_port: int | None = None, limit: int | None = None,
          batch_size: int = BATCH_SIZE, lease: timedelta = LEASE) -> DrainReport:
    """Send what is due at `now`. With the send switch off, due mails become 'held'."""
    report = DrainReport()
    if not settings.send_emails:
        report.held = _hold_due(db, now)
        return report
    factory = transport_factory or (lambda: open_transport(settings, db, dev_port))
    with ExitStack() as stack:
        # One connection for the whole drain; every transaction on it takes the write lock
        # up front (BEGIN IMMEDIATE on SQLite), like db.session(write=True).
        conn = stack.enter_context(db.engine.connect()).execution_options(immediate=True)
        transport = None
        while limit is None or report.attempted < limit:
            wanted = batch_size if limit is None else min(batch_size, limit - report.attempted)
            rows = _claim(conn, settings, now, wanted, lease, report)
            if not rows:
                break
            if transport is None:  # only now: nothing due must not start a dev mailbox
                transport = stack.enter_context(factory())
            if not _send_batch(conn, settings, now, transport, rows, report):
                break
    return report


def _claim(conn: Connection, settings: Settings, now: datetime, wanted: int,
           lease: timedelta, report: DrainReport) -> list[Row]:
    """Take up to `wanted` due rows (within the daily quota) for this sender."""
    with conn.begin():
        # Claimers take turns so that two senders cannot both count the same room in the
        # quota (SQLite's IMMEDIATE transaction already serialises them).
        take_turns(conn, "outbox-claim")
        if report.attempted == 0 and report.released == 0:
            report.released = _release_held(conn)
        report.held_late += _hold_late(conn, now)
        room = _room_today(conn, settings, now, wanted)
        # SKIP LOCKED matters on PostgreSQL; SQLite ignores FOR UPDATE.
        rows = conn.execute(_DUE.limit(max(room, 1)), {"now": now}).all()
        if room == 0:
            # Only a mail left waiting means the limit was reached (not a queue that ended
            # exactly at it).
            report.quota_reached = bool(rows)
            return []
        if rows:
            conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_([r.id for r in rows]))
                         .values(status="sending", locked_until=now + lease))
        return rows


def _room_today(conn: Connection, settings: Settings, now: datetime, wanted: int) -> int:
    """How many of `wanted` mails the daily quota still allows; quota 0 means no limit."""
    if settings.daily_quota == 0:
        return wanted
    used = conn.scalar(_SENT_SINCE, {"since": local_midnight(now, settings.timezone)}) or 0
    used += conn.scalar(_IN_FLIGHT, {"now": now}) or 0
    return min(wanted, max(settings.daily_quota - used, 0))


def _send_batch(conn: Connection, settings: Settings, now: datetime, transport,
                rows: list[Row], report: DrainReport) -> bool:
    """Send the claimed rows; False when the connection broke (the rest goes back)."""
    for index, row in enumerate(rows):
        try:
            transport.send(build_message(row, settings, date=now), row.to_addr)
        except TemporaryError as exc:
            if _gives_up(row, now, settings):
                _finish(conn, row, now, "failed", _gave_up_text(settings, str(exc)), GAVE_UP)
                report.failed += 1
                report.gave_up += 1
            else:
                _finish(conn, row, now, "retry", str(exc))
                report.retried += 1
            if exc.connection_lost:
                _unclaim(conn, [r.id for r in rows[index + 1:]])
                return False
        except (PermanentError, ValueError) as exc:  # ValueError: a header we refuse
            _finish(conn, row, now, "failed", str(exc))
            report.failed += 1
        else:
            _finish(conn, row, now, "sent", "")  # committed before the next mail goes out
            report.sent += 1
    return True


def _gives_up(row: Row, now: datetime, settings: Settings) -> bool:
    """True when temporary errors have lasted the maximum age (counted from the first one:
    time spent held or waiting for the quota is no failed delivery)."""
    since = row.failing_since or now
    return now - since >= timedelta(hours=settings.mail_max_age_hours)


def _gave_up_text(settings: Settings, error: str) -> str:
    return f"Nach {settings.mail_max_age_hours} Stunden aufgegeben: {error}"


def _finish(conn: Connection, row: Row, now: datetime, status: str, error: str,
            reason_code: str = "") -> None:
    """Commit one mail's outcome (its own transaction: a later crash cannot undo it)."""
    params = {"oid": row.id, "status": status, "error": error}
    with conn.begin():
        if status == "sent":
            conn.execute(_MARK_SENT, params | {"sent_at": now})
        elif status == "retry":
            conn.execute(_MARK_RETRY, params | {"next": now + backoff(row.attempts + 1),
                                                "now": now})
        else:
            conn.execute(_MARK_FAILED, params | {"reason_code": reason_code})
        if row.customer_id is not None and status != "retry":
            text = (f"E-Mail „{row.subject}“ an {row.to_addr} gesendet." if status == "sent"
                    else f"E-Mail „{row.subject}“ an {row.to_addr} fehlgeschlagen: {error}")
            conn.execute(_INSERT_EVENT, _event_values(row, f"mail_{status}", text, now))


def _event_values(row: Row, kind: str, text: str, now: datetime) -> dict:
    # The same timeline row core.events.record writes, as a prepared insert: this runs once
    # per mail between two sends, where an ORM flush was a third of the sender's own cost.
    # `at` is the drain's `now`, the instant the row's sent_at / next attempt is stamped with.
    return {"at": now, "kind": kind, "text": text, "customer_id": row.customer_id,
            "module": row.module, "record_id": row.record_id, "actor": "system",
            "data": {"outbox_id": row.id, "message_id": row.message_id}}


def _unclaim(conn: Connection, ids: list[int]) -> None:
    """Give back rows that were claimed but not tried: they keep their place and attempts."""
    if not ids:
        return
    with conn.begin():
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == "sending")
                     .values(status=case((OUTBOX.c.attempts > 0, "retry"), else_="queued"),
                             locked_until=None))


def _hold_due(db: Database, now: datetime) -> int:
    """Send switch off: due mails wait as 'held' (visible, nothing lost, nothing sent)."""
    with db.session(write=True) as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.status.in_(("queued", "retry")), OutboxMessage.next_attempt_at <= now)))
        for row in rows:
            row.status = "held"
            if row.customer_id is not None:
                record(session, now, "mail_held", f"E-Mail „{row.subject}“ {HELD_TEXT}.",
                       customer_id=row.customer_id, module=row.module,
                       record_id=row.record_id, data={"outbox_id": row.id})
        return len(rows)


def _release_held(conn: Connection) -> int:
    # The switch is on again: held mails rejoin the queue in their original order (not the
    # late ones: they wait for a staff decision).
    return conn.execute(update(OUTBOX).where(OUTBOX.c.status == "held",
                                             OUTBOX.c.reason_code == "")
                        .values(status="queued")).rowcount


def _hold_late(conn: Connection, now: datetime) -> int:
    """Due automatic mails past their deadline are not sent late silently: they wait as
    'held' with the reason until staff send or discard them (in the claim's transaction)."""
    rows = conn.execute(_LATE, {"now": now}).all()
    for row in rows:
        # Queued at its moment, so the time since then is how late it would go out.
        reason = late_reason(now - row.created_at)
        if row.last_error:
            reason += f" (zuletzt: {row.last_error})"
        conn.execute(_MARK_LATE, {"oid": row.id, "error": reason})
        if row.customer_id is not None:
            text = f"E-Mail „{row.subject}“ an {row.to_addr} zurückgehalten: {reason}."
            conn.execute(_INSERT_EVENT, _event_values(row, "mail_held", text, now))
    return len(rows)


OUTBOX = OutboxMessage.__table__
EVENTS = Event.__table__
_SENT_SINCE = select(func.count()).select_from(OUTBOX).where(
    OUTBOX.c.status == "sent", OUTBOX.c.sent_at >= bindparam("since", type_=UTCDateTime()))
_IN_FLIGHT = select(func.count()).select_from(OUTBOX).where(
    OUTBOX.c.status == "sending", OUTBOX.c.locked_until > bindparam("now", type_=UTCDateTime()))
_NOW = bindparam("now", type_=UTCDateTime())
_RESULT = {"status": bindparam("status"), "attempts": OUTBOX.c.attempts + 1,
           "locked_until": None, "last_error": bindparam("error")}
# Built once: constructing a statement cost more than executing it (see bench_sender.py).
_MARK_SENT = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"sent_at": bindparam("sent_at", type_=UTCDateTime())})
_MARK_RETRY = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"next_attempt_at": bindparam("next", type_=UTCDateTime()),
               "failing_since": func.coalesce(OUTBOX.c.failing_since, _NOW)})
_MARK_FAILED = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"reason_code": bindparam("reason_code")})
_MARK_LATE = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    status="held", reason_code=LATE, last_error=bindparam("error"), locked_until=None)
_LATE = select(OUTBOX).where(
    OUTBOX.c.status.in_(("queued", "retry")), OUTBOX.c.next_attempt_at <= _NOW,
    OUTBOX.c.send_by.is_not(None), OUTBOX.c.send_by < _NOW)
_INSERT_EVENT = insert(EVENTS)
_DUE = (select(OUTBOX).where(or_(
    and_(OUTBOX.c.status.in_(("queued", "retry")), OUTBOX.c.next_attempt_at <= _NOW),
    and_(OUTBOX.c.status == "sending", OUTBOX.c.locked_until <= _NOW),
)).order_by(OUTBOX.c.id).with_for_update(skip_locked=True))
