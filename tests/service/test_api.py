"""GET /api/v1/service/vehicles/{vehicle_number} and /api/v1/service/invitations."""
from __future__ import annotations

from tests.service.conftest import customer, local, order, tick, vehicle
from tests.web.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}


async def test_a_vehicle_s_due_dates_with_basis_and_next_contact(web, now, settings):
    customer(web.db)
    vehicle(web.db)
    order(web.db, "A1", "05.01.2026", "Jahresservice")
    order(web.db, "A2", "20.11.2026", "Unterbodenschutz erneuern", status="offen")
    response = await web.api.get("/api/v1/service/vehicles/F1", headers=KEY)
    assert response.status_code == 200
    body = response.json()
    assert body["vehicle_number"] == "F1" and body["customer_number"] == "1001"
    due = {d["service_type"]: d for d in body["due"]}
    assert set(due) == {"inspection", "body", "underbody", "hu", "timing_belt"}
    assert due["inspection"] == {
        "service_type": "inspection", "due_date": "2027-01-05", "basis": "time",
        "reason": "12 Monate nach Inspektion am 05.01.2026",
        "next_contact": {"kind": "invitation", "at": "2026-12-09T08:00:00+00:00"},
        "suppressed": None}
    assert due["underbody"]["next_contact"] is None
    assert "offener Auftrag A2" in due["underbody"]["suppressed"]
    assert due["hu"]["due_date"] == "2028-06-01"  # §57a: registration month, 3 years later


async def test_invitations_by_vehicle_and_status(web, now, settings):
    customer(web.db)
    vehicle(web.db)
    order(web.db, "A1", "05.01.2026", "Jahresservice")
    assert (await web.api.get("/api/v1/service/invitations", headers=KEY)).json() == []
    tick(web.db, settings, local(2026, 12, 9))
    listed = (await web.api.get("/api/v1/service/invitations?vehicle_number=F1",
                                headers=KEY)).json()
    assert listed == [{"vehicle_number": "F1", "service_types": ["inspection"],
                       "due_date": "2027-01-05", "sent_at": "2026-12-09T08:00:00+00:00",
                       "status": "sent"}]
    assert (await web.api.get("/api/v1/service/invitations?status=booked",
                              headers=KEY)).json() == []
    assert len((await web.api.get("/api/v1/service/invitations?status=sent",
                                  headers=KEY)).json()) == 1


async def test_unknown_vehicle_is_404_and_unknown_status_422_in_german(web, now):
    missing = await web.api.get("/api/v1/service/vehicles/F-404", headers=KEY)
    assert missing.status_code == 404
    assert "Fahrzeugnummer „F-404“ ist unbekannt" in missing.json()["detail"]
    wrong = await web.api.get("/api/v1/service/invitations?status=offen", headers=KEY)
    assert wrong.status_code == 422 and "Unbekannter Status „offen“" in \
        wrong.json()["errors"]["status"]
    assert (await web.api.get("/api/v1/service/invitations")).status_code == 401
