"""Service-Einstellungen: interval table, keywords and timelines per type, factory reset."""
from __future__ import annotations

from datetime import date

import pytest
from nicegui.testing.user_interaction import UserInteraction
from sqlalchemy import select

from core import clock
from core import settings as settings_mod
from core.auth import PermissionDenied
from core.models import Customer, User
from core.service import config, editing
from core.service.models import ServiceDue, ServiceRule, ServiceTypeSetting, Vehicle
from core.service.types import FACTORY_RULES, IntervalRule

PATH = "/service/einstellungen"


async def _admin(web):
    web.add_user("chef", "admin", email="chef@autohaus.example")
    user = await web.login("chef")
    await user.open(PATH)
    await user.should_see(marker="rule-table")
    return user


def _elements(user, marker: str) -> list:
    return sorted(user.find(marker=marker).elements, key=lambda e: e.id)


def _stored_rules(db) -> list[tuple]:
    with db.session() as session:
        return [(r.service_type, r.fuel, r.months, r.km, r.none)
                for r in session.scalars(select(ServiceRule).order_by(ServiceRule.id))]


def _vehicle(db) -> None:
    now = clock.now()
    with db.session(write=True) as session:
        customer = Customer(email="karl@example.at", first_name="Karl", last_name="Huber",
                            customer_number="K1", created_at=now)
        session.add(customer)
        session.flush()
        session.add(Vehicle(vehicle_number="F-1", customer_number="K1", customer_id=customer.id,
                            make="VW", model="Golf", fuel="Benzin",
                            first_registration=date(2025, 6, 2), created_at=now))


async def test_months_zero_is_refused_in_german_and_the_row_stays(web, now):
    user = await _admin(web)
    assert len(_elements(user, "rule-row")) == len(FACTORY_RULES)
    months = _elements(user, "rule-months")[0]
    months.value = "0"
    user.find(marker="rule-save").click()
    await user.should_see("Nicht gespeichert – bitte korrigieren:", retries=40)
    assert months.error == "Monate zwischen 1 und 240."
    await user.should_see("Zeile 1, Monate: Monate zwischen 1 und 240.")
    assert months.value == "0"  # what was typed stays
    assert len(_elements(user, "rule-row")) == len(FACTORY_RULES)
    assert _stored_rules(web.db) == []  # still the factory table, nothing stored

    months.value = "18"
    user.find(marker="rule-save").click()
    await user.should_see("Intervalle gespeichert.", retries=40)
    assert months.error is None
    assert _stored_rules(web.db)[0] == ("inspection", "", 18, 15000, False)


async def test_a_type_without_its_general_row_is_named(web, now):
    user = await _admin(web)
    rows = _elements(user, "rule-row")
    delete_buttons = _elements(user, "rule-delete")
    assert len(rows) == len(delete_buttons) == len(FACTORY_RULES)
    await _click(user, delete_buttons[4])
    assert len(_elements(user, "rule-row")) == len(FACTORY_RULES) - 1
    user.find(marker="rule-save").click()
    await user.should_see("fehlt die allgemeine Zeile", retries=40)
    assert _stored_rules(web.db) == []


async def _click(user, element) -> None:
    """Click one of several elements with the same marker (find() clicks the first)."""
    UserInteraction(user, {element}, None).click()


async def test_saving_recomputes_the_due_dates(web, now):
    _vehicle(web.db)
    user = await _admin(web)
    _elements(user, "rule-months")[0].value = "6"
    user.find(marker="rule-save").click()
    await user.should_see("Fälligkeiten von 1 Fahrzeug(en) neu berechnet.", retries=40)
    with web.db.session() as session:
        due = session.get(ServiceDue, (1, "inspection"))
        assert due is not None and due.due_date == date(2025, 12, 2)  # 6 months after


async def test_reset_restores_the_factory_rules(web, now):
    with web.db.session(write=True) as session:
        config.save_rules(session, [IntervalRule(r.service_type, r.make, r.model_prefix, r.fuel,
                                                 r.year_from, r.year_to,
                                                 (r.months or 0) * 2 or None, r.km, r.none)
                                    for r in FACTORY_RULES])
        config.save_type(session, "body", "Karosserie, Lack", config.load(session)
                         .timelines["body"])
    user = await _admin(web)
    assert _elements(user, "rule-months")[0].value == "24"
    user.find(marker="service-reset").click()
    await user.should_see("Werkseinstellungen wiederherstellen?")
    user.find(marker="dialog-confirm").click()
    await user.should_see("Werkseinstellungen wiederhergestellt.", retries=40)
    assert _stored_rules(web.db) == []
    with web.db.session() as session:
        assert session.scalar(select(ServiceTypeSetting.service_type)) is None
        assert config.load(session).rules == FACTORY_RULES
    assert _elements(user, "rule-months")[0].value == "12"
    assert len(_elements(user, "rule-row")) == len(FACTORY_RULES)
    keywords = next(e for e in _elements(user, "type-keywords") if "Karosserie" in e.value)
    assert keywords.value == "Karosserie"


async def test_type_card_marks_wrong_days_and_saves_keywords(web, now):
    user = await _admin(web)
    invite = _elements(user, "type-invite_days_before")[0]
    keywords = _elements(user, "type-keywords")[0]
    invite.value = "vier"
    await _click(user, _elements(user, "type-save")[0])
    await user.should_see("Nicht gespeichert: bitte die rot markierten Felder korrigieren.",
                          retries=40)
    assert invite.error == "„vier“ ist keine ganze Zahl."
    with web.db.session() as session:
        assert session.scalar(select(ServiceTypeSetting.service_type)) is None

    invite.value = "21"
    keywords.value = "Inspektion, Service, Pickerl-Check"
    await _click(user, _elements(user, "type-save")[0])
    await user.should_see("„Inspektion/Wartung“ gespeichert.", retries=40)
    with web.db.session() as session:
        stored = session.get(ServiceTypeSetting, "inspection")
        assert stored.invite_days_before == 21
        assert stored.keywords == "Inspektion, Service, Pickerl-Check"


async def test_keyword_test_shows_matched_words(web, now):
    user = await _admin(web)
    user.find(marker="keyword-test-text").type("Jahresservice inkl. Raederwechsel und HU/AU")
    user.find(marker="keyword-test-run").click()
    await user.should_see("– gefunden: Jahresservice")
    await user.should_see("– gefunden: HU, AU")


async def test_only_admins_open_the_page_and_change_the_tables(web, now):
    web.add_user("werkstatt", "service")
    user = await web.login("werkstatt")
    response = await user.http_client.get(PATH)
    assert response.status_code == 403
    assert "Keine Berechtigung" in response.text and "rule-table" not in response.text
    # The role is checked again where the tables change, not only when the page opens.
    with web.db.session(write=True) as session:
        staff = session.scalar(select(User).where(User.username == "werkstatt"))
        with pytest.raises(PermissionDenied):
            editing.reset(session, staff, settings_mod.load(session), now)
