"""Service reminders (Service); the kernel reads `MODULE` (core.service.module)."""

# The module key: template keys "service.<name>"; outbox and timeline rows point to an
# invitation as (KEY, invitation id).
KEY = "service"


def vehicle_url(vehicle_id: int) -> str:
    """The vehicle's page in the console."""
    return f"/service/fahrzeug/{vehicle_id}"


def invitation_url(invitation_id: int) -> str:
    """Where an invitation's timeline and outbox rows link to: the follow-up list, filtered."""
    return f"/service/nachverfolgen?einladung={invitation_id}"
