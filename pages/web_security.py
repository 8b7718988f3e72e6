"""Host and Origin checks and the Secure cookie flag, as one small pure-ASGI middleware.

- Every HTTP request and websocket must name one of the console's own host names in `Host`
  (127.0.0.1, localhost, ::1, the bound host, the host of public_base_url): a page reached
  through a foreign name is a DNS-rebinding attempt (e.g. on the first-run page) -> 400.
- Websockets and Socket.IO requests that carry an `Origin` must come from the console's own
  origin (public_base_url, or the very host:port the request was sent to) -> 403 otherwise,
  so no other site can drive a logged-in console through the browser.
- Over HTTPS (the request's scheme, which uvicorn takes from X-Forwarded-Proto of a trusted
  TLS proxy, or a public_base_url starting with https) every cookie is marked Secure.

Installed in front of every other middleware (the session cookie one included) by
`install`, called once from app.build()."""
from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse

from core.runtime import Runtime
from core.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SOCKET_PATH = "/_nicegui_ws"  # where NiceGUI mounts its Socket.IO server
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD = frozenset({"", "0.0.0.0", "::"})
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
BAD_HOST = ("Ungültiger Host-Name. Bitte öffnen Sie Kundenpilot über seine eingerichtete "
            "Adresse (KP_PUBLIC_BASE_URL).")
BAD_ORIGIN = "Zugriff von einer fremden Website abgelehnt."


def allowed_hosts(settings: Settings) -> frozenset[str]:
    """Host names (lower case, no port) the console answers to."""
    names = set(LOOPBACK)
    if settings.host.strip().lower() not in WILDCARD:
        names.add(settings.host.strip().lower().strip("[]"))
    public = urlsplit(settings.public_base_url).hostname
    if public:
        names.add(public.lower())
    return frozenset(names)


def _host_port(netloc: str, scheme: str) -> tuple[str, int] | None:
    """(host name, port) of "host[:port]", the scheme's default port if none; None if bad."""
    try:
        parts = urlsplit(f"//{netloc}")
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if not host or parts.username is not None or parts.path or parts.query:
        return None
    return host.lower(), port or _DEFAULT_PORTS.get(scheme, 80)


def host_allowed(host_header: str | None, settings: Settings) -> bool:
    parsed = _host_port(host_header or "", "http")
    return parsed is not None and parsed[0] in allowed_hosts(settings)


def origin_allowed(origin: str, host_header: str, scheme: str, settings: Settings) -> bool:
    """The console's public origin, or exactly the host:port this request was sent to."""
    parts = urlsplit(origin.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    public = urlsplit(settings.public_base_url)
    own = _host_port(parts.netloc, parts.scheme)
    if own is not None and (parts.scheme, own) == (
            public.scheme, _host_port(public.netloc, public.scheme)):
        return True
    plain_scheme = {"wss": "https", "ws": "http"}.get(scheme, scheme)
    return (own is not None and own[0] in allowed_hosts(settings)
            and parts.scheme == plain_scheme and own == _host_port(host_header, scheme))


def refusal(scope: Scope, settings: Settings) -> tuple[int, str] | None:
    """(status, German message) when this request must be refused, else None."""
    headers = Headers(scope=scope)
    host = headers.get("host", "")
    if not host_allowed(host, settings):
        return 400, BAD_HOST
    origin = headers.get("origin")
    checks_origin = scope["type"] == "websocket" or scope["path"].startswith(SOCKET_PATH)
    if checks_origin and origin is not None and not origin_allowed(
            origin, host, scope.get("scheme", "http"), settings):
        return 403, BAD_ORIGIN
    return None


def is_https(scope: Scope, settings: Settings) -> bool:
    return scope.get("scheme") in ("https", "wss") or settings.public_base_url.startswith(
        "https://")


def _with_secure(value: bytes) -> bytes:
    attributes = {part.strip().lower() for part in value.split(b";")[1:]}
    return value if b"secure" in attributes else value + b"; Secure"


def _secure_cookies(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, _with_secure(value) if name.lower() == b"set-cookie" else value)
                for name, value in message.get("headers", [])]
        await send(message)

    return wrapped


class WebSecurity:
    """The middleware; `settings` returns the current settings (cached by the runtime)."""

    def __init__(self, app: ASGIApp, settings: Callable[[], Settings],
                 cached: Callable[[], Settings | None] = lambda: None) -> None:
        self.app = app
        self.settings = settings
        self.cached = cached  # the settings without a database read, or None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # Only a stale cache reads the database, and that in a thread, never on the loop.
        settings = self.cached() or await run_in_threadpool(self.settings)
        refused = refusal(scope, settings)
        if refused is not None:
            await _refuse(scope, receive, send, *refused)
            return
        if scope["type"] == "http" and is_https(scope, settings):
            send = _secure_cookies(send)
        await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, text: str) -> None:
    if scope["type"] == "websocket":  # closing before accepting: the server answers 403
        await send({"type": "websocket.close", "code": 1008, "reason": text})
        return
    await PlainTextResponse(text, status_code=status)(scope, receive, send)


def install(app: Any, runtime: Runtime) -> None:
    """Put WebSecurity in front of the app's whole middleware stack.

    `app.add_middleware` would place it inside the session middleware that ui.run() adds
    later, where it could neither refuse a request before a session is created nor mark
    the session cookie Secure; so the stack builder is wrapped instead. Calling it again
    (tests build the app once per test) only swaps the runtime."""
    app.state.web_security_runtime = runtime
    if "build_middleware_stack" in vars(app):  # already wrapped
        return
    build = app.build_middleware_stack

    def build_with_security() -> ASGIApp:
        return WebSecurity(build(), lambda: app.state.web_security_runtime.settings(),
                           lambda: app.state.web_security_runtime.cached_settings())

    app.build_middleware_stack = build_with_security
