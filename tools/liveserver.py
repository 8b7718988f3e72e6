"""A real Kundenpilot server in a temp directory plus a headless Chromium to drive it.

Shared by the browser tests (tests/browser/conftest.py) and tools/screenshots.py: the server
runs exactly as `python app.py` does, on a free port, with its own database file, so nothing
touches data/kundenpilot.db or port 8080."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
USERNAME = "pruefer"
PASSWORD = "browser-test-123"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    workdir: Path
    port: int
    db_url: str
    process: subprocess.Popen | None = None
    log_path: Path = field(default=Path())
    username: str = USERNAME
    password: str = PASSWORD

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def _env(server: LiveServer, demo: bool, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KP_", "NICEGUI_"))}
    env.pop("PYTEST_CURRENT_TEST", None)  # NiceGUI would think it runs inside pytest
    env.update(KP_DATABASE_URL=server.db_url, KP_PORT=str(server.port), KP_HOST="127.0.0.1",
               KP_DEMO="true" if demo else "false",
               KP_PUBLIC_BASE_URL=server.url, PYTHONUNBUFFERED="1")
    env.update(extra or {})
    return env


def start_server(workdir: Path, *, demo: bool = True, env: dict[str, str] | None = None,
                 timeout: float = 90.0, db_url: str = "", create_user: bool = True
                 ) -> LiveServer:
    """Create the login user, start `python app.py` and wait until /login answers.
    Without `db_url` the database is a file in `workdir`; a second console on the same
    database passes `create_user=False`."""
    workdir.mkdir(parents=True, exist_ok=True)
    server = LiveServer(workdir=workdir, port=free_port(),
                        db_url=db_url or f"sqlite:///{workdir / 'kundenpilot.db'}",
                        log_path=workdir / "server.log")
    run_env = _env(server, demo, env)
    if create_user:
        _create_login(server, run_env)
    with server.log_path.open("wb") as log:
        # cwd=workdir: NiceGUI keeps its browser-session storage (.nicegui/) there.
        server.process = subprocess.Popen([sys.executable, str(ROOT / "app.py")], env=run_env,
                                          cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    _wait_until_up(server, timeout)
    return server


def _create_login(server: LiveServer, run_env: dict[str, str]) -> None:
    subprocess.run([sys.executable, str(ROOT / "app.py"), "create-user", "--username",
                    server.username, "--role", "admin", "--password", server.password,
                    "--display-name", "Paula Prüfer", "--email", "pruefer@autohaus.example"],
                   env=run_env, cwd=server.workdir, check=True, capture_output=True,
                   timeout=120)


def _wait_until_up(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process is not None and server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log()}")
        try:
            with urllib.request.urlopen(server.url + "/login", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)  # a real process must come up; bounded by `timeout`
    server.stop()
    raise RuntimeError(f"server did not answer within {timeout}s:\n{server.log()}")


def chrome(user_data_dir: Path, width: int = 1440, height: int = 1000):
    """Headless Debian Chromium via the system chromedriver, isolated profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--no-first-run",
                "--disable-default-apps", f"--user-data-dir={user_data_dir}",
                f"--window-size={width},{height}", "--lang=de-DE"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    return driver


def appointment_day() -> str:
    """A working day about a week ahead ("dd.mm.yyyy"): with 10:30 an appointment the console
    accepts (not in the past, within a year, inside the default opening hours)."""
    from datetime import date, timedelta

    from core.calendar import BusinessCalendar
    from core.settings import Settings

    day = BusinessCalendar(Settings()).next_working_day(date.today() + timedelta(days=7))
    return f"{day:%d.%m.%Y}"


# --- small page helpers (Quasar renders labels as text next to the native input) ----------

def field_xpath(label: str) -> str:
    return (f"//label[.//*[contains(@class,'q-field__label') and normalize-space()='{label}']]"
            "//input")


def button_xpath(text: str) -> str:
    return f"//button[.//*[normalize-space()='{text}'] or normalize-space()='{text}']"


def wait_for(driver, xpath: str, timeout: float = 20.0):
    """The first visible element matching xpath (WebDriverWait: bounded polling)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    # Vue re-renders elements while a page loads; a stale match just means "look again".
    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(
        ec.visibility_of_any_elements_located((By.XPATH, xpath)))[0]


def wait_text(driver, text: str, timeout: float = 20.0):
    """The first visible element of the page body whose own text contains `text`."""
    return wait_for(driver, f"//body//*[contains(normalize-space(text()), '{text}')]", timeout)


def login(driver, server: LiveServer, target: str = "/") -> None:
    driver.get(server.url + "/login" + (f"?next={target}" if target != "/" else ""))
    wait_for(driver, field_xpath("Benutzername")).send_keys(server.username)
    wait_for(driver, field_xpath("Passwort")).send_keys(server.password)
    wait_for(driver, button_xpath("Anmelden")).click()
    wait_text(driver, "Paula Prüfer", timeout=30)


# --- helpers for tests that look behind the browser -----------------------------------------

def wait_gone(driver, xpath: str, timeout: float = 20.0) -> None:
    """Until no visible element matches xpath (e.g. an error message went away)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        ec.invisibility_of_element_located((By.XPATH, xpath)))


def booking_path(server: LiveServer, case_id: int) -> str:
    """The customer's booking link of a case as the server signs it (its link key is stored
    in its database, see core.secrets.share_link_key)."""
    from itsdangerous import URLSafeSerializer

    from core.secrets import _STORED_AS
    from core.tradein.links import _FIELD, _SALT

    [(key,)] = query(server, "select value from settings where key = ?", _STORED_AS)
    return "/termin/" + URLSafeSerializer(key, salt=_SALT).dumps({_FIELD: case_id})


def api_post(server: LiveServer, path: str, body: dict) -> dict:
    """A JSON API call with the server's own API key (generated into its database)."""
    import json
    import urllib.request

    [(key,)] = query(server, "select value from settings where key = ?", "api_key")
    request = urllib.request.Request(
        server.url + path, data=json.dumps(body).encode(), method="POST",
        headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def post_form(server: LiveServer, path: str, data: dict[str, str]) -> int:
    """POST a form as a customer's browser would; the HTTP status."""
    import urllib.error
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(server.url + path, data=body, method="POST",
                                     headers={"Origin": server.url})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


DIALOG = "//div[contains(@class,'q-dialog')]"


def query(server: LiveServer, sql: str, *params) -> list[tuple]:
    """Rows from the server's own database (read-only use: what the UI really stored).
    `?` marks the parameters, in order."""
    from sqlalchemy import create_engine, text

    pieces = sql.split("?")
    named = pieces[0] + "".join(f":p{n}{piece}" for n, piece in enumerate(pieces[1:]))
    engine = create_engine(server.db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(named), {f"p{n}": v for n, v in enumerate(params)})
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def tick(server: LiveServer) -> None:
    """`python app.py tick` against the server's database: drains the outbox into the dev
    mailbox exactly as the scheduler would."""
    subprocess.run([sys.executable, str(ROOT / "app.py"), "tick"],
                   env=_env(server, demo=False, extra=None), cwd=server.workdir,
                   check=True, capture_output=True, timeout=120)
