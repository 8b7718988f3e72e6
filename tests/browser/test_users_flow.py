"""Users in a real Chromium: the admin creates a colleague (a wrong e-mail is marked on its
field, the rest stays typed), hands over the one-time password; the colleague logs in with
it and sets an own password under "Mein Konto"."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from tools import liveserver
from tools.liveserver import DIALOG, button_xpath, field_xpath, query, wait_for, wait_text


def _type(browser, label: str, text: str, clear: bool = False) -> None:
    field = wait_for(browser, DIALOG + field_xpath(label))
    if clear:  # select what is there and type over it (clear() bypasses Vue's model)
        field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)


def _log_in_as(browser, server, username: str, password: str) -> None:
    browser.get(server.url + "/logout")
    wait_for(browser, field_xpath("Benutzername")).send_keys(username)
    wait_for(browser, field_xpath("Passwort")).send_keys(password)
    wait_for(browser, button_xpath("Anmelden")).click()


def test_admin_creates_a_user_who_sets_an_own_password(logged_in, live_server):
    browser = logged_in
    browser.get(live_server.url + "/benutzer")
    wait_text(browser, "Paula Prüfer")  # the admin's own card
    wait_for(browser, button_xpath("Neuer Benutzer")).click()
    _type(browser, "Benutzername", "toni.test")
    _type(browser, "Anzeigename", "Toni Test")
    _type(browser, "E-Mail", "toni@")
    wait_for(browser, DIALOG + button_xpath("Anlegen")).click()
    wait_text(browser, "„toni@“ ist keine gültige E-Mail-Adresse.")
    assert wait_for(browser, field_xpath("Anzeigename")).get_attribute("value") == "Toni Test"
    assert not query(live_server, "select id from users where username = ?", "toni.test")

    _type(browser, "E-Mail", "toni@autohaus.example", clear=True)
    wait_for(browser, DIALOG + button_xpath("Anlegen")).click()
    one_time = wait_for(browser, "//*[contains(@class,'select-all')]").text.strip()
    assert len(one_time) == 14
    wait_for(browser, button_xpath("Fertig")).click()
    wait_text(browser, "Benutzername: toni.test")

    _log_in_as(browser, live_server, "toni.test", one_time)
    wait_text(browser, "Toni Test", timeout=30)
    browser.get(live_server.url + "/konto")
    wait_text(browser, "Passwort ändern")
    wait_for(browser, field_xpath("Bisheriges Passwort")).send_keys("falsch-falsch")
    wait_for(browser, field_xpath("Neues Passwort")).send_keys("toni-eigenes-1")
    wait_for(browser, field_xpath("Neues Passwort wiederholen")).send_keys("toni-eigenes-1")
    wait_for(browser, button_xpath("Passwort ändern")).click()
    wait_text(browser, "Das bisherige Passwort stimmt nicht.")
    current = wait_for(browser, field_xpath("Bisheriges Passwort"))
    current.send_keys(Keys.CONTROL, "a")  # released at the end of the call
    current.send_keys(one_time)
    wait_for(browser, button_xpath("Passwort ändern")).click()
    wait_text(browser, "Passwort geändert.")

    _log_in_as(browser, live_server, "toni.test", one_time)
    wait_text(browser, "Benutzername oder Passwort ist falsch.")
    _log_in_as(browser, live_server, "toni.test", "toni-eigenes-1")
    wait_text(browser, "Toni Test", timeout=30)
    liveserver.wait_for(browser, "//*[normalize-space()='Übersicht']")
