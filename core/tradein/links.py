"""Links in trade-in mails that customers open without logging in: the booking page.

The link carries a signed opaque token naming the case (same approach as the unsubscribe
token in core.mail.tokens, with a salt of its own so neither token opens the other's page):
no guessable case number in the URL, and a forged or altered token is refused. Tokens are
deterministic, so every mail of a case links to the same address."""
from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from core.secrets import secret
from core.settings import Settings

_BOOKING_SALT = "kundenpilot.tradein.booking"
MAX_TOKEN_LENGTH = 512  # anything longer is not ours; refused before verifying


@lru_cache(maxsize=1)
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(secret("key"), salt=_BOOKING_SALT)


def booking_token(case_id: int) -> str:
    return _serializer().dumps({"f": case_id})


def read_booking_token(token: str) -> int | None:
    """The case id in a valid token, None for anything forged, altered or malformed."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    case_id = payload.get("f") if isinstance(payload, dict) else None
    return case_id if isinstance(case_id, int) and not isinstance(case_id, bool) else None


def booking_url(settings: Settings, case_id: int) -> str:
    """Where the customer asks for (or changes) the appraisal appointment of this case."""
    return f"{settings.public_base_url.rstrip('/')}/termin/{booking_token(case_id)}"
