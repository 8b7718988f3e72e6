"""Trade-in actions: new valuations and every step staff or the website take on a case.

The UI buttons, the JSON API and the demo all call these functions; each runs inside the
caller's transaction so status, events and outbox rows commit (or fail) together."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload

from core import clock, events
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.flows import checked_action, ensure_allowed
from core.formatting import format_datetime, format_eur
from core.ids import in_range as id_in_range
from core.models import Customer, TradeInCase, User
from core.settings import Settings
from core.tradein import mails, validation
from core.tradein.flow import (
    ACTIONS,
    CLOSING_MAIL,
    MAILS,
    ON_ENTER_MAIL,
    STATUS_LABELS,
    Action,
    allowed_actions,
)
from core.tradein.schedule import compute_due

OPTED_OUT_REASON = "Der Kunde hat sich von E-Mails abgemeldet; Werbe-Mails sind gesperrt."
PURCHASE_PRICE_MISSING = "Bitte einen Ankaufspreis eingeben"


def case_detail(session: Session, case_id: int) -> TradeInCase:
    """The case with its customer loaded; NotFound with a German message (also for ids no
    database row can have, e.g. beyond 64 bits)."""
    if not id_in_range(case_id):
        raise NotFound(f"Ankauf-Fall {case_id} gibt es nicht.")
    case = session.scalar(select(TradeInCase).options(joinedload(TradeInCase.customer))
                          .where(TradeInCase.id == case_id))
    if case is None:
        raise NotFound(f"Ankauf-Fall {case_id} gibt es nicht.")
    return case


# --- new valuations -------------------------------------------------------------------------

def _validate_valuation(data: dict[str, Any], settings: Settings, now: datetime) -> dict:
    errors: validation.FieldErrors = {}
    v = validation
    clean = {
        "email": v.clean_email(errors, data),
        "first_name": v.clean_text(errors, data, "first_name", "Vorname", 100),
        "last_name": v.clean_text(errors, data, "last_name", "Nachname", 100),
        "phone": v.clean_text(errors, data, "phone", "Telefonnummer", 50, required=False),
        "make": v.clean_text(errors, data, "make", "Marke", 60),
        "model": v.clean_text(errors, data, "model", "Modell", 80),
        "fuel": v.clean_text(errors, data, "fuel", "Kraftstoff", 30),
        "build_year": v.clean_int(errors, data, "build_year", "Baujahr", v.MIN_BUILD_YEAR,
                                  _local_year(now, settings) + 1),
        "mileage_km": v.clean_int(errors, data, "mileage_km", "Kilometerstand", 0,
                                  v.MAX_MILEAGE_KM),
        "market_value_cents": v.clean_money(errors, data, "market_value_eur", "Marktwert",
                                            "Marktwert fehlt."),
        "calculated_at": v.clean_calculated_at(errors, data, settings.timezone, now),
    }
    if errors:
        raise ValidationError(errors)
    return clean


def _local_year(now: datetime, settings: Settings) -> int:
    return now.astimezone(ZoneInfo(settings.timezone)).year


def _find_or_create_customer(session: Session, clean: dict, now: datetime) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.email == clean["email"])
                              .order_by(Customer.id).limit(1))
    if customer is None:
        customer = Customer(email=clean["email"], first_name=clean["first_name"],
                            last_name=clean["last_name"], phone=clean["phone"], created_at=now)
        session.add(customer)
        session.flush()
        return customer
    # Staff may have corrected an existing record: only fill in what is still empty.
    for field in ("first_name", "last_name", "phone"):
        if not getattr(customer, field) and clean[field]:
            setattr(customer, field, clean[field])
    return customer


def create_valuation(session: Session, settings: Settings, data: dict[str, Any],
                     actor: str = "api") -> TradeInCase:
    """A valuation from the website (or staff): validates everything first, so invalid input
    stores nothing. New case in status 1, due for the first nightly run after calculation."""
    now = clock.now()
    clean = _validate_valuation(data if isinstance(data, dict) else {}, settings, now)
    customer = _find_or_create_customer(session, clean, now)
    calculated = clean["calculated_at"] or now
    # The case entered status 1 when the value was calculated; the nightly rule counts
    # from then, so a valuation posted late is still mailed in the next run.
    entered = min(calculated, now)
    case = TradeInCase(
        customer=customer, status=1, status_changed_at=entered, make=clean["make"],
        model=clean["model"], build_year=clean["build_year"], mileage_km=clean["mileage_km"],
        fuel=clean["fuel"], market_value_cents=clean["market_value_cents"],
        calculated_at=calculated, decision_count=0, created_at=now, updated_at=now,
    )
    set_due(case, settings)
    session.add(case)
    session.flush()
    events.record(
        session, "valuation",
        f"Marktwert {format_eur(case.market_value_cents)} für {case.make} {case.model} "
        f"({case.build_year}) berechnet", customer_id=customer.id, case_id=case.id,
        actor=actor, data={"status": 1})
    return case


# --- status and due bookkeeping (also used by core.tradein.rules) ---------------------------

def set_due(case: TradeInCase, settings: Settings) -> None:
    """Arm the automatic rule for the case's current (fresh) stay, or clear it."""
    due = compute_due(case.status, case.status_changed_at, case.archived_at is not None,
                      settings)
    case.due_rule, case.due_at = (due.rule, due.at) if due else (None, None)


def change_status(session: Session, settings: Settings, case: TradeInCase, to_status: int,
                  actor: str, now: datetime | None = None) -> None:
    """Move the case, record it, re-arm the due rule and queue the on-enter mail."""
    now = now or clock.now()
    old = case.status
    case.status, case.status_changed_at, case.updated_at = to_status, now, now
    events.record(
        session, "status", f"Status: {STATUS_LABELS[old]} → {STATUS_LABELS[to_status]}",
        customer_id=case.customer_id, case_id=case.id, actor=actor,
        data={"from": old, "to": to_status})
    set_due(case, settings)
    mail = ON_ENTER_MAIL.get(to_status)
    if mail:
        # One decision mail per change: a bought -> not bought correction informs again.
        case.decision_count = (case.decision_count or 0) + 1
        mails.queue(session, settings, case, case.customer, mail,
                    f"tradein:{case.id}:{mail}:{case.decision_count}", actor)


# --- actions ------------------------------------------------------------------------------

@dataclass
class _Plan:
    case: TradeInCase
    action: Action
    mail: str | None
    changes: dict[str, Any]  # column -> new value from the dialog / API body
    override_reason: str = ""  # why an appointment outside opening hours is fine


def _action_mail(action: Action, status: int) -> str | None:
    return CLOSING_MAIL.get(status) if action.mail == "closing" else action.mail


def _required_data(action: Action, data: dict[str, Any], settings: Settings,
                   now: datetime) -> tuple[dict, str]:
    """(column -> cleaned value, override reason used for the appointment or "")."""
    errors: validation.FieldErrors = {}
    changes: dict[str, Any] = {}
    override = ""
    if "appointment_at" in action.requires:
        changes["appointment_at"], override = validation.clean_appointment(
            errors, data, settings, now)
    if "purchase_price_eur" in action.requires:
        changes["purchase_price_cents"] = validation.clean_money(
            errors, data, "purchase_price_eur", "Ankaufspreis", PURCHASE_PRICE_MISSING)
    if errors:
        raise ValidationError(errors)
    return changes, override


def _plan(session: Session, settings: Settings, case_id: int, action_name: str,
          data: dict[str, Any] | None, user: User | None, now: datetime) -> _Plan:
    """Every check perform makes, without changing anything (preview shares it)."""
    action = checked_action(ACTIONS, action_name, user)
    case = case_detail(session, case_id)
    ensure_allowed(allowed_actions(case.status, case.archived_at is not None), action)
    mail = _action_mail(action, case.status)
    if mail and MAILS[mail].kind == "marketing" and case.customer.opted_out_at is not None:
        raise ActionNotAllowed(OPTED_OUT_REASON)
    changes, override = _required_data(action, data if isinstance(data, dict) else {},
                                       settings, now)
    return _Plan(case, action, mail, changes, override)


def _describe(plan: _Plan, settings: Settings) -> str:
    details = []
    appointment = plan.changes.get("appointment_at")
    if appointment:
        details.append(f"Termin {format_datetime(appointment, settings.timezone)}")
    price = plan.changes.get("purchase_price_cents")
    if price:
        details.append(f"Ankaufspreis {format_eur(price)}")
    if plan.override_reason:
        details.append(f"außerhalb der Öffnungszeiten, Begründung: „{plan.override_reason}“")
    return plan.action.label + (f" ({', '.join(details)})" if details else "")


def perform(session: Session, settings: Settings, case_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None,
            actor: str = "api", now: datetime | None = None) -> TradeInCase:
    """Carry out one ACTIONS entry. Raises NotFound, PermissionDenied, ActionNotAllowed or
    ValidationError before anything changes. `now` defaults to the clock, read once."""
    now = now or clock.now()
    plan = _plan(session, settings, case_id, action, data, user, now)
    actor = user.username if user is not None else actor
    case = plan.case
    for column, value in plan.changes.items():
        setattr(case, column, value)
    case.updated_at = now
    event_data = {"action": plan.action.name}
    if plan.override_reason:
        event_data |= {"override": True, "override_reason": plan.override_reason}
    events.record(session, "action", _describe(plan, settings), customer_id=case.customer_id,
                  case_id=case.id, actor=actor, data=event_data)
    if plan.action.name == "archive":
        case.archived_at = now
        set_due(case, settings)
    to_status = plan.action.to_status
    if to_status is not None and to_status != case.status:
        change_status(session, settings, case, to_status, actor, now)
    if plan.mail:
        mails.queue(session, settings, case, case.customer, plan.mail,
                    mails.next_key(session, case.id, plan.mail), actor)
    session.flush()
    return case


def _transient_copy(case: TradeInCase) -> TradeInCase:
    """A detached look-alike to render previews with the dialog's values, never stored."""
    columns = {attr.key: getattr(case, attr.key) for attr in inspect(TradeInCase).column_attrs}
    return TradeInCase(**columns)


def preview(session: Session, settings: Settings, case_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None,
            now: datetime | None = None):
    """The mail `perform` would queue (core.mail.render.Rendered), or None if it queues none.
    Raises exactly what perform would, so the dialog shows problems before confirming."""
    plan = _plan(session, settings, case_id, action, data, user, now or clock.now())
    copy = _transient_copy(plan.case)
    for column, value in plan.changes.items():
        setattr(copy, column, value)
    to_status = plan.action.to_status
    mail = plan.mail
    if to_status is not None and to_status != copy.status:
        copy.status = to_status
        mail = mail or ON_ENTER_MAIL.get(to_status)
    if mail is None:
        return None
    return mails.render_preview(session, settings, copy, plan.case.customer, mail)


def action_states(case: TradeInCase) -> dict[str, str | None]:
    """Every action with None if possible now, else why not (buttons show the reason)."""
    states = allowed_actions(case.status, case.archived_at is not None)
    for name, reason in states.items():
        mail = _action_mail(ACTIONS[name], case.status)
        if (reason is None and mail and MAILS[mail].kind == "marketing"
                and case.customer.opted_out_at is not None):
            states[name] = OPTED_OUT_REASON
    return states
