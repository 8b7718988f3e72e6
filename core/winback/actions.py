"""Win-back actions on the kernel's action engine (core.actions): the buttons of the
customer's process page (flow.ACTIONS), the API and scripts.

Each runs inside the caller's transaction; entry, timeline event and outbox row commit (or
fail) together. A win-back mail the consent rule refuses records "nicht gesendet: …" on the
timeline before raising MailRefused (see core.actions). Timeline and outbox rows point to the
customer's win-back record as ("winback", customer id)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from core import actions
from core.actions import Action, BaseFlow, Field, MailPlan, MailRefused, Plan  # noqa: F401
from core.calendar import BusinessCalendar
from core.errors import ActionNotAllowed, NotFound
from core.ids import in_range as id_in_range
from core.mail.render import Rendered
from core.models import Customer, User
from core.settings import Settings
from core.winback import KEY, mails
from core.winback.detection import local_today
from core.winback.flow import ACTIONS, MAILS, STATUS_LABELS
from core.winback.models import Company, OrderLine, WinbackEntry

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


def has_bought(session: Session, customer: Customer) -> bool:
    """The existing-customer exception: consent is not needed after a purchase."""
    return bool(session.scalar(select(exists().where(OrderLine.customer_id == customer.id))))


def reminder_date(settings: Settings, today: date, days: int) -> date:
    """Where "Erinnerung in N Tagen" lands: today + days, moved to the next working day."""
    return BusinessCalendar(settings).next_working_day(today + timedelta(days=days))


def _remind_on(settings: Settings, days: int, now: datetime) -> tuple[date, bool]:
    """The reminder date from `now`'s local day, and whether a closed day moved it."""
    today = local_today(settings, now)
    landed = reminder_date(settings, today, days)
    return landed, landed != today + timedelta(days=days)


# --- the flow -----------------------------------------------------------------------------

class WinbackFlow(BaseFlow):
    key = KEY
    label = "Rückgewinnung"
    actions = ACTIONS
    status_labels = STATUS_LABELS
    mails = MAILS

    def load(self, session: Session, record_id: int) -> WinbackEntry:
        return entry_for(session, record_id)

    def record_id(self, record: WinbackEntry) -> int:
        return record.customer_id

    def customer(self, session: Session, record: WinbackEntry) -> Customer | None:
        return session.get(Customer, record.customer_id)

    def existing_customer(self, session: Session, customer: Customer) -> bool:
        return customer.marketing_consent or has_bought(session, customer)

    def options(self, session: Session, settings: Settings, record: WinbackEntry, field: Field,
                now: datetime) -> list[tuple[Any, str]]:
        if field.key == "template":  # only the templates the company has
            offered = available_templates(session, record.customer_id)
            return [(value, label) for value, label in field.choices if offered.get(value)]
        if field.key == "days":  # where each reminder lands
            today = local_today(settings, now)
            return [(d, f"{label} – {reminder_date(settings, today, d):%d.%m.%Y}")
                    for d, label in field.choices]
        return list(field.choices)

    def plan_mail(self, session: Session, settings: Settings, plan: Plan, user: User | None,
                  now: datetime) -> None:
        if plan.action.mail == "standard":
            plan.mail = _customer_mail(session, settings, plan, local_today(settings, now))
        elif plan.action.mail == "offer_note":
            plan.mail = _offer_note(session, settings, plan, user, local_today(settings, now))

    def apply(self, session: Session, settings: Settings, plan: Plan, now: datetime) -> str:
        return f"{self.label}: {_apply(settings, plan, now)}"

    def enter_status(self, session: Session, settings: Settings, record: WinbackEntry,
                     to_status: Any, actor: str, now: datetime) -> str:
        old = record.status
        record.status, record.status_changed_at, record.remind_on = to_status, now, None
        return f" – Status: {STATUS_LABELS[old]} → {STATUS_LABELS[to_status]}"


FLOW = WinbackFlow()


def action_states(session: Session, customer_id: int,
                  user: User | None = None) -> dict[str, str | None]:
    """Every action with None if possible now, else the German reason (for the buttons)."""
    return actions.action_states(FLOW, session, entry_for(session, customer_id), user)


def _customer_mail(session: Session, settings: Settings, plan: Plan, today: date) -> MailPlan:
    entry, customer = plan.record, plan.customer
    company = company_of_last_order(session, entry)
    key = available_templates(session, customer.id)[plan.values["template"]]
    if key is None:
        name = company.name if company is not None else entry.last_company_code
        raise ActionNotAllowed(f"Die Firma „{name}“ hat keine Gutschein-Vorlage.")
    return MailPlan(key.rpartition(".")[2], key,
                    mails.context(settings, customer, entry, company, today), customer.email,
                    customer.full_name, "marketing", customer,
                    from_name=mails.sender_name(settings, company),
                    reply_to=company.reply_to if company is not None else "")


def _offer_note(session: Session, settings: Settings, plan: Plan, user: User | None,
                today: date) -> MailPlan:
    # Without a logged-in user (API, scripts) the service center receives the note.
    if user is not None and not user.email.strip():
        raise ActionNotAllowed("Ihr Benutzerkonto hat keine E-Mail-Adresse – die Notiz kann "
                               "nicht zugestellt werden. Bitte beim Administrator eintragen "
                               "lassen.")
    to_addr = user.email if user is not None else settings.service_center_email
    to_name = user.display_name if user is not None else "Service-Center"
    company = company_of_last_order(session, plan.record)
    context = mails.context(settings, plan.customer, plan.record, company, today)
    context |= {"note": plan.values["note"], "staff_name": to_name}
    del context["dealer_name"]  # a staff mail comes from the console, not from the branch
    return MailPlan("offer_note", mails.OFFER_NOTE_KEY, context, to_addr, to_name, "staff",
                    plan.customer)


# --- what each action changes (the event text it returns) ---------------------------------

def _remind(settings: Settings, plan: Plan, now: datetime) -> str:
    entry, days = plan.record, plan.values["days"]
    entry.remind_on, moved = _remind_on(settings, days, now)
    plan.values["remind_on"] = f"{entry.remind_on:%d.%m.%Y}"
    note = " (auf den nächsten Arbeitstag verschoben)" if moved else ""
    return f"Erinnerung in {days} Tagen: am {entry.remind_on:%d.%m.%Y}{note}"


def _remark(settings: Settings, plan: Plan, now: datetime) -> str:
    plan.record.remark = plan.values["text"]
    return f"Bemerkung: {plan.values['text']}"


def _offer(settings: Settings, plan: Plan, now: datetime) -> str:
    plan.record.contacted_at = now
    return f"Angebot erstellen – Vermerk an {plan.mail.to_addr}: {plan.values['note']}"


def _mail(settings: Settings, plan: Plan, now: datetime) -> str:
    plan.record.contacted_at = now
    return f"E-Mail „{mails.TEMPLATE_LABELS[plan.values['template']]}“ an den Kunden"


APPLY = {"remind": _remind, "remark": _remark, "create_offer": _offer, "send_mail": _mail}


def _apply(settings: Settings, plan: Plan, now: datetime) -> str:
    """Change the entry; returns the German event text describing the step."""
    change = APPLY.get(plan.action.name)
    return change(settings, plan, now) if change else plan.action.label


# --- the entry points (API, pages, tests) ---------------------------------------------------

def perform(session: Session, settings: Settings, customer_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None,
            actor: str = "", *, now: datetime) -> WinbackEntry:
    """Carry out one flow.ACTIONS entry for the customer at `now` and record it on the
    timeline."""
    return actions.perform(FLOW, session, settings, customer_id, action, data, user,
                           actor or "system", now=now).record


def preview(session: Session, settings: Settings, customer_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None, *,
            now: datetime) -> Rendered | None:
    """The mail `perform` would queue, or None if the action sends none. Raises exactly what
    perform would (without recording anything), so the dialog shows problems first."""
    shown = actions.preview(FLOW, session, settings, customer_id, action, data, user, now=now)
    return shown.rendered if shown is not None else None
