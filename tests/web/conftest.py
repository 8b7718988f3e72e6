"""The whole console (pages + API) in-process on a fresh database, driven by NiceGUI's
simulated `User` and an httpx client — no browser, no server, no port."""
from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from nicegui import app as nicegui_app
from nicegui import core, ui
from nicegui.functions.download import download
from nicegui.functions.navigate import Navigate
from nicegui.functions.notify import notify
from nicegui.storage import Storage
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

import app as kundenpilot
from core import auth, clock
from core.db import Database
from core.runtime import Runtime

API_KEY = "test-api-key-123"
# FastAPI merges an included router's lifespan into the app's, and NiceGUI's reset keeps it:
# without a reset per test the merged chain grows with every test until a RecursionError.
_APP_LIFESPAN = core.app.router.lifespan_context
PASSWORD = "richtig-geheim-1"


@dataclass
class Web:
    """Handles for one test: the app's runtime/db, an API client, and simulated users."""

    runtime: Runtime
    db: Database
    api: httpx.AsyncClient

    def new_user(self) -> User:
        """A fresh simulated browser (own cookies, so its own login session)."""
        return User(httpx.AsyncClient(transport=httpx.ASGITransport(core.app),
                                      base_url="http://localhost"))

    def add_user(self, username: str, role: str, email: str = "") -> None:
        with self.db.session(write=True) as session:
            auth.create_user(session, username, PASSWORD, role, username.title(), email,
                             now=clock.now())

    async def login(self, username: str, password: str = PASSWORD) -> User:
        user = self.new_user()
        await user.open("/login")
        user.find(marker="login-username").type(username)
        user.find(marker="login-password").type(password)
        user.find(marker="login-submit").click()
        await user.should_not_see(marker="login-submit", retries=50)
        return user


@pytest.fixture(scope="session", autouse=True)
def _nicegui_storage(tmp_path_factory) -> None:
    # Browser-session storage goes to a temp dir instead of .nicegui/ in the repository.
    Storage.path = tmp_path_factory.mktemp("nicegui-storage")
    nicegui_app.storage = Storage()


def _purge_page_modules() -> None:
    """Page modules register routes when imported; after NiceGUI reset its routes they must
    be imported afresh for the next test's app."""
    for name in [m for m in sys.modules if m == "pages" or m.startswith("pages.")]:
        del sys.modules[name]


@pytest.fixture
async def web(databases, monkeypatch) -> AsyncIterator[Web]:
    for name in [n for n in os.environ if n.startswith("KP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("KP_API_KEY", API_KEY)
    db = kundenpilot.open_database(databases.new_url("web"))
    runtime = Runtime(db)
    with nicegui_reset_globals():
        os.environ["NICEGUI_USER_SIMULATION"] = "true"
        try:
            _purge_page_modules()
            core.app.router.lifespan_context = _APP_LIFESPAN
            kundenpilot.build(runtime)
            prepare_simulation()
            ui.run(storage_secret="test-storage-secret")
            async with core.app.router.lifespan_context(core.app), httpx.AsyncClient(
                    transport=httpx.ASGITransport(core.app), base_url="http://localhost") as client:
                yield Web(runtime, db, client)
        finally:
            os.environ.pop("NICEGUI_USER_SIMULATION", None)
            ui.navigate, ui.notify, ui.download = Navigate(), notify, download
            runtime.stop_dev_mailbox()
            db.engine.dispose()


async def eventually(check, tries: int = 50):
    """`check()`'s first truthy answer while work started by a click finishes off the event
    loop (bounded: about 2.5 s, then its last answer). No clock moves here: this waits for
    a background task, the way should_see(retries=…) waits for an element."""
    import asyncio

    result = check()
    for _ in range(tries):
        if result:
            return result
        await asyncio.sleep(0.05)
        result = check()
    return result
