"""Smoke test in a real Chromium: log in and see the dashboard with live numbers."""
from __future__ import annotations

import pytest

from tools import liveserver


def test_login_shows_dashboard(browser, live_server):
    browser.get(live_server.url + "/login")
    browser.delete_all_cookies()  # the browser is shared: start logged out
    browser.get(live_server.url + "/")
    # Not logged in: the console sends us to the login page first.
    liveserver.wait_for(browser, liveserver.field_xpath("Benutzername"))
    assert "/login" in browser.current_url
    liveserver.login(browser, live_server)
    assert browser.current_url.rstrip("/") == live_server.url
    liveserver.wait_text(browser, "Übersicht")
    liveserver.wait_text(browser, "Ankauf-Fälle")
    assert "Kundenpilot" in browser.title


def test_wrong_password_is_refused(browser, live_server):
    browser.get(live_server.url + "/logout")
    liveserver.wait_for(browser, liveserver.field_xpath("Benutzername")).send_keys("pruefer")
    liveserver.wait_for(browser, liveserver.field_xpath("Passwort")).send_keys("falsch-123")
    liveserver.wait_for(browser, liveserver.button_xpath("Anmelden")).click()
    liveserver.wait_text(browser, "Benutzername oder Passwort ist falsch.")


def test_an_unknown_address_answers_404_in_german_inside_the_frame(logged_in, live_server):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(live_server.url + "/gibt-es-nicht")
    assert caught.value.code == 404
    assert "Seite nicht gefunden" in caught.value.read().decode()
    logged_in.get(live_server.url + "/gibt-es-nicht")
    liveserver.wait_text(logged_in, "Seite nicht gefunden")
    liveserver.wait_for(logged_in, "//*[normalize-space()='Postausgang']")  # the navigation
    liveserver.wait_for(logged_in, liveserver.button_xpath("Zur Übersicht")).click()
    liveserver.wait_text(logged_in, "Ankauf-Fälle")
