"""Signed opaque tokens for links in customer mails (unsubscribe).

A token carries only the customer id, signed with the generated secret: no e-mail address in
the URL, and a forged or altered token is refused. Tokens are deterministic, so the link in
the mail body and the List-Unsubscribe header of the same mail are identical.
"""
from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from core.secrets import secret
from core.settings import Settings

_UNSUBSCRIBE_SALT = "kundenpilot.unsubscribe"


@lru_cache(maxsize=1)
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(secret("key"), salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(customer_id: int) -> str:
    return _serializer().dumps({"c": customer_id})


def read_unsubscribe_token(token: str) -> int | None:
    """The customer id in a valid token, None for anything forged, altered or malformed."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    customer_id = payload.get("c") if isinstance(payload, dict) else None
    return customer_id if isinstance(customer_id, int) else None


def unsubscribe_url(settings: Settings, customer_id: int) -> str:
    base = settings.public_base_url.rstrip("/")
    return f"{base}/abmelden/{unsubscribe_token(customer_id)}"
