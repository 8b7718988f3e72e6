"""Real-browser harness: one Kundenpilot server (demo data) and one headless Chromium per
test session, so the browser suite stays fast. Helpers live in tools/liveserver.py."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.databases import Databases
from tools import liveserver
from tools.liveserver import LiveServer


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live-server")
    databases = Databases(workdir)
    server = liveserver.start_server(workdir, demo=True,
                                     db_url=databases.new_url("kundenpilot"))
    yield server
    server.stop()
    databases.drop_all()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    driver = liveserver.chrome(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture
def logged_in(browser, live_server):
    """The browser with a fresh login as the admin created for the session."""
    browser.get(live_server.url + "/login")
    browser.delete_all_cookies()
    liveserver.login(browser, live_server)
    return browser


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing browser test, keep a screenshot and the server log next to the tmp dir."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    driver = item.funcargs.get("browser") or item.funcargs.get("logged_in")
    server = item.funcargs.get("live_server")
    if driver is not None and server is not None:
        path = server.workdir / f"failed-{item.name}.png"
        driver.save_screenshot(str(path))
        report.sections.append(("browser", f"screenshot: {path}\nserver log:\n{server.log()}"))
