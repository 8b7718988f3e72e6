"""The trade-in pages as a logged-in user sees them (NiceGUI's simulated browser)."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from nicegui import ui
from sqlalchemy import func, select

from core import clock
from core.mail import templates
from core.models import MailTemplate, OutboxMessage, User
from core.tradein import mails, service
from core.tradein.models import TradeInCase
from pages.widgets import field_error
from tests.web.conftest import eventually

PATHS = {  # actions that bring a fresh case (status 1) into each status
    1: [], 2: ["send_market_value"], 3: ["request_appointment"],
    4: ["request_appointment", "confirm_appointment"],
    5: ["request_appointment", "confirm_appointment", "missed_appointment"],
    6: ["request_appointment", "confirm_appointment", "send_offer"],
}
DATA = {"appointment_at": "02.12.2026 10:30", "purchase_price_eur": "12.300,00"}


def make_case(web, status: int, first: str = "Maria", last: str = "Huber",
              email: str | None = None) -> int:
    with web.db.session(write=True) as session:
        settings = web.runtime.settings()
        case = service.create_valuation(session, settings, {
            "email": email or f"{first}.{last}@example.at".lower(), "first_name": first,
            "last_name": last, "make": "VW", "model": "Golf", "build_year": 2019,
            "mileage_km": 84500, "fuel": "Benzin", "market_value_eur": 15490}, clock.now())
        for action in PATHS[status]:
            service.perform(session, settings, case.id, action, DATA, actor="test",
                            now=clock.now())
        return case.id


def case_state(web, case_id: int) -> tuple[int, int | None]:
    with web.db.session() as session:
        case = session.get(TradeInCase, case_id)
        return case.status, case.purchase_price_cents


def outbox_keys(web, case_id: int) -> list[str]:
    with web.db.session() as session:
        return list(session.scalars(select(OutboxMessage.template_key)
                                    .where(OutboxMessage.module == "tradein",
                                           OutboxMessage.record_id == case_id)))


async def open_case(user, case_id: int) -> None:
    await user.open(f"/ankauf/{case_id}")
    await user.should_see(marker="case-title", retries=30)  # built once the case is loaded


def element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


@pytest.fixture
async def staff(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    return await web.login("sina")


async def test_dashboard_counts_tiles_and_mail_state(web, now, staff):
    for name in ("Anna", "Berta"):
        make_case(web, 3, first=name)
    make_case(web, 5, first="Carl")
    make_case(web, 1, first="Dora")
    await staff.open("/")
    await staff.should_see(marker="forecast-day", retries=30)  # loaded after the counts
    assert element(staff, "tile-tradein-new_requests-count").text == "2"
    assert element(staff, "tile-tradein-missed-count").text == "1"
    assert element(staff, "tile-tradein-status_1-count").text == "1"
    assert element(staff, "tile-tradein-new_requests").props["href"] == "/ankauf?tile=new_requests"
    assert element(staff, "tile-tradein-status_5").props["href"] == "/ankauf?status=5"
    assert element(staff, "send-switch-state").text == "Ja"
    # Carl's "missed" mail sits in the outbox; Dora's market-value mail is forecast.
    assert element(staff, "mail-queued").text != "0"
    await staff.should_see("Marktwert-Mail")


async def test_case_list_filters_by_tile_and_search_and_exports_that_list(web, now, staff):
    missed = make_case(web, 5, first="Carl", last="Versäumt")
    make_case(web, 5, first="Emil", last="Anders")
    make_case(web, 3, first="Berta", last="Anfrage")
    await staff.open("/ankauf?tile=missed")
    await staff.should_see("2 Fälle", retries=30)
    table = element(staff, "cases-table")
    assert sorted(r["name"] for r in table.rows) == ["Carl Versäumt", "Emil Anders"]
    await staff.should_see(marker="tile-filter")
    staff.find(marker="filter-search").type("versäumt")
    await staff.should_see("1 Fall", retries=20)
    assert [r["id"] for r in table.rows] == [missed]

    staff.find(marker="export-csv").click()
    response = await staff.download.next()
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] == "Fall-Nr."
    assert [r[0] for r in rows[1:]] == [str(missed)]

    staff.find(marker="export-xlsx").click()  # the same list as Excel: a number is a number
    response = await staff.download.next()
    header, *body = openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(
        values_only=True)
    assert header[0] == "Fall-Nr." and [r[0] for r in body] == [missed]


async def test_case_list_row_opens_the_case(web, now, staff):
    case_id = make_case(web, 3, first="Berta", last="Anfrage")
    await staff.open("/ankauf?status=3")
    await staff.should_see("1 Fall", retries=30)
    table = element(staff, "cases-table")
    staff.find(marker="cases-table").trigger("rowClick", [{}, table.rows[0], 0])
    await staff.should_see(f"Fall {case_id} · Berta Anfrage", retries=30)


async def test_appointment_dialog_shows_the_plausibility_rules_while_typing(web, now, staff):
    case_id = make_case(web, 3, first="Berta", last="Anfrage")
    await open_case(staff, case_id)
    staff.find(marker="action-confirm_appointment").click()
    await staff.should_see(marker="input-appointment-date")
    day, hour = element(staff, "input-appointment-date"), element(staff, "input-appointment-time")
    day.value = "08.12.2026"  # Mariä Empfängnis, a public holiday in Austria
    assert field_error(day) is None  # half an appointment: nothing to say yet
    hour.value = "10:00"
    assert field_error(day).startswith("Der 08.12.2026 ist ein Feiertag.")
    assert "Begründung" in field_error(day)  # and how to get past it
    element(staff, "input-override-reason").value = "Sondertermin mit dem Verkaufsleiter"
    assert field_error(day) is None  # the reason makes the exception
    element(staff, "input-override-reason").value = ""
    day.value = "20.11.2026"  # before Monday 23.11.2026, today
    assert "in der Vergangenheit" in field_error(day)
    day.value = "05.12.2026"
    hour.value = "14:00"  # a Saturday afternoon: closed
    assert field_error(day).startswith("Um 14:00 Uhr ist am Samstag geschlossen")
    staff.find(marker="dialog-confirm").click()  # refused on the field, nothing happens
    await staff.should_see(marker="input-appointment-date")
    assert case_state(web, case_id)[0] == 3
    hour.value = "10:30"
    assert field_error(day) is None


async def test_confirm_appointment_previews_then_queues(web, now, staff):
    case_id = make_case(web, 3, first="Berta", last="Anfrage")
    await open_case(staff, case_id)
    staff.find(marker="action-confirm_appointment").click()
    await staff.should_see(marker="input-appointment-date")
    element(staff, "input-appointment-date").value = "02.12.2026"
    element(staff, "input-appointment-time").value = "10:30"
    staff.find(marker="dialog-confirm").click()
    await staff.should_see(marker="preview-send")
    assert "berta.anfrage@example.at" in element(staff, "preview-recipient").text
    assert "02.12.2026" in element(staff, "preview-subject").text + \
        element(staff, "preview-text").text
    assert case_state(web, case_id)[0] == 3  # nothing happened before "Senden"
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=20)
    assert case_state(web, case_id)[0] == 4
    assert mails.template_key("appointment_customer") in outbox_keys(web, case_id)
    await staff.should_see("Termin an Kunden bestätigen (Termin 02.12.2026 10:30)")


async def test_disabled_action_says_why(web, now, staff):
    case_id = make_case(web, 1)
    await open_case(staff, case_id)
    button = element(staff, "action-missed_appointment")
    assert not button.enabled
    # In words, not status numbers.
    assert element(staff, "reason-missed_appointment").text == (
        "erst ab „Terminbestätigung gesendet“ möglich")
    # The full sentence from the flow is the button's tooltip.
    await staff.should_see(kind=ui.tooltip, content="Im Status „Marktwert berechnet“ nicht möglich")
    assert element(staff, "action-send_market_value").enabled


async def test_offer_without_price_is_refused_in_german_and_changes_nothing(web, now, staff):
    case_id = make_case(web, 4)
    before = outbox_keys(web, case_id)
    await open_case(staff, case_id)
    staff.find(marker="action-send_offer").click()
    await staff.should_see(marker="input-purchase-price")
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Bitte einen Ankaufspreis eingeben", retries=20)
    await staff.should_see(marker="input-purchase-price")  # dialog still open, input kept
    assert case_state(web, case_id) == (4, None)
    assert outbox_keys(web, case_id) == before


async def test_offer_with_price_shows_price_in_preview(web, now, staff):
    case_id = make_case(web, 4)
    await open_case(staff, case_id)
    staff.find(marker="action-send_offer").click()
    await staff.should_see(marker="input-purchase-price", retries=20)
    staff.find(marker="input-purchase-price").type("12.500")
    staff.find(marker="dialog-confirm").click()
    await staff.should_see(marker="preview-send", retries=20)
    assert "12.500,00 €" in element(staff, "preview-text").text
    staff.find(marker="preview-send").click()
    await staff.should_see("E-Mail liegt im Postausgang", retries=20)
    assert case_state(web, case_id) == (6, 1250000)


async def test_sales_role_sees_mail_buttons_disabled_with_reason(web, now):
    web.add_user("vera", "sales")
    case_id = make_case(web, 1)
    user = await web.login("vera")
    await open_case(user, case_id)
    assert not element(user, "action-send_market_value").enabled
    assert "Rolle" in element(user, "reason-send_market_value").text
    assert element(user, "action-request_appointment").enabled


async def test_upcoming_automatic_mails_or_reason(web, now, staff):
    fresh = make_case(web, 1, first="Neu")
    closed = make_case(web, 3, first="Alt")
    await open_case(staff, fresh)
    await staff.should_see(marker="upcoming")
    await staff.should_see("Marktwert-Mail")
    await open_case(staff, closed)
    assert "keine automatischen Mails" in element(staff, "upcoming-none").text


async def test_template_with_undefined_variable_or_sandbox_escape_is_not_saved(web, now, staff):
    await staff.open("/vorlagen?mail=offer")
    await staff.should_see(marker="template-meta", content="Version", retries=30)
    with web.db.session() as session:
        version = templates.get(session, "tradein.offer").version
    cases = (("Angebot für {{ vornam }}", "unbekannte Variable „vornam“"),
             ("{{ ''.__class__.__mro__ }}", "Zugriff nicht erlaubt"),
             ("{% if %}", "Syntaxfehler"))
    for bad, message in cases:
        staff.find(marker="template-subject").clear().type(bad)
        staff.find(marker="template-save").click()
        await staff.should_see("Nicht gespeichert", retries=20)
        await staff.should_see(message)
        staff.notify.messages.clear()
    with web.db.session() as session:
        assert templates.get(session, "tradein.offer").version == version


async def test_template_save_reset_and_test_mail(web, now, staff):
    await staff.open("/vorlagen?mail=thanks")
    await staff.should_see(marker="template-meta", content="Version", retries=30)
    staff.find(marker="template-subject").clear().type("Danke, {{ first_name }}!")
    staff.find(marker="template-save").click()
    await staff.should_see("Vorlage gespeichert.", retries=20)
    with web.db.session() as session:
        assert templates.get(session, "tradein.thanks").subject == "Danke, {{ first_name }}!"

    staff.find(marker="template-test").click()
    await staff.should_see("Testmail an sina@autohaus.example", retries=20)
    with web.db.session() as session:
        row = session.scalar(select(OutboxMessage).where(
            OutboxMessage.to_addr == "sina@autohaus.example"))
        assert row.subject == "Danke, Maria!"

    staff.find(marker="template-reset").click()
    await staff.should_see(marker="dialog-confirm", retries=20)
    staff.find(marker="dialog-confirm").click()
    await staff.should_see("Werksvorlage wiederhergestellt.", retries=20)
    with web.db.session() as session:
        assert templates.get(session, "tradein.thanks").subject != "Danke, {{ first_name }}!"
        assert session.scalar(select(func.count(MailTemplate.id))) >= 10


async def test_switching_templates_asks_before_discarding_edits(web, now, staff):
    await staff.open("/vorlagen?mail=thanks")
    await staff.should_see(marker="template-meta", content="Version", retries=30)
    picker = next(iter(staff.find(marker="template-select").elements))
    subject = next(iter(staff.find(marker="template-subject").elements))
    staff.find(marker="template-subject").clear().type("Noch nicht gespeichert")
    picker.value = "tradein.offer"
    await staff.should_see("Änderungen verwerfen?", retries=20)
    staff.find(marker="dialog-cancel").click()  # keep editing: nothing is lost
    assert picker.value == "tradein.thanks" and subject.value == "Noch nicht gespeichert"

    picker.value = "tradein.offer"
    await staff.should_see("Änderungen verwerfen?", retries=20)
    with web.db.session() as session:
        offer_subject = templates.get(session, "tradein.offer").subject
    staff.find(marker="dialog-confirm").click()
    # The other template loads off the event loop.
    assert await eventually(lambda: subject.value == offer_subject)
    assert picker.value == "tradein.offer"
    with web.db.session() as session:
        assert templates.get(session, "tradein.thanks").subject != "Noch nicht gespeichert"


async def test_templates_page_is_closed_to_sales(web, now):
    web.add_user("vera", "sales")
    user = await web.login("vera")
    response = await user.http_client.get("/vorlagen")
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.text


async def test_decision_shows_the_automatic_service_center_mail_before_confirming(web, now,
                                                                                   staff):
    case_id = make_case(web, 6)
    await open_case(staff, case_id)
    staff.find(marker="action-set_bought").click()
    await staff.should_see(marker="preview-send", retries=20)
    assert "servicecenter@" in element(staff, "preview-recipient").text
    await staff.should_see("Die Entscheidung geht automatisch per E-Mail an das Service-Center.")
    assert case_state(web, case_id)[0] == 6
    staff.find(marker="preview-send").click()
    await staff.should_see("Mail an das Service-Center liegt im Postausgang", retries=20)
    assert case_state(web, case_id)[0] == 8
    assert mails.template_key("decision") in outbox_keys(web, case_id)


async def test_archive_asks_first_and_hides_the_case_from_the_list(web, now, staff):
    case_id = make_case(web, 2, first="Otto", last="Archiv")
    await open_case(staff, case_id)
    staff.find(marker="action-archive").click()
    await staff.should_see(marker="dialog-confirm", retries=20)
    staff.find(marker="dialog-confirm").click()
    await staff.should_see(marker="archived-badge", retries=20)
    await staff.open("/ankauf?q=Archiv")
    await staff.should_see("0 Fälle", retries=30)
    staff.find(marker="filter-archived").click()
    await staff.should_see("1 Fall", retries=30)


async def test_back_link_returns_to_the_same_list_view(web, now, staff):
    case_id = make_case(web, 3, first="Berta", last="Anfrage")
    await staff.open("/ankauf?status=3&q=anfrage")
    await staff.should_see("1 Fall", retries=30)
    await open_case(staff, case_id)
    assert element(staff, "back-to-list").props["href"] == "/ankauf?status=3&q=anfrage"


async def test_the_bell_shows_new_appointment_requests_until_opened(web, now, staff):
    clock.set_now(now + timedelta(minutes=5))  # after Sina's account was created
    make_case(web, 3)
    await staff.open("/")
    await staff.should_see(marker="news-count", content="1", retries=30)
    staff.find(marker="news-bell").click()
    await staff.should_see("1 neue Terminanfragen", retries=20)
    assert await _news_seen_at(web, "sina") == now + timedelta(minutes=5)  # opened: seen
    await staff.open("/ankauf")  # next page: nothing new any more
    await staff.should_see(marker="news-bell", retries=20)
    staff.find(marker="news-bell").click()
    await staff.should_see("Nichts Neues seit Ihrem letzten Blick.", retries=20)


async def _news_seen_at(web, username: str):
    """When the user last opened the bell, once the click's write has landed."""
    def seen():
        with web.db.session() as session:
            return session.scalar(select(User.news_seen_at).where(User.username == username))
    return await eventually(seen)
