"""Read side of the funnel: dashboard tile counts, the paged case list and its CSV export.

Lists are read as plain rows (no ORM objects) with the filter, sort and paging done by the
database, so the first page of 50,000 cases stays well under 50 ms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from core import exports
from core import settings as settings_store
from core.csvexport import Money
from core.customers import textindex
from core.customers.search import contains_text
from core.models import Customer
from core.paging import capped_count
from core.tradein.flow import SPECIAL_TILES, STATUS_LABELS
from core.tradein.models import TradeInCase

TILE_STATUSES: dict[str, frozenset[int]] = {key: statuses for key, _, statuses in SPECIAL_TILES}
TILE_STATUSES |= {f"status_{s}": frozenset({s}) for s in STATUS_LABELS}
SORT_COLUMNS = {
    "id": (TradeInCase.id,),
    # Customer sorts end in the customer's id, so the customers' indexes serve them.
    "name": (Customer.last_name, Customer.first_name, Customer.id),
    "customer_name": (Customer.last_name, Customer.first_name, Customer.id),
    "email": (Customer.email, Customer.id),
    "status": (TradeInCase.status, TradeInCase.status_changed_at),
    "status_changed_at": (TradeInCase.status_changed_at,),
    "market_value": (TradeInCase.market_value_cents,),
    "make": (TradeInCase.make, TradeInCase.model),
    "created_at": (TradeInCase.created_at,),
}
_COLUMNS = (
    TradeInCase.id, TradeInCase.customer_id, Customer.first_name, Customer.last_name,
    Customer.email, Customer.phone, Customer.opted_out_at, TradeInCase.status,
    TradeInCase.status_changed_at, TradeInCase.make, TradeInCase.model, TradeInCase.build_year,
    TradeInCase.mileage_km, TradeInCase.fuel, TradeInCase.market_value_cents,
    TradeInCase.purchase_price_cents, TradeInCase.appointment_at, TradeInCase.calculated_at,
    TradeInCase.created_at, TradeInCase.archived_at, TradeInCase.due_rule, TradeInCase.due_at,
)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list (plain values, safe to use after the session closed)."""

    id: int
    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    opted_out_at: datetime | None
    status: int
    status_changed_at: datetime
    make: str
    model: str
    build_year: int
    mileage_km: int
    fuel: str
    market_value_cents: int
    purchase_price_cents: int | None
    appointment_at: datetime | None
    calculated_at: datetime
    created_at: datetime
    archived_at: datetime | None
    due_rule: str | None
    due_at: datetime | None

    @property
    def customer_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def tile_counts(session: Session) -> dict[str, int]:
    """Open (not archived) cases per dashboard tile: "status_1".."status_8" + SPECIAL_TILES."""
    per_status = dict(session.execute(
        select(TradeInCase.status, func.count()).where(TradeInCase.archived_at.is_(None))
        .group_by(TradeInCase.status)).all())
    return {key: sum(per_status.get(s, 0) for s in statuses)
            for key, statuses in TILE_STATUSES.items()}


def _filtered(query: Select, tile: str | None, status: int | None, search: str,
              include_archived: bool, sqlite: bool = True,
              narrowed: ColumnElement[bool] | None = None) -> Select:
    """`narrowed`: the text index's candidates for `search` (core.customers.textindex)."""
    if tile:
        if tile not in TILE_STATUSES:
            raise ValueError(f"Unbekannte Kachel „{tile}“.")
        query = query.where(TradeInCase.status.in_(sorted(TILE_STATUSES[tile])))
    if status is not None:
        query = query.where(TradeInCase.status == status)
    if not include_archived:
        query = query.where(TradeInCase.archived_at.is_(None))
    text = (search or "").strip()
    if text:
        columns = [Customer.first_name, Customer.last_name, Customer.email]
        if " " in text:  # "Maria Muster": only the full name can contain it
            columns = [Customer.first_name + " " + Customer.last_name]
        matches = [contains_text(column, text, sqlite) for column in columns]
        if narrowed is not None:
            matches = [and_(narrowed, or_(*matches))]
        if text.isdigit():
            matches.append(TradeInCase.id == int(text))
        query = query.where(or_(*matches))
    return query


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _ordered(query: Select, sort: str, descending: bool) -> Select:
    columns = SORT_COLUMNS.get(sort)
    if columns is None:
        raise ValueError(f"Nach „{sort}“ kann nicht sortiert werden.")
    # The id as tie-breaker keeps paging stable when many rows share a value.
    keys = (*columns, TradeInCase.id)
    return query.order_by(*(k.desc() if descending else k.asc() for k in keys))


def _base() -> Select:
    return select(*_COLUMNS).join(Customer, TradeInCase.customer_id == Customer.id)


def list_cases(session: Session, *, tile: str | None = None, status: int | None = None,
               search: str = "", sort: str = "status_changed_at", descending: bool = True,
               page: int = 1, page_size: int = 25,
               include_archived: bool = False) -> tuple[list[CaseRow], int]:
    """One page of cases plus the number matching the filter (capped: core.paging)."""
    filters = (tile, status, search, include_archived, _is_sqlite(session),
               textindex.candidates(session, search or ""))
    total = capped_count(session, _filtered(_base(), *filters))
    page, page_size = max(int(page), 1), max(min(int(page_size), 500), 1)
    query = _ordered(_filtered(_base(), *filters), sort, descending)
    rows = session.execute(query.offset((page - 1) * page_size).limit(page_size))
    return [CaseRow(*row) for row in rows], total


EXPORT_HEADER = (
    "Fall-Nr.", "Vorname", "Nachname", "E-Mail", "Telefon", "Marke", "Modell", "Baujahr",
    "Kilometerstand", "Kraftstoff", "Marktwert (EUR)", "Ankaufspreis (EUR)", "Status-Nr.",
    "Status", "Status seit", "Termin", "Marktwert berechnet am", "Abgemeldet", "Archiviert",
)


def _export_row(r) -> tuple:
    return (
        r.id, r.first_name, r.last_name, r.email, r.phone, r.make, r.model, r.build_year,
        r.mileage_km, r.fuel, Money(r.market_value_cents),
        Money(r.purchase_price_cents) if r.purchase_price_cents is not None else None,
        r.status, STATUS_LABELS[r.status], r.status_changed_at, r.appointment_at,
        r.calculated_at, r.opted_out_at is not None, r.archived_at is not None,
    )


def new_appointment_requests(session: Session, since: datetime) -> int:
    """Cases that asked for an appointment (by the booking link or by staff) after `since`
    and still wait for it to be confirmed."""
    return session.scalar(select(func.count(TradeInCase.id)).where(
        TradeInCase.status == 3, TradeInCase.status_changed_at > since,
        TradeInCase.archived_at.is_(None))) or 0


def export_file(session: Session, *, tile: str | None = None, status: int | None = None,
               search: str = "", sort: str = "status_changed_at", descending: bool = True,
               include_archived: bool = False, timezone: str | None = None,
               file_format: str = "csv") -> bytes:
    """Exactly the filtered list (all pages, same order) as a CSV or Excel file
    (`file_format`: a key of core.exports.FORMATS)."""
    zone = timezone or settings_store.load(session).timezone
    query = _ordered(_filtered(_base(), tile, status, search, include_archived,
                               _is_sqlite(session), textindex.candidates(session, search or "")),
                     sort, descending)
    rows = (_export_row(r) for r in session.connection().execute(query).all())
    return exports.write(file_format, EXPORT_HEADER, rows, zone)
