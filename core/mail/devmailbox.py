"""The dev mailbox: an SMTP server inside the app that keeps every mail it receives.

With no SMTP server configured, mail still travels over real SMTP (same sender, same
transport) to this server on 127.0.0.1, which stores it as a DevMailboxMessage; the
Dev-Postfach page lists and renders them. A new user sees real mails without configuration.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock
from core.db import Database
from core.errors import NotFound
from core.models import DevMailboxMessage


class _Handler:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        # Runs on the server's own thread; a short synchronous write is fine there. This
        # handler is an edge (a mail arriving over SMTP, like a request at a page), so it
        # reads the clock itself, once per received mail: no caller could pass `now` in.
        with self.db.session(write=True) as db_session:
            db_session.add(DevMailboxMessage(
                received_at=clock.now(), mail_from=envelope.mail_from or "",
                rcpt_to=", ".join(envelope.rcpt_tos), subject=str(parsed["Subject"] or ""),
                message_id=str(parsed["Message-ID"] or "").strip(), raw=envelope.content,
            ))
        return "250 OK: im Dev-Postfach gespeichert"


class _AnyPortController(Controller):
    """aiosmtpd's Controller, but port 0 means "pick a free one" (no race with other tests)."""

    def _create_server(self):
        return self._bind()

    async def _bind(self):
        server = await self.loop.create_server(self._factory_invoker, host=self.hostname,
                                               port=self.port, ssl=self.ssl_context)
        self.port = server.sockets[0].getsockname()[1]
        return server


class DevMailbox:
    """Start/stop the embedded SMTP server; `start()` returns the port it listens on."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._controller: _AnyPortController | None = None

    @property
    def port(self) -> int | None:
        return self._controller.port if self._controller is not None else None

    def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        if self._controller is None:
            controller = _AnyPortController(_Handler(self.db), hostname=host, port=port,
                                            data_size_limit=25 * 1024 * 1024)
            controller.start()
            self._controller = controller
        return self._controller.port

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@dataclass(frozen=True)
class ParsedMail:
    subject: str
    from_: str
    to: str
    date: datetime | None
    text: str
    html: str
    headers: list[tuple[str, str]]


def parse(raw: bytes) -> ParsedMail:
    """The parts the Dev-Postfach page shows, from the raw message as received."""
    msg: EmailMessage = message_from_bytes(raw, policy=policy.default)
    text_part = msg.get_body(preferencelist=("plain",))
    html_part = msg.get_body(preferencelist=("html",))
    try:
        date = parsedate_to_datetime(str(msg["Date"])) if msg["Date"] else None
    except (TypeError, ValueError):
        date = None
    return ParsedMail(
        subject=str(msg["Subject"] or ""), from_=str(msg["From"] or ""), to=str(msg["To"] or ""),
        date=date, text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        headers=[(name, str(value)) for name, value in msg.items()],
    )


def list_messages(session: Session, page: int = 1,
                  page_size: int = 25) -> tuple[list[DevMailboxMessage], int]:
    """One page of received mails, newest first."""
    total = session.scalar(select(func.count()).select_from(DevMailboxMessage)) or 0
    page = max(page, 1)
    rows = session.scalars(select(DevMailboxMessage)
                           .order_by(DevMailboxMessage.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def get_message(session: Session, message_id: int) -> DevMailboxMessage:
    row = session.get(DevMailboxMessage, message_id)
    if row is None:
        raise NotFound(f"Mail {message_id} gibt es im Dev-Postfach nicht.")
    return row
