"""Win-back actions: the buttons of the customer's process page (flow.ACTIONS).

Each runs inside the caller's transaction; entry, timeline event and outbox row commit (or
fail) together. Checks come first: NotFound, PermissionDenied, ActionNotAllowed or
ValidationError are raised before anything changes — with one deliberate exception: a
win-back mail refused by the marketing rules records "nicht gesendet: …" on the timeline
before raising ActionNotAllowed, so an edge that wants the record commits its session after
catching the error (nothing else has changed at that point)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from core import clock, events
from core.calendar import BusinessCalendar
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.flows import checked_action, ensure_allowed
from core.ids import in_range as id_in_range
from core.mail import outbox
from core.mail.render import Rendered
from core.models import Company, Customer, OrderLine, OutboxMessage, User, WinbackEntry
from core.settings import Settings
from core.winback import mails
from core.winback.detection import local_today
from core.winback.flow import (
    ACTIONS,
    DEFAULT_REMINDER_DAYS,
    REMINDER_DAYS,
    STATUS_LABELS,
    Action,
    allowed_actions,
)

MAX_TEXT = 4000


class MailRefused(ActionNotAllowed):
    """The marketing rules forbid a win-back mail to this customer; str() says why."""


@dataclass
class _Plan:
    entry: WinbackEntry
    customer: Customer
    action: Action
    values: dict[str, Any] = field(default_factory=dict)  # cleaned dialog / API data
    mail: dict[str, Any] | None = None  # outbox.enqueue keyword arguments


# --- lookups ------------------------------------------------------------------------------

def entry_for(session: Session, customer_id: int) -> WinbackEntry:
    entry = session.get(WinbackEntry, customer_id) if id_in_range(customer_id) else None
    if entry is None:
        raise NotFound(f"Kunde {customer_id} steht nicht in der Rückgewinnung (keine "
                       f"Bestellungen).")
    return entry


def company_of_last_order(session: Session, entry: WinbackEntry) -> Company | None:
    if not entry.last_company_code:
        return None
    return session.scalar(select(Company).where(Company.code == entry.last_company_code))


def available_templates(session: Session, customer_id: int) -> dict[str, str | None]:
    """The template keys "E-Mail senden" offers: the last order's company's standard one and
    its voucher one (None when that company has none)."""
    company = company_of_last_order(session, entry_for(session, customer_id))
    if company is None:
        return {"standard": mails.STANDARD_KEY, "voucher": None}
    return {"standard": company.standard_template_key or mails.STANDARD_KEY,
            "voucher": company.voucher_template_key or None}


def marketing_refusal(session: Session, customer: Customer) -> str | None:
    """Why a win-back (marketing) mail may not go to this customer, or None if it may.
    Allowed: no objection, an address, and consent or the existing-customer exception."""
    if customer.opted_out_at is not None:
        return "Der Kunde hat der Werbung widersprochen (abgemeldet)."
    if not customer.email:
        return "Für den Kunden ist keine E-Mail-Adresse hinterlegt."
    if customer.marketing_consent:
        return None
    bought = session.scalar(select(exists().where(OrderLine.customer_id == customer.id)))
    if not bought:
        return ("Keine Werbeeinwilligung, und der Kunde hat noch nichts bei uns gekauft "
                "(keine Bestandskundenausnahme).")
    return None


def action_states(session: Session, customer_id: int) -> dict[str, str | None]:
    """Every action with None if possible now, else the German reason (for the buttons)."""
    entry = entry_for(session, customer_id)
    states = allowed_actions(entry.status)
    if states["send_mail"] is None:
        states["send_mail"] = marketing_refusal(session, session.get(Customer, customer_id))
    return states


# --- checks and data ----------------------------------------------------------------------

def _text(data: dict, key: str, message: str) -> str:
    value = str(data.get(key) or "").strip()
    if not value:
        raise ValidationError({key: message})
    if len(value) > MAX_TEXT:
        raise ValidationError({key: f"Höchstens {MAX_TEXT} Zeichen."})
    return value


def _days(data: dict) -> int:
    raw = data.get("days", DEFAULT_REMINDER_DAYS)
    try:
        days = int(raw)
    except (TypeError, ValueError):
        days = -1
    if days not in REMINDER_DAYS:
        allowed = ", ".join(str(d) for d in REMINDER_DAYS)
        raise ValidationError({"days": f"Erinnerung nur in {allowed} Tagen möglich."})
    return days


def _customer_mail(session: Session, settings: Settings, plan: _Plan, template: str) -> dict:
    if template not in mails.TEMPLATE_LABELS:
        raise ValidationError({"template": "Vorlage muss „standard“ oder „voucher“ sein."})
    company = company_of_last_order(session, plan.entry)
    key = available_templates(session, plan.customer.id)[template]
    if key is None:
        name = company.name if company is not None else plan.entry.last_company_code
        raise ActionNotAllowed(f"Die Firma „{name}“ hat keine Gutschein-Vorlage.")
    reason = marketing_refusal(session, plan.customer)
    if reason:
        raise MailRefused(reason)
    today = local_today(settings, clock.now())
    return {"template_key": key, "kind": "marketing", "to_addr": plan.customer.email,
            "to_name": plan.customer.full_name, "customer": plan.customer,
            "from_name": mails.sender_name(settings, company),
            "context": mails.context(settings, plan.customer, plan.entry, company, today)}


def _offer_note(session: Session, settings: Settings, plan: _Plan, user: User | None) -> dict:
    # Without a logged-in user (API, scripts) the service center receives the note.
    if user is not None and not user.email.strip():
        raise ActionNotAllowed("Ihr Benutzerkonto hat keine E-Mail-Adresse – die Notiz kann "
                               "nicht zugestellt werden. Bitte beim Administrator eintragen "
                               "lassen.")
    to_addr = user.email if user is not None else settings.service_center_email
    to_name = user.display_name if user is not None else "Service-Center"
    company = company_of_last_order(session, plan.entry)
    context = mails.context(settings, plan.customer, plan.entry, company,
                            local_today(settings, clock.now()))
    context |= {"note": plan.values["note"], "staff_name": to_name}
    del context["dealer_name"]  # a staff mail comes from the console, not from the branch
    return {"template_key": mails.OFFER_NOTE_KEY, "kind": "staff", "to_addr": to_addr,
            "to_name": to_name, "customer": plan.customer, "context": context}


def _plan(session: Session, settings: Settings, customer_id: int, action_name: str,
          data: dict[str, Any] | None, user: User | None) -> _Plan:
    """Every check perform makes, without changing anything (preview shares it)."""
    action = checked_action(ACTIONS, action_name, user)
    entry = entry_for(session, customer_id)
    ensure_allowed(allowed_actions(entry.status), action)
    plan = _Plan(entry, session.get(Customer, customer_id), action)
    data = data if isinstance(data, dict) else {}
    if action.name == "create_offer":
        plan.values["note"] = _text(data, "note", "Bitte einen Vermerk für das Angebot eingeben.")
        plan.mail = _offer_note(session, settings, plan, user)
    elif action.name == "send_mail":
        plan.values["template"] = str(data.get("template") or "standard")
        plan.mail = _customer_mail(session, settings, plan, plan.values["template"])
    elif action.name == "remind":
        plan.values["days"] = _days(data)
    elif action.name == "remark":
        plan.values["text"] = _text(data, "text", "Bitte eine Bemerkung eingeben.")
    return plan


# --- perform / preview ----------------------------------------------------------------------

def _next_key(session: Session, customer_id: int, mail: str) -> str:
    """Idempotency key of the next win-back mail of this kind to this customer."""
    prefix = f"winback:{customer_id}:{mail}:"
    earlier = session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.idempotency_key.startswith(prefix, autoescape=True)))
    return f"{prefix}{(earlier or 0) + 1}"


def reminder_date(settings: Settings, today: date, days: int) -> date:
    """Where "Erinnerung in N Tagen" lands: today + days, moved to the next working day."""
    return BusinessCalendar(settings).next_working_day(today + timedelta(days=days))


def _remind_on(settings: Settings, days: int) -> tuple[date, bool]:
    """The reminder date from today, and whether a closed day moved it."""
    today = local_today(settings, clock.now())
    landed = reminder_date(settings, today, days)
    return landed, landed != today + timedelta(days=days)


def _apply(settings: Settings, plan: _Plan) -> str:
    """Change the entry; returns the German event text describing the step."""
    entry, name, values = plan.entry, plan.action.name, plan.values
    if name == "remind":
        entry.remind_on, moved = _remind_on(settings, values["days"])
        note = " (auf den nächsten Arbeitstag verschoben)" if moved else ""
        return f"Erinnerung in {values['days']} Tagen: am {entry.remind_on:%d.%m.%Y}{note}"
    if name == "remark":
        entry.remark = values["text"]
        return f"Bemerkung: {values['text']}"
    if name == "create_offer":
        return f"Angebot erstellen – Vermerk an {plan.mail['to_addr']}: {values['note']}"
    if name == "send_mail":
        return f"E-Mail „{mails.TEMPLATE_LABELS[values['template']]}“ an den Kunden"
    return plan.action.label


def perform(session: Session, settings: Settings, customer_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None,
            actor: str = "") -> WinbackEntry:
    """Carry out one flow.ACTIONS entry for the customer and record it on the timeline."""
    actor = user.username if user is not None else (actor or "system")
    try:
        plan = _plan(session, settings, customer_id, action, data, user)
    except MailRefused as exc:
        events.record(session, "winback_mail_suppressed",
                      f"Rückgewinnungs-E-Mail nicht gesendet: {exc}", customer_id=customer_id,
                      actor=actor, data={"action": action, "reason": str(exc)})
        session.flush()
        raise
    entry, now = plan.entry, clock.now()
    text = _apply(settings, plan)
    old, new = entry.status, plan.action.to_status
    if new is not None and new != old:
        entry.status, entry.status_changed_at, entry.remind_on = new, now, None
        text += f" – Status: {STATUS_LABELS[old]} → {STATUS_LABELS[new]}"
    if plan.mail is not None:
        entry.contacted_at = now
        mail_name = plan.mail["template_key"].rpartition(".")[2]
        outbox.enqueue(session, settings, **plan.mail, actor=actor,
                       idempotency_key=_next_key(session, customer_id, mail_name))
    events.record(session, "winback_action", f"Rückgewinnung: {text}", customer_id=customer_id,
                  actor=actor, data={"action": plan.action.name, "from": old,
                                     "to": entry.status, **_plain(plan.values)})
    session.flush()
    return entry


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if isinstance(v, str | int)}


def preview(session: Session, settings: Settings, customer_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None) -> Rendered | None:
    """The mail `perform` would queue, or None if the action sends none. Raises exactly what
    perform would (without recording anything), so the dialog shows problems first."""
    plan = _plan(session, settings, customer_id, action, data, user)
    if plan.mail is None:
        return None
    mail = plan.mail
    return outbox.preview(session, settings, mail["template_key"], mail["context"],
                          customer=mail["customer"], kind=mail["kind"])
