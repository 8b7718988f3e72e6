"""Win-back voucher codes: per company either one fixed code ("WIEDERDA30") or a pattern
with "{code}" that gives every customer an own code ("WB-{code}" -> "WB-K3F9QZ"), and a
validity counted from the day the mail is queued.

A customer's own code is derived from the link key shared by every console of the database
(core.secrets), so it is the same in every mail and on every console, and cannot be guessed
from the customer number."""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import date, timedelta

from core.secrets import LINK_KEY, secret

PLACEHOLDER = "{code}"
OWN_CODE_LENGTH = 6
MAX_VALID_DAYS = 730
# Letters, digits and dashes: read out on the phone, typed at the service desk.
PATTERN = re.compile(r"[A-Z0-9-]*(\{code\})?[A-Z0-9-]*")
PATTERN_RULE = ("nur Großbuchstaben, Ziffern und Bindestriche, dazu höchstens einmal "
                "„{code}“ für einen eigenen Code je Kunde")


def code_for(pattern: str, company_code: str, customer_id: int) -> str:
    """The code this customer gets from the company's pattern."""
    if PLACEHOLDER not in pattern:
        return pattern
    digest = hmac.new(secret(LINK_KEY).encode(), f"voucher:{company_code}:{customer_id}"
                      .encode(), hashlib.sha256).digest()
    own = base64.b32encode(digest).decode()[:OWN_CODE_LENGTH]
    return pattern.replace(PLACEHOLDER, own)


def valid_until(today: date, days: int) -> date:
    return today + timedelta(days=days)
