"""Suggested duplicates: a website customer (met through a valuation: e-mail, no customer
number) and a DMS customer (customer number) with the same e-mail address are most likely
one person. Staff confirm with one click (core.customers.merge); nothing merges by itself,
because a DMS may share one address between family members or a company's staff."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session, aliased

from core.errors import ActionNotAllowed
from core.models import Customer

Web, Dms = aliased(Customer, name="web"), aliased(Customer, name="dms")


@dataclass(frozen=True, slots=True)
class Duplicate:
    """A suggested pair: `keep` (the DMS record) survives a merge, `drop` (website) goes."""

    keep_id: int
    keep_name: str
    keep_number: str
    drop_id: int
    drop_name: str
    email: str


def _name(first: str, last: str, company: str, email: str) -> str:
    return f"{first} {last}".strip() or company or email


def _joined(query: Select, *conditions: ColumnElement[bool]) -> Select:
    """Website customers joined to DMS customers of the same e-mail. Every writer (API,
    import) stores e-mails lower-case, so a plain equality is case-insensitive and uses the
    e-mail index on both sides."""
    return (query.select_from(Web)
            .join(Dms, and_(Dms.email == Web.email, Dms.customer_number.is_not(None),
                            Dms.id != Web.id))
            .where(Web.customer_number.is_(None), Web.email != "", *conditions))


def _pairs(session: Session, limit: int | None, *conditions: ColumnElement[bool]
           ) -> list[Duplicate]:
    query = _joined(select(Dms.id, Dms.first_name, Dms.last_name, Dms.company_name,
                           Dms.customer_number, Web.id, Web.first_name, Web.last_name,
                           Web.company_name, Web.email), *conditions)
    query = query.order_by(Web.id.desc(), Dms.id).limit(limit)
    return [Duplicate(keep_id=r[0], keep_name=_name(r[1], r[2], r[3], r[9]),
                      keep_number=r[4], drop_id=r[5], drop_name=_name(r[6], r[7], r[8], r[9]),
                      email=r[9])
            for r in session.execute(query)]


def suggested_duplicates(session: Session, limit: int = 50) -> list[Duplicate]:
    """Every suggested pair, newest website customer first, at most `limit`."""
    return _pairs(session, limit)


def count_suggested(session: Session) -> int:
    """How many pairs there are (a pass over all website customers: not for every page)."""
    return session.scalar(_joined(select(func.count()))) or 0


def duplicates_of(session: Session, customer_id: int) -> list[Duplicate]:
    """The pairs this customer is part of (a website customer may match several DMS
    records that share one address, a DMS record several website ones). Looked up by the
    customer's e-mail on the index, so it costs the same with any number of customers."""
    me = session.get(Customer, customer_id)
    if me is None or not me.email:
        return []
    website = me.customer_number is None
    # Only the e-mail in SQL: with "customer_number IS NULL" next to it SQLite may pick that
    # index and read every website customer. One address is shared by a handful at most.
    same_address = session.scalars(
        select(Customer).where(Customer.email == me.email, Customer.id != me.id)
        .order_by(Customer.id.desc()).limit(200)).all()
    others = [c for c in same_address if (c.customer_number is not None) == website][:20]
    pairs = []
    for other in others:
        keep, drop = (other, me) if website else (me, other)
        pairs.append(Duplicate(
            keep_id=keep.id, keep_number=keep.customer_number or "",
            keep_name=_name(keep.first_name, keep.last_name, keep.company_name, keep.email),
            drop_id=drop.id,
            drop_name=_name(drop.first_name, drop.last_name, drop.company_name, drop.email),
            email=me.email))
    return pairs


def checked_pair(session: Session, keep_id: int, drop_id: int) -> tuple[Customer, Customer]:
    """The two customers of a suggested pair; ActionNotAllowed (German) for any other two,
    so a stale page or a hand-made request cannot merge unrelated records."""
    keep, drop = session.get(Customer, keep_id), session.get(Customer, drop_id)
    if keep is None or drop is None:
        raise ActionNotAllowed("Einen der beiden Kunden gibt es nicht mehr – vielleicht wurde "
                               "schon zusammengeführt. Bitte die Seite neu laden.")
    if not keep.customer_number or drop.customer_number or not drop.email \
            or keep.email.lower() != drop.email.lower() or keep.id == drop.id:
        raise ActionNotAllowed("Diese beiden Kunden sind keine vorgeschlagene Dublette "
                               "(gleiche E-Mail, einer aus dem DMS, einer von der Website).")
    return keep, drop
