"""The one action engine every module's buttons, API and scripts go through.

A module declares its actions as a table of `Action` rows (allowed statuses, next status, the
mail it sends, the fields it needs, the roles) and hands the engine a `Flow`: how to load a
record, why an action is impossible in its status, how to build the mail and how to change
the record. The engine does the rest, the same way for every module:

- `action_states`: every action with None or the German reason why not (role, status,
  consent) – the buttons show it;
- `preview`: the mail `perform` would queue, with its recipient, raising exactly what
  `perform` would;
- `perform`: checks first (NotFound, PermissionDenied, ActionNotAllowed, ValidationError
  before anything changes), then the record, one "action" event `(module, record_id)`, the
  status change and the outbox row with a numbered idempotency key.

A mail the consent rule refuses records one "mail_suppressed" event and raises `MailRefused`;
nothing else has changed then, so an edge that wants the record commits after catching it.
`now` always comes from the edge. The table's rows (`Action`, `Field`) are declared in
core.flows."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from core import consent, events
from core.errors import ActionNotAllowed, ValidationError
from core.flows import Action, Field, checked_action, clean_fields, ensure_allowed, next_key
from core.mail import outbox
from core.mail.render import Rendered
from core.models import Customer, User
from core.settings import Settings

ROLE_REASON = "Ihre Rolle darf diese Aktion nicht ausführen."
NO_OWN_EMAIL = "Ihr Konto hat keine E-Mail-Adresse – bitte unter „Mein Konto“ eintragen."
ACCOUNT_URL = "/konto"  # where a user fixes NO_OWN_EMAIL


class MailRefused(ActionNotAllowed):
    """The consent rule forbids the action's mail to this customer; str() says why."""


@dataclass
class MailPlan:
    """A mail an action will queue: outbox.enqueue's arguments except the key."""

    mail: str  # the flow's mail name (idempotency key part)
    template_key: str
    context: dict
    to_addr: str
    to_name: str
    kind: str
    customer: Customer | None = None
    from_name: str = ""
    reply_to: str = ""  # empty: the general setting (core.mail.identity.reply_address)
    numbered: bool = True  # every send numbered; False: the first send owns the plain key

    @property
    def recipient(self) -> str:
        return f"{self.to_name} <{self.to_addr}>" if self.to_name else self.to_addr


@dataclass
class Plan:
    record: Any
    customer: Customer | None
    action: Action
    values: dict[str, Any] = field(default_factory=dict)
    mail: MailPlan | None = None  # queued by perform
    shown: MailPlan | None = None  # shown by preview (default: mail)


@dataclass
class MailPreview:
    rendered: Rendered
    recipient: str
    kind: str


class Flow(Protocol):
    """What a module tells the engine about its records (core.tradein.actions and
    core.winback.actions are the examples; BaseFlow gives the defaults)."""

    key: str
    label: str  # the module's German name, e.g. on the timeline
    actions: Mapping[str, Action]

    def load(self, session: Session, record_id: int) -> Any: ...
    def record_id(self, record: Any) -> int: ...
    def customer(self, session: Session, record: Any) -> Customer | None: ...
    def status(self, record: Any) -> Any: ...
    def status_label(self, status: Any) -> str: ...
    def reasons(self, session: Session, record: Any) -> dict[str, str | None]: ...
    def short_reason(self, record: Any, action: Action, reason: str) -> str: ...
    def mail_kind(self, record: Any, action: Action) -> str | None: ...
    def existing_customer(self, session: Session, customer: Customer) -> bool: ...
    def options(self, session: Session, settings: Settings, record: Any, field: Field,
                now: datetime) -> list[tuple[Any, str]]: ...
    def prefill(self, session: Session, record: Any, action: Action) -> dict[str, str]: ...
    def plan_mail(self, session: Session, settings: Settings, plan: Plan, user: User | None,
                  now: datetime) -> None: ...
    def apply(self, session: Session, settings: Settings, plan: Plan, now: datetime) -> str: ...
    def enter_status(self, session: Session, settings: Settings, record: Any, to_status: Any,
                     actor: str, now: datetime) -> str: ...


class BaseFlow:
    """Defaults for a Flow: a record with `id`, `status` and `customer`; every action
    possible in its allowed statuses; the mail of the action table; no mail, no change."""

    key = ""
    label = ""
    actions: Mapping[str, Action] = {}
    status_labels: Mapping[Any, str] = {}
    mails: Mapping[str, Any] = {}  # mail name -> core.flows.MailSpec

    def record_id(self, record: Any) -> int:
        return record.id

    def customer(self, session: Session, record: Any) -> Customer | None:
        return record.customer

    def status(self, record: Any) -> Any:
        return record.status

    def status_label(self, status: Any) -> str:
        return self.status_labels.get(status, str(status))

    def reasons(self, session: Session, record: Any) -> dict[str, str | None]:
        status = self.status(record)
        return {a.name: None if status in a.allowed_from else
                f"Im Status „{self.status_label(status)}“ nicht möglich."
                for a in self.actions.values()}

    def short_reason(self, record: Any, action: Action, reason: str) -> str:
        return reason

    def prefill(self, session: Session, record: Any, action: Action) -> dict[str, str]:
        """What the action's dialog starts with (field key -> typed text), e.g. the
        appointment a customer asked for; nothing by default."""
        return {}

    def mail_kind(self, record: Any, action: Action) -> str | None:
        spec = self.mails.get(action.mail or "")
        return spec.kind if spec is not None else None

    def existing_customer(self, session: Session, customer: Customer) -> bool:
        return True

    def options(self, session: Session, settings: Settings, record: Any, field: Field,
                now: datetime) -> list[tuple[Any, str]]:
        return list(field.choices)

    def plan_mail(self, session: Session, settings: Settings, plan: Plan, user: User | None,
                  now: datetime) -> None:
        return None

    def apply(self, session: Session, settings: Settings, plan: Plan, now: datetime) -> str:
        return plan.action.label

    def enter_status(self, session: Session, settings: Settings, record: Any, to_status: Any,
                     actor: str, now: datetime) -> str:
        record.status = to_status
        return ""


# --- the engine ---------------------------------------------------------------------------

def role_reason(user: User | None, action: Action) -> str | None:
    """Why this user's role may not run the action (perform checks again)."""
    if user is None or user.role == "admin" or user.role in action.roles:
        return None
    return ROLE_REASON


def own_email_reason(flow: Flow, user: User | None, action: Action) -> str | None:
    """An action whose mail goes to the acting user needs their address (before the note
    is typed, not after)."""
    spec = getattr(flow, "mails", {}).get(action.mail or "")
    if user is None or spec is None or spec.recipient != "user" or user.email.strip():
        return None
    return NO_OWN_EMAIL


def consent_reason(flow: Flow, session: Session, customer: Customer | None,
                   kind: str | None) -> str | None:
    """The one consent rule (core.consent) as a sentence, or None if the mail may go."""
    if kind is None or kind == "staff" or customer is None:
        return None
    existing = kind == "marketing" and flow.existing_customer(session, customer)
    refusal = consent.may_send(customer, kind, existing_customer=existing)
    return consent.sentence(refusal) if refusal is not None else None


def action_states(flow: Flow, session: Session, record: Any,
                  user: User | None = None) -> dict[str, str | None]:
    """Every action with None if possible now, else the German reason (buttons show it)."""
    states = flow.reasons(session, record)
    customer = flow.customer(session, record)
    for name, action in flow.actions.items():
        if states.get(name) is None:
            states[name] = (role_reason(user, action) or own_email_reason(flow, user, action)
                            or consent_reason(flow, session, customer,
                                              flow.mail_kind(record, action)))
    return states


def _plan(flow: Flow, session: Session, settings: Settings, record_id: int, name: str,
          data: Any, user: User | None, now: datetime) -> Plan:
    """Every check perform makes, without changing anything (preview shares it)."""
    action = checked_action(flow.actions, name, user)
    record = flow.load(session, record_id)
    ensure_allowed(flow.reasons(session, record), action)
    plan = Plan(record, flow.customer(session, record), action)
    plan.values = clean_fields(action, data, settings, now)
    flow.plan_mail(session, settings, plan, user, now)
    if plan.mail is not None:
        reason = consent_reason(flow, session, plan.mail.customer, plan.mail.kind)
        if reason:
            raise MailRefused(reason)
    return plan


def field_problems(flow: Flow, settings: Settings, name: str, data: Any,
                   now: datetime) -> dict[str, str]:
    """What is wrong with the typed fields of action `name`, per field ({} when fine): the
    same rules perform applies (e.g. an appointment in the past, on a holiday or outside the
    opening hours), for a dialog to show while staff type. Changes nothing."""
    try:
        clean_fields(flow.actions[name], data, settings, now)
    except ValidationError as exc:
        return exc.errors
    return {}


def preview(flow: Flow, session: Session, settings: Settings, record_id: int, name: str,
            data: Any = None, user: User | None = None, *, now: datetime) -> MailPreview | None:
    """The mail perform would queue (or the automatic mail its status change causes), or
    None. Raises exactly what perform would, without recording anything."""
    plan = _plan(flow, session, settings, record_id, name, data, user, now)
    shown = plan.shown or plan.mail
    if shown is None:
        return None
    rendered = outbox.preview(session, settings, shown.template_key, shown.context,
                              customer=shown.customer, kind=shown.kind)
    return MailPreview(rendered, shown.recipient, shown.kind)


def perform(flow: Flow, session: Session, settings: Settings, record_id: int, name: str,
            data: Any = None, user: User | None = None, actor: str = "api", *,
            now: datetime) -> Plan:
    """Carry out one action at `now`; returns the plan (record, cleaned values, mail)."""
    actor = user.username if user is not None else actor
    try:
        plan = _plan(flow, session, settings, record_id, name, data, user, now)
    except MailRefused as exc:
        _record_refusal(flow, session, record_id, name, str(exc), actor, now)
        raise
    record, action = plan.record, plan.action
    rid = flow.record_id(record)
    old = flow.status(record)
    text = flow.apply(session, settings, plan, now)
    event = events.record(session, now, "action", text, customer_id=_id(plan.customer),
                          module=flow.key, record_id=rid, actor=actor,
                          data={"action": action.name, "from": old, **_plain(plan.values)})
    if action.to_status is not None and action.to_status != old:
        event.text += flow.enter_status(session, settings, record, action.to_status, actor, now)
    event.data = event.data | {"to": flow.status(record)}
    if plan.mail is not None:
        mail = plan.mail
        outbox.enqueue(session, settings, now, template_key=mail.template_key,
                       context=mail.context, to_addr=mail.to_addr, to_name=mail.to_name,
                       kind=mail.kind, customer=mail.customer, from_name=mail.from_name,
                       reply_to=mail.reply_to,
                       module=flow.key, record_id=rid, actor=actor,
                       idempotency_key=next_key(session, flow.key, rid, mail.mail,
                                                mail.numbered))
    session.flush()
    return plan


def _record_refusal(flow: Flow, session: Session, record_id: int, name: str, reason: str,
                    actor: str, now: datetime) -> None:
    record = flow.load(session, record_id)
    customer = flow.customer(session, record)
    text = f"{flow.label}: E-Mail nicht gesendet ({flow.actions[name].label}): {reason}"
    events.record(session, now, "mail_suppressed", text,
                  customer_id=_id(customer), module=flow.key, record_id=record_id,
                  actor=actor, data={"action": name, "reason": reason})
    session.flush()


def done_message(plan: Plan) -> str:
    """What the UI tells after a successful action."""
    action = plan.action
    if action.done:
        return action.done.format(**plan.values)
    if plan.mail is not None:
        return f"{action.label}: erledigt, E-Mail liegt im Postausgang."
    return f"{action.label}: erledigt."


def _id(customer: Customer | None) -> int | None:
    return customer.id if customer is not None else None


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values an event can store as JSON (texts and numbers)."""
    return {k: v for k, v in values.items() if isinstance(v, str | int) and v != ""}


# --- what the buttons show ----------------------------------------------------------------

@dataclass
class ActionView:
    """One button of a record's action bar, as plain data for the page."""

    name: str
    label: str
    icon: str
    reason: str | None  # why not possible now (tooltip); None: possible
    short: str  # the line under a disabled button
    sends_mail: bool
    fields: tuple[Field, ...]  # typed in the dialog
    choice: Field | None  # offered on the button's menu
    options: list[tuple[Any, str]]
    confirm: tuple[str, ...]  # what happens, when no mail preview says it
    visible: bool
    fix_url: str = ""  # a page where the user can remove the reason (their account)
    prefill: dict[str, str] = field(default_factory=dict)  # the dialog's starting values

    @property
    def button_label(self) -> str:
        if self.choice is not None and self.choice.button:
            return self.choice.button.format(value=self.choice.default)
        return self.label


def views(flow: Flow, session: Session, settings: Settings, record: Any, user: User | None,
          now: datetime) -> list[ActionView]:
    """Every action of the record as its button: reason, fields, menu, confirmation."""
    states = action_states(flow, session, record, user)
    result = []
    for name, action in flow.actions.items():
        reason = states[name]
        choice = next((f for f in action.fields if f.kind == "choice"), None)
        lines = ((f"Neuer Status: {flow.status_label(action.to_status)}.",)
                 if action.to_status is not None else ()) + action.confirm
        result.append(ActionView(
            name, action.label, action.icon, reason,
            flow.short_reason(record, action, reason) if reason else "",
            action.mail is not None, tuple(f for f in action.fields if f.kind != "choice"),
            choice, flow.options(session, settings, record, choice, now) if choice else [],
            lines, reason is None or not action.only_when_possible,
            ACCOUNT_URL if reason == NO_OWN_EMAIL else "",
            flow.prefill(session, record, action) if reason is None else {}))
    return result
