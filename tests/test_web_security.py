"""pages.web_security as a plain ASGI middleware: host names, origins, Secure cookies, and
the websocket upgrade that no test client can send through the whole app."""
from __future__ import annotations

from dataclasses import replace

import pytest

from core.settings import Settings
from pages.web_security import WebSecurity, allowed_hosts, host_allowed, origin_allowed

SETTINGS = replace(Settings(), host="127.0.0.1", port=8080,
                   public_base_url="https://kundenpilot.autohaus.example")


def test_allowed_host_names():
    assert allowed_hosts(SETTINGS) == {"127.0.0.1", "localhost", "::1",
                                       "kundenpilot.autohaus.example"}
    bound = replace(SETTINGS, host="192.168.1.20")
    assert "192.168.1.20" in allowed_hosts(bound)
    assert "0.0.0.0" not in allowed_hosts(replace(SETTINGS, host="0.0.0.0"))


@pytest.mark.parametrize(("host", "ok"), [
    ("127.0.0.1:8080", True), ("localhost", True), ("LOCALHOST:8080", True), ("[::1]:8080", True),
    ("kundenpilot.autohaus.example", True), ("kundenpilot.autohaus.example:443", True),
    ("evil.example", False), ("kundenpilot.autohaus.example.evil.example", False),
    ("127.0.0.1.nip.io", False), ("", False), (None, False), ("localhost:abc", False),
    ("user@localhost", False), ("localhost/x", False),
])
def test_host_header(host, ok):
    assert host_allowed(host, SETTINGS) is ok


@pytest.mark.parametrize(("origin", "host", "scheme", "ok"), [
    ("https://kundenpilot.autohaus.example", "127.0.0.1:8080", "ws", True),  # TLS proxy
    ("http://127.0.0.1:8080", "127.0.0.1:8080", "ws", True),
    ("http://localhost:8080", "localhost:8080", "http", True),
    ("http://localhost:3000", "localhost:8080", "ws", False),  # another local site
    ("https://127.0.0.1:8080", "127.0.0.1:8080", "ws", False),
    ("http://kundenpilot.autohaus.example", "127.0.0.1:8080", "ws", False),
    ("https://evil.example", "127.0.0.1:8080", "ws", False),
    ("null", "127.0.0.1:8080", "ws", False),
])
def test_origin(origin, host, scheme, ok):
    assert origin_allowed(origin, host, scheme, SETTINGS) is ok


class _Inner:
    def __init__(self):
        self.called = False

    async def __call__(self, scope, receive, send):
        self.called = True
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"set-cookie", b"session=abc; path=/; httponly")]})
            await send({"type": "http.response.body", "body": b"ok"})


async def _run(scope, settings=SETTINGS):
    inner, sent = _Inner(), []

    async def receive():
        return {"type": "websocket.connect"}

    async def send(message):
        sent.append(message)

    await WebSecurity(inner, lambda: settings)(scope, receive, send)
    return inner, sent


def _scope(kind, host, origin=None, scheme="ws", path="/_nicegui_ws/socket.io/"):
    headers = [(b"host", host.encode())] + ([(b"origin", origin.encode())] if origin else [])
    return {"type": kind, "path": path, "scheme": scheme, "headers": headers,
            "query_string": b"", "method": "GET"}


async def test_a_cross_origin_websocket_upgrade_is_closed_before_it_is_accepted():
    inner, sent = await _run(_scope("websocket", "127.0.0.1:8080", "https://evil.example"))
    assert not inner.called
    assert sent[0]["type"] == "websocket.close"
    inner, sent = await _run(_scope("websocket", "127.0.0.1:8080", "http://127.0.0.1:8080"))
    assert inner.called and sent == []


async def test_a_websocket_to_a_foreign_host_name_is_closed():
    inner, sent = await _run(_scope("websocket", "rebind.evil.example:8080"))
    assert not inner.called and sent[0]["type"] == "websocket.close"


async def test_cookies_get_secure_only_over_https():
    plain = replace(SETTINGS, public_base_url="http://127.0.0.1:8080")
    _inner, sent = await _run(_scope("http", "localhost", scheme="http", path="/"), plain)
    assert dict(sent[0]["headers"])[b"set-cookie"] == b"session=abc; path=/; httponly"
    _inner, sent = await _run(_scope("http", "localhost", scheme="https", path="/"), plain)
    assert dict(sent[0]["headers"])[b"set-cookie"].endswith(b"; Secure")
    _inner, sent = await _run(_scope("http", "localhost", scheme="http", path="/"))
    assert dict(sent[0]["headers"])[b"set-cookie"].endswith(b"; Secure")


async def test_lifespan_passes_through():
    inner, _sent = await _run({"type": "lifespan"})
    assert inner.called
