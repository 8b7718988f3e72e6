"""Demo data: a few hundred believable trade-in cases so a first start shows a living console.

Deterministic (seeded), spread over all eight statuses and the last six weeks. Each history
follows the rules as the console would have lived it (core.tradein.demo_story picks the instants):
market-value mails at the nightly run, reminders and follow-ups exactly when their rule was
due, staff steps in opening hours, and the due fields armed by the service's own helper. No
outbox rows: the history is shown as events only, so nothing is mailed when the demo starts."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import events
from core.demo_names import FIRST_NAMES, LAST_NAMES, ascii_local_part
from core.formatting import format_datetime, format_eur
from core.models import Customer
from core.schedule import rule_due
from core.settings import Settings
from core.tradein import booking
from core.tradein.demo_story import STAFF, WEB, Clock, Story, story
from core.tradein.flow import ACTIONS, MAILS, RULES_BY_STATUS, STATUS_LABELS
from core.tradein.models import TradeInCase
from core.tradein.service import set_due

# make, model, typical new price in euros, fuels
CARS = (
    ("Volkswagen", "Golf", 32000, ("Benzin", "Diesel")),
    ("Volkswagen", "Tiguan", 42000, ("Benzin", "Diesel")),
    ("Volkswagen", "Polo", 22000, ("Benzin",)),
    ("Volkswagen", "ID.3", 40000, ("Elektro",)),
    ("Skoda", "Octavia Combi", 33000, ("Benzin", "Diesel")),
    ("Skoda", "Fabia", 20000, ("Benzin",)),
    ("Audi", "A4 Avant", 48000, ("Diesel", "Benzin")),
    ("Audi", "Q3", 45000, ("Benzin", "Diesel")),
    ("BMW", "320d Touring", 50000, ("Diesel",)),
    ("BMW", "X1", 46000, ("Benzin", "Diesel", "Plug-in-Hybrid")),
    ("Mercedes-Benz", "A 180", 36000, ("Benzin",)),
    ("Mercedes-Benz", "C 220 d T-Modell", 55000, ("Diesel",)),
    ("Seat", "Leon", 28000, ("Benzin",)),
    ("Opel", "Corsa", 21000, ("Benzin",)),
    ("Ford", "Focus", 27000, ("Benzin", "Diesel")),
    ("Toyota", "Yaris", 22000, ("Hybrid",)),
    ("Toyota", "RAV4", 42000, ("Hybrid",)),
    ("Hyundai", "Tucson", 36000, ("Benzin", "Hybrid")),
    ("Renault", "Clio", 19000, ("Benzin",)),
    ("Tesla", "Model 3", 45000, ("Elektro",)),
    ("Dacia", "Duster", 20000, ("Benzin", "Diesel")),
    ("Mazda", "CX-5", 38000, ("Benzin",)),
)
# How many cases end in each status (sums to 300 by default, scaled for other counts).
STATUS_WEIGHTS = {1: 14, 2: 70, 3: 30, 4: 36, 5: 24, 6: 38, 7: 42, 8: 46}
SPREAD = timedelta(days=42)
# The action that moved a case into a status, and the mails that went with it.
STEP_ACTIONS = {3: "request_appointment", 4: "confirm_appointment", 5: "missed_appointment",
                6: "send_offer", 7: "set_not_bought", 8: "set_bought"}
STEP_MAILS = {2: ("market_value",), 4: ("appointment_customer",), 5: ("missed",),
              6: ("offer",), 7: ("decision",), 8: ("decision",)}
OPTED_OUT_TEXT = "Kunde hat sich von allen automatischen E-Mails abgemeldet"


def _market_value(rng: random.Random, new_price: int, build_year: int, year: int) -> int:
    age = max(year - build_year, 0)
    value = new_price * (0.85 ** age) * rng.uniform(0.85, 1.1)
    return max(int(round(value, -2)), 1500) * 100


def _event(session: Session, at: datetime, kind: str, text: str, case: TradeInCase,
           actor: str = "system", data: dict | None = None) -> None:
    # Demo history happened in the past: the event is stamped with its own instant.
    events.record(session, at, kind, text, customer_id=case.customer_id, module="tradein",
                  record_id=case.id, actor=actor, data=data)


def _mail_event(session: Session, at: datetime, case: TradeInCase, mail: str,
                customer: Customer, settings: Settings) -> None:
    spec = MAILS[mail]
    to = customer.email if spec.recipient == "customer" else (
        settings.dealer_email if spec.recipient == "dealer" else settings.service_center_email)
    _event(session, at, "mail_sent", f"E-Mail „{spec.label}“ an {to} gesendet (Demodaten).",
           case, data={"template": f"tradein.{mail}"})


def _action_text(status: int, story_: Story, settings: Settings) -> str:
    label = ACTIONS[STEP_ACTIONS[status]].label
    if status == 4:
        return f"{label} (Termin {format_datetime(story_.appointment_at, settings.timezone)})"
    if status == 6:
        return f"{label} (Ankaufspreis {format_eur(story_.purchase_price_cents)})"
    return label


def _write_steps(session: Session, case: TradeInCase, customer: Customer, story_: Story,
                 settings: Settings) -> None:
    _event(session, story_.calculated_at, "valuation",
           f"Marktwert {format_eur(case.market_value_cents)} für {case.make} {case.model} "
           f"({case.build_year}) berechnet", case, actor="api", data={"status": 1})
    previous = 1
    for step in story_.steps[1:]:
        at, status = step.at, step.status
        if status in STEP_ACTIONS:
            _event(session, at, "action", _action_text(status, story_, settings), case,
                   step.actor, {"action": STEP_ACTIONS[status]})
        _event(session, at, "status", f"Status: {STATUS_LABELS[previous]} → "
               f"{STATUS_LABELS[status]}", case, step.actor, {"from": previous, "to": status})
        if status == 3 and step.actor == WEB and story_.wish is not None:
            _event(session, at, booking.EVENT_KIND, booking.wish_event_text(story_.wish), case,
                   WEB, booking.wish_event_data(story_.wish, customer.phone))
        for mail in STEP_MAILS.get(status, ()):
            _mail_event(session, at, case, mail, customer, settings)
        if status == 4:  # staff pass the appointment on to the dealer a moment later
            later = at + timedelta(minutes=2)
            _event(session, later, "action", ACTIONS["notify_dealer"].label, case, step.actor,
                   {"action": "notify_dealer"})
            _mail_event(session, later, case, "appointment_dealer", customer, settings)
        previous = status


def _write_rules(session: Session, case: TradeInCase, customer: Customer, story_: Story,
                 now: datetime, settings: Settings) -> None:
    """The timed rules (reminder, missed follow-up) that fired during the history: once per
    stay, when the case was still in the status at the due instant."""
    ends = [s.at for s in story_.steps[1:]] + [min(case.archived_at or now, now)]
    for step, left in zip(story_.steps, ends, strict=True):
        rule = RULES_BY_STATUS.get(step.status)
        if rule is None or rule.at_nightly_run:
            continue  # the nightly rule is the step into status 2 itself
        due = rule_due(rule, step.at, settings)
        if due > left:
            continue
        if customer.opted_out_at is not None and customer.opted_out_at <= due:
            _event(session, due, "mail_suppressed", f"{MAILS[rule.mail].label}: automatische "
                   "Mail nicht gesendet: Kunde hat sich abgemeldet", case,
                   data={"rule": rule.name, "reason": "opted_out"})
        else:
            _mail_event(session, due, case, rule.mail, customer, settings)


def _arm_due(case: TradeInCase, now: datetime, settings: Settings) -> None:
    """Due fields as the service arms them; a rule whose instant has passed already fired."""
    set_due(case, settings)
    if case.due_at is not None and case.due_at <= now:
        case.due_rule, case.due_at = None, None


def _customer(session: Session, rng: random.Random, index: int, now: datetime) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = rng.choice(("example.at", "example.at", "example.de", "example.com"))
    customer = Customer(
        email=f"{ascii_local_part(first)}.{ascii_local_part(last)}{index}@{domain}",
        first_name=first,
        last_name=last, created_at=now - SPREAD,
        phone=f"+43 6{rng.randint(50, 99)} {rng.randint(1000000, 9999999)}"
        if rng.random() < 0.7 else "",
    )
    session.add(customer)
    return customer


def _opt_out(session: Session, case: TradeInCase, customer: Customer, story_: Story,
             clock: Clock, now: datetime) -> None:
    """A few customers unsubscribed through the link in their market-value mail."""
    if len(story_.steps) < 2 or clock.rng.random() >= 0.06:
        return
    at = clock.customer(story_.steps[1].at + clock.hours(1, 24 * 10))
    if at <= now:
        customer.opted_out_at = at
        events.record(session, at, "opted_out", OPTED_OUT_TEXT, customer_id=customer.id,
                      actor="Kunde")


def _car(rng: random.Random, now: datetime) -> dict:
    """Make, model, age, mileage and a market value that fit together."""
    year = now.year
    make, model, price, fuels = rng.choice(CARS)
    build_year = rng.randint(max(year - 14, 2012), year - 1)
    return {"make": make, "model": model, "build_year": build_year, "fuel": rng.choice(fuels),
            "mileage_km": max(year - build_year, 1) * rng.randint(8, 22) * 1000,
            "market_value_cents": _market_value(rng, price, build_year, year)}


def _new_case(session: Session, customer: Customer, car: dict, story_: Story) -> TradeInCase:
    last = story_.last
    case = TradeInCase(
        customer=customer, status=last.status, status_changed_at=last.at, **car,
        calculated_at=story_.calculated_at, appointment_at=story_.appointment_at,
        purchase_price_cents=story_.purchase_price_cents,
        decision_count=1 if last.status in (7, 8) else 0, created_at=story_.calculated_at,
        updated_at=last.at,
    )
    session.add(case)
    session.flush()
    return case


def _archive(session: Session, case: TradeInCase, clock: Clock, now: datetime) -> None:
    """Some long-finished or long-silent cases were already tidied away by staff."""
    if case.status not in (5, 7, 8) or now - case.status_changed_at < timedelta(days=10):
        return
    if clock.rng.random() < 0.3:
        at = clock.staff(case.status_changed_at + clock.hours(24 * 3, 24 * 9))
        if at <= now:
            case.archived_at = at
            _event(session, at, "action", ACTIONS["archive"].label, case,
                   clock.rng.choice(STAFF), {"action": "archive"})


def load_demo(session: Session, settings: Settings, now: datetime, count: int = 300,
              seed: int = 2026) -> int:
    """Create `count` demo cases unless the database already holds cases; returns how many."""
    if session.scalar(select(func.count(TradeInCase.id))):
        return 0
    rng = random.Random(seed)
    clock = Clock(rng, settings)
    total = sum(STATUS_WEIGHTS.values())
    targets = [s for s, w in STATUS_WEIGHTS.items() for _ in range(round(w * count / total))]
    rng.shuffle(targets)
    for index, target in enumerate(targets, start=1):
        customer = _customer(session, rng, index, now)
        car = _car(rng, now)
        story_ = story(clock, target, now, car["market_value_cents"], customer.phone)
        customer.created_at = story_.calculated_at
        case = _new_case(session, customer, car, story_)
        _opt_out(session, case, customer, story_, clock, now)
        _archive(session, case, clock, now)
        _write_steps(session, case, customer, story_, settings)
        _write_rules(session, case, customer, story_, now, settings)
        _arm_due(case, now, settings)
    session.flush()
    return len(targets)
