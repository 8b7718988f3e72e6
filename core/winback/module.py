"""Win-back (Rückgewinnung) as the kernel sees it: one Module object."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.imports.specs import CUSTOMERS
from core.modules import Module, NavEntry, Tile, TileGroup
from core.winback import KEY, detection, process_url, queries
from core.winback.actions import FLOW
from core.winback.flow import TILE_STYLE, TILES
from core.winback.imports import ORDERS_KIND
from core.winback.merge import merge_customer
from core.winback.models import Company, OrderLine, WinbackEntry
from core.winback.settings import SECTION as SETTINGS
from core.winback.templates import WinbackTemplates

TILE_GROUPS = (
    TileGroup("Rückgewinnung", tuple(
        Tile(key, label, f"/rueckgewinnung/liste?tile={key}", *TILE_STYLE[key], hint=hint)
        for key, label, hint in TILES)),
)


def load_demo(session: Session, settings: Any, now: datetime) -> str | None:
    """Demo customers with orders, unless the database has order lines already."""
    from core.winback.demo import load_demo as load_customers  # only demo mode needs it

    count = load_customers(session, settings, now)
    return f"Demo-Daten geladen ({count} Kunden mit Aufträgen für die Rückgewinnung)." \
        if count else None


def refresh_after_import(db: Any, now: datetime, progress: Callable[[float], None]) -> None:
    """Customers and order lines both change the figures: detect again as of `now`."""
    from core import settings as settings_store

    with db.session(write=True) as session:
        detection.run(session, settings_store.load(session), now,
                      progress=lambda fraction, _text="": progress(fraction))


def tile_counts(session: Session, settings: Any, now: datetime) -> dict[str, int]:
    return queries.tile_counts(session, detection.local_today(settings, now))


MODULE = Module(
    key=KEY,
    flow=FLOW,
    label="Rückgewinnung",
    record_label="Kunde",  # win-back records are keyed by customer
    models=(OrderLine, WinbackEntry, Company),
    # Sends nothing by itself: its step brings the detection up to date as of `now`.
    run_due=detection.run_due,
    tiles=TILE_GROUPS,
    tile_counts=tile_counts,
    settings=SETTINGS,
    templates=WinbackTemplates(),
    demo=load_demo,
    imports=(ORDERS_KIND,),
    after_import=refresh_after_import,
    # customer groups and new customers change the figures; vehicles or workshop orders not
    after_import_of=frozenset({CUSTOMERS.kind, ORDERS_KIND.spec.kind}),
    nav=(NavEntry("Rückgewinnung", "/rueckgewinnung", "trending_down", order=20),
         NavEntry("Firmen", "/firmen", "store", order=90)),
    pages="pages.winback",
    record_url=process_url,
    merge_customer=merge_customer,  # its entries are keyed by customer: see core.winback.merge
)
