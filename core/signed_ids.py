"""Signed opaque tokens that carry one record id, for links customers open without logging in
(unsubscribe, booking). Only the id is inside, signed with the generated secret, so there is no
e-mail address or guessable number in the URL and a forged or altered token is refused. Each
purpose has its own salt, so one kind of token never opens another kind's page. Tokens are
deterministic: every mail for the same record carries the same link."""
from __future__ import annotations

from functools import lru_cache

from itsdangerous import BadSignature, URLSafeSerializer

from core.secrets import LINK_KEY, secret

MAX_TOKEN_LENGTH = 512  # anything longer is not ours; refused before verifying


def _serializer(salt: str) -> URLSafeSerializer:
    # The key can change once at start-up (core.secrets.share_link_key).
    return _serializer_for(secret(LINK_KEY), salt)


@lru_cache(maxsize=16)
def _serializer_for(key: str, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=salt)


def sign_id(salt: str, field: str, record_id: int) -> str:
    return _signed(secret(LINK_KEY), salt, field, record_id)


@lru_cache(maxsize=65_536)  # deterministic, and a nightly run signs two links per mail
def _signed(key: str, salt: str, field: str, record_id: int) -> str:
    return _serializer_for(key, salt).dumps({field: record_id})


def read_id(salt: str, field: str, token: str) -> int | None:
    """The id in a valid token, None for anything forged, altered, oversized or malformed."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        payload = _serializer(salt).loads(token)
    except BadSignature:
        return None
    record_id = payload.get(field) if isinstance(payload, dict) else None
    return record_id if isinstance(record_id, int) and not isinstance(record_id, bool) else None
