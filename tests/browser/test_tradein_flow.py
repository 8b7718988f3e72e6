"""The trade-in funnel in a real Chromium: tile -> list -> case -> action with preview ->
mail in the dev mailbox; plus what a disabled button and a missing price tell the user."""
from __future__ import annotations

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tools import liveserver
from tools.liveserver import (
    DIALOG,
    appointment_day,
    booking_path,
    button_xpath,
    field_xpath,
    query,
    tick,
    wait_for,
    wait_text,
)


def _retype(field, text: str) -> None:
    field.send_keys(Keys.CONTROL, "a")  # released at the end of the call
    field.send_keys(text)


def _case_in(server, status: int) -> int:
    rows = query(server, "select id from tradein_cases where status=? and archived_at is null "
                         "order by id limit 1", status)
    assert rows, f"demo data has no open case in status {status}"
    return rows[0][0]


def test_tile_to_case_to_confirmed_appointment_mail_in_dev_mailbox(logged_in, live_server):
    browser = logged_in
    wait_text(browser, "Neue Terminanfragen").click()
    first = wait_for(browser, "//table//tbody//a[starts-with(@href,'/ankauf/')]")
    assert "tile=new_requests" in browser.current_url
    case_id = int(first.get_attribute("href").rsplit("/", 1)[1])
    first.click()
    wait_text(browser, f"Fall {case_id} ·")

    wait_for(browser, button_xpath("Termin an Kunden bestätigen")).click()
    day = appointment_day()
    # The dialog may start with the customer's wish: type over it.
    _retype(wait_for(browser, DIALOG + field_xpath("Datum")), day)
    _retype(wait_for(browser, DIALOG + field_xpath("Uhrzeit")), "10:30")
    wait_for(browser, DIALOG + button_xpath("Weiter zur Vorschau")).click()
    subject_cell = wait_for(browser, DIALOG + "//*[normalize-space()='Betreff']"
                                              "/following-sibling::*[1]")
    subject = subject_cell.text
    assert f"{day} 10:30" in subject
    # Nothing is queued before the user confirms the preview.
    assert query(live_server, "select status from tradein_cases where id=?", case_id) == [(3,)]

    wait_for(browser, DIALOG + button_xpath("Senden")).click()
    wait_text(browser, "E-Mail liegt im Postausgang")
    wait_text(browser, "4) Terminbestätigung gesendet")
    assert query(live_server, "select status from tradein_cases where id=?", case_id) == [(4,)]

    tick(live_server)
    browser.get(live_server.url + "/dev-postfach")
    wait_text(browser, subject, timeout=30)


def test_disabled_action_says_why(logged_in, live_server):
    browser = logged_in
    case_id = _case_in(live_server, 1)
    browser.get(f"{live_server.url}/ankauf/{case_id}")
    button = wait_for(browser, button_xpath("Termin versäumt"))
    assert button.get_attribute("disabled") is not None
    assert wait_text(browser, "erst ab „Terminbestätigung gesendet“ möglich").is_displayed()
    # Hovering the disabled button shows the full reason from the flow table.
    ActionChains(browser).move_to_element(button).perform()
    wait_text(browser, "Im Status „Marktwert berechnet“ nicht möglich")
    enabled = wait_for(browser, button_xpath("Marktwert-Mail senden"))
    assert enabled.get_attribute("disabled") is None


CASE_MAILS = "select count(*) from outbox where module = 'tradein' and record_id = ?"


def test_offer_without_price_shows_german_error_and_changes_nothing(logged_in, live_server):
    browser = logged_in
    case_id = _case_in(live_server, 4)
    outbox_before = query(live_server, CASE_MAILS, case_id)
    browser.get(f"{live_server.url}/ankauf/{case_id}")
    wait_for(browser, button_xpath("Händlerangebot senden")).click()
    price = wait_for(browser, DIALOG + field_xpath("Ankaufspreis"))
    wait_for(browser, DIALOG + button_xpath("Weiter zur Vorschau")).click()
    wait_text(browser, "Bitte einen Ankaufspreis eingeben")
    assert price.is_displayed()  # the dialog stays open for the user to fill in the price
    assert browser.find_elements(By.XPATH, DIALOG + button_xpath("Senden")) == []
    assert query(live_server, "select status, purchase_price_cents from tradein_cases "
                              "where id=?", case_id) == [(4, None)]
    assert query(live_server, CASE_MAILS, case_id) == outbox_before


def test_a_moved_appointment_is_pending_prefilled_and_checked_while_typing(logged_in,
                                                                          live_server):
    """The customer moves a confirmed appointment through the booking link: the case shows
    the wish, the confirm dialog starts with it, and the dialog says at once what is wrong
    with a slot staff type (closed, holiday) and that a reason makes the exception."""
    browser = logged_in
    case_id = _case_in(live_server, 4)
    day = appointment_day()
    iso = "-".join(reversed(day.split(".")))
    answer = liveserver.post_form(live_server, booking_path(live_server, case_id), {
        "day": iso, "window": "vormittag", "time": "", "phone": "", "note": ""})
    assert answer == 200
    browser.get(f"{live_server.url}/ankauf/{case_id}")
    wait_text(browser, "noch zu bestätigen")

    wait_for(browser, button_xpath("Termin an Kunden bestätigen")).click()
    date_box = wait_for(browser, DIALOG + field_xpath("Datum"))
    time_box = wait_for(browser, DIALOG + field_xpath("Uhrzeit"))
    assert (date_box.get_attribute("value"), time_box.get_attribute("value")) == (day, "09:00")
    _retype(time_box, "22:00")
    time_box.send_keys(Keys.TAB)
    wait_text(browser, "Um 22:00 Uhr ist am")  # shown under the date while typing
    wait_for(browser, DIALOG + field_xpath("Begründung für die Ausnahme")).send_keys(
        "Abendtermin mit dem Verkaufsleiter")
    liveserver.wait_gone(browser, "//*[contains(text(), 'Um 22:00 Uhr ist am')]")
