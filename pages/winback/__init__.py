"""The win-back module's pages: overview, list, customer process page, companies, API."""
from __future__ import annotations

from pages.winback.api import router  # noqa: F401 - mounted under /api/v1/winback
from pages.winback.panel import customer_panel  # noqa: F401 - on the customer page


def create() -> None:
    """Register the win-back pages."""
    from pages.winback import companies, customer, customers, overview

    overview.create()
    customers.create()
    customer.create()
    companies.create()
