"""Bad input at the edge: always a clear German 4xx, never a 500, nothing stored.

The values here are exactly those that answered 500 (or sent a confirmation they should not
have) before the edge validated ranges, text encoding, nesting depth and ids."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from core.mail.tokens import unsubscribe_token
from core.models import Customer, Event, OutboxMessage
from core.tradein.links import booking_token
from core.tradein.models import TradeInCase
from tests.web.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}
JSON_KEY = KEY | {"Content-Type": "application/json"}
VALUATION = {
    "email": "maria.huber@example.com", "first_name": "Maria", "last_name": "Huber",
    "phone": "+43 660 1234567", "make": "Skoda", "model": "Octavia Combi", "build_year": 2019,
    "mileage_km": 84500, "fuel": "Diesel", "market_value_eur": 14250.5,
}
TEXT_FIELDS = ("email", "first_name", "last_name", "phone", "make", "model", "fuel")
HUGE_IDS = (2**31, 2**63, 2**64, 10**30, -(2**63) - 1)  # 2**31: past PostgreSQL's INTEGER
# The `now` fixture pins Monday 23.11.2026, 10:00 in Vienna.
GOOD_SLOT = "2026-12-03T10:00:00+01:00"  # a Thursday morning


def _raw(body: dict) -> bytes:
    """JSON as a website may send it: \\ud800 escapes and Infinity are kept as written."""
    return json.dumps(body).encode()


def _counts(db) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (TradeInCase, Customer, OutboxMessage, Event))


async def _post(web, url: str, body: dict | bytes):
    content = body if isinstance(body, bytes) else _raw(body)
    return await web.api.post(url, content=content, headers=JSON_KEY)


async def _case_in_status_3(web) -> int:
    response = await _post(web, "/api/v1/tradein/valuations", VALUATION)
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    response = await _post(web, f"/api/v1/tradein/cases/{case_id}/actions/request_appointment",
                           {})
    assert response.status_code == 200, response.text
    return case_id


@pytest.mark.parametrize("value", [1e308, -1e308, float("inf"), "1e400", float("nan"),
                                   10**400, 10**30, 10_000_000.01])
async def test_absurd_money_is_422_for_the_field(web, now, value):
    before = _counts(web.db)
    response = await _post(web, "/api/v1/tradein/valuations",
                           VALUATION | {"market_value_eur": value})
    assert response.status_code == 422, response.text
    message = response.json()["errors"]["market_value_eur"]
    assert "Marktwert" in message
    assert any(word in message for word in ("kein Eurobetrag", "unplausibel hoch",
                                            "größer als 0"))
    assert _counts(web.db) == before


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x","klick")', "@SUM(1)", "0664 abc"])
async def test_a_phone_number_that_is_no_phone_number_is_422(web, now, value):
    before = _counts(web.db)
    response = await _post(web, "/api/v1/tradein/valuations", VALUATION | {"phone": value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"]["phone"] == (
        "Telefonnummer: nur Ziffern, Leerzeichen und + / ( ) - erlaubt.")
    assert _counts(web.db) == before


async def test_infinity_literal_and_purchase_price_overflow_are_422(web, now):
    before = _counts(web.db)
    body = _raw(VALUATION).replace(b"14250.5", b"Infinity")
    response = await _post(web, "/api/v1/tradein/valuations", body)
    assert response.status_code == 422
    assert "kein Eurobetrag" in response.json()["errors"]["market_value_eur"]
    assert _counts(web.db) == before
    case_id = await _case_in_status_3(web)
    url = f"/api/v1/tradein/cases/{case_id}/actions/"
    assert (await _post(web, url + "confirm_appointment",
                        {"appointment_at": GOOD_SLOT})).status_code == 200
    before = _counts(web.db)
    for price in (1e308, -1e308, "1e400", "Infinity"):
        response = await _post(web, url + "send_offer", {"purchase_price_eur": price})
        assert response.status_code == 422, (price, response.text)
        assert "Ankaufspreis" in response.json()["errors"]["purchase_price_eur"]
    assert _counts(web.db) == before


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "9999-12-31T23:59:59-23:59",
                                   "1899-12-31T10:00:00+01:00", "31.12.1999 23:00"])
async def test_calculated_at_outside_a_sane_window_is_422(web, now, value):
    before = _counts(web.db)
    response = await _post(web, "/api/v1/tradein/valuations",
                           VALUATION | {"calculated_at": value})
    assert response.status_code == 422, response.text
    message = response.json()["errors"]["calculated_at"]
    assert "Berechnungszeitpunkt" in message
    assert _counts(web.db) == before


@pytest.mark.parametrize("field", TEXT_FIELDS)
async def test_lone_surrogate_in_a_text_field_is_422(web, now, field):
    before = _counts(web.db)
    response = await _post(web, "/api/v1/tradein/valuations",
                           VALUATION | {field: "Ma\ud800ria"})
    assert response.status_code == 422, response.text
    assert "ungültige Zeichen" in response.json()["errors"][field]
    assert _counts(web.db) == before


async def test_lone_surrogate_in_dates_and_amounts_is_422_without_echoing_it(web, now):
    for field in ("calculated_at", "market_value_eur", "build_year"):
        response = await _post(web, "/api/v1/tradein/valuations",
                               VALUATION | {field: "\udfff12"})
        assert response.status_code == 422, response.text
        assert field in response.json()["errors"]
    assert _counts(web.db) == (0, 0, 0, 0)


async def test_json_nested_100000_levels_is_422(web, now):
    for body in (b"[" * 100_000 + b"]" * 100_000,
                 b'{"email": ' + b'{"a": ' * 100_000 + b"1" + b"}" * 100_001,
                 b"[" * 60 + b"]" * 60):
        response = await _post(web, "/api/v1/tradein/valuations", body)
        assert response.status_code == 422
        assert "verschachtelt" in response.json()["errors"]["body"]
    assert _counts(web.db) == (0, 0, 0, 0)


@pytest.mark.parametrize("case_id", HUGE_IDS)
async def test_ids_beyond_64_bits_are_404_in_german(web, now, case_id):
    response = await web.api.get(f"/api/v1/tradein/cases/{case_id}", headers=KEY)
    assert response.status_code == 404
    assert "gibt es nicht" in response.json()["detail"]
    response = await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/archive",
                                  headers=KEY)
    assert response.status_code == 404
    assert "gibt es nicht" in response.json()["detail"]


async def test_page_paths_with_ids_beyond_64_bits_say_not_found(web, now):
    web.add_user("sina", "service")
    user = await web.login("sina")
    await user.open(f"/ankauf/{2**63}")
    await user.should_see("gibt es nicht", retries=30)
    await user.open(f"/rueckgewinnung/kunde/{2**64}")
    await user.should_see("gibt es nicht", retries=30)


@pytest.mark.parametrize("value", [
    "31.12.9999 10:00",  # far future
    "0001-01-01T00:00",  # before UTC can express it
    "9999-12-31T23:59:59-23:59",  # after UTC can express it
    "01.01.1900 10:00",  # long past
    "20.11.2026 10:00",  # last Friday: already past
    "2026-11-29T03:00:00+01:00",  # a Sunday at 03:00
    "08.12.2026 10:00",  # Mariä Empfängnis, a public holiday in Austria
    "24.12.2026 10:00",  # a closing day of the default settings
    "02.12.2026 19:30",  # a Wednesday after closing time
])
async def test_implausible_appointment_is_422_and_sends_nothing(web, now, value):
    case_id = await _case_in_status_3(web)
    before = _counts(web.db)
    response = await _post(web, f"/api/v1/tradein/cases/{case_id}/actions/confirm_appointment",
                           {"appointment_at": value})
    assert response.status_code == 422, response.text
    assert response.json()["errors"]["appointment_at"]
    assert _counts(web.db) == before
    with web.db.session() as session:
        assert session.get(TradeInCase, case_id).status == 3


async def test_appointment_outside_hours_with_a_reason_is_confirmed_and_recorded(web, now):
    case_id = await _case_in_status_3(web)
    url = f"/api/v1/tradein/cases/{case_id}/actions/confirm_appointment"
    refused = await _post(web, url, {"appointment_at": "2026-11-29T10:00:00+01:00"})
    assert refused.status_code == 422
    assert "Sonntag" in refused.json()["errors"]["appointment_at"]
    assert "Begründung" in refused.json()["errors"]["appointment_at"]
    response = await _post(web, url, {"appointment_at": "2026-11-29T10:00:00+01:00",
                                      "override_reason": "Sondertermin Hausmesse"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == 4
    case = (await web.api.get(f"/api/v1/tradein/cases/{case_id}", headers=KEY)).json()
    texts = [e["text"] for e in case["events"] if e["kind"] == "action"]
    assert any("außerhalb der Öffnungszeiten" in t and "Sondertermin Hausmesse" in t
               for t in texts)
    with web.db.session() as session:
        event = session.scalars(select(Event).where(Event.module == "tradein",
                                                    Event.record_id == case_id,
                                                    Event.kind == "action")
                                .order_by(Event.id.desc())).first()
        assert event.data["override_reason"] == "Sondertermin Hausmesse"


async def test_wrong_path_type_method_and_path_answer_in_german_json(web, now):
    response = await web.api.get("/api/v1/tradein/cases/abc", headers=KEY)
    assert response.status_code == 422
    assert "ganze Zahl" in response.json()["errors"]["case_id"]
    response = await web.api.get("/api/v1/tradein/valuations", headers=KEY)
    assert response.status_code == 405
    assert "nicht erlaubt" in response.json()["detail"]
    assert "POST" in response.headers["allow"]
    response = await web.api.delete("/api/v1/tradein/cases/1", headers=KEY)
    assert response.status_code == 405 and "nicht erlaubt" in response.json()["detail"]
    response = await web.api.get("/api/v1/gibt-es-nicht", headers=KEY)
    assert response.status_code == 404
    assert "gibt es nicht" in response.json()["detail"]
    page = await web.api.get("/gibt-es-nicht")  # outside the API: the console's own 404 page
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


async def test_head_on_public_pages_answers_like_get_without_body(web, now):
    response = await _post(web, "/api/v1/tradein/valuations", VALUATION)
    case_id, customer_id = response.json()["case_id"], response.json()["customer_id"]
    for path in (f"/termin/{booking_token(case_id)}", f"/abmelden/{unsubscribe_token(customer_id)}",
                 "/termin/kaputt", "/login"):
        get = await web.api.get(path)
        head = await web.api.head(path)
        assert head.status_code == get.status_code, path
        assert get.status_code < 500 and head.status_code < 500
        assert head.content == b""
    with web.db.session() as session:
        assert session.get(Customer, customer_id).opted_out_at is None  # HEAD asks nothing
