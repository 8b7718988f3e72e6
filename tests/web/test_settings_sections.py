"""The settings page renders the kernel's sections and one per registered module from their
declarations: help text, KP_* name, env-fixed fields read-only, the module's validation."""
from __future__ import annotations

from sqlalchemy import select

from core import settings as settings_mod
from core.models import Setting


async def _admin(web):
    web.add_user("chef", "admin", email="chef@autohaus.example")
    user = await web.login("chef")
    await user.open("/einstellungen")
    return user


def _element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


def _stored(db) -> dict[str, str]:
    with db.session() as session:
        return {s.key: s.value for s in session.scalars(select(Setting))}


async def test_the_win_back_section_is_on_the_page_with_help_and_variable(web):
    user = await _admin(web)
    await user.should_see(marker="settings-section-winback")
    await user.should_see("Rückgewinnung")
    field = _element(user, "settings-winback_window_months")
    assert field.value == "12" and field.enabled
    assert "verglichen mit dem gleich langen davor" in field.props["hint"]
    await user.should_see("Umgebungsvariable: KP_WINBACK_WINDOW_MONTHS")
    await user.should_see("Umgebungsvariable: KP_SMTP_HOST")  # kernel fields alike


async def test_a_win_back_value_is_validated_in_german_and_not_stored(web):
    user = await _admin(web)
    before = _stored(web.db)
    user.find(marker="settings-winback_window_months").clear().type("0")
    user.find(marker="settings-save").click()
    await user.should_see("Rückgewinnung: der Zeitraum muss zwischen 1 und 60 Monaten",
                          retries=20)
    assert _stored(web.db) == before
    user.find(marker="settings-winback_window_months").clear().type("6")
    user.find(marker="settings-save").click()
    await user.should_see("Einstellungen gespeichert.", retries=20)
    with web.db.session() as session:
        assert settings_mod.load(session).winback_window_months == 6


async def test_an_invalid_win_back_value_from_the_environment_blocks_saving(web, monkeypatch):
    monkeypatch.setenv("KP_WINBACK_WINDOW_MONTHS", "0")
    user = await _admin(web)
    field = _element(user, "settings-winback_window_months")
    assert not field.enabled
    assert field.props["hint"] == "festgelegt durch KP_WINBACK_WINDOW_MONTHS"
    before = _stored(web.db)
    user.find(marker="settings-nightly_at").clear().type("02:15")
    user.find(marker="settings-save").click()
    await user.should_see("Rückgewinnung: der Zeitraum muss", retries=20)
    assert _stored(web.db) == before


async def test_a_module_registered_later_shows_its_section_and_env_value(web, probe,
                                                                          monkeypatch):
    monkeypatch.setenv("KP_PROBE_GREETING", "Servus")
    user = await _admin(web)
    await user.should_see(marker="settings-section-probe")
    await user.should_see("Probe-Modul")
    greeting = _element(user, "settings-probe_greeting")
    assert greeting.value == "Servus" and not greeting.enabled
    assert greeting.props["hint"] == "festgelegt durch KP_PROBE_GREETING"
    rounds = _element(user, "settings-probe_rounds")
    assert rounds.props["hint"] == "wie oft die Probe läuft"
    await user.should_see("Umgebungsvariable: KP_PROBE_ROUNDS")
    user.find(marker="settings-probe_rounds").clear().type("0")
    user.find(marker="settings-save").click()
    await user.should_see("Probe: mindestens eine Runde.", retries=20)
    user.find(marker="settings-probe_rounds").clear().type("7")
    user.find(marker="settings-save").click()
    await user.should_see("Einstellungen gespeichert.", retries=20)
    assert _stored(web.db)["probe_rounds"] == "7"
