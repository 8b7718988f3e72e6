"""The header's quick search: up to ten customers by name, company, e-mail, phone or
customer number, fast enough to run on every keystroke over 100,000 customers.

Substring matches over a handful of short columns: SQLite scans 100,000 rows in a few
milliseconds, so no extra index or search column is needed (tests/bench/bench_search.py
measures it). Ranking puts exact hits (customer number, e-mail, phone) first, then names
that start with what was typed, then the rest alphabetically."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.models import Customer

C = Customer  # short: the conditions below name its columns a lot
MIN_LENGTH = 2
MAX_LENGTH = 100  # longer input is no search term; it would only cost time
MAX_TOKENS = 5
MIN_PHONE_DIGITS = 3  # fewer digits would match half the phone book
PHONE_CHARS = re.compile(r"[+\d\s\-/().]+")
# Separators people and DMS exports put into phone numbers; removed on both sides.
PHONE_SEPARATORS = (" ", "-", "/", "(", ")", ".")
# A leading country code or trunk zero: "+43 664 …", "0043 664 …" and "0664 …" all match.
PHONE_PREFIX = re.compile(r"^(\+|00)(43|49|41)|^0")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """One line of the dropdown (plain values, usable after the session closed)."""

    id: int
    name: str
    company_name: str
    email: str
    phone: str
    customer_number: str
    city: str

    @property
    def subtitle(self) -> str:
        """The second line: what tells two people of the same name apart."""
        parts = [f"Kundennr. {self.customer_number}" if self.customer_number else "",
                 self.email, self.phone, self.city]
        return " · ".join(p for p in parts if p)


def phone_digits(text: str) -> str:
    """The part of a phone number that is the same however it was written: separators
    removed, a leading +43/0043/0 (also +49, +41) dropped."""
    compact = text.strip()
    for separator in PHONE_SEPARATORS:
        compact = compact.replace(separator, "")
    return PHONE_PREFIX.sub("", compact)


def _phone_contains(digits: str) -> ColumnElement[bool]:
    """The phone, separators removed, contains `digits`. Removing separators costs six
    replace() calls per row; the CASE first asks a plain LIKE with the digits in order and
    anything between them (true for every real match, false for most rows), so only the few
    candidates pay for the replace() chain."""
    compact = C.phone
    for separator in PHONE_SEPARATORS:
        compact = func.replace(compact, separator, "")
    in_order = "%" + "%".join(digits) + "%"
    return case((C.phone.like(in_order), compact.contains(digits)), else_=False)


def _variants(token: str) -> set[str]:
    """SQLite's LIKE folds only ASCII case; "özdemir" must still find "Özdemir"."""
    return {token, token.lower(), token.capitalize()}


def contains_text(column, token: str, sqlite: bool) -> ColumnElement[bool]:
    """`column` contains `token`, ignoring case (umlauts included) on both databases; every
    search of a list or the header asks this."""
    if not sqlite:
        return column.icontains(token, autoescape=True)
    if token.isascii():  # LIKE already ignores ASCII case and saves a lower() per row
        return column.contains(token, autoescape=True)
    # One pass with "_" for each non-ASCII letter rules out almost every row; only the few
    # left are compared with the case variants (AND and OR stop at the first answer).
    loose = "".join(ch if ch.isascii() else "_" for ch in _escape(token))
    return and_(column.like(f"%{loose}%", escape="/"),
                or_(*(column.contains(v, autoescape=True) for v in _variants(token))))


def _escape(text: str) -> str:
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _token_matches(token: str, sqlite: bool) -> ColumnElement[bool]:
    """The token in any field it can be part of: each LIKE is a pass over 100,000 rows, so a
    word of letters skips the customer number and a number skips the person's names."""
    has_digit = any(ch.isdigit() for ch in token)
    has_letter = any(ch.isalpha() for ch in token)
    columns = [*((C.first_name, C.last_name) if has_letter else ()), C.company_name]
    matches = [contains_text(column, token, sqlite) for column in columns]
    # E-mails are stored lower-case; customer numbers are compared as typed (ASCII case is
    # ignored by LIKE anyway): neither needs the umlaut variants of the names.
    matches.append(C.email.contains(token.lower(), autoescape=True))
    if has_digit or not has_letter:
        matches.append(C.customer_number.contains(token, autoescape=True))
    return or_(*matches)


def conditions(text: str, sqlite: bool = True) -> ColumnElement[bool] | None:
    """The WHERE clause for `text`, or None when there is nothing to search for."""
    text = " ".join(text.split())[:MAX_LENGTH]
    if len(text) < MIN_LENGTH:
        return None
    tokens = text.split(" ")[:MAX_TOKENS]
    # Every word must be found somewhere: "maria huber" finds Maria Huber, not every Maria.
    by_words = and_(*(_token_matches(token, sqlite) for token in tokens))
    if PHONE_CHARS.fullmatch(text):
        digits = phone_digits(text)
        # "0664 123 45" is one phone number, not three words; numbers may contain spaces.
        alternatives = [C.customer_number.contains(text.replace(" ", ""), autoescape=True)]
        if len(digits) >= MIN_PHONE_DIGITS and digits.isdigit():
            alternatives.append(_phone_contains(digits))
        return or_(by_words, *alternatives)
    return by_words


def _rank(text: str) -> ColumnElement[int]:
    """0 an exact identifier, 1 a last/company name equal to the first word, 2 one starting
    with it, 3 a first name starting with it, 4 anything else ("huber" lists Maria Huber
    before Hubert Gruber)."""
    first = text.split(" ")[0].lower()
    surnames = (func.lower(C.last_name), func.lower(C.company_name))
    return case(
        (or_(C.customer_number == text, C.email == text.lower()), 0),
        (or_(*(name == first for name in surnames)), 1),
        (or_(*(name.startswith(first, autoescape=True) for name in surnames)), 2),
        (func.lower(C.first_name).startswith(first, autoescape=True), 3),
        else_=4)


def search(session: Session, text: str, limit: int = 10) -> list[SearchHit]:
    """Customers matching `text` (at least two characters), best first, at most `limit`."""
    where = conditions(text or "", session.get_bind().dialect.name == "sqlite")
    if where is None:
        return []
    text = " ".join(text.split())[:MAX_LENGTH]
    query = (select(C.id, C.first_name, C.last_name, C.company_name, C.email, C.phone,
                    C.customer_number, C.city)
             .where(where)
             .order_by(_rank(text), C.last_name, C.first_name, C.company_name, C.id)
             .limit(max(1, min(limit, 50))))
    return [SearchHit(id=r.id, name=f"{r.first_name} {r.last_name}".strip() or r.company_name,
                      company_name=r.company_name, email=r.email, phone=r.phone,
                      customer_number=r.customer_number or "", city=r.city)
            for r in session.execute(query)]
