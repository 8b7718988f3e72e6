"""Every page at phone (390 px) and tablet (768 px) width: the navigation starts closed and
no page scrolls sideways (wide tables scroll inside their own box, long addresses wrap)."""
from __future__ import annotations

import pytest

from core.mail.tokens import unsubscribe_token
from core.tradein.links import booking_token
from tools.liveserver import api_post, query, tick, wait_for

WIDTHS = (390, 768)


def _pages(server) -> list[str]:
    """One address of every page the console has, filled from the demo data."""
    def first(sql: str) -> int:
        rows = query(server, sql)
        assert rows, sql
        return rows[0][0]

    case = first("select id from tradein_cases where status = 4 order by id")
    customer = first("select customer_id from tradein_cases order by id")
    declining = first("select customer_id from winback_entries where is_decline "
                      "order by customer_id")
    return [
        "/", "/ankauf", f"/ankauf/{case}", "/rueckgewinnung",
        "/rueckgewinnung/liste?tile=decline", f"/rueckgewinnung/kunde/{declining}",
        f"/kunden/{customer}", "/import", "/vorlagen", "/postausgang", "/dev-postfach",
        "/benutzer", "/konto", "/einstellungen", "/firmen", "/gibt-es-nicht",
        f"/abmelden/{unsubscribe_token(customer)}", f"/termin/{booking_token(case)}",
    ]


def _overflow(browser) -> int:
    """How many pixels the page is wider than the window (0: nothing scrolls sideways)."""
    return browser.execute_script(
        "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
        " - window.innerWidth;")


@pytest.fixture
def narrow(logged_in):
    yield logged_in
    logged_in.set_window_size(1440, 1000)  # the browser is shared with the other tests


@pytest.fixture(scope="module")
def a_mail_in_the_dev_mailbox(live_server) -> None:
    """The dev mailbox shows its newest mail beside (or under) the list: long subject and
    addresses included in the width check."""
    case = api_post(live_server, "/api/v1/tradein/valuations", {
        "email": "maximiliane.oberhuber-schwarzenegger@example.com",
        "first_name": "Maximiliane", "last_name": "Oberhuber-Schwarzenegger",
        "make": "Mercedes-Benz",
        "model": "E 300 de T-Modell Avantgarde", "build_year": 2021, "mileage_km": 48000,
        "fuel": "Diesel", "market_value_eur": 38900})
    api_post(live_server, f"/api/v1/tradein/cases/{case['case_id']}/actions/send_market_value",
             {})
    tick(live_server)


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(narrow, live_server, width, a_mail_in_the_dev_mailbox):
    browser = narrow
    browser.set_window_size(width, 900)
    too_wide = {}
    for path in _pages(live_server):
        browser.get(live_server.url + path)
        wait_for(browser, "//body//*[contains(@class,'q-page') or self::main or self::h1]")
        browser.execute_script("return document.fonts.ready")
        overflow = _overflow(browser)
        if overflow > 0:
            too_wide[path] = overflow
    assert too_wide == {}, f"bei {width} px breiter als das Fenster (Pixel): {too_wide}"


def test_navigation_starts_closed_on_a_phone(narrow, live_server):
    browser = narrow
    browser.set_window_size(390, 900)
    browser.get(live_server.url + "/ankauf")
    wait_for(browser, "//*[normalize-space()='Ankauf-Fälle']")
    drawer = browser.find_element("xpath", "//aside[contains(@class,'q-drawer')]")
    assert drawer.rect["x"] + drawer.rect["width"] <= 0  # pushed out to the left, closed


def test_list_pagers_count_the_rows(narrow, live_server, a_mail_in_the_dev_mailbox):
    """Below every server-paged list: "1-n von N", not "1-0 von 0"."""
    browser = narrow
    for path in ("/postausgang", "/dev-postfach", "/ankauf"):
        browser.get(live_server.url + path)
        pager = wait_for(browser, "//*[contains(@class,'q-table__bottom')]"
                                  "//*[contains(text(), ' von ')]")
        assert not pager.text.endswith(" von 0"), (path, pager.text)
