"""The one customer page in a real Chromium: the header search finds a DMS customer by number,
Enter opens /kunden/{id} with every module's panel and the suggested website duplicate, and
"Zusammenführen" makes one customer of the two (the trade-in case moves along). At phone width
the page does not scroll sideways."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from tools.liveserver import DIALOG, button_xpath, query, wait_for, wait_text


def _pair(server) -> tuple[int, str, int, int]:
    """A demo duplicate: (DMS id, its customer number, website id, the website's case)."""
    rows = query(server, """
        select d.id, d.customer_number, w.id, t.id from customers w
        join customers d on d.email = w.email and d.customer_number is not null
        join tradein_cases t on t.customer_id = w.id
        where w.customer_number is null order by w.id limit 1""")
    assert rows, "the demo data has no suggested duplicate"
    return rows[0]


def test_search_opens_the_customer_page_and_merge_makes_one_customer(logged_in, live_server):
    browser = logged_in
    dms_id, number, website_id, case_id = _pair(live_server)
    browser.get(live_server.url + "/")
    box = wait_for(browser, "//header//input")
    box.send_keys(number)
    wait_for(browser, f"//div[contains(@class,'q-menu')]//*[contains(text(),'{number}')]")
    box.send_keys(Keys.ENTER)

    wait_text(browser, f"Kundennr. {number}")
    assert browser.current_url.endswith(f"/kunden/{dms_id}")
    for panel in ("Ankauf", "Rückgewinnung", "Werbung & Abmeldung", "Verlauf (alle Module)"):
        wait_for(browser, f"//*[normalize-space()='{panel}']")
    wait_text(browser, "Mögliche Dublette:")
    wait_text(browser, "Keine Ankauf-Fälle.")  # the case still belongs to the website record

    wait_for(browser, button_xpath("Zusammenführen")).click()
    wait_text(browser, "Kunden zusammenführen?")
    wait_for(browser, DIALOG + button_xpath("Zusammenführen")).click()
    wait_text(browser, "Zusammengeführt: jetzt ein Kunde")
    wait_for(browser, f"//a[contains(normalize-space(), 'Fall {case_id}')]")
    assert query(live_server, "select count(*) from customers where id=?", website_id) == [(0,)]
    assert query(live_server, "select customer_id from tradein_cases where id=?",
                 case_id) == [(dms_id,)]
    assert not browser.find_elements("xpath", "//*[normalize-space()='Mögliche Dublette:']")
    wait_text(browser, "zusammengeführt")  # the merge is on the one timeline


def test_customer_page_fits_a_phone(logged_in, live_server):
    browser = logged_in
    [(customer_id,)] = query(live_server, "select id from customers order by id limit 1")
    browser.set_window_size(390, 844)
    try:
        browser.get(f"{live_server.url}/kunden/{customer_id}")
        wait_text(browser, "Verlauf (alle Module)")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the page scrolls {overflow} px sideways"
        # The navigation starts closed on a phone: the page itself is visible.
        assert not browser.find_elements(
            "xpath", "//aside[contains(@class,'q-drawer') and "
                     "not(contains(@class,'q-layout--prevent-focus'))]"
                     "//*[normalize-space()='Übersicht']")
    finally:
        browser.set_window_size(1440, 1000)
