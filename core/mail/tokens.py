"""Unsubscribe links in customer mails: a signed token naming the customer (core.signed_ids).
The link in the mail body and the List-Unsubscribe header of the same mail are identical."""
from __future__ import annotations

from core.settings import Settings
from core.signed_ids import read_id, sign_id

_SALT, _FIELD = "kundenpilot.unsubscribe", "c"


def unsubscribe_token(customer_id: int) -> str:
    return sign_id(_SALT, _FIELD, customer_id)


def read_unsubscribe_token(token: str) -> int | None:
    """The customer id in a valid token, None for anything forged, altered or malformed."""
    return read_id(_SALT, _FIELD, token)


def unsubscribe_url(settings: Settings, customer_id: int) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/abmelden/{unsubscribe_token(customer_id)}"
