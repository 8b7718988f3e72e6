"""Customers as the modules create them: DMS customers (customer number, order lines, a
win-back entry) and website customers (a valuation through the trade-in service)."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from core.mail import templates
from core.models import Customer
from core.settings import Settings
from core.tradein import service
from core.winback import detection
from core.winback.models import OrderLine
from tests.web.conftest import _nicegui_storage, web  # noqa: F401 (the page tests use `web`)

VEHICLE = {"make": "Skoda", "model": "Octavia", "build_year": 2019, "mileage_km": 84500,
           "fuel": "Diesel", "market_value_eur": 14250}


@pytest.fixture
def cdb(db, now):
    """The test database with the factory mail templates, the clock pinned."""
    with db.session(write=True) as session:
        templates.seed_defaults(session, now)
    return db


def add_dms(session, number: str, first: str, last: str, email: str = "", now: datetime | None
            = None, **fields) -> int:
    """A DMS customer as the import leaves it (e-mail lower-case)."""
    customer = Customer(customer_number=number, first_name=first, last_name=last,
                        email=email.lower(), created_at=now or datetime.now().astimezone(),
                        **fields)
    session.add(customer)
    session.flush()
    return customer.id


def add_orders(session, settings: Settings, customer_id: int, number: str, now: datetime,
               previous_eur: int = 5_000, current_eur: int = 1_000) -> None:
    """Two order lines (previous and current window) and a detection run: the customer gets
    a win-back entry with a decline."""
    start = session.scalar(select(func.count(OrderLine.id))) or 0
    for line, (day, euros) in enumerate(((date(2025, 3, 10), previous_eur),
                                         (date(2026, 3, 10), current_eur)), start=start + 1):
        session.add(OrderLine(order_number=f"A-{number}-{line}", line=1, customer_number=number,
                              customer_id=customer_id, order_date=day, company_code="WIEN",
                              product_group="Service", net_cents=euros * 100))
    session.flush()
    detection.run(session, settings, now)


def add_valuation(session, settings: Settings, email: str, now: datetime, first: str = "Maria",
                  last: str = "Huber", phone: str = "") -> tuple[int, int]:
    """A website valuation: (case id, customer id); a new customer unless the e-mail is
    known already."""
    case = service.create_valuation(session, settings, {
        "email": email, "first_name": first, "last_name": last, "phone": phone, **VEHICLE},
        now)
    return case.id, case.customer_id
