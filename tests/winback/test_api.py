"""GET /api/v1/winback/customers: a tile's list for other programs."""
from __future__ import annotations

from tests.web.conftest import API_KEY
from tests.winback.conftest import act, declining, detect

KEY = {"X-API-Key": API_KEY}


async def test_tile_list_as_json(web, now, settings):
    first = declining(web.db, "4001", first_name="Eva", last_name="Gruber")
    second = declining(web.db, "4002")
    detect(web.db, settings)
    act(web.db, settings, second, "no_interest")

    response = await web.api.get("/api/v1/winback/customers?tile=decline", headers=KEY)
    assert response.status_code == 200
    assert response.json() == [{
        "customer_number": "4001", "name": "Eva Gruber", "previous_revenue": 2000.0,
        "current_revenue": 200.0, "decline_percent": 90.0, "status": "open"}]
    closed = (await web.api.get("/api/v1/winback/customers", params={"tile": "no_interest"},
                                headers=KEY)).json()
    assert [c["customer_number"] for c in closed] == ["4002"]
    assert closed[0]["status"] == "no_interest"
    for tile in ("due", "mailed", "offer", "won_back"):
        response = await web.api.get(f"/api/v1/winback/customers?tile={tile}", headers=KEY)
        assert response.status_code == 200 and response.json() == []
    assert first


async def test_unknown_tile_is_422_in_german_and_key_is_required(web, now):
    response = await web.api.get("/api/v1/winback/customers?tile=alle", headers=KEY)
    assert response.status_code == 422
    assert "Unbekannte Kachel „alle“" in response.json()["errors"]["tile"]
    missing = await web.api.get("/api/v1/winback/customers?tile=decline", headers=KEY | {
        "X-API-Key": "falsch"})
    assert missing.status_code == 401
