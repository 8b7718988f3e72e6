"""The trade-in module's pages: case list, case page, booking page, API, customer panel."""
from __future__ import annotations

from pages.tradein.api import router  # noqa: F401 - mounted under /api/v1/tradein
from pages.tradein.panel import customer_panel  # noqa: F401 - on the customer page


def create() -> None:
    """Register the trade-in pages and the public booking routes."""
    from nicegui import app

    from pages.tradein import booking, case_detail, cases

    cases.create()
    case_detail.create()
    app.include_router(booking.router)
