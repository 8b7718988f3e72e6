"""The trade-in funnel (Ankauf) as the kernel sees it: one Module object."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.modules import Module, NavEntry, News, Tile, TileGroup
from core.tradein import KEY, queries, rules
from core.tradein.actions import FLOW
from core.tradein.flow import SPECIAL_TILES, STATUS_COLORS, STATUS_LABELS
from core.tradein.models import TradeInCase
from core.tradein.templates import TradeinTemplates

SPECIAL_ICONS = {"new_requests": "event", "missed": "event_busy",
                 "awaiting_decision": "hourglass_top"}
TILES = (
    TileGroup("Handlungsbedarf", tuple(
        Tile(key, label, f"/ankauf?tile={key}", SPECIAL_ICONS.get(key),
             STATUS_COLORS[min(statuses)]) for key, label, statuses in SPECIAL_TILES),
        large=True),
    TileGroup("Ankauf-Fälle nach Status", tuple(
        Tile(f"status_{number}", f"{number}) {label}", f"/ankauf?status={number}",
             color=STATUS_COLORS[number]) for number, label in STATUS_LABELS.items())),
)


def case_url(case_id: int) -> str:
    return f"/ankauf/{case_id}"


def load_demo(session: Session, settings: Any, now: datetime) -> str | None:
    """A few hundred demo cases, unless the database has cases already."""
    from core.tradein.demo import load_demo as load_cases  # only demo mode needs it

    if session.query(TradeInCase.id).first() is not None:
        return None
    return f"Demo-Daten geladen ({load_cases(session, settings, now)} Ankauf-Fälle)."


def tile_counts(session: Session, _settings: Any, _now: datetime) -> dict[str, int]:
    return queries.tile_counts(session)


MODULE = Module(
    key=KEY,
    flow=FLOW,
    label="Ankauf",
    record_label="Fall",
    models=(TradeInCase,),
    run_due=rules.run_due,
    forecast=lambda session, now, settings, days: rules.forecast(session, now, settings,
                                                                 days=days),
    tiles=TILES,
    tile_counts=tile_counts,
    news=(News("neue Terminanfragen", "/ankauf?tile=new_requests",
               queries.new_appointment_requests),),
    templates=TradeinTemplates(),
    demo=load_demo,
    nav=(NavEntry("Ankauf-Fälle", "/ankauf", "directions_car", order=10),),
    pages="pages.tradein",
    record_url=case_url,
)
