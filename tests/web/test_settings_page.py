"""Settings page: validation with German messages, env-fixed fields, the send switch."""
from __future__ import annotations

from sqlalchemy import select

from core import clock, settings
from core.mail import outbox
from core.models import OutboxMessage, Setting
from core.tradein import service

VALUATION = {"email": "eva.moser@example.com", "first_name": "Eva", "last_name": "Moser",
             "make": "Mazda", "model": "CX-5", "build_year": 2021, "mileage_km": 30000,
             "fuel": "Benzin", "market_value_eur": 24900}


async def _admin(web):
    web.add_user("chef", "admin", email="chef@autohaus.example")
    user = await web.login("chef")
    await user.open("/einstellungen")
    return user


def _stored(db) -> dict[str, str]:
    with db.session() as session:
        return {s.key: s.value for s in session.scalars(select(Setting))}


def _field(user, name: str):
    return next(iter(user.find(marker=f"settings-{name}").elements))


async def test_each_wrong_field_is_marked_with_its_message_and_nothing_is_stored(web):
    user = await _admin(web)
    before = _stored(web.db)
    user.find(marker="settings-daily_quota").clear().type("viele")
    user.find(marker="settings-timezone").clear().type("Mars/Olympus")
    user.find(marker="settings-dealer_email").clear().type("kein-at")
    user.find(marker="settings-smtp_host").clear().type("mail.autohaus.example")
    user.find(marker="settings-save").click()
    await user.should_see("Nicht gespeichert: bitte die rot markierten Felder korrigieren.",
                          retries=20)
    assert _field(user, "daily_quota").error == "„viele“ ist keine ganze Zahl."
    assert _field(user, "timezone").error == "Unbekannte Zeitzone „Mars/Olympus“."
    assert _field(user, "dealer_email").error == "„kein-at“ ist keine gültige E-Mail-Adresse."
    assert _field(user, "smtp_host").error is None  # a valid field is not marked
    # What was typed stays as typed, and nothing was saved, not even the valid field.
    assert _field(user, "daily_quota").value == "viele"
    assert _field(user, "smtp_host").value == "mail.autohaus.example"
    assert _stored(web.db) == before

    user.find(marker="settings-daily_quota").clear().type("500")
    user.find(marker="settings-timezone").clear().type("Europe/Berlin")
    user.find(marker="settings-dealer_email").clear().type("verkauf@autohaus.example")
    user.find(marker="settings-save").click()
    await user.should_see("Einstellungen gespeichert.", retries=20)
    assert all(_field(user, n).error is None for n in ("daily_quota", "timezone",
                                                       "dealer_email"))
    with web.db.session() as session:
        current = settings.load(session)
    assert (current.daily_quota, current.timezone, current.smtp_host) == (
        500, "Europe/Berlin", "mail.autohaus.example")


async def test_valid_change_is_stored(web):
    user = await _admin(web)
    user.find(marker="settings-nightly_at").clear().type("02:15")
    user.find(marker="settings-smtp_host").clear().type("mail.autohaus.example")
    user.find(marker="settings-save").click()
    await user.should_see("Einstellungen gespeichert.", retries=20)
    with web.db.session() as session:
        current = settings.load(session)
    assert current.nightly_at == "02:15" and current.smtp_host == "mail.autohaus.example"


async def test_env_fixed_fields_are_read_only(web):
    user = await _admin(web)  # the fixture sets KP_API_KEY
    key_field = next(iter(user.find(marker="settings-api_key").elements))
    assert key_field.props.get("hint") == "festgelegt durch KP_API_KEY"
    regenerate = next(iter(user.find(marker="settings-api-key-regenerate").elements))
    assert not regenerate.enabled


async def test_turning_the_send_switch_on_releases_held_mails(web):
    with web.db.session(write=True) as session:
        settings.save(session, {"send_emails": False})
        current = settings.load(session)
        case = service.create_valuation(session, current, VALUATION, clock.now())
        service.perform(session, current, case.id, "send_market_value", now=clock.now())
    with web.db.session() as session:
        assert list(session.scalars(select(OutboxMessage.status))) == ["held"]
    user = await _admin(web)
    switch = user.find(marker="settings-send_emails")
    assert next(iter(switch.elements)).value is False
    switch.click()
    user.find(marker="settings-save").click()
    await user.should_see("1 zurückgehaltene E-Mail(s) werden jetzt gesendet", retries=20)
    with web.db.session() as session:
        assert list(session.scalars(select(OutboxMessage.status))) == ["queued"]
        assert outbox.counts(session, clock.now())["held"] == 0
