"""Every page at phone (390 px) and tablet (768 px) width: the navigation starts closed and
no page scrolls sideways (wide tables scroll inside their own box, long addresses wrap)."""
from __future__ import annotations

import pytest

from core.mail.tokens import unsubscribe_token
from core.tradein.links import booking_token
from tools.liveserver import query, wait_for

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


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_scrolls_sideways(narrow, live_server, width):
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
