"""One claimed batch on its way out: each message built, sent over the one connection,
and its result recorded, overlapped with the network (see `_Batch`).

Kept apart from core.mail.sender (claiming, holding, the quota): this is the part that runs
once per mail, so every statement here is prepared once and run on the driver."""
from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Row, bindparam, case, func, insert, update

from core.db import DriverStatement
from core.mail.outbox import GAVE_UP
from core.mail.transport import PermanentError, TemporaryError, build_message, message_bytes
from core.models import Event, OutboxMessage, UTCDateTime
from core.settings import Settings

FIRST_RETRY = 60  # seconds; doubles per attempt
MAX_RETRY = 3600
OUTBOX = OutboxMessage.__table__
EVENTS = Event.__table__


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
    seconds: float = 0.0  # how long the drain took (for the operator, and the bench)

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.failed


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait before attempt `attempts + 1`: 1 min doubling, jittered (+0..25 %), at most 1 h."""
    base = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)
    jitter = (rng or random).uniform(1.0, 1.25)  # spreads retries of a burst over time
    return timedelta(seconds=min(base * jitter, MAX_RETRY))


def send_batch(conn: Connection, settings: Settings, now: datetime, transport,
                rows: list[Row], report: DrainReport) -> bool:
    """Send the claimed rows; False when the connection broke (the rest goes back)."""
    batch = _Batch(conn, settings, now, rows)
    try:
        for index, row in enumerate(rows):
            message = batch.take(index)
            if isinstance(message, ValueError):  # a header we refuse
                batch.record_previous()
                _finish(conn, row, now, "failed", str(message))
                report.failed += 1
                continue
            try:
                transport.send(message, row.to_addr, meanwhile=batch.recording_previous(),
                               while_finishing=lambda i=index: batch.build(i + 1))
            except (TemporaryError, PermanentError, ValueError) as exc:
                batch.record_previous()
                if not _record_failure(conn, settings, now, row, exc, report):
                    unclaim(conn, [r.id for r in rows[index + 1:]])
                    return False
                continue
            batch.sent = row
            report.sent += 1
    finally:
        batch.record_previous()
    return True


class _Batch:
    """The claimed rows of one batch on their way out, overlapped with the network.

    Recording a mail's result waits until the next mail has been started (the server is
    reading its sender and has accepted nothing of it), and the next message is built
    while the server takes in the current one; both fill time otherwise spent waiting for
    the server. The order stays safe: a mail's result is committed before the next mail's
    data is sent, so a crash repeats at most the one mail that was on the wire."""

    def __init__(self, conn: Connection, settings: Settings, now: datetime,
                 rows: list[Row]) -> None:
        self.conn, self.settings, self.now, self.rows = conn, settings, now, rows
        self.built: dict[int, bytes | ValueError] = {}
        self.sent: Row | None = None  # delivered, result not yet recorded

    def build(self, index: int) -> None:
        if index < len(self.rows) and index not in self.built:
            try:
                self.built[index] = message_bytes(build_message(self.rows[index],
                                                                self.settings, self.now))
            except ValueError as exc:
                self.built[index] = exc

    def take(self, index: int) -> bytes | ValueError:
        self.build(index)
        return self.built.pop(index)

    def record_previous(self) -> None:
        _exhaust(self.recording_previous())

    def recording_previous(self) -> Iterator[None]:
        """Record the previous mail as sent while the server answers the next mail's
        commands (see SmtpTransport.send): its update, its timeline row, then the commit,
        one per command; all of it before that mail's data goes out."""
        if self.sent is not None:
            row, self.sent = self.sent, None
            yield from self._sent_steps(row)

    def _sent_steps(self, row: Row) -> Iterator[None]:
        with self.conn.begin():
            _MARK_SENT.execute(self.conn, {"oid": row.id, "status": "sent", "error": "",
                                           "sent_at": self.now})
            yield
            if row.customer_id is not None:
                INSERT_EVENT.execute(self.conn, event_values(
                    row, "mail_sent", _sent_text(row), self.now))
            yield


def _exhaust(steps: Iterator[None]) -> None:
    for _ in steps:
        pass


def _record_failure(conn: Connection, settings: Settings, now: datetime, row: Row,
                    exc: Exception, report: DrainReport) -> bool:
    """Record a refused or failed mail; False when the connection is gone."""
    if not isinstance(exc, TemporaryError):
        _finish(conn, row, now, "failed", str(exc))
        report.failed += 1
        return True
    if _gives_up(row, now, settings):
        _finish(conn, row, now, "failed", _gave_up_text(settings, str(exc)), GAVE_UP)
        report.failed += 1
        report.gave_up += 1
    else:
        _finish(conn, row, now, "retry", str(exc))
        report.retried += 1
    return not exc.connection_lost


def _gives_up(row: Row, now: datetime, settings: Settings) -> bool:
    """True when temporary errors have lasted the maximum age (counted from the first one:
    time spent held or waiting for the quota is no failed delivery)."""
    since = row.failing_since or now
    return now - since >= timedelta(hours=settings.mail_max_age_hours)


def _gave_up_text(settings: Settings, error: str) -> str:
    return f"Nach {settings.mail_max_age_hours} Stunden aufgegeben: {error}"


def _finish(conn: Connection, row: Row, now: datetime, status: str, error: str,
            reason_code: str = "") -> None:
    """Commit a failed mail's outcome, "retry" or "failed" (its own transaction: a later
    crash cannot undo it). Sent mails are recorded by `_Batch`."""
    params = {"oid": row.id, "status": status, "error": error}
    with conn.begin():
        if status == "retry":
            conn.execute(_MARK_RETRY, params | {"next": now + backoff(row.attempts + 1),
                                                "now": now})
            return
        conn.execute(_MARK_FAILED, params | {"reason_code": reason_code})
        if row.customer_id is not None:
            text = f"E-Mail „{row.subject}“ an {row.to_addr} fehlgeschlagen: {error}"
            INSERT_EVENT.execute(conn, event_values(row, "mail_failed", text, now))


def _sent_text(row: Row) -> str:
    return f"E-Mail „{row.subject}“ an {row.to_addr} gesendet."


def event_values(row: Row, kind: str, text: str, now: datetime) -> dict:
    # The same timeline row core.events.record writes, as a prepared insert: this runs once
    # per mail between two sends, where an ORM flush was a third of the sender's own cost.
    # `at` is the drain's `now`, the instant the row's sent_at / next attempt is stamped with.
    return {"at": now, "kind": kind, "text": text, "customer_id": row.customer_id,
            "module": row.module, "record_id": row.record_id, "actor": "system",
            "data": {"outbox_id": row.id, "message_id": row.message_id}}



def unclaim(conn: Connection, ids: list[int]) -> None:
    """Give back rows that were claimed but not tried: they keep their place and attempts."""
    if not ids:
        return
    with conn.begin():
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids), OUTBOX.c.status == "sending")
                     .values(status=case((OUTBOX.c.attempts > 0, "retry"), else_="queued"),
                             locked_until=None))


_NOW = bindparam("now", type_=UTCDateTime())
_RESULT = {"status": bindparam("status"), "attempts": OUTBOX.c.attempts + 1,
           "locked_until": None, "last_error": bindparam("error")}
_MARK_SENT = DriverStatement(update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"sent_at": bindparam("sent_at", type_=UTCDateTime())}))
_MARK_RETRY = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"next_attempt_at": bindparam("next", type_=UTCDateTime()),
               "failing_since": func.coalesce(OUTBOX.c.failing_since, _NOW)})
_MARK_FAILED = update(OUTBOX).where(OUTBOX.c.id == bindparam("oid")).values(
    _RESULT | {"reason_code": bindparam("reason_code")})
_EVENT_COLUMNS = ("at", "kind", "text", "customer_id", "module", "record_id", "actor", "data")
INSERT_EVENT = DriverStatement(insert(EVENTS).values(
    {c: bindparam(c, type_=EVENTS.c[c].type) for c in _EVENT_COLUMNS}))
