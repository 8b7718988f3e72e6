"""Column parsers: text as DMS exports write it -> typed values, with a German reason per bad cell.

A parser takes a pandas Series of trimmed, non-empty strings (the distinct values of one
column, see `core.imports.validation`) and returns the parsed values plus an array of reasons,
"" where the value is fine. Working on whole columns keeps a million-line import fast."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from email_validator import EmailNotValidError, validate_email

from core.text import ENCODED_WORD
from core.validation import PHONE, PHONE_RULE

# Parsed values and one German reason per value ("" = fine).
Parsed = tuple[pd.Series, np.ndarray]
Parser = Callable[[pd.Series], Parsed]

# Control, format and line/paragraph separator characters (Unicode Cc, Cf, Zl, Zp): they
# would end up in mail headers and CSV files.
CONTROL = (r"[\x00-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f"
           r"\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
CONTROL_REASON = "enthält Zeilenumbrüche oder Steuerzeichen"
ENCODED_WORD_REASON = "enthält eine kodierte Zeichenfolge („=?…?=“)"
# The order_lines.net_cents column is a 32-bit integer on PostgreSQL.
MAX_LINE_CENTS = 2_000_000_000
MIN_YEAR, MAX_YEAR = 1950, 2100

CONSENT_VALUES = {
    "yes": ("ja", "j", "1", "x", "true", "wahr", "yes", "y"),
    "no": ("nein", "n", "0", "false", "falsch", "no", "-"),
    # An objection: never consent, and it blocks marketing mail even to existing customers.
    "objection": ("widerspruch", "widersprochen", "abgelehnt", "objection", "objected",
                  "opt-out", "optout", "abgemeldet", "sperre", "gesperrt"),
}
_CONSENT = {word: value for value, words in CONSENT_VALUES.items() for word in words}

_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d")
_TIME_SUFFIX = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
# "1.234,56" / "1234,56" / "-50,00" (German) and "1234.56" / "1,234.56" (English); a dot
# followed by exactly three digits and no comma is a German thousands separator ("12.500").
_GERMAN = r"[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?"
_ENGLISH = r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?"


def _reasons(bad: np.ndarray | pd.Series, reason: str) -> np.ndarray:
    return np.where(np.asarray(bad, dtype=bool), reason, "").astype(object)


def _merge(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The first reason of each value wins."""
    return np.where(first != "", first, second)


def text(max_len: int) -> Parser:
    """A single-line text of at most `max_len` characters, without control characters or an
    RFC 2047 encoded-word ("=?utf-8?q?...?=": names end up in mail headers, where a mail
    client would decode it into a different name)."""

    def parse(values: pd.Series) -> Parsed:
        control = values.str.contains(CONTROL, regex=True).to_numpy(dtype=bool)
        encoded = values.str.contains(ENCODED_WORD, regex=False).to_numpy(dtype=bool)
        too_long = (values.str.len() > max_len).to_numpy(dtype=bool)
        reasons = _merge(_merge(_reasons(control, CONTROL_REASON),
                                _reasons(encoded, ENCODED_WORD_REASON)),
                         _reasons(too_long, f"zu lang (höchstens {max_len} Zeichen)"))
        return values, reasons

    return parse


def phone(max_len: int) -> Parser:
    """A phone number: a single-line text (see `text`) made of digits, spaces and
    + / ( ) - only (core.validation.PHONE); empty is allowed."""
    as_text = text(max_len)

    def parse(values: pd.Series) -> Parsed:
        parsed, reasons = as_text(values)
        wrong = ((values != "") & ~values.str.fullmatch(PHONE.pattern)).to_numpy(dtype=bool)
        return parsed, _merge(reasons, _reasons(wrong, PHONE_RULE))

    return parse


def email(values: pd.Series) -> Parsed:
    """E-mail addresses, syntax only (no DNS lookup), stored lower-case."""
    parsed, reasons = [], []
    for value in values:
        try:
            normalized = validate_email(value, check_deliverability=False).normalized.lower()
            parsed.append(normalized)
            reasons.append("")
        except EmailNotValidError:
            parsed.append("")
            reasons.append("keine gültige E-Mail-Adresse")
    return pd.Series(parsed, index=values.index, dtype=object), np.asarray(reasons, dtype=object)


def consent(values: pd.Series) -> Parsed:
    """Marketing consent: "yes", "no" or "objection" (see CONSENT_VALUES)."""
    mapped = values.str.lower().map(_CONSENT)
    reasons = _reasons(mapped.isna(), "unbekannter Wert (erlaubt: ja, nein, 1, 0, x, "
                                      "Widerspruch)")
    return mapped.fillna("no"), reasons


def yes_no(values: pd.Series) -> Parsed:
    """ja/nein (and the spellings CONSENT_VALUES knows for them) as True/False."""
    mapped = values.str.lower().map(_CONSENT)
    bad = ~mapped.isin(("yes", "no")).to_numpy(dtype=bool)
    return (mapped == "yes"), _reasons(bad, "unbekannter Wert (erlaubt: ja, nein, 1, 0, x)")


def whole_number(low: int, high: int) -> Parser:
    """A whole number in [low, high]; "3,0"/"3.0" as spreadsheets sometimes write it pass."""

    def parse(values: pd.Series) -> Parsed:
        digits = values.str.replace(r"[.,]0+$", "", regex=True)
        ok = digits.str.fullmatch(r"\d{1,12}").to_numpy(dtype=bool)
        numbers = pd.to_numeric(digits.where(ok, "0")).astype("int64")
        outside = ok & ((numbers < low) | (numbers > high)).to_numpy(dtype=bool)
        reasons = _merge(_reasons(~ok, "keine ganze Zahl"),
                         _reasons(outside, f"muss zwischen {low} und {high} liegen"))
        return numbers, reasons

    return parse


def order_date(values: pd.Series) -> Parsed:
    """31.12.2025, 1.2.2025, 31.12.25 or 2025-12-31 (a time of day after it is ignored)."""
    plain = values.str.replace(_TIME_SUFFIX, "", regex=True)
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        missing = parsed.isna()
        if not missing.any():
            break
        parsed[missing] = pd.to_datetime(plain[missing], format=fmt, errors="coerce")
    bad = parsed.isna()
    implausible = ~bad & ((parsed.dt.year < MIN_YEAR) | (parsed.dt.year > MAX_YEAR))
    reasons = _merge(_reasons(bad, "kein gültiges Datum (TT.MM.JJJJ, TT.MM.JJ oder "
                                   "JJJJ-MM-TT)"),
                     _reasons(implausible, f"Jahr außerhalb {MIN_YEAR}–{MAX_YEAR}"))
    return parsed, reasons


def amount_cents(values: pd.Series) -> Parsed:
    """Euro amount -> integer cents; negative for credit notes ("-50,00" or "50,00-")."""
    plain = values.str.replace(r"[\s\u00a0\u202f€]|EUR", "", regex=True)
    trailing_minus = plain.str.endswith("-").to_numpy(dtype=bool, copy=True)
    if trailing_minus.any():  # "50,00-": the minus goes in front
        trailing_minus[trailing_minus] = plain[trailing_minus].str.fullmatch(
            r"[\d.,]+-").to_numpy(dtype=bool)
        plain = plain.where(~trailing_minus, "-" + plain.str[:-1])
    german = plain.str.fullmatch(_GERMAN).to_numpy(dtype=bool)
    english = np.zeros(len(plain), dtype=bool)
    if not german.all():  # a German export rarely has any other: ask only the rest
        english[~german] = plain[~german].str.fullmatch(_ENGLISH).to_numpy(dtype=bool)
    normal = plain.where(~german, plain.str.replace(".", "", regex=False)
                         .str.replace(",", ".", regex=False))
    if english.any():
        normal = normal.where(~english, plain.str.replace(",", "", regex=False))
    ok = german | english
    numbers = pd.to_numeric(normal.where(ok, "0"), errors="coerce").fillna(0.0)
    cents = np.rint(numbers.to_numpy(dtype=float) * 100)
    too_big = ok & (np.abs(cents) > MAX_LINE_CENTS)
    reasons = _merge(_reasons(~ok, "kein gültiger Betrag (z. B. 1.234,56 oder -50,00)"),
                     _reasons(too_big, "Betrag unplausibel hoch (über 20 Mio. €)"))
    cents = np.where(too_big, 0, cents)
    return pd.Series(cents.astype("int64"), index=values.index), reasons
