"""Links in service mails that customers open without logging in, each behind a signed token
naming the invitation (core.signed_ids; one salt per purpose, so one kind of link never opens
another): the booking link, the "please call me back" link and the open-tracking pixel."""
from __future__ import annotations

from core.settings import Settings
from core.signed_ids import read_id, sign_id

_FIELD = "i"
SALTS = {"booking": "kundenpilot.service.booking", "callback": "kundenpilot.service.callback",
         "open": "kundenpilot.service.open"}
PATHS = {"booking": "/service/buchen/", "callback": "/service/rueckruf/",
         "open": "/service/o/"}


def token(purpose: str, invitation_id: int) -> str:
    return sign_id(SALTS[purpose], _FIELD, invitation_id)


def read_token(purpose: str, value: str) -> int | None:
    """The invitation id in a valid token of this purpose, None for anything else."""
    return read_id(SALTS[purpose], _FIELD, value)


def url(settings: Settings, purpose: str, invitation_id: int) -> str:
    suffix = ".gif" if purpose == "open" else ""
    return (f"{settings.public_base_url.rstrip('/')}{PATHS[purpose]}"
            f"{token(purpose, invitation_id)}{suffix}")
