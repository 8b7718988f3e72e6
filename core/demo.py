"""Demo data: a few hundred believable trade-in cases so a first start shows a living console.

Deterministic (seeded), spread over all eight statuses and the last six weeks, with timelines
and due fields exactly as the real flow would have left them. No outbox rows: the history is
shown as events only, so nothing is mailed when the demo starts."""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import events
from core.formatting import format_datetime, format_eur
from core.models import Customer, TradeInCase
from core.settings import Settings
from core.tradein.flow import AUTO_RULES, MAILS, STATUS_LABELS
from core.tradein.schedule import compute_due, next_nightly_run

FIRST_NAMES = (
    "Anna", "Lukas", "Maria", "Florian", "Katharina", "Stefan", "Julia", "Thomas", "Sarah",
    "Michael", "Lena", "David", "Sophie", "Andreas", "Johanna", "Markus", "Elisabeth", "Tobias",
    "Theresa", "Christoph", "Hannah", "Manuel", "Magdalena", "Dominik", "Verena", "Jürgen",
    "Birgit", "Wolfgang", "Sabine", "Matthias", "Claudia", "Georg", "Monika", "Bernhard",
    "Petra", "Alexander", "Barbara", "Martin", "Nina", "Günther",
)
LAST_NAMES = (
    "Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser", "Mayer",
    "Hofer", "Leitner", "Berger", "Fuchs", "Eder", "Fischer", "Schmid", "Winkler", "Weber",
    "Schwarz", "Maier", "Schneider", "Reiter", "Mayr", "Schmidt", "Wimmer", "Egger", "Brunner",
    "Lang", "Baumgartner", "Auer", "Binder", "Lechner", "Wolf", "Wallner", "Aigner", "Ebner",
    "Koller", "Lehner", "Haas", "Schuster",
)
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


@dataclass
class _Story:
    """The history of one demo case: (instant, status) steps and the facts along the way."""

    calculated_at: datetime
    steps: list[tuple[datetime, int]] = field(default_factory=list)
    appointment_at: datetime | None = None
    purchase_price_cents: int | None = None


def _ascii(text: str) -> str:
    text = text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _business_time(rng: random.Random, day: datetime, settings: Settings) -> datetime:
    """An appointment slot on `day` between 08:00 and 17:30 local time."""
    local = day.astimezone(ZoneInfo(settings.timezone))
    slot = local.replace(hour=rng.randint(8, 17), minute=rng.choice((0, 30)), second=0,
                         microsecond=0)
    return slot.astimezone(day.tzinfo)


def _story(rng: random.Random, target: int, now: datetime, value_cents: int,
           settings: Settings) -> _Story:
    """Walk the funnel to `target`, then shift the whole history to end before `now`."""
    hours = lambda low, high: timedelta(hours=rng.uniform(low, high))  # noqa: E731
    if target == 1:  # waiting for tonight's run: valued since the last nightly run
        last_run = next_nightly_run(now - timedelta(days=1), settings)
        start = last_run + (now - last_run) * rng.uniform(0.05, 0.95)
        return _Story(start, [(start, 1)])
    start = now - SPREAD * rng.uniform(0.05, 1.0)
    story = _Story(start, [(start, 1)])
    t = next_nightly_run(start, settings)
    story.steps.append((t, 2))
    if target >= 3:
        t += hours(6, 24 * (5 if target == 3 else 9))
        story.steps.append((t, 3))
    if target >= 4:
        t += hours(4, 48)
        story.steps.append((t, 4))
        story.appointment_at = _business_time(rng, t + hours(36, 24 * 7), settings)
    if target in (5,):
        story.steps.append((story.appointment_at + hours(2, 30), 5))
    if target >= 6:
        t = story.appointment_at + hours(3, 48)
        story.purchase_price_cents = int(round(value_cents * rng.uniform(0.86, 0.99), -4))
        story.steps.append((t, 6))
    if target >= 7:
        story.steps.append((t + hours(12, 24 * 6), target))
    overshoot = story.steps[-1][0] - (now - timedelta(minutes=5))
    # Target 4 keeps an upcoming appointment; every other history must lie in the past.
    if overshoot > timedelta(0):
        story.steps = [(at - overshoot, s) for at, s in story.steps]
        story.calculated_at -= overshoot
        if story.appointment_at:
            story.appointment_at -= overshoot if target != 4 else timedelta(0)
    return story


def _market_value(rng: random.Random, new_price: int, build_year: int, year: int) -> int:
    age = max(year - build_year, 0)
    value = new_price * (0.85 ** age) * rng.uniform(0.85, 1.1)
    return max(int(round(value, -2)), 1500) * 100


def _event(session: Session, at: datetime, kind: str, text: str, case: TradeInCase,
           actor: str = "system", data: dict | None = None) -> None:
    event = events.record(session, kind, text, customer_id=case.customer_id, case_id=case.id,
                          actor=actor, data=data)
    event.at = at  # demo history happened in the past


def _mail_event(session: Session, at: datetime, case: TradeInCase, mail: str,
                customer: Customer, settings: Settings) -> None:
    spec = MAILS[mail]
    to = customer.email if spec.recipient == "customer" else (
        settings.dealer_email if spec.recipient == "dealer" else settings.service_center_email)
    _event(session, at, "mail_sent", f"E-Mail „{spec.label}“ an {to} gesendet (Demodaten).",
           case, data={"template": f"tradein.{mail}"})


STEP_MAILS = {2: "market_value", 4: "appointment_customer", 5: "missed", 6: "offer",
              7: "decision", 8: "decision"}


def _write_history(session: Session, case: TradeInCase, customer: Customer, story: _Story,
                   settings: Settings, rng: random.Random) -> None:
    tz = settings.timezone
    _event(session, story.calculated_at, "valuation",
           f"Marktwert {format_eur(case.market_value_cents)} für {case.make} {case.model} "
           f"({case.build_year}) berechnet", case, actor="api", data={"status": 1})
    previous = 1
    for at, status in story.steps[1:]:
        actor = "system" if status == 2 else rng.choice(("sabine.egger", "martin.koller"))
        if status == 4:
            _event(session, at, "action", "Termin an Kunden bestätigen (Termin "
                   f"{format_datetime(story.appointment_at, tz)})", case, actor)
        if status == 6:
            _event(session, at, "action", "Händlerangebot senden (Ankaufspreis "
                   f"{format_eur(story.purchase_price_cents)})", case, actor)
        _event(session, at, "status", f"Status: {STATUS_LABELS[previous]} → "
               f"{STATUS_LABELS[status]}", case, actor, {"from": previous, "to": status})
        if status in STEP_MAILS:
            _mail_event(session, at, case, STEP_MAILS[status], customer, settings)
        if status == 4:
            _mail_event(session, at, case, "appointment_dealer", customer, settings)
        previous = status


def _arm_due(session: Session, case: TradeInCase, customer: Customer, now: datetime,
             settings: Settings) -> None:
    """Set due fields as the rules would have left them; a rule already past has fired."""
    due = compute_due(case.status, case.status_changed_at, case.archived_at is not None,
                      settings)
    if due is None or due.at > now:
        case.due_rule, case.due_at = (due.rule, due.at) if due else (None, None)
        return
    mail = next(rule.mail for rule in AUTO_RULES if rule.name == due.rule)
    if customer.opted_out_at is not None and customer.opted_out_at <= due.at:
        _event(session, due.at, "mail_suppressed", f"{MAILS[mail].label}: automatische Mail "
               "nicht gesendet: Kunde hat sich abgemeldet", case)
    else:
        _mail_event(session, due.at, case, mail, customer, settings)
    case.due_rule, case.due_at = None, None


def _customer(session: Session, rng: random.Random, index: int, now: datetime) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = rng.choice(("example.at", "example.at", "example.de", "example.com"))
    customer = Customer(
        email=f"{_ascii(first)}.{_ascii(last)}{index}@{domain}", first_name=first,
        last_name=last, created_at=now - SPREAD,
        phone=f"+43 6{rng.randint(50, 99)} {rng.randint(1000000, 9999999)}"
        if rng.random() < 0.7 else "",
    )
    session.add(customer)
    return customer


def load_demo(session: Session, settings: Settings, now: datetime, count: int = 300,
              seed: int = 2026) -> int:
    """Create `count` demo cases unless the database already holds cases; returns how many."""
    if session.scalar(select(func.count(TradeInCase.id))):
        return 0
    rng = random.Random(seed)
    total = sum(STATUS_WEIGHTS.values())
    targets = [s for s, w in STATUS_WEIGHTS.items() for _ in range(round(w * count / total))]
    rng.shuffle(targets)
    year = now.year
    for index, target in enumerate(targets, start=1):
        customer = _customer(session, rng, index, now)
        make, model, price, fuels = rng.choice(CARS)
        build_year = rng.randint(max(year - 14, 2012), year - 1)
        value = _market_value(rng, price, build_year, year)
        story = _story(rng, target, now, value, settings)
        last_at, status = story.steps[-1]
        customer.created_at = story.calculated_at
        if rng.random() < 0.05:
            customer.opted_out_at = story.calculated_at + (now - story.calculated_at) / 2
        case = TradeInCase(
            customer=customer, status=status, status_changed_at=last_at, make=make,
            model=model, build_year=build_year, fuel=rng.choice(fuels),
            mileage_km=max(year - build_year, 1) * rng.randint(8, 22) * 1000,
            market_value_cents=value, calculated_at=story.calculated_at,
            appointment_at=story.appointment_at,
            purchase_price_cents=story.purchase_price_cents,
            decision_count=1 if status in (7, 8) else 0, created_at=story.calculated_at,
            updated_at=last_at,
        )
        # Some long-finished or long-silent cases were already tidied away.
        if status in (5, 7, 8) and now - last_at > timedelta(days=10) and rng.random() < 0.3:
            case.archived_at = last_at + timedelta(days=rng.uniform(3, 9))
        session.add(case)
        session.flush()
        _write_history(session, case, customer, story, settings, rng)
        if case.archived_at:
            _event(session, case.archived_at, "action", "Archivieren", case, "sabine.egger")
        _arm_due(session, case, customer, now, settings)
    session.flush()
    return len(targets)
