"""A text index over the customers' searchable fields, so that searching for one customer
among 1,000,000 does not read them all. SQLite keeps an FTS5 table with the trigram
tokenizer in step by triggers; PostgreSQL has a pg_trgm GIN index on the fields joined by
spaces (both built by migration 0005). The index only narrows the candidates down: every
search keeps its own exact condition (a trigram match is a superset of the substring match
on one field). Words shorter than three letters have no trigram and narrow nothing.

The index pays off for a rare word (one customer's name or address): it names the few
candidates at once. A common word ("huber" in every eighth name) is cheaper to check row by
row while a list walks its sort order, because the first page is found after a few hundred
rows; fetching all its candidates first would cost more. So the index is asked for at most
NARROW_LIMIT candidates, and only a word with fewer narrows the search."""
from __future__ import annotations

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from core.models import Customer

FIELDS = ("first_name", "last_name", "company_name", "email", "customer_number", "city")
MIN_WORD = 3
MAX_WORDS = 5
NARROW_LIMIT = 1000


def _words(search: str) -> list[str]:
    return [w for w in search.split() if len(w) >= MIN_WORD][:MAX_WORDS]


def _joined_fields() -> ColumnElement[str]:
    # The very expression the PostgreSQL index was built on, or the index is not used.
    parts = [func.coalesce(getattr(Customer, f), "") for f in FIELDS]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(" ").op("||")(part)
    return joined


def candidates(session: Session, search: str) -> ColumnElement[bool] | None:
    """A condition on customers that every customer matching `search` fulfils (each word a
    substring of one of FIELDS): their ids, when the index names fewer than NARROW_LIMIT;
    None when it cannot narrow (short or common words)."""
    words = _words(search)
    if not words:
        return None
    ids = list(session.scalars(_matching_ids(session, words).limit(NARROW_LIMIT + 1)))
    return Customer.id.in_(ids) if len(ids) <= NARROW_LIMIT else None


def _matching_ids(session: Session, words: list[str]) -> Select:
    if session.get_bind().dialect.name == "postgresql":
        return select(Customer.id).where(
            *(_joined_fields().icontains(w, autoescape=True) for w in words))
    # One FTS5 phrase per word ("" escapes a quote inside); all words must occur.
    query = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
    return (select(literal_column("rowid")).select_from(text("customers_fts"))
            .where(text("customers_fts MATCH :fts_query").bindparams(fts_query=query)))
