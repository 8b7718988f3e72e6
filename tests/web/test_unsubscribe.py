"""Unsubscribe links: GET only asks, POST (RFC 8058 one-click) opts out at once."""
from __future__ import annotations

from sqlalchemy import select

from core import clock, settings
from core.mail import outbox
from core.mail.tokens import unsubscribe_token
from core.models import Customer, Event, OutboxMessage
from core.tradein import service

VALUATION = {"email": "karl.gruber@example.com", "first_name": "Karl", "last_name": "Gruber",
             "make": "Ford", "model": "Focus", "build_year": 2016, "mileage_km": 120000,
             "fuel": "Benzin", "market_value_eur": 7900}


def _customer_with_queued_marketing_mail(db) -> int:
    with db.session(write=True) as session:
        current = settings.load(session)
        case = service.create_valuation(session, current, VALUATION, clock.now())
        service.perform(session, current, case.id, "send_market_value", now=clock.now())
        return case.customer_id


def _customer(db, customer_id: int) -> Customer:
    with db.session() as session:
        return session.get(Customer, customer_id)


async def test_get_asks_and_changes_nothing(web):
    customer_id = _customer_with_queued_marketing_mail(web.db)
    response = await web.api.get(f"/abmelden/{unsubscribe_token(customer_id)}")
    assert response.status_code == 200
    assert "Ja, abmelden" in response.text and 'method="post"' in response.text
    assert "karl.gruber@example.com" not in response.text  # masked address only
    assert _customer(web.db, customer_id).opted_out_at is None


async def test_one_click_post_opts_out_and_cancels_pending_marketing(web):
    customer_id = _customer_with_queued_marketing_mail(web.db)
    token = unsubscribe_token(customer_id)
    response = await web.api.post(f"/abmelden/{token}", content="List-Unsubscribe=One-Click",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert "abgemeldet" in response.text
    assert "location" not in response.headers
    assert _customer(web.db, customer_id).opted_out_at is not None
    with web.db.session() as session:
        statuses = list(session.scalars(select(OutboxMessage.status)))
        kinds = list(session.scalars(select(Event.kind).where(
            Event.customer_id == customer_id)))
    assert statuses == ["cancelled"]
    assert "opted_out" in kinds
    # A second click and the confirmation page both just say so.
    assert (await web.api.post(f"/abmelden/{token}")).status_code == 200
    page = await web.api.get(f"/abmelden/{token}")
    assert "Bereits abgemeldet" in page.text


async def test_opted_out_customer_gets_no_marketing_mail_afterwards(web):
    customer_id = _customer_with_queued_marketing_mail(web.db)
    await web.api.post(f"/abmelden/{unsubscribe_token(customer_id)}")
    with web.db.session(write=True) as session:
        customer = session.get(Customer, customer_id)
        row = outbox.enqueue(session, settings.load(session), clock.now(),
                             idempotency_key="t:reminder",
                             template_key="tradein.reminder", context={}, kind="marketing",
                             to_addr=customer.email, customer=customer)
    assert row is None


async def test_bad_tokens_get_a_friendly_404(web):
    customer_id = _customer_with_queued_marketing_mail(web.db)
    token = unsubscribe_token(customer_id)
    for bad in (token[:-2] + "xx", "nonsense", "x" * 2000):
        for method in (web.api.get, web.api.post):
            response = await method(f"/abmelden/{bad}")
            assert response.status_code == 404
            assert "ungültig" in response.text
    assert _customer(web.db, customer_id).opted_out_at is None
