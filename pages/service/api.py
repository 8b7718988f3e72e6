"""Service API (mounted under /api/v1/service): a vehicle's due dates and the invitations."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core.errors import NotFound
from core.service import queries
from core.service import vehicle as vehicles
from core.settings import Settings
from pages.api import error, guarded
from pages.frame import runtime

router = APIRouter()
# The API's invitation status: "sent" is what staff call "eingeladen"; an invitation whose
# timeline ran out without a call list stays "reminded".
API_STATUS = {"invited": "sent", "reminded": "reminded", "done": "reminded",
              "booked": "booked", "callback": "callback", "order_found": "order_found",
              "call_list": "call_list", "suppressed": "suppressed"}
INTERNAL_STATUS = {"sent": "invited", **{k: k for k in API_STATUS.values() if k != "sent"}}


@router.get("/vehicles/{vehicle_number}")
async def service_vehicle(request: Request, vehicle_number: str) -> JSONResponse:
    return await guarded(request, _vehicle, vehicle_number)


def _vehicle(settings: Settings, vehicle_number: str) -> JSONResponse:
    with runtime().db.session() as session:
        try:
            found = vehicles.by_number(session, vehicle_number)
        except NotFound as exc:
            return error(404, detail=str(exc))
        return JSONResponse(vehicles.api_view(vehicles.detail(session, settings, found)))


@router.get("/invitations")
async def service_invitations(request: Request, vehicle_number: str = "",
                              status: str = "") -> JSONResponse:
    return await guarded(request, _invitations, vehicle_number.strip(), status.strip())


def _invitations(settings: Settings, vehicle_number: str, status: str) -> JSONResponse:
    if status and status not in INTERNAL_STATUS:
        return error(422, errors={"status": f"Unbekannter Status „{status}“ (erlaubt: "
                                            f"{', '.join(INTERNAL_STATUS)})."})
    with runtime().db.session() as session:
        rows, _total = queries.list_invitations(
            session, status=INTERNAL_STATUS.get(status), vehicle_number=vehicle_number or None,
            sort="due_date", descending=False, page_size=None)
        # "reminded" also covers the ones whose timeline ran out ("done")
        if status == "reminded":
            more, _ = queries.list_invitations(session, status="done", page_size=None,
                                               vehicle_number=vehicle_number or None)
            rows = sorted([*rows, *more], key=lambda r: (r.due_date, r.id))
    return JSONResponse([{
        "vehicle_number": r.vehicle_number, "service_types": r.types,
        "due_date": r.due_date.isoformat(),
        "sent_at": r.invited_at.isoformat() if r.invited_at else None,
        "status": API_STATUS.get(r.status, r.status)} for r in rows])
