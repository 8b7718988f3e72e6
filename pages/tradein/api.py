"""Trade-in API (mounted under /api/v1/tradein): website valuations, case actions, case
state. Errors map as documented in pages.api."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core import clock, events
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.settings import Settings
from core.tradein import KEY, service
from core.tradein.flow import ACTIONS, STATUS_LABELS
from pages.api import error, guarded, json_body, map_errors, respond
from pages.frame import runtime

router = APIRouter()


def _case_state(case: Any) -> dict[str, Any]:
    return {"case_id": case.id, "status": case.status, "status_label": STATUS_LABELS[case.status]}


@router.post("/valuations", status_code=201)
async def create_valuation(request: Request) -> JSONResponse:
    return await guarded(request, _create_valuation, await request.body())


def _create_valuation(settings: Settings, raw: bytes) -> JSONResponse:
    try:
        data = json_body(raw, required=True)
        # Any error raised inside the transaction rolls it back: nothing is stored.
        with runtime().db.session(write=True) as session:
            case = service.create_valuation(session, settings, data, clock.now(), actor="api")
            body = {"case_id": case.id, "customer_id": case.customer_id, "status": case.status}
    except (ValidationError, ActionNotAllowed, NotFound, PermissionDenied) as exc:
        return map_errors(exc)
    return respond(201, body)


@router.post("/cases/{case_id}/actions/{action}")
async def perform_action(case_id: int, action: str, request: Request) -> JSONResponse:
    return await guarded(request, _perform, case_id, action, await request.body())


def _perform(settings: Settings, case_id: int, action: str, raw: bytes) -> JSONResponse:
    if action not in ACTIONS:
        return error(404, detail=f"Unbekannte Aktion „{action}“.",
                      actions=sorted(ACTIONS))
    try:
        data = json_body(raw, required=False)
        with runtime().db.session(write=True) as session:
            case = service.perform(session, settings, case_id, action, data, actor="api",
                                   now=clock.now())
            body = _case_state(case)
    except (ValidationError, ActionNotAllowed, NotFound, PermissionDenied) as exc:
        return map_errors(exc)
    return respond(200, body)


@router.get("/cases/{case_id}")
async def get_case(case_id: int, request: Request) -> JSONResponse:
    return await guarded(request, _get_case, case_id)


def _get_case(_settings: Settings, case_id: int) -> JSONResponse:
    try:
        with runtime().db.session() as session:
            case = service.case_detail(session, case_id)
            body = _case_json(case, events.for_record(session, KEY, case.id))
    except NotFound as exc:
        return map_errors(exc)
    return respond(200, body)


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
