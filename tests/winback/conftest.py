"""Helpers for the win-back tests: DMS customers, order lines, detection runs, actions.

The clock fixture `now` is Monday 23.11.2026 10:00 in Vienna, so with the default 12-month
window the current window is [23.11.2025, 23.11.2026) and the previous one
[23.11.2024, 23.11.2025)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select

from core import clock
from core.mail import sender, templates
from core.models import Customer, Event, OutboxMessage
from core.winback import actions, detection
from core.winback.models import Company, OrderLine, WinbackEntry
from tests.web.conftest import _nicegui_storage, web  # noqa: F401 (the API tests use `web`)

PREVIOUS = date(2025, 3, 10)  # a day in the previous window
CURRENT = date(2026, 3, 10)  # a day in the current window


@pytest.fixture
def wdb(db, now):
    """The test database with the factory templates stored, the clock pinned."""
    with db.session(write=True) as session:
        templates.seed_defaults(session, now)
    return db


@pytest.fixture
def companies(wdb):
    """WIEN with a voucher template and its own sender name, LINZ with only the standard."""
    with wdb.session(write=True) as session:
        session.add_all([
            Company(code="WIEN", name="Autohaus Wien", sender_name="Autohaus Wien Service",
                    voucher_template_key="winback.voucher", created_at=clock.now()),
            Company(code="LINZ", name="Autohaus Linz", created_at=clock.now()),
        ])
    return wdb


def add_customer(db, number: str, **fields) -> int:
    values = {"first_name": "Maria", "last_name": f"Muster{number}", "customer_number": number,
              "email": f"kunde{number}@example.com", "marketing_consent": True,
              "customer_group": "Endkunde", "city": "Wien", "country": "Österreich"} | fields
    with db.session(write=True) as session:
        customer = Customer(created_at=clock.now(), **values)
        session.add(customer)
        session.flush()
        return customer.id


def add_lines(db, customer_id: int, *lines: tuple) -> None:
    """Order lines (day, euros[, product group[, company[, order number]]]); one order per
    line unless an order number is given."""
    with db.session(write=True) as session:
        number = session.scalar(select(Customer.customer_number)
                                .where(Customer.id == customer_id))
        rows = []
        for index, (day, euros, *rest) in enumerate(lines):
            group = rest[0] if len(rest) > 0 else "Werkstatt"
            company = rest[1] if len(rest) > 1 else "WIEN"
            order = rest[2] if len(rest) > 2 else f"A{customer_id}-{day:%Y%m%d}-{index}"
            line = 1 + sum(1 for r in rows if r["order_number"] == order)
            rows.append({"order_number": order, "line": line, "customer_number": number,
                         "customer_id": customer_id, "order_date": day, "company_code": company,
                         "product_group": group, "net_cents": round(euros * 100)})
        session.execute(insert(OrderLine), rows)


def detect(db, settings, **changes) -> detection.DetectionReport:
    with db.session(write=True) as session:
        return detection.run(session, settings.replace(**changes), clock.now())


def entry(db, customer_id: int) -> WinbackEntry:
    with db.session() as session:
        return session.get(WinbackEntry, customer_id)


def set_entry(db, customer_id: int, **values) -> None:
    with db.session(write=True) as session:
        row = session.get(WinbackEntry, customer_id)
        for key, value in values.items():
            setattr(row, key, value)


def act(db, settings, customer_id: int, action: str, data: dict | None = None,
        user=None) -> WinbackEntry:
    with db.session(write=True) as session:
        return actions.perform(session, settings, customer_id, action, data, user=user,
                               actor="test", now=clock.now())


def declining(db, number: str = "1001", company: str = "WIEN", **fields) -> int:
    """A customer with 2.000 € before and 200 € now (90 % decline)."""
    customer_id = add_customer(db, number, **fields)
    add_lines(db, customer_id, (PREVIOUS, 2000, "Reifen", company),
              (CURRENT, 200, "Werkstatt", company))
    return customer_id


def timeline(db, customer_id: int) -> list[str]:
    with db.session() as session:
        return list(session.scalars(select(Event.text).where(Event.customer_id == customer_id)
                                    .order_by(Event.id)))


def outbox_rows(db, customer_id: int) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage)
                                    .where(OutboxMessage.customer_id == customer_id)
                                    .order_by(OutboxMessage.id)))


def drain(db, settings) -> sender.DrainReport:
    return sender.drain(db, settings, clock.now())
