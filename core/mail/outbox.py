"""The outbox: every mail is a row here first, written in the caller's transaction.

The sender (core.mail.sender) drains it. Rendering happens at enqueue so the stored mail is
exactly what will be sent, and the Message-ID is fixed now so a retry or a duplicate after a
crash carries the same ID (receivers can de-duplicate). A row names the module record it is
about as (module, record_id), e.g. ("tradein", case id). Every function that writes takes
`now` from its caller: the edge reads the clock once (DESIGN principle 3).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from core import consent
from core.db import in_lists, upsert_insert
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.events import record
from core.mail import identity, templates
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
# reason_code values: a held mail that waits for a staff decision because it would go out too
# late, and a failed mail given up after temporary errors for longer than the maximum age.
# Both are counted on the dashboard; the send switch never releases a "late" mail.
LATE = "late"
GAVE_UP = "gave_up"
# Outbox filters besides the plain statuses: key -> (status, reason_code, label).
SPECIAL_FILTERS = {
    LATE: ("held", LATE, "zu spät – Entscheidung offen"),
    GAVE_UP: ("failed", GAVE_UP, "aufgegeben"),
}
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
    imprint and the unsubscribe link (the caller's own values win, except for the link)."""
    full = {"dealer_name": identity.dealer_name(settings)} | context
    if kind != "staff":
        full["imprint"] = identity.imprint(settings)
    if kind != "staff" and customer is not None and customer.id is not None:
        full["unsubscribe_url"] = unsubscribe_url(settings, customer.id)
    return full


def enqueue(session: Session, settings: Settings, now: datetime, *, idempotency_key: str,
            template_key: str, context: dict, to_addr: str, to_name: str = "", kind: str,
            customer: Customer | None = None, module: str | None = None,
            record_id: int | None = None, actor: str = "system",
            from_name: str = "", reply_to: str = "",
            not_before: datetime | None = None) -> OutboxMessage | None:
    """Queue one mail at `now`; the existing row if the key was used before; None if
    suppressed. (module, record_id) names the module record the mail is about; `not_before`
    holds it back until then (e.g. a staff mail until the dealership opens)."""
    existing = _by_key(session, idempotency_key)
    if existing is not None:
        return existing
    if kind not in KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    check_header("to_name", to_name)
    check_header("from_name", from_name)
    address = normalize_address(to_addr)
    reply_to = normalize_address(reply_to, "reply_to") if reply_to.strip() else ""
    customer_id = customer.id if customer is not None else None
    refusal = consent.may_send(customer, kind) if kind == "marketing" else None
    if refusal is not None:
        code = "opted_out" if refusal == consent.OPTED_OUT else "not_allowed"
        record(session, now, "mail_suppressed", f"„{template_key}“ nicht gesendet: {refusal}.",
               customer_id=customer_id, module=module, record_id=record_id, actor=actor,
               data={"template": template_key, "reason": code})
        return None
    template = templates.get(session, template_key)
    rendered = render(template.subject, template.text_body, template.html_body,
                      mail_context(settings, context, customer, kind))
    check_header("subject", rendered.subject)
    values = dict(
        idempotency_key=idempotency_key, message_id=_message_id(settings), kind=kind,
        to_addr=address, to_name=to_name.strip(), from_name=from_name.strip(),
        reply_to=reply_to, queued_by=actor[:64],
        template_key=template_key,
        template_version=template.version, subject=rendered.subject, text_body=rendered.text,
        html_body=rendered.html, status="queued" if settings.send_emails else "held",
        attempts=0, next_attempt_at=max(now, not_before or now), last_error="",
        created_at=now,
        customer_id=customer_id, module=module, record_id=record_id, locked_until=None,
        reason_code="", send_by=None, failing_since=None, sent_at=None,
    )
    # Another writer may have used the key a moment ago: then the insert does nothing and
    # its row is the answer. (One statement; a savepoint cost a flush before and after.)
    new_id = session.connection().execute(_insert_new(session), values).scalar()
    if new_id is None:
        return _by_key(session, idempotency_key)
    row = OutboxMessage(id=new_id, **values)
    make_transient_to_detached(row)  # exactly what was inserted: persistent, nothing to write
    session.add(row)
    text = f"E-Mail „{rendered.subject}“ an {address} eingereiht"
    if row.status == "held":
        text += " (zurückgehalten: Versand ist ausgeschaltet)"
    record(session, now, "mail_queued", text + ".", customer_id=customer_id, module=module,
           record_id=record_id, actor=actor,
           data={"outbox_id": row.id, "template": template_key})
    return row


def _insert_new(session: Session):
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING the row, built once per
    database kind (building it cost more than running it)."""
    name = session.get_bind().dialect.name
    if name not in _INSERT_NEW:
        _INSERT_NEW[name] = (upsert_insert(session, OutboxMessage.__table__)
                             .on_conflict_do_nothing(index_elements=["idempotency_key"])
                             .returning(OutboxMessage.id))
    return _INSERT_NEW[name]


_INSERT_NEW: dict = {}


def note_unused_keys(session: Session, keys: list[str]) -> None:
    """Look up at once which of `keys` are unused, so that enqueue need not ask for each
    (a nightly run queues hundreds of mails). Only a shortcut: a key another writer uses
    meanwhile still meets the insert's ON CONFLICT and its row is the answer."""
    used: set[str] = set()
    for part in in_lists(keys):
        used.update(session.scalars(select(OutboxMessage.idempotency_key).where(
            OutboxMessage.idempotency_key.in_(part))))
    session.info.setdefault(_UNUSED_KEYS, set()).update(set(keys) - used)


_UNUSED_KEYS = "outbox_unused_keys"


def _by_key(session: Session, key: str) -> OutboxMessage | None:
    unused = session.info.get(_UNUSED_KEYS)
    if unused is not None and key in unused:
        unused.discard(key)  # used from now on
        return None
    # No autoflush needed: every outbox row is inserted at once (above), never left pending.
    with session.no_autoflush:
        return session.scalars(_BY_KEY, {"key": key}).first()


_BY_KEY = select(OutboxMessage).where(OutboxMessage.idempotency_key == bindparam("key"))


def _message_id(settings: Settings) -> str:
    domain = settings.mail_from.rpartition("@")[2] or "kundenpilot.local"
    return make_msgid(domain=domain)


def preview(session: Session, settings: Settings, template_key: str, context: dict,
            customer: Customer | None = None, kind: str = "transactional") -> Rendered:
    """The mail as enqueue would render it, without storing anything."""
    template = templates.get(session, template_key)
    return render(template.subject, template.text_body, template.html_body,
                  mail_context(settings, context, customer, kind))


def get_message(session: Session, message_id: int,
                queued_by: str | None = None) -> OutboxMessage:
    """One mail; with `queued_by` only one that user queued (another's is "not found")."""
    row = session.get(OutboxMessage, message_id)
    if row is None or (queued_by is not None and row.queued_by != queued_by):
        raise NotFound(f"E-Mail {message_id} gibt es im Postausgang nicht.")
    return row


def _links(row: OutboxMessage) -> dict:
    """The event links of a mail's timeline rows: its customer and module record."""
    return {"customer_id": row.customer_id, "module": row.module, "record_id": row.record_id}


def retry(session: Session, message_id: int, actor: str, now: datetime) -> OutboxMessage:
    """Send again as soon as possible (failed, cancelled, waiting or held mails)."""
    row = get_message(session, message_id)
    if row.status in ("sent", "sending", "queued"):
        raise ActionNotAllowed(f"Die E-Mail ist „{STATUS_LABELS[row.status]}“ – kein erneuter "
                               f"Versuch nötig.")
    _requeue(row, now)
    record(session, now, "mail_retry", f"E-Mail „{row.subject}“ wird erneut versucht.",
           **_links(row), actor=actor, data={"outbox_id": row.id})
    return row


def _requeue(row: OutboxMessage, now: datetime) -> None:
    """Back into the queue by a staff decision: no deadline, a fresh maximum age."""
    if row.reason_code == LATE:
        row.last_error = ""  # the question is answered
    row.status, row.next_attempt_at, row.locked_until = "queued", now, None
    row.reason_code, row.send_by, row.failing_since = "", None, None


def describe_delay(delay: timedelta) -> str:
    """German 'N Tage' / 'N Stunden' / 'N Minuten' (rounded down) for a lateness."""
    if delay >= timedelta(days=1):
        number, one, many = delay.days, "Tag", "Tage"
    elif delay >= timedelta(hours=1):
        number, one, many = delay.seconds // 3600, "Stunde", "Stunden"
    else:
        number, one, many = max(delay.seconds // 60, 1), "Minute", "Minuten"
    return f"{number} {one if number == 1 else many}"


def late_reason(delay: timedelta) -> str:
    """Why an automatic mail waits for staff instead of going out `delay` too late."""
    return f"{describe_delay(delay)} zu spät – bitte entscheiden: senden oder verwerfen"


def hold_for_decision(session: Session, row: OutboxMessage, reason: str, now: datetime,
                      actor: str = "system") -> None:
    """Hold an unsent mail until staff decide (send anyway or discard); on the timeline."""
    row.status, row.reason_code, row.last_error, row.locked_until = "held", LATE, reason, None
    record(session, now, "mail_held", f"E-Mail „{row.subject}“ zurückgehalten: {reason}.",
           **_links(row), actor=actor, data={"outbox_id": row.id, "reason": LATE})


def limit_lateness(session: Session, row: OutboxMessage, send_by: datetime,
                   late_reason_text: str | None, now: datetime) -> None:
    """An automatic mail just queued: it may go out until `send_by` without a decision; with
    `late_reason_text` it is already too late and waits for staff at once."""
    if row.attempts or row.sent_at is not None or row.status not in ("queued", "held") \
            or row.send_by is not None or row.reason_code:
        return  # an earlier mail under the same key: it is already on its way or decided
    row.send_by = send_by
    if late_reason_text:
        hold_for_decision(session, row, late_reason_text, now)


def _late_held(session: Session, message_id: int) -> OutboxMessage:
    row = get_message(session, message_id)
    if row.status != "held" or row.reason_code != LATE:
        raise ActionNotAllowed("Die E-Mail wartet auf keine Entscheidung.")
    return row


def send_anyway(session: Session, message_id: int, actor: str,
                now: datetime) -> OutboxMessage:
    """Staff decided: the late mail goes out after all (once: the sender drains it)."""
    row = _late_held(session, message_id)
    _requeue(row, now)
    record(session, now, "mail_released",
           f"E-Mail „{row.subject}“ wird trotz Verspätung gesendet.", **_links(row),
           actor=actor, data={"outbox_id": row.id})
    return row


def discard(session: Session, message_id: int, actor: str, now: datetime) -> OutboxMessage:
    """Staff decided: the late mail is not sent (cancelled, it never goes out)."""
    row = _late_held(session, message_id)
    row.status, row.locked_until = "cancelled", None
    record(session, now, "mail_cancelled", f"E-Mail „{row.subject}“ verworfen (zu spät).",
           **_links(row), actor=actor, data={"outbox_id": row.id, "reason": LATE})
    return row


def cancel(session: Session, message_id: int, actor: str, now: datetime) -> OutboxMessage:
    row = get_message(session, message_id)
    if row.status in ("sent", "sending", "cancelled"):
        raise ActionNotAllowed(f"Die E-Mail ist „{STATUS_LABELS[row.status]}“ und kann nicht "
                               f"storniert werden.")
    row.status, row.locked_until = "cancelled", None
    record(session, now, "mail_cancelled", f"E-Mail „{row.subject}“ storniert.",
           **_links(row), actor=actor, data={"outbox_id": row.id})
    return row


def release_held(session: Session, now: datetime) -> int:
    """Held mails go back into the queue (the send switch was turned on); returns how many.
    Late mails waiting for a staff decision stay held."""
    result = session.execute(
        update(OutboxMessage).where(OutboxMessage.status == "held",
                                    OutboxMessage.reason_code == "")
        .values(status="queued", next_attempt_at=now)
    )
    return result.rowcount


def local_midnight(now: datetime, timezone: str) -> datetime:
    """Start of `now`'s day in the business time zone, as aware UTC (for the daily quota)."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(now.tzinfo)


def sent_since(session: Session, since: datetime, queued_by: str | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == "sent", OutboxMessage.sent_at >= since)
    if queued_by is not None:
        query = query.where(OutboxMessage.queued_by == queued_by)
    return session.scalar(query) or 0


def counts(session: Session, now: datetime, settings: Settings | None = None,
           queued_by: str | None = None) -> dict[str, int]:
    """Mails per status (every status present, 0 if none), per special filter ('late',
    'gave_up': part of 'held' / 'failed') plus 'sent_today' (the local day of `now`);
    `queued_by`: only the mails this user queued."""
    result = dict.fromkeys((*STATUSES, *SPECIAL_FILTERS), 0)
    query = (select(OutboxMessage.status, OutboxMessage.reason_code, func.count())
             .group_by(OutboxMessage.status, OutboxMessage.reason_code))
    if queued_by is not None:
        query = query.where(OutboxMessage.queued_by == queued_by)
    rows = session.execute(query)
    for status, code, number in rows:
        result[status] = result.get(status, 0) + number
        if code in SPECIAL_FILTERS and SPECIAL_FILTERS[code][0] == status:
            result[code] += number
    zone = (settings or Settings()).timezone
    result["sent_today"] = sent_since(session, local_midnight(now, zone), queued_by)
    return result


def list_messages(session: Session, status: str | None = None, search: str = "",
                  page: int = 1, page_size: int = 25,
                  queued_by: str | None = None) -> tuple[list[OutboxMessage], int]:
    """One page of the Postausgang, newest first, filtered by status (or a SPECIAL_FILTERS
    key), free text and who queued the mails."""
    query = select(OutboxMessage)
    if queued_by is not None:
        query = query.where(OutboxMessage.queued_by == queued_by)
    if status in SPECIAL_FILTERS:
        wanted, code, _label = SPECIAL_FILTERS[status]
        query = query.where(OutboxMessage.status == wanted, OutboxMessage.reason_code == code)
    elif status:
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
