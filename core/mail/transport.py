"""Turning outbox rows into MIME messages and handing them to an SMTP server.

This is the only module that opens SMTP connections. yagmail sets up the connection (host,
port, none/STARTTLS/SSL, login); the message itself is built here with the standard library's
email package and sent over yagmail's underlying smtplib connection, reused for every mail.
"""
from __future__ import annotations

import base64
import binascii
import io
import re
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime
from email.generator import BytesGenerator
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr
from uuid import uuid4

import yagmail

from core.mail import identity
from core.mail.outbox import check_header
from core.mail.tokens import unsubscribe_url
from core.models import OutboxMessage
from core.settings import Settings
from core.text import ENCODED_WORD


class TemporaryError(Exception):
    """Worth trying again later (4xx, timeout, refused). `connection_lost`: the connection is
    gone, so the other mails of this batch should wait too."""

    def __init__(self, message: str, connection_lost: bool = False) -> None:
        super().__init__(message)
        self.connection_lost = connection_lost


class PermanentError(Exception):
    """The server refused the mail for good (5xx); str() is the server's reply."""


def build_message(row: OutboxMessage, settings: Settings, date: datetime) -> Message:
    """The MIME message for an outbox row: multipart/alternative, text/plain then text/html.

    Built with the email package's MIME classes (compat32 policy): the same standard MIME,
    but EmailMessage's header objects made building a mail cost more than sending it
    (about 1 ms against 0.06 ms; see tests/bench/bench_sender.py). `date` is the Date:
    header, the sender's `now`."""
    for field in ("to_name", "to_addr", "subject", "from_name"):
        check_header(field, getattr(row, field))
    # "=_" can never occur in a quoted-printable body, so no need to search the parts for it.
    msg = MIMEMultipart("alternative", boundary=f"=_kp{uuid4().hex}")
    sender = row.from_name or settings.mail_from_name
    check_header("from_name", sender)  # the setting, too, may not inject headers
    msg["From"] = mailbox(sender, settings.mail_from)
    msg["To"] = mailbox(row.to_name, row.to_addr)
    msg["Subject"] = encoded_words(row.subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = row.message_id
    if row.kind != "staff":  # "Antworten Sie einfach auf diese E-Mail": replies reach staff
        reply_to = identity.reply_address(settings, row.reply_to or "")
        check_header("reply_to", reply_to)
        msg["Reply-To"] = formataddr(("", reply_to))
    if row.kind != "staff" and row.customer_id is not None:
        # RFC 8058 one-click unsubscribe: mail clients POST to this URL.
        msg["List-Unsubscribe"] = f"<{unsubscribe_url(settings, row.customer_id)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.attach(_text_part(row.text_body, "plain"))
    msg.attach(_text_part(row.html_body, "html"))
    return msg


def mailbox(name: str, address: str) -> str:
    """`Name <address>` for From/To. A name holding "=?" goes out as base64 encoded-words:
    written as is, a name like "=?utf-8?q?Bank?=" would be decoded by the mail client and
    shown as a different name; encoded, the reader sees exactly the characters typed."""
    if ENCODED_WORD in name:
        return f"{encoded_words(name)} <{formataddr(('', address))}>"
    return formataddr((name, address), charset="utf-8")


def encoded_words(text: str) -> str:
    """RFC 2047 base64 encoded-words for a header with non-ASCII text (plain ASCII as is).

    Each word holds at most 45 bytes (60 base64 characters, 72 with the wrapper, within the
    75 the RFC allows) and never splits a character; decoders join adjacent words."""
    if text.isascii() and ENCODED_WORD not in text:
        return text
    chunks, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > 45:
            chunks.append(chunk)
            chunk = b""
        chunk += encoded
    chunks.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks)


def _text_part(body: str, subtype: str) -> MIMENonMultipart:
    # Quoted-printable UTF-8: compact and readable for German text (and, unlike base64 text,
    # no spam-filter points). binascii encodes in C, MIMEText's encoder in Python (6x slower).
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii"))
    return part


class _LeanGenerator(BytesGenerator):
    """Folds ASCII header lines itself and leaves only the rest to the stdlib.

    The stdlib folds every header through email.header.Header, which was the largest single
    cost of a send (see tests/bench/bench_sender.py). Our headers are ASCII by construction
    (non-ASCII text is already an encoded-word), and an ASCII line may be folded before any
    white space (RFC 5322 2.2.3); a line without white space stays long (legal up to 998)."""

    def _write_headers(self, msg: Message) -> None:
        for name, value in msg.raw_items():
            if type(value) is str and value.isascii() and "\r" not in value \
                    and "\n" not in value:
                self._fp.write(_fold_ascii(f"{name}: {value}", self._NL).encode("ascii"))
            else:
                self._fp.write(self.policy.fold_binary(name, value))
        self.write(self._NL)


def _fold_ascii(line: str, linesep: str, width: int = 78) -> str:
    lines: list[str] = []
    start = line.find(": ") + 2  # never fold between the name and the first word
    while len(line) > width:
        cut = line.rfind(" ", start + 1, width)
        if cut <= start:
            cut = line.find(" ", max(width, start + 1))
            if cut <= start:
                break
        lines.append(line[:cut])
        line = line[cut:]  # the continuation keeps its leading space (folding white space)
        start = 1
    lines.append(line)
    return linesep.join(lines) + linesep


def message_bytes(msg: Message) -> bytes:
    """The message as sent on the wire (CRLF line ends)."""
    buffer = io.BytesIO()
    _LeanGenerator(buffer).flatten(msg, linesep="\r\n")
    return buffer.getvalue()


class SmtpTransport:
    """One SMTP connection, opened on the first send and reused; use as a context manager."""

    def __init__(self, settings: Settings, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._client: yagmail.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()  # QUIT; yagmail ignores an already dropped connection
            self._client = None

    def _connect(self) -> smtplib.SMTP:
        if self._client is None:
            s = self.settings
            login = bool(s.smtp_user)
            client = yagmail.SMTP(
                user=s.smtp_user or s.mail_from, password=s.smtp_password,  # never keyring
                host=s.smtp_host, port=s.smtp_port, smtp_ssl=s.smtp_security == "ssl",
                smtp_starttls=s.smtp_security == "starttls", smtp_skip_login=not login,
                soft_email_validation=False, timeout=self.timeout,
            )
            client.login()  # opens the connection (and logs in when a user is set)
            self._client = client
        return self._client.smtp

    def send(self, data: bytes, to_addr: str, *, meanwhile: Iterator[None] | None = None,
             while_finishing: Callable[[], None] | None = None) -> None:
        """Deliver one message (`message_bytes`) to `to_addr`; TemporaryError or
        PermanentError when the server says no.

        The caller may work while the server does. `meanwhile` advances one step while the
        server answers each command before the message (sender, recipient, DATA) and is
        finished before the message goes out, even when this mail fails: up to then the
        server has accepted nothing of it, so the caller can still be recording the
        previous mail. `while_finishing` runs while the server takes the message in."""
        try:
            smtp = self._connect()
        except Exception as exc:  # noqa: BLE001
            # Refused, timeout, TLS or login failure: no fault of this mail, so it waits
            # (as TemporaryError) until the server or the settings are fixed.
            self._drop()
            for _ in meanwhile or ():
                pass
            raise TemporaryError(f"Keine Verbindung zum Mailserver: {_reason(exc)}", True) from exc
        self._talk(lambda: self._transaction(smtp, to_addr, data, meanwhile or iter(()),
                                             while_finishing))

    def _transaction(self, smtp: smtplib.SMTP, to_addr: str, data: bytes,
                     meanwhile: Iterator[None],
                     while_finishing: Callable[[], None] | None) -> None:
        # smtplib.sendmail's steps for one recipient, each reply read only when needed.
        # Addresses are validated when queued, so they go out as they are.
        try:
            smtp.ehlo_or_helo_if_needed()
            for command, argument, codes in (("mail", f"FROM:<{self.settings.mail_from}>",
                                              (250,)),
                                             ("rcpt", f"TO:<{to_addr}>", (250, 251)),
                                             ("data", "", (354,))):
                smtp.putcmd(command, argument)
                next(meanwhile, None)
                _expect(smtp, smtp.getreply(), codes)
        finally:
            for _ in meanwhile:  # never send the message before the caller is done
                pass
        ending = b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n"
        smtp.send(_DOT_AT_LINE_START.sub(b"..", data) + ending)
        if while_finishing is not None:
            while_finishing()
        _expect(smtp, smtp.getreply(), (250,))

    def _talk(self, step: Callable[[], object]) -> None:
        """Run one SMTP step, translating failures into Temporary/PermanentError."""
        try:
            step()
        except smtplib.SMTPResponseException as exc:
            code, reply = exc.smtp_code, exc.smtp_error
            if code == 421:  # the server closes the connection after 421
                self._drop()
            raise _classify(code, reply) from exc
        except OSError as exc:  # disconnected, reset, timeout (SMTPException is an OSError)
            self._drop()
            raise TemporaryError(f"Verbindung zum Mailserver verloren: {_reason(exc)}",
                                 True) from exc

    def _drop(self) -> None:
        if self._client is not None:
            with suppress(Exception):  # the socket is gone either way
                self._client.smtp.close()
            self._client.is_closed = True
            self._client = None


_DOT_AT_LINE_START = re.compile(rb"(?m)^\.")  # "dot-stuffing": a lone "." would end the data


def _expect(smtp: smtplib.SMTP, answer: tuple[int, bytes], codes: tuple[int, ...]) -> None:
    code, reply = answer
    if code not in codes:
        if code != 421:  # after 421 the server has closed the connection (see _talk)
            with suppress(smtplib.SMTPException, OSError):
                smtp.rset()
        raise smtplib.SMTPResponseException(code, reply)


def _reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply_text(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, TimeoutError):
        return "Zeitüberschreitung"
    return str(exc) or type(exc).__name__


def _reply_text(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text}".strip()


def _classify(code: int, reply: bytes | str) -> Exception:
    message = _reply_text(code, reply)
    if 400 <= code < 500:
        return TemporaryError(f"Mailserver vorübergehend nicht bereit: {message}",
                              connection_lost=code == 421)
    return PermanentError(f"Mailserver hat abgelehnt: {message}")


@contextmanager
def open_transport(settings: Settings, db=None, dev_port: int | None = None,
                   timeout: float = 30.0) -> Iterator[SmtpTransport]:
    """The transport for the current settings — the one way the app gets one.

    Real SMTP when smtp_host is set; otherwise the in-app dev mailbox on `dev_port`; and when
    none is running (one-shot `app.py tick`), a dev mailbox started just for this block."""
    if not settings.uses_dev_mailbox:
        with SmtpTransport(settings, timeout) as transport:
            yield transport
        return
    mailbox = None
    if dev_port is None:
        from core.mail.devmailbox import DevMailbox  # late: the server is rarely needed

        if db is None:
            raise ValueError("open_transport needs the database to start a dev mailbox")
        mailbox = DevMailbox(db)
        dev_port = mailbox.start()
    local = replace(settings, smtp_host="127.0.0.1", smtp_port=dev_port, smtp_security="none",
                    smtp_user="", smtp_password="")
    try:
        with SmtpTransport(local, timeout) as transport:
            yield transport
    finally:
        if mailbox is not None:
            mailbox.stop()
