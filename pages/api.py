"""JSON API for the dealer's website under /api/v1 (header X-API-Key).

Thin: each endpoint opens one transaction and calls the same core.tradein.service function
the UI buttons call. Errors map to status codes: ValidationError 422 {"errors": {...}},
ActionNotAllowed 409, NotFound 404, missing/wrong key 401 (pages.limits, before the body is
read). Endpoints are sync functions, so FastAPI runs them in its thread pool and the event
loop stays free."""
from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from core import clock, events
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.settings import Settings
from core.tradein import service
from core.tradein.flow import ACTIONS, STATUS_LABELS
from core.winback import detection as winback_detection
from core.winback import queries as winback_queries
from core.winback.flow import TILE_KEYS
from pages.frame import runtime

router = APIRouter(prefix="/api/v1")
MAX_JSON_DEPTH = 50
TOO_DEEP = f"Die Daten sind zu tief verschachtelt (höchstens {MAX_JSON_DEPTH} Ebenen)."


def _json(code: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=code)


def _error(code: int, **body: Any) -> JSONResponse:
    return _json(code, body)


async def _guarded(request: Request, fn: Any, *args: Any) -> JSONResponse:
    """Run `fn` in the thread pool (database work off the loop). The API key was checked by
    pages.limits before a byte of the body was read."""
    return await run_in_threadpool(_with_settings, fn, *args)


def _with_settings(fn: Any, *args: Any) -> JSONResponse:
    """Settings are read once per request, before `fn` opens its one session: a second
    pooled connection inside a write transaction is what stalled the console under load."""
    return fn(runtime().settings(), *args)


def _json_body(raw: bytes, required: bool) -> dict[str, Any]:
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


def _case_state(case: Any) -> dict[str, Any]:
    return {"case_id": case.id, "status": case.status, "status_label": STATUS_LABELS[case.status]}


def _map_errors(exc: Exception) -> JSONResponse:
    if isinstance(exc, ValidationError):
        return _error(422, errors=exc.errors)
    if isinstance(exc, ActionNotAllowed):
        return _error(409, detail=str(exc))
    if isinstance(exc, NotFound):
        return _error(404, detail=str(exc) or "Nicht gefunden.")
    if isinstance(exc, PermissionDenied):
        return _error(403, detail=str(exc))
    raise exc


@router.post("/tradein/valuations", status_code=201)
async def create_valuation(request: Request) -> JSONResponse:
    return await _guarded(request, _create_valuation, await request.body())


def _create_valuation(settings: Settings, raw: bytes) -> JSONResponse:
    try:
        data = _json_body(raw, required=True)
        # Any error raised inside the transaction rolls it back: nothing is stored.
        with runtime().db.session(write=True) as session:
            case = service.create_valuation(session, settings, data, actor="api")
            body = {"case_id": case.id, "customer_id": case.customer_id, "status": case.status}
    except (ValidationError, ActionNotAllowed, NotFound, PermissionDenied) as exc:
        return _map_errors(exc)
    return _json(201, body)


@router.post("/tradein/cases/{case_id}/actions/{action}")
async def perform_action(case_id: int, action: str, request: Request) -> JSONResponse:
    return await _guarded(request, _perform, case_id, action, await request.body())


def _perform(settings: Settings, case_id: int, action: str, raw: bytes) -> JSONResponse:
    if action not in ACTIONS:
        return _error(404, detail=f"Unbekannte Aktion „{action}“.",
                      actions=sorted(ACTIONS))
    try:
        data = _json_body(raw, required=False)
        with runtime().db.session(write=True) as session:
            case = service.perform(session, settings, case_id, action, data, actor="api")
            body = _case_state(case)
    except (ValidationError, ActionNotAllowed, NotFound, PermissionDenied) as exc:
        return _map_errors(exc)
    return _json(200, body)


@router.get("/tradein/cases/{case_id}")
async def get_case(case_id: int, request: Request) -> JSONResponse:
    return await _guarded(request, _get_case, case_id)


def _get_case(_settings: Settings, case_id: int) -> JSONResponse:
    try:
        with runtime().db.session() as session:
            case = service.case_detail(session, case_id)
            body = _case_json(case, events.for_case(session, case.id))
    except NotFound as exc:
        return _map_errors(exc)
    return _json(200, body)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _case_json(case: Any, timeline: list[Any]) -> dict[str, Any]:
    customer = case.customer
    return {
        **_case_state(case),
        "archived": case.archived_at is not None,
        "customer": {
            "id": customer.id, "email": customer.email, "first_name": customer.first_name,
            "last_name": customer.last_name, "phone": customer.phone,
            "opted_out": customer.opted_out_at is not None,
        },
        "vehicle": {"make": case.make, "model": case.model, "build_year": case.build_year,
                    "mileage_km": case.mileage_km, "fuel": case.fuel},
        "market_value_eur": case.market_value_cents / 100,
        "purchase_price_eur": (case.purchase_price_cents / 100
                               if case.purchase_price_cents is not None else None),
        "calculated_at": _iso(case.calculated_at),
        "appointment_at": _iso(case.appointment_at),
        "status_changed_at": _iso(case.status_changed_at),
        "events": [{"at": _iso(e.at), "kind": e.kind, "text": e.text, "actor": e.actor}
                   for e in timeline],
    }


@router.get("/winback/customers")
async def winback_customers(request: Request, tile: str = "") -> JSONResponse:
    return await _guarded(request, _winback_customers, tile)


def _winback_customers(settings: Settings, tile: str) -> JSONResponse:
    """A win-back tile's whole list, in the list's default order (largest decline first)."""
    if tile not in TILE_KEYS:
        return _error(422, errors={"tile": f"Unbekannte Kachel „{tile}“ (erlaubt: "
                                           f"{', '.join(TILE_KEYS)})."})
    with runtime().db.session() as session:
        rows, _total = winback_queries.list_entries(
            session, tile=tile, page_size=None,
            today=winback_detection.local_today(settings, clock.now()))
    return JSONResponse([
        {"customer_number": r.customer_number, "name": r.name,
         "previous_revenue": r.previous_cents / 100, "current_revenue": r.current_cents / 100,
         "decline_percent": (round(r.decline_percent, 1) if r.decline_percent is not None
                             else None),
         "status": r.status} for r in rows])


def register(app: FastAPI) -> None:
    app.include_router(router)
