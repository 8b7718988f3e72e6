"""Trade-in actions: new valuations and every step staff or the website take on a case.

The UI buttons, the JSON API and the demo all call these functions; each runs inside the
caller's transaction so status, events and outbox rows commit (or fail) together. `now` is
the edge's instant (read once per request or tick), so one action stamps one time."""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core import actions, due, events
from core import validation as fields
from core.errors import NotFound, ValidationError
from core.flows import idempotency_key
from core.formatting import format_eur
from core.ids import in_range as id_in_range
from core.mail.render import Rendered
from core.models import Customer, User
from core.settings import Settings
from core.tradein import KEY, mails, rules, validation
from core.tradein.actions import FLOW
from core.tradein.flow import ON_ENTER_MAIL, STATUS_LABELS
from core.tradein.models import TradeInCase


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
    errors: fields.FieldErrors = {}
    v, f = validation, fields
    clean = {
        "email": f.clean_email(errors, data),
        "first_name": f.clean_text(errors, data, "first_name", "Vorname", 100),
        "last_name": f.clean_text(errors, data, "last_name", "Nachname", 100),
        "phone": f.clean_phone(errors, data, "phone", "Telefonnummer"),
        "make": f.clean_text(errors, data, "make", "Marke", 60),
        "model": f.clean_text(errors, data, "model", "Modell", 80),
        "fuel": f.clean_text(errors, data, "fuel", "Kraftstoff", 30),
        "build_year": f.clean_int(errors, data, "build_year", "Baujahr", v.MIN_BUILD_YEAR,
                                  _local_year(now, settings) + 1),
        "mileage_km": f.clean_int(errors, data, "mileage_km", "Kilometerstand", 0,
                                  v.MAX_MILEAGE_KM),
        "market_value_cents": f.clean_money(errors, data, "market_value_eur", "Marktwert",
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
                     now: datetime, actor: str = "api") -> TradeInCase:
    """A valuation from the website (or staff) at `now`: validates everything first, so
    invalid input stores nothing. New case in status 1, due for the first nightly run after
    calculation."""
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
        session, now, "valuation",
        f"Marktwert {format_eur(case.market_value_cents)} für {case.make} {case.model} "
        f"({case.build_year}) berechnet", customer_id=customer.id, module=KEY,
        record_id=case.id, actor=actor, data={"status": 1})
    return case


# --- status and due bookkeeping (also used by core.tradein.rules) ---------------------------

def set_due(case: TradeInCase, settings: Settings) -> None:
    """Arm the automatic rule for the case's current (fresh) stay, or clear it."""
    due.arm(rules.DUE, case, settings)


def change_status(session: Session, settings: Settings, case: TradeInCase, to_status: int,
                  actor: str, now: datetime) -> None:
    """Move the case, record it, re-arm the due rule and queue the on-enter mail."""
    old = case.status
    case.status, case.status_changed_at, case.updated_at = to_status, now, now
    events.record(
        session, now, "status", f"Status: {STATUS_LABELS[old]} → {STATUS_LABELS[to_status]}",
        customer_id=case.customer_id, module=KEY, record_id=case.id, actor=actor,
        data={"from": old, "to": to_status})
    set_due(case, settings)
    mail = ON_ENTER_MAIL.get(to_status)
    if mail:
        # One decision mail per change: a bought -> not bought correction informs again.
        case.decision_count = (case.decision_count or 0) + 1
        mails.queue(session, settings, case, case.customer, mail,
                    idempotency_key(KEY, case.id, mail, case.decision_count), actor, now)


# --- actions (the kernel's engine, core.actions, with the trade-in flow) -------------------

def perform(session: Session, settings: Settings, case_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None,
            actor: str = "api", *, now: datetime) -> TradeInCase:
    """Carry out one ACTIONS entry at `now`. Raises NotFound, PermissionDenied,
    ActionNotAllowed or ValidationError before anything changes."""
    return actions.perform(FLOW, session, settings, case_id, action, data, user, actor,
                           now=now).record


def preview(session: Session, settings: Settings, case_id: int, action: str,
            data: dict[str, Any] | None = None, user: User | None = None, *,
            now: datetime) -> Rendered | None:
    """The mail `perform` would queue (or the decision mail its status change causes), or
    None. Raises exactly what perform would, so the dialog shows problems first."""
    shown = actions.preview(FLOW, session, settings, case_id, action, data, user, now=now)
    return shown.rendered if shown is not None else None


def action_states(case: TradeInCase, session: Session | None = None,
                  user: User | None = None) -> dict[str, str | None]:
    """Every action with None if possible now, else why not (buttons show the reason)."""
    return actions.action_states(FLOW, session, case, user)
