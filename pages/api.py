"""JSON API for the dealer's website under /api/v1 (header X-API-Key).

The kernel part: every module's router (`router` in its page package) is mounted under
/api/v1/<module key>; the helpers below keep the endpoints thin. Each endpoint opens one
transaction and calls the same core function the UI buttons call. Errors map to status
codes: ValidationError 422 {"errors": {...}}, ActionNotAllowed 409, NotFound 404,
missing/wrong key 401 (pages.limits, before the body is read). Endpoints are sync
functions, so FastAPI runs them in its thread pool and the event loop stays free."""
from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core import modules
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from pages.frame import module_pages, runtime

PREFIX = "/api/v1"
MAX_JSON_DEPTH = 50
TOO_DEEP = f"Die Daten sind zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)."


def respond(code: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=code)


def error(code: int, **body: Any) -> JSONResponse:
    return respond(code, body)


async def guarded(request: Request, fn: Any, *args: Any) -> JSONResponse:
    """Run `fn` in the thread pool (database work off the loop). The API key was checked by
    pages.limits before a byte of the body was read."""
    return await run_in_threadpool(_with_settings, fn, *args)


def _with_settings(fn: Any, *args: Any) -> JSONResponse:
    """Settings are read once per request, before `fn` opens its one session: a second
    pooled connection inside a write transaction is what stalled the console under load."""
    return fn(runtime().settings(), *args)


def json_body(raw: bytes, required: bool) -> dict[str, Any]:
    """The request body as a JSON object; ValidationError (422) for anything else, also for
    nesting deeper than MAX_JSON_DEPTH (json.loads recursion ends in RecursionError)."""
    if not raw.strip():
        if required:
            raise ValidationError({"body": "Es wurden keine Daten gesendet (JSON erwartet)."})
        return {}
    try:
        data = json.loads(raw)
    except RecursionError:
        raise ValidationError({"body": TOO_DEEP}) from None
    except (ValueError, UnicodeDecodeError):
        raise ValidationError({"body": "Der Inhalt ist kein gültiges JSON."}) from None
    if isinstance(data, dict | list) and _depth_exceeds(data, MAX_JSON_DEPTH):
        raise ValidationError({"body": TOO_DEEP})
    if not isinstance(data, dict):
        raise ValidationError({"body": "Es wird ein JSON-Objekt erwartet."})
    return data


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether lists/objects nest deeper than `limit`; iterative, so no recursion itself."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


def map_errors(exc: Exception) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return error(422, errors=exc.errors)
    if isinstance(exc, ActionNotAllowed):
        return error(409, detail=str(exc))
    if isinstance(exc, NotFound):
        return error(404, detail=str(exc) or "Nicht gefunden.")
    if isinstance(exc, PermissionDenied):
        return error(403, detail=str(exc))
    raise exc


def register(app: FastAPI) -> None:
    """Mount every registered module's API router under /api/v1/<key>."""
    for module in modules.registered():
        router = getattr(module_pages(module), "router", None)
        if router is not None:
            app.include_router(router, prefix=f"{PREFIX}/{module.key}")
