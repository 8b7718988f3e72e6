"""One request holds at most one pooled connection at a time.

Under load a request that took a second connection while holding SQLite's write lock waited
for a pool the other requests had drained, and every request stalled (500s after 30 s)."""
from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import event

from tests.web.conftest import API_KEY
from tests.web.test_api import VALUATION

KEY = {"X-API-Key": API_KEY}


@pytest.fixture
def checkouts(web):
    """Records, per thread, the most connections it held at once."""
    held: Counter[int] = Counter()
    most: Counter[int] = Counter()

    def checkout(*_args) -> None:
        me = threading.get_ident()
        held[me] += 1
        most[me] = max(most[me], held[me])

    def checkin(*_args) -> None:
        held[threading.get_ident()] -= 1

    event.listen(web.db.engine, "checkout", checkout)
    event.listen(web.db.engine, "checkin", checkin)
    yield most
    event.remove(web.db.engine, "checkout", checkout)
    event.remove(web.db.engine, "checkin", checkin)


def _cold(web) -> None:
    # The worst case: the settings cache is empty, so reading settings needs the database.
    web.runtime._settings = None


async def test_api_requests_never_hold_two_connections(web, checkouts):
    _cold(web)
    response = await web.api.post("/api/v1/tradein/valuations", json=VALUATION, headers=KEY)
    assert response.status_code == 201
    case_id = response.json()["case_id"]
    _cold(web)
    response = await web.api.post(f"/api/v1/tradein/cases/{case_id}/actions/send_market_value",
                                  headers=KEY)
    assert response.status_code == 200, response.text
    _cold(web)
    assert (await web.api.get(f"/api/v1/tradein/cases/{case_id}", headers=KEY)).status_code == 200
    _cold(web)
    response = await web.api.get("/api/v1/winback/customers?tile=decline", headers=KEY)
    assert response.status_code == 200
    assert checkouts and max(checkouts.values()) == 1


async def test_pages_never_hold_two_connections(web, checkouts):
    web.add_user("anna", "admin", "anna@autohaus.example")
    user = await web.login("anna")
    response = await web.api.post("/api/v1/tradein/valuations", json=VALUATION, headers=KEY)
    case_id = response.json()["case_id"]
    for path in ("/", f"/ankauf/{case_id}", "/postausgang", "/rueckgewinnung",
                 "/rueckgewinnung/liste", "/vorlagen"):
        _cold(web)
        await user.open(path)
    assert checkouts and max(checkouts.values()) == 1
