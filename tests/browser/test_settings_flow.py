"""Settings in a real Chromium: a wrong value is marked under its field and nothing is
saved; leaving with unsaved edits is held up; after saving, leaving is not."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from tools.liveserver import button_xpath, field_xpath, query, wait_for, wait_text

QUOTA = "Tageslimit (Mails pro Tag)"


def _retype(browser, label: str, text: str) -> None:
    field = wait_for(browser, field_xpath(label))
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)


def _leaving_is_held_up(browser) -> bool:
    """What the page answers when the browser is about to leave it."""
    return browser.execute_script(
        "const event = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(event); return event.defaultPrevented;")


def _leave_for_dashboard(browser) -> None:
    browser.find_element("xpath", "//*[normalize-space()='Übersicht']").click()


def test_wrong_field_is_marked_and_unsaved_edits_are_guarded(logged_in, live_server):
    browser = logged_in
    browser.get(live_server.url + "/einstellungen")
    stored = query(live_server, "select value from settings where key = ?", "daily_quota")
    _retype(browser, QUOTA, "viele")
    wait_for(browser, button_xpath("Speichern")).click()
    wait_text(browser, "„viele“ ist keine ganze Zahl.")
    assert query(live_server, "select value from settings where key = ?",
                 "daily_quota") == stored

    # Unsaved: leaving is held up. (Chromedriver answers the browser's "Seite verlassen?"
    # question itself, so the test asks the page's handler what the browser would ask.)
    assert _leaving_is_held_up(browser)
    assert browser.current_url.endswith("/einstellungen")
    assert wait_for(browser, field_xpath(QUOTA)).get_attribute("value") == "viele"

    _retype(browser, QUOTA, "1500")
    wait_for(browser, button_xpath("Speichern")).click()
    wait_text(browser, "Einstellungen gespeichert.")
    assert query(live_server, "select value from settings where key = ?",
                 "daily_quota") == [("1500",)]
    assert not _leaving_is_held_up(browser)  # saved: no question
    _leave_for_dashboard(browser)
    wait_text(browser, "Ankauf-Fälle")
