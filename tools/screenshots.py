"""Save a PNG of every page: `python tools/screenshots.py [--out screenshots] [--widths 1400,390]`.

Starts Kundenpilot on a free port with demo data in a temp directory, logs in with headless
Chromium and captures each page at full height and at every width (desktop and phone) into
screenshots/ (git-ignored), as <page>-<width>.png."""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import liveserver  # noqa: E402 - after the path set-up above

WIDTHS = (1400, 390)
API_KEY = "screenshot-api-key"


def _first(db_file: Path, sql: str) -> int:
    with sqlite3.connect(db_file) as conn:
        row = conn.execute(sql).fetchone()
    return row[0] if row else 1


def _capture(driver, url: str, path: Path, settle: float, width: int) -> None:
    driver.set_window_size(width, 1000)
    driver.get(url)
    liveserver.wait_for(driver, "//body//*[self::h1 or contains(@class, 'q-page')]")
    time.sleep(settle)  # let the page's own background loads (run.io_bound) finish
    _save_full_height(driver, path, width)
    print(f"  {path.name:34} {url}")


def _save_full_height(driver, path: Path, width: int) -> None:
    height = driver.execute_script(
        "return Math.max(document.body.scrollHeight,"
        " (document.querySelector('.q-page-container')||document.body).scrollHeight)")
    driver.set_window_size(width, min(max(int(height) + 120, 800), 6000))
    time.sleep(0.3)
    driver.save_screenshot(str(path))


def _mail_activity(server: liveserver.LiveServer) -> None:
    """A few mails through the real API and a CLI tick, so outbox and dev mailbox show some."""
    def post(path: str, body: dict) -> dict:
        request = urllib.request.Request(
            server.url + path, data=json.dumps(body).encode(), method="POST",
            headers={"X-API-Key": API_KEY, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read())

    case = post("/api/v1/tradein/valuations", {
        "email": "julia.steiner@example.com", "first_name": "Julia", "last_name": "Steiner",
        "make": "Audi", "model": "A4 Avant", "build_year": 2019, "mileage_km": 76500,
        "fuel": "Diesel", "market_value_eur": 21450})
    slot = f"{liveserver.appointment_day()} 10:30"
    for action, body in (("send_market_value", {}), ("request_appointment", {}),
                         ("confirm_appointment", {"appointment_at": slot}),
                         ("notify_dealer", {})):
        post(f"/api/v1/tradein/cases/{case['case_id']}/actions/{action}", body)
    subprocess.run([sys.executable, str(ROOT / "app.py"), "tick"], check=True,
                   capture_output=True, timeout=120,
                   env=os.environ | {"KP_DATABASE_URL": server.db_url, "KP_API_KEY": API_KEY})


def _pages(server: liveserver.LiveServer) -> list[tuple[str, str]]:
    from core.mail.tokens import unsubscribe_token

    db_file = server.workdir / "kundenpilot.db"
    case_4 = _first(db_file, "select id from tradein_cases where status=4 order by id")
    case_7 = _first(db_file, "select id from tradein_cases where status=7 order by id")
    customer = _first(db_file, "select customer_id from tradein_cases order by id")
    return [
        ("02-dashboard", "/"),
        ("03-cases", "/ankauf"),
        ("04-cases-tile", "/ankauf?tile=new_requests"),
        ("05-case-status4", f"/ankauf/{case_4}"),
        ("06-case-status7", f"/ankauf/{case_7}"),
        ("07-templates", "/vorlagen"),
        ("08-outbox", "/postausgang"),
        ("09-devmailbox", "/dev-postfach"),
        ("10-settings", "/einstellungen"),
        ("11-unsubscribe", f"/abmelden/{unsubscribe_token(customer)}"),
        ("12-unsubscribe-invalid", "/abmelden/kaputt"),
        ("13-users", "/benutzer"),
        ("14-account", "/konto"),
        ("15-not-found", "/gibt-es-nicht"),
        *_winback_pages(db_file),
        *_customer_pages(db_file),
        *_service_pages(db_file),
        *_service_link_pages(server, db_file),
    ]


def _customer_pages(db_file: Path) -> list[tuple[str, str]]:
    """The customer page: a website customer with a suggested DMS duplicate (banner), its
    DMS twin (trade-in and win-back panels), and a customer who opted out."""
    website = _first(db_file, (
        "select w.id from customers w join customers d on d.email = w.email"
        " and d.customer_number is not null where w.customer_number is null order by w.id"))
    dms = _first(db_file, (
        "select d.id from customers w join customers d on d.email = w.email"
        " and d.customer_number is not null where w.customer_number is null order by w.id"))
    opted_out = _first(db_file, "select id from customers where opted_out_at is not null"
                                " order by id")
    return [
        ("30-customer-website-duplicate", f"/kunden/{website}"),
        ("31-customer-dms-twin", f"/kunden/{dms}"),
        ("32-customer-opted-out", f"/kunden/{opted_out}"),
    ]


def _service_pages(db_file: Path) -> list[tuple[str, str]]:
    """The service pages: overview with the call list, the follow-up list and its excluded
    tab, a vehicle with a mistyped mileage (the demo multiplies one order's reading by ten)
    and a vehicle an open order excludes."""
    typo = _first(db_file, "select o.vehicle_id from workshop_orders o join vehicles v"
                           " on v.id = o.vehicle_id where o.mileage > v.mileage * 3"
                           " order by o.vehicle_id")
    excluded = _first(db_file, "select vehicle_id from service_dues where excluded != ''"
                               " order by vehicle_id")
    return [
        ("40-service-overview", "/service"),
        ("41-service-followup", "/service/nachverfolgen"),
        ("42-service-followup-excluded", "/service/nachverfolgen?kachel=excluded"),
        ("43-service-vehicle-typo", f"/service/fahrzeug/{typo}"),
        ("44-service-vehicle-excluded", f"/service/fahrzeug/{excluded}"),
    ]


def _service_link_pages(server: liveserver.LiveServer,
                        db_file: Path) -> list[tuple[str, str]]:
    """The service settings page and the pages customers open from service mails (links
    signed with the server's key, adopted from its database)."""
    from core.db import Database
    from core.secrets import share_link_key
    from core.service import links

    share_link_key(Database(server.db_url))
    open_one = _first(db_file, "select id from service_invitations where status in"
                               " ('invited', 'reminded', 'call_list') order by id")
    other = _first(db_file, "select id from service_invitations where status in"
                            " ('invited', 'reminded', 'call_list') order by id desc")
    booked = _first(db_file, "select id from service_invitations where status = 'booked'"
                             " order by id")
    return [
        ("46-service-settings", "/service/einstellungen"),
        ("47-service-booking", links.PATHS["booking"] + links.token("booking", open_one)),
        ("48-service-callback", links.PATHS["callback"] + links.token("callback", other)),
        ("49-service-booked", links.PATHS["booking"] + links.token("booking", booked)),
        ("50-service-link-invalid", "/service/buchen/kaputt"),
    ]


def _service_settings_errors(driver, server: liveserver.LiveServer, out: Path,
                             settle: float, width: int) -> None:
    """The service settings with a refused interval row (0 months): marked, nothing lost."""
    from selenium.webdriver.common.keys import Keys

    driver.set_window_size(width, 1000)
    driver.get(server.url + "/service/einstellungen")
    months = liveserver.wait_for(driver, liveserver.field_xpath("Monate"))
    months.send_keys(Keys.CONTROL, "a")
    months.send_keys("0")
    button = liveserver.wait_for(driver, liveserver.button_xpath("Intervalle speichern"))
    driver.execute_script("arguments[0].click()", button)
    liveserver.wait_text(driver, "Nicht gespeichert – bitte korrigieren:")
    time.sleep(settle)
    _save_full_height(driver, out / f"46b-service-settings-errors-{width}.png", width)
    print(f"  {f'46b-service-settings-errors-{width}.png':34} /service/einstellungen (0 Monate)")


def _service_booking_errors(driver, server: liveserver.LiveServer, out: Path, settle: float,
                            width: int) -> None:
    """The built-in service booking form sent back with a wrong phone number (422)."""
    from selenium.webdriver.common.by import By

    [path] = [p for name, p in _service_link_pages(server, server.workdir / "kundenpilot.db")
                 if name == "47-service-booking"]
    driver.set_window_size(width, 1000)
    driver.get(server.url + path)
    liveserver.wait_for(driver, "//select[@id='day']")
    driver.execute_script("document.getElementById('day').selectedIndex = 3")
    driver.find_element(By.ID, "phone").clear()
    driver.find_element(By.ID, "phone").send_keys("0664 / abc")
    driver.find_element(By.ID, "note").send_keys("Bitte Ersatzwagen reservieren.")
    driver.execute_script("document.getElementById('day').form.submit()")
    liveserver.wait_for(driver, "//*[@data-testid='service-booking-errors']")
    time.sleep(settle)
    _save_full_height(driver, out / f"47b-service-booking-errors-{width}.png", width)
    print(f"  {f'47b-service-booking-errors-{width}.png':34} {path} (falsche Telefonnummer)")


def _search(driver, server: liveserver.LiveServer, out: Path, settle: float,
            width: int) -> None:
    """The header search with its results open (on a phone: the search dialog)."""
    from selenium.webdriver.common.by import By

    driver.set_window_size(width, 1000)
    driver.get(server.url + "/")
    liveserver.wait_for(driver, "//body//*[contains(@class, 'q-page')]")
    if width < 600:
        button = liveserver.wait_for(driver, "//button[.//i[normalize-space()='search']]")
        driver.execute_script("arguments[0].click()", button)  # past the open drawer
        box = liveserver.wait_for(driver, f"{liveserver.DIALOG}//input")
    else:
        box = driver.find_element(By.XPATH, "//header//input")
    box.send_keys("hu")
    liveserver.wait_text(driver, "Kundennr.")
    time.sleep(settle)
    driver.save_screenshot(str(out / f"33-search-{width}.png"))
    print(f"  {f'33-search-{width}.png':34} / (Suche „hu“)")


def _winback_pages(db_file: Path) -> list[tuple[str, str]]:
    """The win-back pages: tiles, two lists, a declining customer of a company with a voucher
    template (split mail button), import, companies and the win-back templates."""
    voucher_customer = _first(db_file, (
        "select e.customer_id from winback_entries e join companies c"
        " on c.code = e.last_company_code where e.is_decline = 1 and e.status = 'open'"
        " and c.voucher_template_key is not null order by e.decline_percent desc"))
    other = _first(db_file, "select customer_id from winback_entries where status != 'open'"
                            " order by customer_id")
    return [
        ("20-winback-tiles", "/rueckgewinnung"),
        ("21-winback-list-decline", "/rueckgewinnung/liste?tile=decline"),
        ("22-winback-list-won-back", "/rueckgewinnung/liste?tile=won_back"),
        ("23-winback-customer", f"/rueckgewinnung/kunde/{voucher_customer}?tile=decline"),
        ("24-winback-customer-worked", f"/rueckgewinnung/kunde/{other}?tile=mailed"),
        ("25-import", "/import"),
        ("26-companies", "/firmen"),
        ("27-templates-winback", "/vorlagen?mail=winback.voucher"),
    ]


def _import_report(driver, server: liveserver.LiveServer, work: Path, out: Path,
                   settle: float, width: int) -> None:
    """The import page after uploading a customer file with two bad rows (report shown)."""
    from selenium.webdriver.common.by import By

    bad = work / "kunden-fehler.csv"
    bad.write_text("Kundennummer;Vorname;Nachname;E-Mail;Werbeeinwilligung\n"
                   "40001;Anna;Gut;anna@example.at;ja\n"
                   ";Ohne;Nummer;ohne@example.at;ja\n"
                   "40003;Kaputt;Mail;keine-adresse;vielleicht\n", encoding="utf-8")
    driver.set_window_size(width, 1000)
    driver.get(server.url + "/import")
    liveserver.wait_for(driver, "//*[contains(text(),'CSV-Datei hierher')]")
    driver.find_element(By.XPATH, "//input[@type='file']").send_keys(str(bad))
    liveserver.wait_text(driver, "Pflichtfeld")
    time.sleep(settle)
    _save_full_height(driver, out / f"25b-import-report-{width}.png", width)
    print(f"  {f'25b-import-report-{width}.png':34} /import (Datei mit Fehlern)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--settle", type=float, default=1.5, help="seconds per page")
    parser.add_argument("--widths", default=",".join(map(str, WIDTHS)),
                        help="window widths in px, comma-separated")
    parser.add_argument("--only", default="", help="only pages whose name contains this")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kp-screens-") as tmp:
        work = Path(tmp)
        server = liveserver.start_server(work / "server", demo=True,
                                         env={"KP_API_KEY": API_KEY})
        driver = liveserver.chrome(work / "chromium")
        try:
            print(f"Server {server.url}; Bilder nach {args.out}")
            _mail_activity(server)
            widths = [int(w) for w in args.widths.split(",")]
            for width in widths:
                _capture(driver, server.url + "/login", args.out / f"01-login-{width}.png",
                         args.settle, width)
            liveserver.login(driver, server)
            for name, path in _pages(server):
                if args.only in name:
                    for width in widths:
                        _capture(driver, server.url + path, args.out / f"{name}-{width}.png",
                                 args.settle, width)
            for width in widths:
                if args.only in "33-search":
                    _search(driver, server, args.out, args.settle, width)
                if args.only in "25b-import-report":
                    _import_report(driver, server, work, args.out, args.settle, width)
                if args.only in "46b-service-settings-errors":
                    _service_settings_errors(driver, server, args.out, args.settle, width)
                if args.only in "47b-service-booking-errors":
                    _service_booking_errors(driver, server, args.out, args.settle, width)
        finally:
            driver.quit()
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
