"""Win-back in a real Chromium: tile -> list (search) -> customer -> voucher mail from the
split button's dropdown -> preview -> confirm -> `python app.py tick` -> dev mailbox."""
from __future__ import annotations

from selenium.webdriver.common.keys import Keys

from tools import liveserver
from tools.liveserver import DIALOG, button_xpath, query, tick, wait_for, wait_text

MAIL_SPLIT = ("//div[contains(@class,'q-btn-dropdown--split')]"
              "[.//*[normalize-space()='E-Mail senden']]")


def _voucher_customer(server) -> tuple[int, str, str]:
    """An open declining customer whose last order's company has a voucher template and who
    may receive marketing mail: (id, customer number, e-mail)."""
    rows = query(server, """
        select e.customer_id, c.customer_number, c.email from winback_entries e
        join customers c on c.id = e.customer_id
        join companies f on f.code = e.last_company_code
        where e.is_decline and e.status = 'open' and f.voucher_template_key is not null
          and c.email != '' and c.opted_out_at is null and c.marketing_consent
        order by e.customer_id limit 1""")
    assert rows, "demo data has no open declining customer of a company with a voucher"
    return rows[0]


def test_tile_to_customer_to_voucher_mail_in_dev_mailbox(logged_in, live_server):
    browser = logged_in
    customer_id, number, email = _voucher_customer(live_server)
    browser.get(live_server.url + "/rueckgewinnung")
    wait_text(browser, "Kunden mit Umsatzrückgang").click()
    search = wait_for(browser, liveserver.field_xpath("Suche Kundennr., Name, Firma, Ort"))
    assert "tile=decline" in browser.current_url
    search.send_keys(number, Keys.TAB)
    link = wait_for(browser, f"//table//tbody//a[contains(@href,'/kunde/{customer_id}?')]")
    link.click()
    wait_text(browser, f"{number} ·")

    wait_for(browser, MAIL_SPLIT + "//*[contains(@class,'q-btn-dropdown__arrow-container')]"
             ).click()
    wait_for(browser, "//div[contains(@class,'q-menu')]//*[normalize-space()="
                      "'Gutschein-Vorlage']").click()
    recipient = wait_for(browser, DIALOG + "//*[normalize-space()='An']"
                                           "/following-sibling::*[1]")
    assert email in recipient.text
    subject = wait_for(browser, DIALOG + "//*[normalize-space()='Betreff']"
                                         "/following-sibling::*[1]").text
    assert "Gutschein" in subject
    # Nothing is queued before the user confirms the preview. (Only win-back's mails count:
    # the demo customer may have had a service invitation.)
    assert query(live_server, "select count(*) from outbox where customer_id=? and "
                              "module='winback'", customer_id) == [(0,)]

    wait_for(browser, DIALOG + button_xpath("Senden")).click()
    wait_text(browser, "E-Mail liegt im Postausgang")
    assert query(live_server, "select status from winback_entries where customer_id=?",
                 customer_id) == [("mailed",)]
    assert query(live_server, "select template_key from outbox where customer_id=? and "
                              "module='winback'", customer_id) == [("winback.voucher",)]

    tick(live_server)
    browser.get(live_server.url + "/dev-postfach")
    wait_text(browser, subject, timeout=30)
