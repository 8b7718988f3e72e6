"""Service reminders in a real Chromium: a vehicle file through the import page, the vehicle
found by its plate, the invitation the run sends in the dev mailbox, and its booking link."""
from __future__ import annotations

import re
from datetime import date, timedelta

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from tools.liveserver import button_xpath, query, tick, wait_for, wait_text

PLATE = "W-TEST7"


def _owner(server) -> str:
    """A demo customer who may get marketing mail (consent, address, no objection)."""
    rows = query(server, "select customer_number from customers where marketing_consent "
                         "and email != '' and opted_out_at is null and customer_number is not "
                         "null order by id limit 1")
    assert rows, "demo data has no customer with consent"
    return rows[0][0]


def test_import_to_vehicle_page_to_invitation_to_booking(logged_in, live_server, tmp_path):
    browser = logged_in
    registered = date.today() - timedelta(days=430)  # first inspection due two months ago
    vehicles = tmp_path / "fahrzeuge.csv"
    vehicles.write_text("Fahrzeugnummer;Kundennummer;Kennzeichen;Marke;Modell;Kraftstoff;"
                        "Erstzulassung\n"
                        f"F-TEST7;{_owner(live_server)};{PLATE};VW;Golf;Benzin;"
                        f"{registered:%d.%m.%Y}\n", encoding="utf-8")
    browser.get(live_server.url + "/import")
    wait_for(browser, "//*[contains(@class,'q-btn')][normalize-space()='Fahrzeuge']").click()
    wait_text(browser, "Fahrzeugnummer; Kundennummer")  # the hint names the vehicle columns
    browser.find_element(By.XPATH, "//input[@type='file']").send_keys(str(vehicles))
    wait_for(browser, button_xpath("Importieren")).click()
    wait_text(browser, "Import abgeschlossen: 1 neu", timeout=60)

    browser.get(live_server.url + "/service")
    box = wait_for(browser, "//input[@aria-label or @placeholder][contains(@placeholder,"
                            "'Kennzeichen')]")
    box.send_keys("w test7", Keys.ENTER)  # spaces and dashes in a plate do not matter
    wait_text(browser, "Fälligkeiten")
    assert "/service/fahrzeug/" in browser.current_url
    wait_text(browser, "12 Monate nach Erstzulassung")
    wait_text(browser, "Einladung")

    tick(live_server)  # the daily run is due at once for an overdue service, then the drain
    subject = f"Inspektion/Wartung für Ihren VW Golf ({PLATE}) steht an"
    browser.get(live_server.url + "/dev-postfach")
    wait_text(browser, subject, timeout=30)
    [(body,)] = query(live_server, "select text_body from outbox where subject = ?", subject)
    link = re.search(r"https?://\S+/service/buchen/\S+", body).group(0)

    browser.get(link)
    wait_text(browser, "Werkstatttermin vereinbaren")
    day = Select(wait_for(browser, "//select[@data-testid='service-booking-day']"))
    day.select_by_index(1)  # the first working day offered
    wait_for(browser, "//*[@data-testid='service-booking-submit']").click()
    wait_text(browser, "Ihr Terminwunsch ist angekommen")
    assert query(live_server, "select i.status from service_invitations i join vehicles v on "
                              "v.id = i.vehicle_id where v.plate = ? and i.status != 'planned'",
                 PLATE) == [("booked",)]
