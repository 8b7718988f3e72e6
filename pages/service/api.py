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
# The API's invitation statuses and the stored ones each may come from: "sent" is what staff
# call "eingeladen"; a finished invitation ("done") says how far its timeline got.
API_STATUSES = {"sent": ("invited",), "reminded": ("reminded", "done"),
                "booked": ("booked",), "callback": ("callback", "done"),
                "order_found": ("order_found",), "call_list": ("call_list", "done"),
                "suppressed": ("suppressed",)}


def api_status(row: queries.InvitationRow) -> str:
    if row.status != "done":
        return "sent" if row.status == "invited" else row.status
    if row.callback_at is not None:
        return "callback"  # the customer asked for the call that closed it
    return "call_list" if row.call_listed_at is not None else "reminded"


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
    if status and status not in API_STATUSES:
        return error(422, errors={"status": f"Unbekannter Status „{status}“ (erlaubt: "
                                            f"{', '.join(API_STATUSES)})."})
    rows = []
    with runtime().db.session() as session:
        for stored in API_STATUSES.get(status, (None,)):
            found, _total = queries.list_invitations(
                session, status=stored, vehicle_number=vehicle_number or None, sort="due_date",
                descending=False, page_size=None)
            rows.extend(found)
    rows = sorted((r for r in rows if not status or api_status(r) == status),
                  key=lambda r: (r.due_date, r.id))
    return JSONResponse([{
        "vehicle_number": r.vehicle_number, "service_types": r.types,
        "due_date": r.due_date.isoformat(),
        "sent_at": r.invited_at.isoformat() if r.invited_at else None,
        "status": api_status(r)} for r in rows])
