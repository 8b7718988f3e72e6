"""Login throttling, session renewal, the redirect after login, and the Host/Origin checks,
as a browser (simulated, or plain HTTP) meets them."""
from __future__ import annotations

from datetime import timedelta

import httpx
from nicegui import core
from sqlalchemy import func, select

from core import clock
from core.models import Event
from tests.web.conftest import PASSWORD

WRONG = "falsch-falsch"
LOCKED = "Zu viele Fehlversuche. Bitte in 15 Minuten erneut versuchen."
SOCKET_HANDSHAKE = "/_nicegui_ws/socket.io/?EIO=4&transport=polling"


async def _attempt(web, username: str, password: str):
    """One login attempt in a fresh simulated browser (so no message is left from before)."""
    user = web.new_user()
    await user.open("/login")
    user.find(marker="login-username").type(username)
    user.find(marker="login-password").type(password)
    user.find(marker="login-submit").click()
    return user


async def test_sixth_attempt_is_refused_with_the_right_password_until_15_minutes_pass(web, now):
    web.add_user("anna", "service")
    for _ in range(4):
        user = await _attempt(web, "anna", WRONG)
        await user.should_see("Benutzername oder Passwort ist falsch.", retries=50)
    user = await _attempt(web, "anna", WRONG)  # the fifth failure locks
    await user.should_see(LOCKED, retries=50)

    user = await _attempt(web, "anna", PASSWORD)  # right password, still locked
    await user.should_see(LOCKED, retries=50)
    await user.should_not_see(marker="current-user")

    clock.set_now(now + timedelta(minutes=5))
    user = await _attempt(web, "anna", PASSWORD)
    await user.should_see("Bitte in 10 Minuten erneut versuchen.", retries=50)

    clock.set_now(now + timedelta(minutes=15))
    user = await _attempt(web, "anna", PASSWORD)
    await user.should_see(marker="current-user", retries=50)
    with web.db.session() as session:
        blocked = session.scalar(select(func.count(Event.id)).where(Event.kind == "login_blocked"))
    assert blocked == 2


async def test_unknown_user_names_are_throttled_like_known_ones(web, now):
    web.add_user("anna", "service")  # else the login page is the first-run page
    for _ in range(4):
        user = await _attempt(web, "niemand", WRONG)
        await user.should_see("Benutzername oder Passwort ist falsch.", retries=50)
    user = await _attempt(web, "niemand", WRONG)
    await user.should_see(LOCKED, retries=50)


async def test_login_gives_a_new_session_and_the_old_cookie_gets_nothing(web):
    web.add_user("anna", "service")
    victim = web.new_user()
    await victim.open("/login")
    planted = victim.http_client.cookies.get("session")  # e.g. planted by an attacker
    victim.find(marker="login-username").type("anna")
    victim.find(marker="login-password").type(PASSWORD)
    victim.find(marker="login-submit").click()
    await victim.should_see(marker="current-user", retries=50)
    logged_in = victim.http_client.cookies.get("session")
    assert logged_in != planted

    attacker = web.new_user()
    attacker.http_client.cookies.set("session", planted)
    await attacker.open("/ankauf")
    await attacker.should_see(marker="login-submit")  # not anna's session

    await victim.open("/logout")
    await victim.should_see(marker="login-submit")
    assert victim.http_client.cookies.get("session") != logged_in


async def test_open_redirect_after_login_lands_on_the_start_page(web):
    web.add_user("anna", "service")
    user = web.new_user()
    await user.open("/login?next=%2F%09%2F127.0.0.2%3A19081%2Ftab")
    user.find(marker="login-username").type("anna")
    user.find(marker="login-password").type(PASSWORD)
    user.find(marker="login-submit").click()
    await user.should_see(marker="current-user", retries=50)
    assert user.client.request.url.netloc == "localhost"
    assert user.client.request.url.path == "/"


async def test_a_foreign_host_name_gets_400_also_on_the_first_run_page(web):
    response = await web.api.get("/einrichtung", headers={"Host": "rebind.evil.example"})
    assert response.status_code == 400
    assert "Ungültiger Host-Name" in response.text
    assert "setup-submit" not in response.text
    for host in ("127.0.0.1:8080", "localhost", "[::1]:8080"):
        response = await web.api.get("/einrichtung", headers={"Host": host})
        assert response.status_code == 200, host


async def test_the_public_host_name_is_accepted_and_cookies_are_secure_over_https(web,
                                                                                  monkeypatch):
    monkeypatch.setenv("KP_PUBLIC_BASE_URL", "https://kundenpilot.autohaus.example")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app),
                                 base_url="http://kundenpilot.autohaus.example") as client:
        response = await client.get("/einrichtung")
    assert response.status_code == 200
    assert "secure" in response.headers["set-cookie"].lower()


async def test_cookie_is_secure_when_the_request_came_over_https(web):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(core.app),
                                 base_url="https://localhost") as client:
        response = await client.get("/login")
    assert "secure" in response.headers["set-cookie"].lower()
    plain = await web.api.get("/login")
    assert "secure" not in plain.headers["set-cookie"].lower()


async def test_a_cross_origin_socket_io_handshake_is_refused(web):
    response = await web.api.get(SOCKET_HANDSHAKE, headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert "fremden Website" in response.text
    same = await web.api.get(SOCKET_HANDSHAKE, headers={"Origin": "http://localhost"})
    assert same.status_code == 200
    assert same.text.startswith("0{")  # the Engine.IO open packet


async def test_api_refuses_a_customer_name_written_as_encoded_word(web):
    from tests.web.test_api import KEY, VALUATION

    spoof = "=?utf-8?q?Gesch=C3=A4ftsf=C3=BChrer_Bank?="
    response = await web.api.post("/api/v1/tradein/valuations", headers=KEY,
                                  json=VALUATION | {"first_name": spoof, "last_name": spoof})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["last_name"] == ("Nachname darf keine kodierten Zeichenfolgen („=?…?=“) "
                                   "enthalten.")
    assert "first_name" in errors
