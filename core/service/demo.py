"""Demo vehicles with a workshop history for the win-back demo's customers (their owners):
regular inspections with rising mileage, HU/§57a visits, tyre changes, a few open orders and
the odd mistyped mileage, so every part of the service pages has something to show."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.models import Customer
from core.service import duedates, recompute, responses, run
from core.service.models import ServiceInvitation, Vehicle, WorkshopOrder
from core.service.timing import local_today
from core.settings import Settings

MODELS = (  # make, model, fuel, share
    ("VW", "Golf", "Benzin", 14), ("VW", "Passat Variant", "Diesel", 8),
    ("Skoda", "Octavia Combi", "Diesel", 10), ("Skoda", "Fabia", "Benzin", 6),
    ("Audi", "A4 Avant", "Diesel", 6), ("Seat", "Leon", "Benzin", 5),
    ("VW", "ID.3", "Elektro", 6), ("Skoda", "Enyaq", "Elektro", 4),
    ("Toyota", "Yaris", "Hybrid", 5), ("VW", "Polo", "Gas", 2),
)
DISTRICTS = ("L", "LL", "UU", "W", "S", "WE", "FR", "SR")
INSPECTION_TEXTS = ("Jahresservice", "Inspektion lt. Herstellervorgabe", "Service inkl. "
                    "Ölwechsel", "Wartung mit Bremsflüssigkeit", "Ölservice")


def _plate(rng: random.Random) -> str:
    letters = "".join(rng.choice("ABCDEFGHKLMNPRSTUVWXYZ") for _ in range(2))
    return f"{rng.choice(DISTRICTS)}-{rng.randint(100, 999)}{letters}"


def _orders(rng: random.Random, number: str, vehicle_id: int, first: date, fuel: str,
            today: date, km_per_year: int, counter: list[int]) -> list[dict]:
    rows: list[dict] = []

    def add(day: date, text: str, status: str = "closed", cents: int | None = None) -> None:
        counter[0] += 1
        km = round((day - first).days * km_per_year / 365)
        rows.append(dict(order_number=f"W{counter[0]:06d}", vehicle_number=number,
                         vehicle_id=vehicle_id, customer_number="", order_date=day,
                         order_text=text, status=status, mileage=km,
                         amount_cents=cents if cents is not None else rng.randint(9, 80) * 1000))

    # Careful owners come when either the year or the 15,000 km are up.
    every = max(4, min(12, round(12 * 15_000 / km_per_year)))
    day, visit = duedates.add_months(first, every + rng.randint(-1, 1)), 0
    # The timing belt at the visit that comes nearest its 72 months or 120,000 km.
    belt_day, belt_km = duedates.add_months(first, 72), 120_000
    while day < today - timedelta(days=20):
        visit += 1
        extras = ", Karosserie-Inspektion, Unterbodenschutz" if visit % 2 == 0 else ""
        km = (day - first).days * km_per_year / 365
        if fuel != "Elektro" and (day >= belt_day - timedelta(days=60)
                                  or km >= belt_km - 8_000):
            extras += ", Zahnriemen erneuert"
            belt_day, belt_km = duedates.add_months(day, 72), round(km) + 120_000
        add(day, rng.choice(INSPECTION_TEXTS) + extras)
        day = duedates.add_months(day, every + rng.randint(-1, 1))
    if (today - first).days > 3 * 365:
        hu = duedates.add_months(first, 36)
        while hu < today - timedelta(days=30):
            add(hu + timedelta(days=rng.randint(-20, 40)), rng.choice(("§57a-Begutachtung",
                                                                       "Pickerl", "HU/AU")))
            hu = duedates.add_months(hu, 24 if hu == duedates.add_months(first, 36) else 12)
    if rng.random() < 0.6:  # tyre customers: spring and autumn
        for back in (14, 7, 2):
            season = date(today.year - (1 if back > 7 else 0), 4 if back == 7 else 10, 20)
            if first < season < today:
                add(season, "Reifenwechsel inkl. Einlagerung", cents=rng.randint(6, 9) * 1000)
    if rng.random() < 0.06:
        add(today - timedelta(days=rng.randint(1, 10)), "Inspektion – Fahrzeug in der Werkstatt",
            status="open", cents=0)
    if rng.random() < 0.04:  # a mistyped mileage: one digit too many
        rows[-1]["mileage"] = (rows[-1]["mileage"] or 0) * 10 if rows else None
    return rows


def load_demo(session: Session, settings: Settings, now, count: int = 300,
              seed: int = 1001) -> int:
    """Up to `count` vehicles for existing DMS customers unless vehicles exist; returns how
    many were created."""
    if session.scalar(select(func.count(Vehicle.id))):
        return 0
    owners = session.execute(select(Customer.id, Customer.customer_number)
                             .where(Customer.customer_number.is_not(None))
                             .order_by(Customer.id).limit(count)).all()
    rng = random.Random(seed)
    today = local_today(settings, now)
    counter = [0]
    orders: list[dict] = []
    for index, (customer_id, customer_number) in enumerate(owners):
        make, model, fuel, _share = rng.choices(MODELS, [m[3] for m in MODELS])[0]
        first = today - timedelta(days=rng.randint(200, 11 * 365))
        km_per_year = rng.randint(6, 30) * 1000
        vehicle = Vehicle(vehicle_number=f"F-{20000 + index}", customer_number=customer_number,
                          customer_id=customer_id, vin=f"DEMO{rng.randint(10**12, 10**13 - 1)}",
                          plate=_plate(rng), make=make, model=model, fuel=fuel,
                          first_registration=first,
                          mileage=round((today - first).days * km_per_year / 365) - 300,
                          mileage_on=today - timedelta(days=rng.randint(5, 60)), created_at=now)
        session.add(vehicle)
        session.flush()
        for row in _orders(rng, vehicle.vehicle_number, vehicle.id, first, fuel, today,
                           km_per_year, counter):
            orders.append(row | {"customer_number": customer_number, "created_at": now})
    if orders:
        session.execute(insert(WorkshopOrder), orders)
    _past_weeks(session, settings, rng, now)
    recompute.recompute(session, settings, now)
    return len(owners)


def _past_weeks(session: Session, settings: Settings, rng: random.Random, now) -> None:
    """The service run of the last six weeks, with customers answering some invitations, so
    the follow-up page shows every outcome: booked, call-back, reminded, call list."""
    for days_ago in (42, 28, 14, 3):
        at = now - timedelta(days=days_ago)
        recompute.recompute(session, settings, at)
        run.run_due(session, at, settings)
        invited = session.scalars(select(ServiceInvitation).where(
            ServiceInvitation.status == "invited", ServiceInvitation.invited_at == at)).all()
        for invitation in invited:
            answer = rng.random()
            # an answer within three days, but never one from the future
            later = min(at + timedelta(days=rng.randint(1, 3), hours=rng.randint(1, 8)),
                        now - timedelta(hours=rng.randint(1, 6)))
            if answer < 0.25:
                day = local_today(settings, later) + timedelta(days=rng.randint(5, 20))
                wish = responses.Wish(day, rng.choice(("Vormittag", "Nachmittag")))
                responses.book(session, settings, invitation.id, wish, later)
            elif answer < 0.35:
                responses.request_callback(session, settings, invitation.id, later)
