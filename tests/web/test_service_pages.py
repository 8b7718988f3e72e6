"""The service pages as a logged-in user sees them: tiles, vehicle search and call list on the
overview; the follow-up list (filters, tiles, one invitation, export, opt-outs, rates); the
vehicle page (due dates, matched words, ignored readings, invitations) and its 404."""
from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from core import clock
from core import settings as settings_store
from core.models import Customer
from core.service import demo, recompute
from core.service.models import ServiceInvitation, Vehicle, WorkshopOrder
from core.service.queries import EXPORT_HEADER
from core.winback import demo as winback_demo

# (order number, vehicle, day, text, status, km)
ORDERS = (
    ("W1", "F-1", date(2022, 5, 12), "Jahresservice", "closed", 15_000),
    ("W2", "F-1", date(2023, 5, 15), "Inspektion und Reifenwechsel", "closed", 30_000),
    ("W3", "F-1", date(2024, 5, 20), "Ölservice", "closed", 450_000),  # one digit too many
    ("W4", "F-1", date(2025, 5, 20), "Service inkl. Ölwechsel", "closed", 45_000),
    ("W5", "F-2", date(2026, 11, 20), "Inspektion – Fahrzeug in der Werkstatt", "open", 80_000),
)


def seed(web, now) -> dict[str, int]:
    """Two customers (Anna with a phone, Bernd opted out), two vehicles with orders (F-2 has
    an open inspection order), the due dates computed by core, and one invitation per
    outcome; returns names -> ids."""
    ids: dict[str, int] = {}
    with web.db.session(write=True) as session:
        for key, first, last, phone, opted_out in (
                ("anna", "Anna", "Gruber", "+43 660 123 45 67", None),
                ("bernd", "Bernd", "Huber", "", now - timedelta(days=3))):
            customer = Customer(customer_number=f"K-{key}", first_name=first, last_name=last,
                                email=f"{key}@example.at", phone=phone, created_at=now,
                                marketing_consent=True, opted_out_at=opted_out)
            session.add(customer)
            session.flush()
            ids[key] = customer.id
        for number, plate, make, model, fuel, owner in (
                ("F-1", "L-123AB", "VW", "Golf", "Benzin", "anna"),
                ("F-2", "W-555XY", "Skoda", "Octavia Combi", "Diesel", "bernd")):
            vehicle = Vehicle(vehicle_number=number, customer_number=f"K-{owner}",
                              customer_id=ids[owner], vin=f"WVW{number}", plate=plate,
                              make=make, model=model, fuel=fuel,
                              first_registration=date(2021, 5, 10), mileage=60_000,
                              mileage_on=date(2026, 11, 1), created_at=now)
            session.add(vehicle)
            session.flush()
            ids[number] = vehicle.id
        for number, vehicle, day, text, status, km in ORDERS:
            session.add(WorkshopOrder(order_number=number, vehicle_number=vehicle,
                                      vehicle_id=ids[vehicle], order_date=day, order_text=text,
                                      status=status, mileage=km, amount_cents=24_990))
        session.flush()
        recompute.recompute(session, web.runtime.settings(), now)
        # (key, vehicle, types, due date, status, days since invited, outcome)
        for key, vehicle, types, due, status, days, outcome in (
                ("invited", "F-1", "body", date(2027, 1, 10), "invited", 0, ""),
                ("booked", "F-1", "underbody", date(2026, 12, 20), "booked", 20,
                 "Terminwunsch: 01.12.2026, Vormittag."),
                ("callback", "F-1", "hu", date(2026, 11, 30), "callback", 15,
                 "Kunde bittet um Rückruf."),
                ("call_list", "F-1", "tyres", date(2026, 10, 15), "call_list", 40,
                 "Auf der Anrufliste: keine Reaktion bis zum Fälligkeitstag."),
                ("suppressed", "F-2", "hu", date(2026, 12, 1), "suppressed", None,
                 "Einladung nicht gesendet: Kunde hat sich abgemeldet")):
            invited = now - timedelta(days=days) if days is not None else None
            invitation = ServiceInvitation(
                vehicle_id=ids[vehicle], customer_id=ids["bernd" if vehicle == "F-2" else
                                                         "anna"],
                service_types=types, due_date=due, status=status, invited_at=invited,
                reminded_at=invited + timedelta(days=14) if status == "call_list" else None,
                call_listed_at=now - timedelta(days=2) if status == "call_list" else None,
                callback_at=now - timedelta(days=1) if status == "callback" else None,
                booked_at=now - timedelta(days=19) if status == "booked" else None,
                automated_clicks=0, outcome=outcome, created_at=now)
            session.add(invitation)
            session.flush()
            ids[key] = invitation.id
    return ids


def element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


@pytest.fixture
async def staff(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    return await web.login("sina")


async def test_overview_shows_tiles_and_the_call_list_with_phone_numbers(web, now, staff):
    ids = seed(web, now)
    await staff.open("/service")
    await staff.should_see("Service-Erinnerungen")
    await staff.should_see(marker="tile-call_list-count", content="1", retries=30)
    counts = {key: element(staff, f"tile-{key}-count").text
              for key in ("week", "call_list", "callback", "booked", "excluded")}
    assert counts == {"week": "1", "call_list": "1", "callback": "1", "booked": "1",
                      "excluded": "1"}
    assert element(staff, "tile-callback").props["href"] == \
        "/service/nachverfolgen?kachel=callback"

    await staff.should_see("2 Anrufe", retries=30)
    rows = element(staff, "call-list").rows
    # the oldest due date first: the tyre change due in October, then the HU call-back
    assert [(r["plate"], r["reason"]) for r in rows] == [
        ("L-123AB", "Keine Reaktion"), ("L-123AB", "Rückruf gewünscht")]
    assert rows[0]["tel"] == "tel:+436601234567" and rows[0]["name"] == "Anna Gruber"
    assert rows[0]["types"] == "Reifenwechsel" and rows[0]["due"] == "15.10.2026"
    assert rows[0]["overdue"] == "seit 39 Tagen fällig"
    assert "auf der Liste seit 21.11.2026" in rows[0]["reason_detail"]
    assert rows[1]["types"] == "§57a-Begutachtung (Pickerl)"
    assert rows[1]["reason_detail"].startswith("Bitte um Anruf am 22.11.2026")
    assert rows[1]["href"] == f"/service/fahrzeug/{ids['F-1']}"


async def test_vehicle_search_lists_hits_and_opens_a_single_one(web, now, staff):
    ids = seed(web, now)
    await staff.open("/service")
    staff.find(marker="vehicle-search").type("F-")
    staff.find(marker="vehicle-search-go").click()
    await staff.should_see(marker="vehicle-hit", retries=30)
    assert len(staff.find(marker="vehicle-hit").elements) == 2
    await staff.should_see("Bernd Huber (K-bernd)")

    staff.find(marker="vehicle-search").clear().type("l 123 ab")  # spaces do not matter
    staff.find(marker="vehicle-search-go").click()
    await staff.should_see(marker="vehicle-title", retries=30)
    assert element(staff, "vehicle-title").text == "L-123AB · VW Golf"
    assert element(staff, "vehicle-number").text == "F-1"
    assert ids["F-1"]

    await staff.open("/service")
    staff.find(marker="vehicle-search").type("gibt-es-nicht")
    staff.find(marker="vehicle-search-go").click()
    await staff.should_see("Kein Fahrzeug zu „gibt-es-nicht“ gefunden.", retries=30)


async def test_followup_filters_by_status_type_and_search(web, now, staff):
    seed(web, now)
    await staff.open("/service/nachverfolgen")
    await staff.should_see("5 Einladungen", retries=30)
    table = element(staff, "followup-table")
    # newest invitation first (the held-back one was never sent: no date to sort by)
    sent = [r["status"] for r in table.rows if r["status"] != "suppressed"]
    assert sent == ["invited", "callback", "booked", "call_list"]
    held = next(r for r in table.rows if r["status"] == "suppressed")
    assert held["outcome"] == "Einladung nicht gesendet: Kunde hat sich abgemeldet"

    element(staff, "filter-status").value = "booked"
    await staff.should_see("1 Einladung", retries=30)
    [row] = table.rows
    assert row["status_label"] == "Termin gebucht" and row["booked"] == "04.11.2026"
    assert row["outcome"] == "Terminwunsch: 01.12.2026, Vormittag."

    element(staff, "filter-status").value = ""
    element(staff, "filter-type").value = "hu"
    await staff.should_see("2 Einladungen", retries=30)
    assert {r["plate"] for r in table.rows} == {"L-123AB", "W-555XY"}
    staff.find(marker="filter-search").type("Huber")
    await staff.should_see("1 Einladung", retries=30)
    assert table.rows[0]["name"] == "Bernd Huber"


async def test_tiles_and_invitation_links_open_the_matching_view(web, now, staff):
    ids = seed(web, now)
    await staff.open("/service/nachverfolgen?kachel=callback")
    await staff.should_see("1 Einladung", retries=30)
    assert element(staff, "filter-status").value == "callback"
    assert element(staff, "followup-table").rows[0]["id"] == ids["callback"]

    await staff.open("/service/nachverfolgen?kachel=week")  # invited since Monday
    await staff.should_see("1 Einladung", retries=30)
    assert element(staff, "followup-table").rows[0]["id"] == ids["invited"]
    await staff.should_see("Eingeladen seit Montag, 23.11.2026")
    staff.find(marker="filter-week").trigger("remove")  # the chip's "x": every invitation
    await staff.should_see("5 Einladungen", retries=30)

    await staff.open(f"/service/nachverfolgen?einladung={ids['booked']}")
    await staff.should_see("1 Einladung", retries=30)
    await staff.should_see(f"Nur Einladung {ids['booked']}")

    await staff.open("/service/nachverfolgen?kachel=excluded")
    await staff.should_see("1 Fahrzeug", retries=30)
    [row] = element(staff, "excluded-table").rows
    assert row["plate"] == "W-555XY"
    [due] = row["dues"]
    assert due["label"] == "Inspektion/Wartung"
    assert due["why"] == ("offener Auftrag W5 vom 20.11.2026 (Inspektion/Wartung: "
                          "„Inspektion“)")


async def test_export_has_the_german_header_and_only_the_filtered_rows(web, now, staff):
    ids = seed(web, now)
    await staff.open("/service/nachverfolgen?kachel=call_list")
    await staff.should_see("1 Einladung", retries=30)
    staff.find(marker="export-csv").click()
    response = await staff.download.next()
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == list(EXPORT_HEADER)
    assert rows[0][:3] == ["Einladung", "Fahrzeugnummer", "Kennzeichen"]
    [line] = rows[1:]
    assert line[0] == str(ids["call_list"]) and line[2] == "L-123AB"
    assert line[rows[0].index("Status")] == "auf der Anrufliste"

    staff.find(marker="export-optouts").click()  # the opt-outs for the DMS
    response = await staff.download.next()
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Kundennummer", "E-Mail", "Abgemeldet am"],
                    ["K-bernd", "bernd@example.at", "20.11.2026"]]


async def test_rates_chart_says_when_opens_and_clicks_are_not_measured(web, now, staff):
    seed(web, now)
    await staff.open("/service/nachverfolgen")
    await staff.should_see(marker="tracking-off", retries=30)
    assert "Öffnungen und Klicks werden nicht gemessen" in element(staff, "rates-note").text
    chart = element(staff, "rates-chart").options
    assert [s["name"] for s in chart["series"]] == ["Gebucht"]
    rates = dict(zip(chart["yAxis"]["data"], chart["series"][0]["data"], strict=True))
    assert rates["Unterbodenschutz\n1 eingeladen"] == 100.0  # the one invited booked
    assert rates["Karosserie-Inspektion\n1 eingeladen"] == 0.0
    columns = [c["name"] for c in element(staff, "followup-table").columns]
    assert "opened" not in columns and "clicked" not in columns

    with web.db.session(write=True) as session:
        settings_store.save(session, {"tracking": True})
    await staff.open("/service/nachverfolgen")
    await staff.should_see(marker="rates-chart", retries=30)
    chart = element(staff, "rates-chart").options
    assert [s["name"] for s in chart["series"]] == ["Geöffnet", "Geklickt", "Gebucht"]
    assert "opened" in [c["name"] for c in element(staff, "followup-table").columns]


async def test_vehicle_page_explains_dues_orders_and_ignored_readings(web, now, staff):
    ids = seed(web, now)
    await staff.open(f"/service/fahrzeug/{ids['F-1']}")
    await staff.should_see(marker="vehicle-title", retries=30)
    assert element(staff, "vehicle-mileage").text == "60.000 km am 01.11.2026"
    assert element(staff, "vehicle-owner").props["href"] == f"/kunden/{ids['anna']}"
    assert element(staff, "owner-phone").props["href"] == "tel:+436601234567"

    orders = {o["number"]: o for o in element(staff, "vehicle-orders").rows}
    assert list(orders) == ["W4", "W3", "W2", "W1"]  # newest first
    assert orders["W2"]["matches"] == "Inspektion/Wartung (Inspektion); Reifenwechsel " \
                                      "(Reifenwechsel)"
    assert orders["W4"]["amount"] == "249,90 €" and orders["W4"]["km"] == "45.000 km"
    assert orders["W4"]["status_label"] == "abgeschlossen"

    readings = {r["km"]: r for r in element(staff, "vehicle-readings").rows}
    assert readings["450.000 km"]["ignored"]
    assert readings["450.000 km"]["note"] == "ignoriert: über 150.000 km im Jahr"
    assert readings["450.000 km"]["source"] == "Auftrag W3"
    assert readings["45.000 km"]["note"] == "zählt"

    await staff.should_see(marker="due-inspection")
    inspection = element(staff, "due-inspection")
    texts = [e.text for e in inspection.descendants() if hasattr(e, "text")]
    assert any("nach Inspektion am 20.05.2025" in t for t in texts)

    invitations = element(staff, "vehicle-invitations").rows
    assert {i["status"] for i in invitations} >= {"booked", "callback", "call_list"}
    booked = next(i for i in invitations if i["status"] == "booked")
    assert booked["href"] == f"/service/nachverfolgen?einladung={ids['booked']}"


async def test_an_open_order_shows_why_no_invitation_comes(web, now, staff):
    ids = seed(web, now)
    await staff.open(f"/service/fahrzeug/{ids['F-2']}")
    await staff.should_see(marker="due-inspection", retries=30)
    inspection = element(staff, "due-inspection")
    texts = [e.text for e in inspection.descendants() if hasattr(e, "text")]
    assert "ausgeschlossen: offener Auftrag W5 vom 20.11.2026 (Inspektion/Wartung: " \
           "„Inspektion“)" in texts
    [order] = element(staff, "vehicle-orders").rows
    assert order["status_label"] == "offen"
    await staff.should_see(marker="owner-opted-out")


async def test_unknown_vehicle_shows_the_german_not_found_page(web, now, staff):
    response = await staff.http_client.get("/service/fahrzeug/999999")  # logged in
    assert response.status_code == 404
    assert "Nicht gefunden" in response.text
    assert "Fahrzeug 999999 gibt es nicht." in response.text
    assert "vehicle-title" not in response.text


async def test_customer_page_and_navigation_lead_to_the_service_pages(web, now, staff):
    ids = seed(web, now)
    await staff.open(f"/kunden/{ids['anna']}")
    await staff.should_see(marker="service-panel-vehicle", retries=30)
    assert element(staff, "service-panel-vehicle").props["href"] == \
        f"/service/fahrzeug/{ids['F-1']}"
    await staff.should_see(marker="nav-service")


async def test_pages_render_with_the_demo_data(web, now, staff):
    settings = web.runtime.settings()
    with web.db.session(write=True) as session:
        winback_demo.load_demo(session, settings, clock.now(), count=60)
        assert demo.load_demo(session, settings, clock.now(), count=60) == 60
        vehicle_id = session.query(Vehicle.id).order_by(Vehicle.id).first()[0]
    await staff.open("/service")
    await staff.should_see(marker="call-list", retries=30)
    await staff.should_see("Anrufe", retries=30)
    assert element(staff, "call-list").rows
    await staff.open("/service/nachverfolgen")
    await staff.should_see("Einladungen", retries=30)
    assert element(staff, "followup-table").rows
    await staff.open(f"/service/fahrzeug/{vehicle_id}")
    await staff.should_see(marker="vehicle-dues", retries=30)
    assert element(staff, "vehicle-orders").rows
