"""HTTP-level answers outside the endpoints themselves.

- Under /api/v1 every error FastAPI or Starlette produce on their own (wrong path type, wrong
  method, unknown path) is German JSON in the documented format: {"detail": "..."} or
  {"errors": {field: message}}. Other paths keep NiceGUI's and FastAPI's answers.
- HEAD is answered like GET without a body (link checkers, mail scanners, uptime probes):
  routes here are declared for GET only, which would otherwise make HEAD a 405."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import (
    http_exception_handler,
    request_validation_exception_handler,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.validation import shown
from pages.frame import not_found_page

API_PREFIX = "/api/v1"
NOT_FOUND = "Diese API-Adresse gibt es nicht (siehe README, Abschnitt API)."
_WRAPPED = "_kundenpilot_wrapped"  # marks our 404 handler, so re-registering never nests
# Set in the scope of a HEAD request run as GET: a link endpoint that tells link scanners
# from people (core.service.responses.is_automated) still sees it was a HEAD.
HEAD_MARK = "kundenpilot.head"


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def _field_message(error: dict[str, Any]) -> str:
    kind, given = error.get("type", ""), shown(error.get("input", ""))
    if kind.startswith("int"):
        return f"„{given}“ ist keine gültige Nummer – erwartet wird eine ganze Zahl."
    if kind == "missing":
        return "Angabe fehlt."
    return f"„{given}“ ist hier kein gültiger Wert."


def validation_errors(exc: RequestValidationError) -> dict[str, str]:
    """FastAPI's parameter errors as field -> German message (field: the parameter name)."""
    errors: dict[str, str] = {}
    for error in exc.errors():
        location = [str(part) for part in error.get("loc", ()) if part not in ("path", "query")]
        errors.setdefault(".".join(location) or "request", _field_message(error))
    return errors


def http_detail(exc: StarletteHTTPException, method: str) -> str:
    """German text for an HTTP error Starlette raised by itself."""
    if exc.status_code == 404:
        return NOT_FOUND
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return (f"Die Methode {shown(method, 10)} ist hier nicht erlaubt"
                + (f" (erlaubt: {allowed})." if allowed else "."))
    return f"Die Anfrage wurde abgelehnt (HTTP {exc.status_code})."


def register(app: FastAPI) -> None:
    """Install the handlers and the HEAD middleware (once per app build)."""
    previous_404 = app.exception_handlers.get(404)
    previous_404 = getattr(previous_404, _WRAPPED, previous_404)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _is_api(request):
            return JSONResponse({"detail": http_detail(exc, request.method)},
                                status_code=exc.status_code, headers=exc.headers)
        if exc.status_code == 404 and request.scope.get("endpoint") is None:
            return not_found_page(request)  # an unknown path: the German page in the frame
        if exc.status_code == 404 and previous_404 is not None:
            return await previous_404(request, exc)  # NiceGUI's own "not found" page
        return await http_exception_handler(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if _is_api(request):
            return JSONResponse({"errors": validation_errors(exc)}, status_code=422)
        return await request_validation_exception_handler(request, exc)

    setattr(on_http_error, _WRAPPED, previous_404)
    app.add_exception_handler(404, on_http_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_middleware(HeadAsGet)


class HeadAsGet:
    """Runs a HEAD request as GET and sends the same status and headers, but no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # drop every chunk; the last one closes the response
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app(dict(scope, method="GET", **{HEAD_MARK: True}), receive, headers_only)


def request_method(scope: Scope) -> str:
    """The method the client sent: HEAD for a HEAD that HeadAsGet runs as GET."""
    return "HEAD" if scope.get(HEAD_MARK) else str(scope.get("method", "GET"))
