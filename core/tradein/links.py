"""Links in trade-in mails that customers open without logging in: the booking page, behind a
signed token naming the case (core.signed_ids; its own salt, so an unsubscribe token never
opens it)."""
from __future__ import annotations

from core.settings import Settings
from core.signed_ids import read_id, sign_id

_SALT, _FIELD = "kundenpilot.tradein.booking", "f"


def booking_token(case_id: int) -> str:
    return sign_id(_SALT, _FIELD, case_id)


def read_booking_token(token: str) -> int | None:
    """The case id in a valid token, None for anything forged, altered or malformed."""
    return read_id(_SALT, _FIELD, token)


def booking_url(settings: Settings, case_id: int) -> str:
    """Where the customer asks for (or changes) the appraisal appointment of this case."""
    return f"{settings.public_base_url.rstrip('/')}/termin/{booking_token(case_id)}"
