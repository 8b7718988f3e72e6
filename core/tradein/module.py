"""The trade-in funnel (Ankauf) as the kernel sees it: one Module object."""
from __future__ import annotations

from core.models import TradeInCase
from core.modules import Module, NavEntry
from core.tradein import rules


def case_url(case_id: int) -> str:
    return f"/ankauf/{case_id}"


MODULE = Module(
    key="tradein",
    label="Ankauf",
    models=(TradeInCase,),
    run_due=rules.run_due,
    forecast=lambda session, now, settings, days: rules.forecast(session, now, settings,
                                                                 days=days),
    nav=(NavEntry("Ankauf-Fälle", "/ankauf", "directions_car", order=10),),
    pages="pages.tradein",
    record_url=case_url,
)
