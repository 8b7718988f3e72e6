"""Trade-in cases on the kernel's action engine (core.actions): the flow table is
core.tradein.flow.ACTIONS; this file says how a case is loaded, changed and mailed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from core.actions import Action, BaseFlow, MailPlan, Plan
from core.formatting import format_datetime, format_eur
from core.models import Customer, User
from core.settings import Settings
from core.tradein import KEY, mails, wishes
from core.tradein.flow import (
    ACTIONS,
    CLOSING_MAIL,
    MAILS,
    ON_ENTER_MAIL,
    STATUS_LABELS,
    allowed_actions,
)
from core.tradein.models import TradeInCase

COLUMNS = ("appointment_at", "purchase_price_cents")  # values an action stores on the case


def _transient_copy(case: TradeInCase) -> TradeInCase:
    """A detached look-alike to render mails with the dialog's values, never stored."""
    columns = {attr.key: getattr(case, attr.key) for attr in inspect(TradeInCase).column_attrs}
    return TradeInCase(**columns)


def when_possible(status: int, action: Action) -> str:
    """Why a button is off, in words (no status numbers): staff think in steps of the
    funnel ("erst ab „Terminbestätigung gesendet“"), not in numbers."""
    allowed = sorted(action.allowed_from)
    if status < allowed[0]:
        return f"erst ab „{STATUS_LABELS[allowed[0]]}“ möglich"
    if status > allowed[-1]:
        return f"bei „{STATUS_LABELS[status]}“ nicht mehr möglich"
    return f"bei „{STATUS_LABELS[status]}“ nicht möglich"


class TradeinFlow(BaseFlow):
    key = KEY
    label = "Ankauf"
    actions = ACTIONS
    status_labels = STATUS_LABELS
    mails = MAILS

    def load(self, session: Session, record_id: int) -> TradeInCase:
        from core.tradein.service import case_detail  # service builds on this flow

        return case_detail(session, record_id)

    def status_label(self, status: Any) -> str:
        return f"{status}) {STATUS_LABELS[status]}"

    def reasons(self, session: Session, record: TradeInCase) -> dict[str, str | None]:
        return allowed_actions(record.status, record.archived_at is not None)

    def short_reason(self, record: TradeInCase, action: Action, reason: str) -> str:
        # Ten buttons must not repeat one sentence: the common case (wrong status) gets a
        # short form; the full reason is the tooltip.
        if record.archived_at is None and record.status not in action.allowed_from:
            return when_possible(record.status, action)
        return reason

    def prefill(self, session: Session, record: TradeInCase, action: Action) -> dict[str, str]:
        # Confirming a requested appointment starts from what the customer asked for.
        if action.name != "confirm_appointment" or record.status != 3:
            return {}
        wish = wishes.last_wish(session, record.id)
        slot = wishes.suggested_slot(wish) if wish else ""
        return {"appointment_at": slot} if slot else {}

    def mail_name(self, record: TradeInCase, action: Action) -> str | None:
        return CLOSING_MAIL.get(record.status) if action.mail == "closing" else action.mail

    def mail_kind(self, record: TradeInCase, action: Action) -> str | None:
        mail = self.mail_name(record, action)
        return MAILS[mail].kind if mail else None

    def _mail(self, settings: Settings, case: TradeInCase, customer: Customer,
              mail: str) -> MailPlan:
        spec = MAILS[mail]
        to_addr, to_name = mails.recipient(settings, spec, customer)
        # The first send owns the plain key, shared with the nightly rule.
        return MailPlan(mail, mails.template_key(mail),
                        mails.case_context(settings, case, customer), to_addr, to_name,
                        spec.kind, customer, numbered=False)

    def plan_mail(self, session: Session, settings: Settings, plan: Plan, user: User | None,
                  now: datetime) -> None:
        """The mail as it will read after the action: built from a look-alike of the case
        with the dialog's values and the new status."""
        case, action = plan.record, plan.action
        mail = self.mail_name(case, action)
        copy = _transient_copy(case)
        for column in COLUMNS:
            if column in plan.values:
                setattr(copy, column, plan.values[column])
        if action.to_status is not None:
            copy.status = action.to_status
        if mail:
            plan.mail = self._mail(settings, copy, case.customer, mail)
        elif action.to_status != case.status and ON_ENTER_MAIL.get(copy.status):
            # change_status queues this one; the dialog shows it before confirming.
            plan.shown = self._mail(settings, copy, case.customer, ON_ENTER_MAIL[copy.status])

    def apply(self, session: Session, settings: Settings, plan: Plan, now: datetime) -> str:
        case = plan.record
        for column in COLUMNS:
            if column in plan.values:
                setattr(case, column, plan.values[column])
        case.updated_at = now
        if plan.action.name == "archive":  # the one action that is no status change
            from core.tradein.service import set_due

            case.archived_at = now
            set_due(case, settings)
        return self.describe(plan, settings)

    def describe(self, plan: Plan, settings: Settings) -> str:
        details = []
        if plan.values.get("appointment_at"):
            when = format_datetime(plan.values["appointment_at"], settings.timezone)
            details.append(f"Termin {when}")
        if plan.values.get("purchase_price_cents"):
            details.append(f"Ankaufspreis {format_eur(plan.values['purchase_price_cents'])}")
        if plan.values.get("override_reason"):
            details.append("außerhalb der Öffnungszeiten, Begründung: "
                           f"„{plan.values['override_reason']}“")
        return plan.action.label + (f" ({', '.join(details)})" if details else "")

    def enter_status(self, session: Session, settings: Settings, record: TradeInCase,
                     to_status: Any, actor: str, now: datetime) -> str:
        from core.tradein.service import change_status

        change_status(session, settings, record, to_status, actor, now)
        return ""  # the status change is its own timeline event


FLOW = TradeinFlow()
