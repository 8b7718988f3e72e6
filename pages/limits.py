"""Request-body limits, and the API key checked before an API request's body is read.

A pure ASGI middleware in front of every route: a body larger than its path's limit gets 413
(the declared Content-Length is checked up front, a chunked body is counted as it streams),
and a request under /api/v1 without the right X-API-Key gets 401 before a single body byte
is read. Answers use the API's error format {"detail": "..."} (German)."""
from __future__ import annotations

import hmac
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pages import imports
from pages.frame import runtime

API_PREFIX = "/api/v1"
API_MAX_BYTES = 1024 * 1024  # the JSON API: a valuation is a few hundred bytes
DEFAULT_MAX_BYTES = 1024 * 1024  # forms (booking, unsubscribe); Socket.IO caps itself lower
UPLOAD_PATH = re.compile(r"^/_nicegui/client/[^/]+/upload/[^/]+$")  # NiceGUI's ui.upload
KEY_MESSAGE = "API-Schlüssel fehlt oder ist ungültig (Header X-API-Key)."


class _TooLarge(Exception):
    """The streamed body went over the limit."""


def limit_for(path: str) -> int:
    """How many body bytes a request to `path` may send."""
    if UPLOAD_PATH.match(path):
        return imports.MAX_UPLOAD_BYTES  # the import page's own limit (DMS exports)
    return API_MAX_BYTES if _is_api(path) else DEFAULT_MAX_BYTES


def _is_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB".replace(".", ",")


def _too_large_message(limit: int) -> str:
    return f"Die Anfrage ist zu groß: höchstens {_megabytes(limit)} sind erlaubt."


async def _key_valid(given: str) -> bool:
    # Mostly from the settings cache; only a stale cache reads the database, in a thread.
    settings = runtime().cached_settings() or await run_in_threadpool(runtime().settings)
    expected = settings.api_key
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _declared_length(headers: Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class BodyLimit:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, headers = scope["path"], Headers(scope=scope)
        if _is_api(path) and not await _key_valid(headers.get("x-api-key", "")):
            await _answer(scope, receive, send, 401, KEY_MESSAGE)
            return
        limit = limit_for(path)
        declared = _declared_length(headers)
        if declared is not None and declared > limit:
            await _answer(scope, receive, send, 413, _too_large_message(limit))
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the request on, stopping it with 413 once its body goes over `limit`."""
        received, started = 0, False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if not started:  # otherwise the answer is already on its way
                await _answer(scope, receive, send, 413, _too_large_message(limit))


async def _answer(scope: Scope, receive: Receive, send: Send, status: int,
                  detail: str) -> None:
    # Connection: close - the unread rest of the body must not be taken for a next request.
    response = JSONResponse({"detail": detail}, status_code=status,
                            headers={"Connection": "close"})
    await response(scope, receive, send)


def install(app: Any) -> None:
    """Put the limits in front of every route of `app` (before the server starts)."""
    app.add_middleware(BodyLimit)
