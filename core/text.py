"""Characters that must not reach a mail header, a CSV cell or a redirect: one definition
for every edge that checks text (API and forms, import, settings, login)."""
from __future__ import annotations

import unicodedata

# Control, format and line/paragraph separators (they break headers and CSV lines).
CONTROL_CATEGORIES = ("Cc", "Cf", "Zl", "Zp")
# How an RFC 2047 encoded-word starts: in a header a mail client would decode
# "=?utf-8?q?Bank?=" into another name. No real name or model contains it.
ENCODED_WORD = "=?"


def has_control(text: str, categories: tuple[str, ...] = CONTROL_CATEGORIES,
                allowed: str = "") -> bool:
    """True if `text` holds a character of `categories` other than those in `allowed`."""
    return any(unicodedata.category(ch) in categories and ch not in allowed for ch in text)


def header_safe(text: str) -> bool:
    """No control characters and no encoded-word start: safe as a mail display name."""
    return ENCODED_WORD not in text and not has_control(text)
