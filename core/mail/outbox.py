"""The outbox: every mail is a row here first, written in the caller's transaction.

The sender (core.mail.sender) drains it. Rendering happens at enqueue so the stored mail is
exactly what will be sent, and the Message-ID is fixed now so a retry or a duplicate after a
crash carries the same ID (receivers can de-duplicate).
"""
from __future__ import annotations

from datetime import datetime, time
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.events import record
from core.mail import templates
from core.mail.render import Rendered, render
from core.mail.tokens import unsubscribe_url
from core.models import Customer, OutboxMessage
from core.settings import Settings

KINDS = ("marketing", "transactional", "staff")
STATUSES = ("queued", "sending", "sent", "retry", "failed", "cancelled", "held")
STATUS_LABELS = {
    "queued": "wartet", "sending": "wird gesendet", "sent": "gesendet", "retry": "neuer Versuch",
    "failed": "fehlgeschlagen", "cancelled": "storniert", "held": "zurückgehalten",
}
OPTED_OUT_REASON = "nicht gesendet: Kunde hat sich abgemeldet"
_FORBIDDEN_IN_HEADERS = ("\r", "\n", "\0")
_HEADER_LABELS = {"to_name": "Empfängername", "to_addr": "E-Mail-Adresse", "subject": "Betreff"}


def check_header(field: str, value: str) -> None:
    """Refuse CR, LF and NUL in a header value: they would let text inject extra headers."""
    if any(char in value for char in _FORBIDDEN_IN_HEADERS):
        label = _HEADER_LABELS.get(field, field)
        raise ValidationError({field: f"{label} darf keine Zeilenumbrüche oder Steuerzeichen "
                                      f"enthalten."})


def normalize_address(address: str, field: str = "to_addr") -> str:
    """The address in normal form; ValidationError (German) if it is not a valid e-mail."""
    check_header(field, address)
    try:
        return validate_email(address.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError({field: f"„{address}“ ist keine gültige E-Mail-Adresse."}) from None


def mail_context(settings: Settings, context: dict, customer: Customer | None,
                 kind: str) -> dict:
    """The template variables the outbox adds: dealer name, and for customer mails the
    unsubscribe link (the caller's own values win, except for the link)."""
    full = {"dealer_name": settings.mail_from_name} | context
    if kind != "staff" and customer is not None and customer.id is not None:
        full["unsubscribe_url"] = unsubscribe_url(settings, customer.id)
    return full


def enqueue(session: Session, settings: Settings, *, idempotency_key: str, template_key: str,
            context: dict, to_addr: str, to_name: str = "", kind: str,
            customer: Customer | None = None, case_id: int | None = None,
            actor: str = "system", from_name: str = "") -> OutboxMessage | None:
    """Queue one mail; the existing row if the key was used before; None if suppressed."""
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return existing
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    check_header("to_name", to_name)
    check_header("from_name", from_name)
    address = normalize_address(to_addr)
    customer_id = customer.id if customer is not None else None
    if kind == "marketing" and customer is not None and customer.opted_out_at is not None:
        record(session, "mail_suppressed", f"„{template_key}“ {OPTED_OUT_REASON}.",
               customer_id=customer_id, case_id=case_id, actor=actor,
               data={"template": template_key, "reason": "opted_out"})
        return None
    template = templates.get(session, template_key)
    rendered = render(template.subject, template.text_body, template.html_body,
                      mail_context(settings, context, customer, kind))
    check_header("subject", rendered.subject)
    row = OutboxMessage(
        idempotency_key=idempotency_key, message_id=_message_id(settings), kind=kind,
        to_addr=address, to_name=to_name.strip(), from_name=from_name.strip(),
        template_key=template_key,
        template_version=template.version, subject=rendered.subject, text_body=rendered.text,
        html_body=rendered.html, status="queued" if settings.send_emails else "held",
        attempts=0, next_attempt_at=clock.now(), last_error="", created_at=clock.now(),
        customer_id=customer_id, case_id=case_id,
    )
    try:
        with session.begin_nested():  # another writer may have used the key a moment ago
            session.add(row)
    except IntegrityError:
        return _by_key(session, idempotency_key)
    text = f"E-Mail „{rendered.subject}“ an {address} eingereiht"
    if row.status == "held":
        text += " (zurückgehalten: Versand ist ausgeschaltet)"
    record(session, "mail_queued", text + ".", customer_id=customer_id, case_id=case_id,
           actor=actor, data={"outbox_id": row.id, "template": template_key})
    return row


def _by_key(session: Session, key: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


def _message_id(settings: Settings) -> str:
    domain = settings.mail_from.rpartition("@")[2] or "kundenpilot.local"
    return make_msgid(domain=domain)


def preview(session: Session, settings: Settings, template_key: str, context: dict,
            customer: Customer | None = None, kind: str = "transactional") -> Rendered:
    """The mail as enqueue would render it, without storing anything."""
    template = templates.get(session, template_key)
    return render(template.subject, template.text_body, template.html_body,
                  mail_context(settings, context, customer, kind))


def get_message(session: Session, message_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"E-Mail {message_id} gibt es im Postausgang nicht.")
    return row


def retry(session: Session, message_id: int, actor: str) -> OutboxMessage:
    """Send again as soon as possible (failed, cancelled, waiting or held mails)."""
    row = get_message(session, message_id)
    if row.status in ("sent", "sending", "queued"):
        raise ActionNotAllowed(f"Die E-Mail ist „{STATUS_LABELS[row.status]}“ – kein erneuter "
                               f"Versuch nötig.")
    row.status, row.next_attempt_at, row.locked_until = "queued", clock.now(), None
    record(session, "mail_retry", f"E-Mail „{row.subject}“ wird erneut versucht.",
           customer_id=row.customer_id, case_id=row.case_id, actor=actor,
           data={"outbox_id": row.id})
    return row


def cancel(session: Session, message_id: int, actor: str) -> OutboxMessage:
    row = get_message(session, message_id)
    if row.status in ("sent", "sending", "cancelled"):
        raise ActionNotAllowed(f"Die E-Mail ist „{STATUS_LABELS[row.status]}“ und kann nicht "
                               f"storniert werden.")
    row.status, row.locked_until = "cancelled", None
    record(session, "mail_cancelled", f"E-Mail „{row.subject}“ storniert.",
           customer_id=row.customer_id, case_id=row.case_id, actor=actor,
           data={"outbox_id": row.id})
    return row


def release_held(session: Session) -> int:
    """Held mails go back into the queue (the send switch was turned on); returns how many."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "held")
        .values(status="queued", next_attempt_at=clock.now())
    )
    return result.rowcount


def local_midnight(now: datetime, timezone: str) -> datetime:
    """Start of `now`'s day in the business time zone, as aware UTC (for the daily quota)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(now.tzinfo)


def sent_since(session: Session, since: datetime) -> int:
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "sent", OutboxMessage.sent_at >= since)) or 0


def counts(session: Session, settings: Settings | None = None) -> dict[str, int]:
    """Mails per status (every status present, 0 if none) plus 'sent_today' (local day)."""
    result = dict.fromkeys(STATUSES, 0)
    rows = session.execute(select(OutboxMessage.status, func.count())
                           .group_by(OutboxMessage.status))
    result.update({status: number for status, number in rows})
    zone = (settings or Settings()).timezone
    result["sent_today"] = sent_since(session, local_midnight(clock.now(), zone))
    return result


def list_messages(session: Session, status: str | None = None, search: str = "",
                  page: int = 1, page_size: int = 25) -> tuple[list[OutboxMessage], int]:
    """One page of the Postausgang, newest first, filtered by status and free text."""
    query = select(OutboxMessage)
    if status:
        query = query.where(OutboxMessage.status == status)
    if search.strip():
        pattern = f"%{search.strip()}%"
        query = query.where(or_(OutboxMessage.to_addr.ilike(pattern),
                                OutboxMessage.to_name.ilike(pattern),
                                OutboxMessage.subject.ilike(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(page, 1)
    rows = session.scalars(query.order_by(OutboxMessage.id.desc())
                           .offset((page - 1) * page_size).limit(page_size))
    return list(rows), total
