"""PNGs of the public booking page on a desktop and a phone-width window:
`python tools/screenshot_booking.py [--out screenshots]`.

Serves only the booking routes (pages.booking) with uvicorn on a free port, over a temp
database with demo data, and captures each state of the page with headless Chromium."""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import liveserver  # noqa: E402 - after the path set-up above

SIZES = {"desktop": (1280, 900), "phone": (390, 844)}


def _serve(db_url: str) -> tuple[object, str]:
    import uvicorn
    from fastapi import FastAPI

    import app as kundenpilot
    from core.runtime import Runtime
    from pages import frame
    from pages.tradein import booking

    kundenpilot.install_modules()
    db = kundenpilot.open_database(db_url)
    kundenpilot.prepare_demo(db)
    frame.set_runtime(Runtime(db))
    web = FastAPI()
    booking.register(web)
    port = liveserver.free_port()
    server = uvicorn.Server(uvicorn.Config(web, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)  # a real server must come up; bounded
    return server, f"http://127.0.0.1:{port}"


def _case(db_file: Path, sql: str) -> int:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchone()[0]


def _shoot(driver, url: str, path: Path, size: tuple[int, int], action=None) -> None:
    driver.set_window_size(*size)
    driver.get(url)
    liveserver.wait_for(driver, "//main")
    if action:
        action(driver)
        liveserver.wait_for(driver, "//main")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(size[0], max(size[1], int(height) + 140))
    driver.save_screenshot(str(path))
    print(f"  {path.name:34} {url}")


def _submit_with_errors(driver) -> None:
    from selenium.webdriver.common.by import By

    # Past the browser's own check (novalidate), so the server's messages show.
    driver.execute_script("document.querySelector('form').onsubmit = null;"
                          "document.getElementById('day').value = '2020-01-01';"
                          "document.querySelector('input[value=uhrzeit]').checked = true;")
    driver.execute_script("HTMLFormElement.prototype.submit.call(document.querySelector('form'))")
    liveserver.wait_for(driver, "//*[@data-testid='booking-errors']")
    driver.find_element(By.TAG_NAME, "body")


def _submit_valid(driver) -> None:
    driver.execute_script(
        "var d = document.getElementById('day'); d.value = d.min;"
        "document.getElementById('note').value = 'Zweitschlüssel und Serviceheft sind dabei.';"
        "HTMLFormElement.prototype.submit.call(document.querySelector('form'))")
    liveserver.wait_for(driver, "//*[@data-testid='booking-done']")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    from core.tradein.links import booking_token

    with tempfile.TemporaryDirectory(prefix="kp-booking-") as tmp:
        db_file = Path(tmp) / "kundenpilot.db"
        server, base = _serve(f"sqlite:///{db_file}")
        driver = liveserver.chrome(Path(tmp) / "chromium")
        open_cases = [_case(db_file, "select id from tradein_cases where status=2 and "
                                     f"archived_at is null order by id limit 1 offset {n}")
                      for n in range(3)]
        closed = _case(db_file, "select id from tradein_cases where status=8 order by id")
        try:
            for name, size in SIZES.items():
                form = f"{base}/termin/{booking_token(open_cases[0])}"
                _shoot(driver, form, args.out / f"booking-{name}-1-form.png", size)
                _shoot(driver, form, args.out / f"booking-{name}-2-errors.png", size,
                       _submit_with_errors)
                target = f"{base}/termin/{booking_token(open_cases[1 + (name == 'phone')])}"
                _shoot(driver, target, args.out / f"booking-{name}-3-thanks.png", size,
                       _submit_valid)
                _shoot(driver, target, args.out / f"booking-{name}-4-already.png", size)
                _shoot(driver, f"{base}/termin/{booking_token(closed)}",
                       args.out / f"booking-{name}-5-closed.png", size)
                _shoot(driver, f"{base}/termin/kaputt", args.out / f"booking-{name}-6-invalid.png",
                       size)
        finally:
            driver.quit()
            server.should_exit = True
    return 0


if __name__ == "__main__":
    sys.exit(main())
