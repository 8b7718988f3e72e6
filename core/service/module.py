"""Service reminders as the kernel sees it: one Module object."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.modules import Module, NavEntry, News, Tile, TileGroup
from core.service import KEY, invitation_url, queries
from core.service.imports import ORDERS_KIND, VEHICLES_KIND
from core.service.models import (
    ServiceDue,
    ServiceInvitation,
    ServiceRule,
    ServiceTypeSetting,
    Vehicle,
    VehicleReading,
    WorkshopOrder,
)
from core.service.recompute import refresh_after_import
from core.service.run import run_due
from core.service.settings import SECTION as SETTINGS
from core.service.templates import ServiceTemplates

TILE_GROUPS = (
    TileGroup("Service-Erinnerungen", tuple(
        Tile(key, label, f"/service/nachverfolgen?kachel={key}", icon, colour, hint=hint)
        for key, label, hint, icon, colour in queries.TILES)),
)


def load_demo(session: Session, settings: Any, now: datetime) -> str | None:
    from core.service.demo import load_demo as load_vehicles  # only demo mode needs it

    count = load_vehicles(session, settings, now)
    return f"Demo-Daten geladen ({count} Fahrzeuge mit Werkstatthistorie)." if count else None


def _new_callbacks(session: Session, since: datetime) -> int:
    return queries.count_since(session, "callback_at", since)


def _new_bookings(session: Session, since: datetime) -> int:
    return queries.count_since(session, "booked_at", since)


MODULE = Module(
    key=KEY,
    label="Service",
    record_label="Einladung",
    models=(Vehicle, WorkshopOrder, VehicleReading, ServiceRule, ServiceTypeSetting,
            ServiceDue, ServiceInvitation),
    run_due=run_due,
    tiles=TILE_GROUPS,
    tile_counts=queries.tile_counts,
    news=(News("neue Rückrufwünsche (Service)", "/service/nachverfolgen?kachel=callback",
               _new_callbacks),
          News("neue Terminwünsche (Service)", "/service/nachverfolgen?kachel=booked",
               _new_bookings)),
    settings=SETTINGS,
    templates=ServiceTemplates(),
    demo=load_demo,
    imports=(VEHICLES_KIND, ORDERS_KIND),
    after_import=refresh_after_import,
    # due dates follow the vehicles and their orders; consent is asked when a mail goes out
    after_import_of=frozenset({VEHICLES_KIND.spec.kind, ORDERS_KIND.spec.kind}),
    nav=(NavEntry("Service", "/service", "build", order=30),
         NavEntry("Serviceregeln", "/service/einstellungen", "tune", order=31)),
    pages="pages.service",
    record_url=invitation_url,
)
