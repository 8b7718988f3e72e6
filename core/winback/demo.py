"""Win-back demo data: ~400 DMS customers with 30 months of order lines over three companies,
then the detection and a believable state of the worklist, so every tile has entries.

Deterministic (seeded, dates relative to `now`). Like the trade-in demo it writes no outbox
rows: earlier contacts appear as timeline events only, so starting the demo mails nobody."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core import events
from core.demo_names import FIRST_NAMES, LAST_NAMES
from core.demo_names import ascii_local_part as _ascii
from core.models import Customer
from core.settings import Settings
from core.winback import detection
from core.winback.flow import STATUS_LABELS
from core.winback.mails import VOUCHER_KEY
from core.winback.models import Company, OrderLine, WinbackEntry

# code, name, sender name, voucher template, share of customers
COMPANIES = (
    ("WIEN", "Autohaus Wien Mitte", "Autohaus Wien Mitte – Kundenservice", VOUCHER_KEY, 0.45),
    ("LINZ", "Autohaus Linz", "Autohaus Linz", None, 0.35),
    ("GRAZ", "Autohaus Graz Süd", "", None, 0.20),
)
CITIES = (("Wien", "Österreich"), ("Linz", "Österreich"), ("Graz", "Österreich"),
          ("Wels", "Österreich"), ("St. Pölten", "Österreich"), ("Salzburg", "Österreich"),
          ("Passau", "Deutschland"))
GROUPS = (("Endkunde", 0.7), ("Gewerbe", 0.2), ("Flotte", 0.1))
# product group -> (low, high) net amount of a line in euros
PRODUCTS = {"Werkstatt": (90, 900), "Reifen": (120, 1100), "Teile": (20, 450),
            "Zubehör": (15, 300), "Lack & Karosserie": (250, 2600), "Fahrzeugpflege": (30, 180)}
# revenue trend of a customer: (weight, factor for the current window against the previous)
TRENDS = {"steady": (40, 1.0), "declining": (36, 0.35), "lapsed": (8, 0.0), "new": (8, None),
          "growing": (8, 1.6)}
HISTORY_MONTHS = 30
STAFF = ("sabine.egger", "martin.koller")
WEBSITE_TWINS = 3  # DMS customers who are also website customers (suggested duplicates)


def _companies(session: Session, now: datetime) -> list[Company]:
    known = {c.code: c for c in session.scalars(select(Company))}
    for code, name, sender, voucher, _share in COMPANIES:
        if code not in known:
            known[code] = Company(code=code, name=name, sender_name=sender,
                                  standard_template_key="winback.standard",
                                  voucher_template_key=voucher, created_at=now)
            session.add(known[code])
    session.flush()
    return [known[code] for code, *_rest in COMPANIES]


def _customer(rng: random.Random, number: int, now: datetime) -> Customer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    group = rng.choices([g for g, _w in GROUPS], [w for _g, w in GROUPS])[0]
    city, country = rng.choice(CITIES)
    company_name = f"{last} {rng.choice(('GmbH', 'KG', 'e.U.'))}" if group != "Endkunde" else ""
    return Customer(
        customer_number=f"{number}", first_name=first, last_name=last,
        company_name=company_name, city=city, country=country, customer_group=group,
        email="" if rng.random() < 0.04 else f"{_ascii(first)}.{_ascii(last)}{number}@example.at",
        phone=f"+43 6{rng.randint(50, 99)} {rng.randint(1000000, 9999999)}",
        marketing_consent=rng.random() < 0.7, created_at=now,
        opted_out_at=now - timedelta(days=rng.randint(20, 300)) if rng.random() < 0.03 else None)


def _also_website_customers(session: Session, customers: list[Customer]) -> None:
    """A few DMS customers are people who also asked for something on the website (another
    module's demo met them first, without a customer number): same name and address, so the
    customer page shows them as a suggested duplicate to merge."""
    website = session.scalars(select(Customer).where(Customer.customer_number.is_(None),
                                                     Customer.email != "")
                              .order_by(Customer.id).limit(len(customers)))
    for customer, known in zip(customers, website, strict=False):
        customer.first_name, customer.last_name = known.first_name, known.last_name
        customer.email, customer.company_name = known.email, ""
        customer.customer_group = "Endkunde"


def _orders(rng: random.Random, customer: Customer, home: str, trend: str, today: date,
            window: int, numbers: dict[str, int]) -> list[dict]:
    """Order lines of one customer over the history, shaped by its trend."""
    current_start = detection.add_months(today, -window)
    first_day = detection.add_months(today, -HISTORY_MONTHS)
    if trend == "new":
        first_day = current_start + timedelta(days=rng.randint(0, 200))
    per_year = rng.uniform(3, 9) * (3 if customer.customer_group == "Flotte" else 1)
    factor = TRENDS[trend][1]
    rows, day = [], first_day + timedelta(days=rng.randint(0, 60))
    while day < today:
        keep = True
        if day >= current_start and factor is not None and factor < 1:
            keep = rng.random() < factor
        if keep:
            rows.extend(_order_lines(rng, customer, home, day, numbers))
        gap = rng.expovariate(per_year * (factor if factor and factor > 1 else 1) / 365)
        day += timedelta(days=max(7, int(gap)))
    return rows


def _order_lines(rng: random.Random, customer: Customer, home: str, day: date,
                 numbers: dict[str, int]) -> list[dict]:
    company = home if rng.random() < 0.9 else rng.choice([c[0] for c in COMPANIES])
    numbers[company] += 1
    number = f"{company[0]}{day:%y}-{numbers[company]:05d}"
    lines = []
    for line in range(1, rng.choice((1, 1, 2, 2, 3, 4)) + 1):
        group = rng.choice(list(PRODUCTS))
        low, high = PRODUCTS[group]
        cents = rng.randint(low, high) * 100 + rng.choice((0, 50, 90))
        if rng.random() < 0.03:
            cents = -cents // 3  # a credit note on the order
        lines.append({"order_number": number, "line": line,
                      "customer_number": customer.customer_number, "customer_id": customer.id,
                      "order_date": day, "company_code": company, "product_group": group,
                      "net_cents": cents})
    return lines


def _at(today: date, days_ago: int, hour: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(today - timedelta(days=days_ago), time(hour, 15), tzinfo=zone)


def _event(session: Session, at: datetime, text: str, customer_id: int, actor: str,
           data: dict) -> None:
    # Demo history happened in the past: the event is stamped with its own instant.
    events.record(session, at, "action", f"Rückgewinnung: {text}",
                  customer_id=customer_id, module="winback", record_id=customer_id,
                  actor=actor, data=data)


def _contact(session: Session, entry: WinbackEntry, status: str, at: datetime, actor: str,
             text: str) -> None:
    entry.status, entry.status_changed_at, entry.contacted_at = status, at, at
    _event(session, at, f"{text} – Status: {STATUS_LABELS['open']} → {STATUS_LABELS[status]}",
           entry.customer_id, actor, {"action": "demo", "from": "open", "to": status})


def _work_the_list(session: Session, rng: random.Random, settings: Settings, today: date,
                   numbers: dict[str, int]) -> None:
    """Put some declining customers into every status, as staff would have done."""
    zone = ZoneInfo(settings.timezone)
    # Only customers staff may mail: the history must not show a mail after an objection.
    declines = list(session.scalars(
        select(WinbackEntry).join(Customer, Customer.id == WinbackEntry.customer_id)
        .where(WinbackEntry.is_decline.is_(True), Customer.opted_out_at.is_(None),
               Customer.email != "")
        .where(WinbackEntry.last_order_date < today - timedelta(days=45))
        .order_by(WinbackEntry.customer_id)))
    rng.shuffle(declines)
    plan = (["mailed"] * 22 + ["offer"] * 10 + ["no_interest"] * 12 + ["won_back"] * 12
            + ["due"] * 14)
    for entry, target in zip(declines, plan, strict=False):
        actor, at = rng.choice(STAFF), _at(today, rng.randint(3, 40), rng.randint(8, 16), zone)
        if target in ("mailed", "won_back"):
            _contact(session, entry, "mailed", at, actor, "E-Mail „Standard“ an den Kunden")
        elif target == "offer":
            _contact(session, entry, "offer", at, actor,
                     "Angebot erstellen – Vermerk: Service-Paket anbieten")
        elif target == "no_interest":
            entry.status, entry.status_changed_at = "no_interest", at
            _event(session, at, "Kein Interesse – Status: Offen → Kein Interesse",
                   entry.customer_id, actor, {"action": "no_interest"})
        else:  # due: a reminder set earlier has come up
            entry.remind_on = today - timedelta(days=rng.randint(0, 3))
            _event(session, at, f"Erinnerung: am {entry.remind_on:%d.%m.%Y}",
                   entry.customer_id, actor, {"action": "remind"})
        if target == "won_back":  # came back after the mail: the next detection sees it
            customer = session.get(Customer, entry.customer_id)
            order_day = min(at.date() + timedelta(days=rng.randint(2, 10)),
                            today - timedelta(days=1))
            session.execute(insert(OrderLine), _order_lines(
                rng, customer, entry.last_company_code or "WIEN", order_day, numbers))


def load_demo(session: Session, settings: Settings, now: datetime, count: int = 400,
              seed: int = 3003) -> int:
    """Create `count` DMS customers with orders unless order lines exist; returns how many."""
    if session.scalar(select(func.count(OrderLine.id))):
        return 0
    rng = random.Random(seed)
    today = detection.local_today(settings, now)
    _companies(session, now)
    start = 100000 + (session.scalar(select(func.count(Customer.id))) or 0)
    customers = [_customer(rng, start + i, now) for i in range(count)]
    _also_website_customers(session, customers[:WEBSITE_TWINS])
    session.add_all(customers)
    session.flush()
    numbers = {code: 0 for code, *_rest in COMPANIES}
    homes = [code for code, *_r in COMPANIES]
    shares = [share for *_r, share in COMPANIES]
    trends = list(TRENDS)
    weights = [w for w, _f in TRENDS.values()]
    lines: list[dict] = []
    for customer in customers:
        home = rng.choices(homes, shares)[0]
        trend = rng.choices(trends, weights)[0]
        lines.extend(_orders(rng, customer, home, trend, today,
                             settings.winback_window_months, numbers))
    session.execute(insert(OrderLine), lines)
    detection.run(session, settings, now)
    _work_the_list(session, rng, settings, today, numbers)
    detection.run(session, settings, now)
    session.flush()
    return count
