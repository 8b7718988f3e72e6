"""The service module's pages: overview with the call list, follow-up list, vehicle page,
service settings, the customers' booking / call-back links, API, customer panel."""
from __future__ import annotations

from pages.service.api import router  # noqa: F401 - mounted under /api/v1/service
from pages.service.panel import customer_panel  # noqa: F401 - on the customer page


def create() -> None:
    """Register the service pages and the public link routes."""
    from nicegui import app

    from pages.service import followup, overview, public, service_settings, vehicle

    overview.create()
    followup.create()
    vehicle.create()
    service_settings.create()
    app.include_router(public.router)
