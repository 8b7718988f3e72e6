"""The templates page: a costly template preview is a German error within moments, and
rendering a preview never blocks the other users' requests."""
from __future__ import annotations

import asyncio
import threading
import time

import pytest

from core.mail import render
from tests.web.conftest import API_KEY

REPORTED_LOOP = "{% for x in range(30000) %}{% for y in range(30000) %}{% endfor %}{% endfor %}"


@pytest.fixture
async def editor(web, now):
    web.add_user("sina", "service", email="sina@autohaus.example")
    user = await web.login("sina")
    await user.open("/vorlagen?mail=thanks")
    await user.should_see(marker="template-meta", content="Version", retries=30)
    return user


async def test_costly_preview_shows_the_german_error_within_seconds(editor):
    started = time.monotonic()
    editor.find(marker="template-text").clear().type(REPORTED_LOOP)
    await editor.should_see("Die Vorlage ist zu aufwendig: mehr als 100.000 "
                            "Schleifendurchläufe.", retries=100)
    assert time.monotonic() - started < 15


async def test_other_requests_are_answered_while_a_preview_renders(web, editor, monkeypatch):
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()
    real_render = render.render

    def slow_render(*args, **kwargs):
        """Holds the preview until the test has made its other request."""
        entered.set()
        release.wait(5)
        try:
            return real_render(*args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(render, "render", slow_render)
    editor.find(marker="template-text").clear().type("Neu: {{ first_name }}")
    assert await asyncio.to_thread(entered.wait, 10)  # the preview is rendering now
    response = await web.api.get("/api/v1/tradein/cases/999", headers={"X-API-Key": API_KEY})
    assert response.status_code == 404  # answered ...
    assert not finished.is_set()  # ... while the preview was still rendering
    release.set()
    assert await asyncio.to_thread(finished.wait, 10)
