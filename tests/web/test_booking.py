"""The public booking page (/termin/{token}) a customer opens from a trade-in mail."""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from nicegui import core as nicegui_core
from sqlalchemy import select

from core import actions, clock
from core import settings as settings_mod
from core.mail.tokens import unsubscribe_token
from core.models import Customer, Event, OutboxMessage
from core.tradein import mails, queries, service, wishes
from core.tradein.actions import FLOW
from core.tradein.links import booking_token
from core.tradein.models import TradeInCase

# The `now` fixture pins Monday 23.11.2026, 10:00 in Vienna.
VALUATION = {"email": "eva.leitner@example.at", "first_name": "Eva", "last_name": "Leitner",
             "phone": "+43 664 1112233", "make": "Skoda", "model": "Octavia Combi",
             "build_year": 2019, "mileage_km": 84500, "fuel": "Diesel",
             "market_value_eur": "14.250,00"}
WISH = {"day": "2026-12-01", "window": "nachmittag", "time": "", "phone": "+43 664 9998877",
        "note": "Bitte vorher kurz anrufen.\nZweitschlüssel ist dabei."}


@pytest.fixture
async def site(web, now):
    """The console with the booking page registered (app.build does it once it lists
    pages.booking; until then the test adds the router itself)."""
    if not any(getattr(r, "path", "") == "/termin/{token}" for r in nicegui_core.app.routes):
        from pages.tradein import booking

        booking.register(nicegui_core.app)
    return web


def _case(db, *actions: str, **overrides) -> int:
    with db.session(write=True) as session:
        current = settings_mod.load(session)
        case = service.create_valuation(session, current, VALUATION | overrides, clock.now())
        for action in actions:
            data = {"appointment_at": "26.11.2026 10:00"} if action == "confirm_appointment" else {}
            service.perform(session, current, case.id, action, data, actor="test",
                            now=clock.now())
        return case.id


def _state(db, case_id: int) -> tuple[int, list[Event], Customer]:
    with db.session() as session:
        case = session.get(TradeInCase, case_id)
        wishes = list(session.scalars(select(Event).where(
            Event.module == "tradein", Event.record_id == case_id,
            Event.kind == "appointment_wish")))
        return case.status, wishes, case.customer


async def _post(site, case_id: int, data: dict):
    return await site.api.post(f"/termin/{booking_token(case_id)}", data=data)


async def test_page_shows_dealer_vehicle_value_and_prefilled_phone(site):
    case_id = _case(site.db, "send_market_value")
    response = await site.api.get(f"/termin/{booking_token(case_id)}")
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="booking-page"' in page
    assert "Autohaus Kundenservice" in page  # the sender name stands for the dealer
    assert "Skoda Octavia Combi" in page and "14.250,00 €" in page and "84.500 km" in page
    text = re.sub(r"<[^>]+>", "", page)
    assert "Öffnungszeiten: Mo–Fr 08:00–18:00 · Sa 09:00–12:00" in text
    assert 'value="+43 664 1112233"' in page
    # Earliest day is tomorrow (Tuesday); the picker is told about Sundays and holidays.
    assert 'min="2026-11-24"' in page
    assert "2026-11-29" in page and "2026-12-08" in page  # Sunday, Mariä Empfängnis


async def test_mail_links_to_the_token_page_not_the_case_number(site):
    case_id = _case(site.db)
    with site.db.session() as session:
        current = settings_mod.load(session)
        context = mails.case_context(current, session.get(TradeInCase, case_id),
                                     session.get(TradeInCase, case_id).customer)
    assert context["booking_url"].endswith(f"/termin/{booking_token(case_id)}")
    assert "fall=" not in context["booking_url"]


async def test_request_moves_case_to_3_and_records_the_wish(site):
    case_id = _case(site.db, "send_market_value")
    response = await _post(site, case_id, WISH)
    assert response.status_code == 200
    assert 'data-testid="booking-done"' in response.text
    assert "Dienstag, 01.12.2026, Nachmittag" in response.text
    status, wishes, customer = _state(site.db, case_id)
    assert status == 3
    assert len(wishes) == 1 and wishes[0].actor == "Kunde (Website)"
    assert "Dienstag, 01.12.2026, Nachmittag" in wishes[0].text
    assert "Zweitschlüssel ist dabei" in wishes[0].text and "+43 664 9998877" in wishes[0].text
    assert customer.phone == "+43 664 9998877"  # the number the customer just gave us
    with site.db.session() as session:
        assert queries.tile_counts(session)["new_requests"] == 1
        actions = session.scalars(select(Event.actor).where(
            Event.module == "tradein", Event.record_id == case_id,
            Event.kind == "status")).all()
        assert actions[-1] == "Kunde (Website)"


async def test_exact_time_on_a_saturday_morning_is_kept(site):
    case_id = _case(site.db)
    wish = WISH | {"day": "28.11.2026", "window": "uhrzeit", "time": "10:30"}
    response = await _post(site, case_id, wish)
    assert response.status_code == 200
    assert _state(site.db, case_id)[0] == 3
    assert "Samstag, 28.11.2026, 10:30 Uhr" in _state(site.db, case_id)[1][0].text


async def test_second_request_is_friendly_and_stores_nothing_more(site):
    case_id = _case(site.db, "send_market_value")
    await _post(site, case_id, WISH)
    again = await _post(site, case_id, WISH | {"day": "2026-12-02"})
    assert again.status_code == 200
    assert "Ihre Anfrage liegt uns schon vor" in again.text
    assert "Dienstag, 01.12.2026, Nachmittag" in again.text  # what we already have
    page = await site.api.get(f"/termin/{booking_token(case_id)}")
    assert "Ihre Anfrage liegt uns schon vor" in page.text and "<form" not in page.text
    assert len(_state(site.db, case_id)[1]) == 1


async def test_closed_or_archived_case_asks_to_call(site):
    bought = _case(site.db, "send_market_value", "request_appointment", "confirm_appointment",
                   "set_bought", email="a@example.at")
    archived = _case(site.db, "archive", email="b@example.at")
    for case_id, status in ((bought, 8), (archived, 1)):
        for response in (await site.api.get(f"/termin/{booking_token(case_id)}"),
                         await _post(site, case_id, WISH)):
            assert response.status_code == 200
            assert "Dieser Vorgang ist abgeschlossen" in response.text
            assert "rufen Sie uns an" in response.text and "Traceback" not in response.text
        assert _state(site.db, case_id)[:2] == (status, [])


async def test_confirmed_appointment_may_be_moved(site):
    case_id = _case(site.db, "request_appointment", "confirm_appointment")
    page = await site.api.get(f"/termin/{booking_token(case_id)}")
    assert "Ihr bestätigter Termin" in page.text and "26.11.2026 10:00" in page.text
    assert (await _post(site, case_id, WISH)).status_code == 200
    assert _state(site.db, case_id)[0] == 3


async def test_a_moved_appointment_becomes_the_pending_one_and_the_service_center_hears_of_it(
        site, now):
    case_id = _case(site.db, "request_appointment", "confirm_appointment")
    # Saturday 28.11.2026, 20:00 in Vienna: the dealership is closed until Monday 08:00.
    clock.set_now(datetime(2026, 11, 28, 19, 0, tzinfo=UTC))
    assert (await _post(site, case_id, WISH)).status_code == 200
    with site.db.session() as session:
        case = session.get(TradeInCase, case_id)
        assert wishes.last_wish(session, case_id)["wish"] == "Dienstag, 01.12.2026, Nachmittag"
        # The confirm dialog starts from the wish (a window starts in its middle).
        view = next(v for v in actions.views(FLOW, session, site.runtime.settings(), case,
                                             None, clock.now())
                    if v.name == "confirm_appointment")
        assert view.prefill == {"appointment_at": "01.12.2026 14:00"}
        [mail] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.template_key == "tradein.rebooked")).all()
    assert mail.to_addr == site.runtime.settings().service_center_email
    assert "26.11.2026 10:00" in mail.text_body and "01.12.2026, Nachmittag" in mail.text_body
    assert mail.next_attempt_at == datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Mon 08:00


async def test_a_first_request_sends_no_change_notice(site):
    case_id = _case(site.db, "send_market_value")
    assert (await _post(site, case_id, WISH)).status_code == 200
    with site.db.session() as session:
        assert session.scalar(select(OutboxMessage.id).where(
            OutboxMessage.template_key == "tradein.rebooked")) is None


async def test_opted_out_customer_may_still_ask(site):
    case_id = _case(site.db)
    with site.db.session(write=True) as session:
        session.get(TradeInCase, case_id).customer.opted_out_at = clock.now()
    response = await _post(site, case_id, WISH)
    assert 'data-testid="booking-done"' in response.text
    assert _state(site.db, case_id)[0] == 3
    with site.db.session() as session:  # asking for a date sends no marketing mail
        assert session.scalars(select(OutboxMessage)).all() == []


@pytest.mark.parametrize("token", [
    "kaputt", "x" * 600, booking_token(1)[:-2] + "AA", unsubscribe_token(1), booking_token(999),
])
async def test_bad_or_forged_token_is_a_friendly_404(site, token):
    _case(site.db)  # case 1 exists: only a valid booking token may open it
    for response in (await site.api.get(f"/termin/{token}"),
                     await site.api.post(f"/termin/{token}", data=WISH)):
        assert response.status_code == 404
        assert 'data-testid="booking-invalid"' in response.text
        assert "Link ungültig" in response.text
    assert _state(site.db, 1)[:2] == (1, [])


async def test_old_case_number_link_opens_nothing(site):
    _case(site.db)
    response = await site.api.get("/termin?fall=1")
    assert response.status_code == 404 and "Link ungültig" in response.text


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"day": "2026-11-20"}, "day", "in der Zukunft"),
    ({"day": "2026-11-23"}, "day", "in der Zukunft"),  # today is too late to ask
    ({"day": "2026-11-29"}, "day", "Sonntags haben wir geschlossen"),
    ({"day": "08.12.2026"}, "day", "Der 08.12.2026 ist ein Feiertag"),  # Mariä Empfängnis
    ({"day": "24.12.2026"}, "day", "Am 24.12.2026 haben wir geschlossen"),  # closing day
    ({"day": "2027-06-01"}, "day", "innerhalb der nächsten 90 Tage"),
    ({"day": ""}, "day", "Bitte wählen Sie einen Wunschtag"),
    ({"day": "31.02.2026"}, "day", "kein gültiges Datum"),
    ({"window": "uhrzeit", "time": ""}, "time", "gewünschte Uhrzeit"),
    ({"window": "uhrzeit", "time": "18:30"}, "time",
     "Um 18:30 Uhr haben wir am Dienstag geschlossen (geöffnet 08:00–18:00 Uhr)"),
    ({"day": "2026-11-28", "window": "nachmittag"}, "window",
     "Samstags haben wir nachmittags geschlossen"),
    ({"window": "abends"}, "window", "Vormittag, Nachmittag oder eine genaue Uhrzeit"),
    ({"phone": "bitte mailen"}, "phone", "gültige Telefonnummer"),
])
async def test_invalid_input_keeps_the_form_and_stores_nothing(site, change, field, message):
    case_id = _case(site.db, "send_market_value")
    response = await _post(site, case_id, WISH | change)
    assert response.status_code == 422
    page = response.text
    error = re.search(rf'data-testid=.booking-error-{field}.>([^<]*)<', page)
    assert error and message in error.group(1).replace("&#x27;", "'")
    assert 'data-testid="booking-form"' in page
    assert "Zweitschlüssel ist dabei" in page  # what the customer typed is still there
    status, wishes, customer = _state(site.db, case_id)
    assert (status, wishes, customer.phone) == (2, [], "+43 664 1112233")
