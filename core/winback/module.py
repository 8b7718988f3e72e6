"""Win-back (Rückgewinnung) as the kernel sees it: one Module object."""
from __future__ import annotations

from core.models import Company, OrderLine, WinbackEntry
from core.modules import Module, NavEntry
from core.winback import detection


def customer_url(customer_id: int) -> str:
    return f"/rueckgewinnung/kunde/{customer_id}"


MODULE = Module(
    key="winback",
    label="Rückgewinnung",
    models=(OrderLine, WinbackEntry, Company),
    # Sends nothing by itself: its step brings the detection up to date as of `now`.
    run_due=detection.run_due,
    nav=(NavEntry("Rückgewinnung", "/rueckgewinnung", "trending_down", order=20),
         NavEntry("Firmen", "/firmen", "store", order=90)),
    pages="pages.winback",
    record_url=customer_url,
)
