"""Draining the outbox: claim due mails, send them over one connection, record each result.

Semantics are at-least-once. A batch is claimed in one short write transaction (status
'sending' plus a lease), then every mail's result is committed before the next mail can be
accepted by the server (core.mail.delivery), so a crash can repeat at most the one mail that
was on the wire — with the same Message-ID. Rows a killed sender left in 'sending' come back
once their lease has expired.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, and_, bindparam, func, or_, select, update

from core.db import Database, commits_as_sqlite_does, take_turns
from core.events import record
from core.mail import delivery
from core.mail.delivery import INSERT_EVENT, DrainReport, event_values
from core.mail.outbox import LATE, late_reason, local_midnight
from core.mail.transport import open_transport
from core.models import Event, OutboxMessage, UTCDateTime
from core.settings import Settings

BATCH_SIZE = 200
LEASE = timedelta(minutes=10)  # longer than any batch can take; a crash delays at most this
HELD_TEXT = "zurückgehalten: Versand ist ausgeschaltet"

Transport = AbstractContextManager  # anything with SmtpTransport.send, used as a context


def drain(db: Database, settings: Settings, now: datetime, *,
          transport_factory: Callable[[], Transport] | None = None,
          dev_port: int | None = None, limit: int | None = None,
          batch_size: int = BATCH_SIZE, lease: timedelta = LEASE) -> DrainReport:
    """Send what is due at `now`. With the send switch off, due mails become 'held'."""
    started = time.perf_counter()
    report = _drain(db, settings, now, transport_factory, dev_port, limit, batch_size, lease)
    report.seconds = time.perf_counter() - started
    return report


def _drain(db: Database, settings: Settings, now: datetime,
           transport_factory: Callable[[], Transport] | None, dev_port: int | None,
           limit: int | None, batch_size: int, lease: timedelta) -> DrainReport:
    report = DrainReport()
    if not settings.send_emails:
        report.held = _hold_due(db, now)
        return report
    factory = transport_factory or (lambda: open_transport(settings, db, dev_port))
    with ExitStack() as stack:
        # One connection for the whole drain; every transaction on it takes the write lock
        # up front (BEGIN IMMEDIATE on SQLite), like db.session(write=True).
        conn = stack.enter_context(db.engine.connect()).execution_options(immediate=True)
        stack.enter_context(commits_as_sqlite_does(conn))
        transport = None
        while limit is None or report.attempted < limit:
            wanted = batch_size if limit is None else min(batch_size, limit - report.attempted)
            rows = _claim(conn, settings, now, wanted, lease, report)
            if not rows:
                break
            if transport is None:  # only now: nothing due must not start a dev mailbox
                transport = stack.enter_context(factory())
            if not delivery.send_batch(conn, settings, now, transport, rows, report):
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
            INSERT_EVENT.execute(conn, event_values(row, "mail_held", text, now))
    return len(rows)


OUTBOX = OutboxMessage.__table__
EVENTS = Event.__table__
_SENT_SINCE = select(func.count()).select_from(OUTBOX).where(
    OUTBOX.c.status == "sent", OUTBOX.c.sent_at >= bindparam("since", type_=UTCDateTime()))
_IN_FLIGHT = select(func.count()).select_from(OUTBOX).where(
    OUTBOX.c.status == "sending", OUTBOX.c.locked_until > bindparam("now", type_=UTCDateTime()))
_NOW = bindparam("now", type_=UTCDateTime())
# Built once: constructing a statement cost more than executing it (see bench_sender.py).
_MARK_LATE = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    status="held", reason_code=LATE, last_error=bindparam("error"), locked_until=None)
_LATE = select(OUTBOX).where(
    OUTBOX.c.status.in_(("queued", "retry")), OUTBOX.c.next_attempt_at <= _NOW,
    OUTBOX.c.send_by.is_not(None), OUTBOX.c.send_by < _NOW)
_DUE = (select(OUTBOX).where(or_(
    and_(OUTBOX.c.status.in_(("queued", "retry")), OUTBOX.c.next_attempt_at <= _NOW),
    and_(OUTBOX.c.status == "sending", OUTBOX.c.locked_until <= _NOW),
)).order_by(OUTBOX.c.id).with_for_update(skip_locked=True))
