"""Win-back API (mounted under /api/v1/winback): the customers of a tile."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from core import clock
from core.settings import Settings
from core.winback import detection as winback_detection
from core.winback import queries as winback_queries
from core.winback.flow import TILE_KEYS
from pages.api import error, guarded
from pages.frame import runtime

router = APIRouter()


@router.get("/customers")
async def winback_customers(request: Request, tile: str = "") -> JSONResponse:
    return await guarded(request, _winback_customers, tile)


def _winback_customers(settings: Settings, tile: str) -> JSONResponse:
    """A win-back tile's whole list, in the list's default order (largest decline first)."""
    if tile not in TILE_KEYS:
        return error(422, errors={"tile": f"Unbekannte Kachel „{tile}“ (erlaubt: "
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
