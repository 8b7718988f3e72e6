"""The website's JSON API: what another program sees (status codes, bodies, stored data)."""
from __future__ import annotations

from sqlalchemy import func, select

from core.models import Customer, OutboxMessage
from core.tradein.models import TradeInCase
from tests.web.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}
VALUATION = {
    "email": "Maria.Huber@Example.com", "first_name": "Maria", "last_name": "Huber",
    "phone": "+43 660 1234567", "make": "Skoda", "model": "Octavia Combi", "build_year": 2019,
    "mileage_km": 84500, "fuel": "Diesel", "market_value_eur": 14250.5,
}


def _count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


async def _new_case(web) -> int:
    response = await web.api.post("/api/v1/tradein/valuations", json=VALUATION, headers=KEY)
    assert response.status_code == 201, response.text
    return response.json()["case_id"]


async def test_valuation_creates_case_in_status_1(web):
    response = await web.api.post("/api/v1/tradein/valuations", json=VALUATION, headers=KEY)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == 1 and body["case_id"] > 0 and body["customer_id"] > 0
    with web.db.session() as session:
        case = session.get(TradeInCase, body["case_id"])
        assert case.market_value_cents == 1425050
        assert case.customer.email == "maria.huber@example.com"


async def test_missing_or_wrong_key_is_401_and_stores_nothing(web):
    for headers in ({}, {"X-API-Key": "falsch"}):
        response = await web.api.post("/api/v1/tradein/valuations", json=VALUATION,
                                      headers=headers)
        assert response.status_code == 401
        assert "API-Schlüssel" in response.json()["detail"]
    assert (await web.api.get("/api/v1/tradein/cases/1")).status_code == 401
    assert (await web.api.post("/api/v1/tradein/cases/1/actions/archive")).status_code == 401
    assert _count(web.db, TradeInCase) == 0


async def test_invalid_valuation_is_422_per_field_in_german_and_stores_nothing(web):
    bad = VALUATION | {"email": "kein-at-zeichen", "build_year": "neu", "last_name": "A\r\nBcc: x"}
    del bad["market_value_eur"]
    response = await web.api.post("/api/v1/tradein/valuations", json=bad, headers=KEY)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"email", "build_year", "last_name", "market_value_eur"}
    assert "keine gültige E-Mail-Adresse" in errors["email"]
    assert "Zeilenumbrüche" in errors["last_name"]
    assert _count(web.db, TradeInCase) == 0
    assert _count(web.db, Customer) == 0


async def test_body_that_is_not_a_json_object_is_422(web):
    for content in (b"", b"{kaputt", b"[1, 2]"):
        response = await web.api.post("/api/v1/tradein/valuations", content=content,
                                      headers=KEY | {"Content-Type": "application/json"})
        assert response.status_code == 422
        assert "body" in response.json()["errors"]


async def test_action_changes_status_and_queues_mail(web):
    case_id = await _new_case(web)
    response = await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/send_market_value",
                                  headers=KEY)
    assert response.status_code == 200
    assert response.json() == {"case_id": case_id, "status": 2,
                               "status_label": "Marktwertmail gesendet"}
    with web.db.session() as session:
        mail = session.scalar(select(OutboxMessage).where(OutboxMessage.module == "tradein",
                                                          OutboxMessage.record_id == case_id))
        assert mail.to_addr == "maria.huber@example.com"


async def test_action_with_data_and_missing_data(web, now):  # the appointment lies ahead
    case_id = await _new_case(web)
    url = f"/api/v1/tradein/cases/{case_id}/actions/"
    assert (await web.api.post(url + "request_appointment", headers=KEY)).status_code == 200
    missing = await web.api.post(url + "confirm_appointment", json={}, headers=KEY)
    assert missing.status_code == 422
    assert "appointment_at" in missing.json()["errors"]
    ok = await web.api.post(url + "confirm_appointment",
                            json={"appointment_at": "2026-12-03T10:00:00+01:00"}, headers=KEY)
    assert ok.status_code == 200 and ok.json()["status"] == 4
    no_price = await web.api.post(url + "send_offer", json={}, headers=KEY)
    assert no_price.status_code == 422
    assert "Ankaufspreis" in no_price.json()["errors"]["purchase_price_eur"]


async def test_action_not_allowed_in_status_is_409_with_reason(web):
    case_id = await _new_case(web)
    response = await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/set_bought",
                                  headers=KEY)
    assert response.status_code == 409
    assert "Marktwert berechnet" in response.json()["detail"]
    with web.db.session() as session:
        assert session.get(TradeInCase, case_id).status == 1


async def test_unknown_case_or_action_is_404(web):
    assert (await web.api.get("/api/v1/tradein/cases/999", headers=KEY)).status_code == 404
    response = await web.api.post("/api/v1/tradein/cases/999/actions/archive", headers=KEY)
    assert response.status_code == 404
    case_id = await _new_case(web)
    response = await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/zaubern",
                                  headers=KEY)
    assert response.status_code == 404


async def test_get_case_shows_status_customer_and_events(web):
    case_id = await _new_case(web)
    await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/request_appointment",
                       headers=KEY)
    response = await web.api.get(f"/api/v1/tradein/cases/{case_id}", headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == 3 and body["status_label"] == "Termin angefragt"
    assert body["customer"]["email"] == "maria.huber@example.com"
    assert body["customer"]["opted_out"] is False
    kinds = [e["kind"] for e in body["events"]]
    assert "valuation" in kinds and "action" in kinds
