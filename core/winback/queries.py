"""Read side of the win-back worklist: tile counts, the paged lists, their CSV export,
"next customer" and the customer's process page.

Lists are plain rows with filtering, sorting and paging done by the database, so the decline
list's first page over 20,000 customers stays well under 50 ms."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from core import events, exports
from core import settings as settings_store
from core.csvexport import Money
from core.customers import textindex
from core.customers.search import contains_text
from core.errors import NotFound
from core.ids import in_range as id_in_range
from core.models import Customer, Event
from core.paging import capped_count
from core.winback import KEY
from core.winback.detection import RUN_EVENT, add_months
from core.winback.flow import CLOSED, STATUS_LABELS, TILE_KEYS
from core.winback.models import Company, OrderLine, WinbackEntry

E, C = WinbackEntry, Customer
# Sort key -> (columns, reversed): "days since" runs opposite to the last order date.
SORT_COLUMNS: dict[str, tuple[tuple[Any, ...], bool]] = {
    "customer_number": ((C.customer_number,), False),
    "name": ((C.last_name, C.first_name, C.company_name), False),
    "city": ((C.city,), False),
    "customer_group": ((C.customer_group,), False),
    "company": ((E.last_company_code,), False),
    "previous": ((E.previous_cents,), False),
    "current": ((E.current_cents,), False),
    "decline_percent": ((E.decline_percent,), False),
    "last_order_date": ((E.last_order_date,), False),
    "days_since": ((E.last_order_date,), True),
    "status": ((E.status,), False),
    "remind_on": ((E.remind_on,), False),
    "won_back_cents": ((E.won_back_cents,), False),
}
_COLUMNS = (
    E.customer_id, C.customer_number, C.first_name, C.last_name, C.company_name, C.city,
    C.email, C.customer_group, C.opted_out_at, E.previous_cents, E.current_cents,
    E.decline_percent, E.is_decline, E.last_order_date, E.top_product_group,
    E.last_company_code, E.status, E.status_changed_at, E.remind_on, E.contacted_at,
    E.won_back_at, E.won_back_cents, E.remark,
)


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One line of a win-back list (plain values, usable after the session closed)."""

    customer_id: int
    customer_number: str | None
    first_name: str
    last_name: str
    company_name: str
    city: str
    email: str
    customer_group: str
    opted_out_at: Any
    previous_cents: int
    current_cents: int
    decline_percent: float | None
    is_decline: bool
    last_order_date: date | None
    top_product_group: str
    last_company_code: str
    status: str
    status_changed_at: Any
    remind_on: date | None
    contacted_at: Any
    won_back_at: Any
    won_back_cents: int
    remark: str
    days_since: int | None = None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.company_name

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


def tile_condition(tile: str, today: date) -> ColumnElement[bool]:
    """Which entries a tile shows; ValueError (German) for an unknown tile."""
    if tile == "decline":
        return and_(E.is_decline.is_(True), E.status == "open")
    if tile == "due":
        return and_(E.remind_on <= today, E.status.not_in(sorted(CLOSED)))
    if tile in TILE_KEYS:
        return E.status == tile
    raise ValueError(f"Unbekannte Kachel „{tile}“ (erlaubt: {', '.join(TILE_KEYS)}).")


def tile_counts(session: Session, today: date) -> dict[str, int]:
    """Live count per tile, every tile present (one query)."""
    sums = [func.sum(case((tile_condition(key, today), 1), else_=0)) for key in TILE_KEYS]
    values = session.execute(select(*sums)).one()
    return {key: int(value or 0) for key, value in zip(TILE_KEYS, values, strict=True)}


def _conditions(session: Session, tile: str | None, search: str, customer_group: str | None,
                company: str | None, today: date) -> list[ColumnElement[bool]]:
    conditions = [tile_condition(tile, today)] if tile else []
    if customer_group:
        conditions.append(C.customer_group == customer_group)
    if company:
        conditions.append(E.last_company_code == company)
    text = (search or "").strip()
    if text:
        columns = [C.customer_number, C.first_name, C.last_name, C.company_name, C.city,
                   C.email]
        if " " in text:  # "Maria Muster": only the full name can contain it
            columns = [C.first_name + " " + C.last_name, C.company_name, C.city]
        sqlite = session.get_bind().dialect.name == "sqlite"
        conditions.append(or_(*(contains_text(col, text, sqlite) for col in columns)))
        narrowed = textindex.candidates(session, text)
        if narrowed is not None:
            conditions.append(narrowed)
    return conditions


def _ordered(query: Select, sort: str, descending: bool) -> Select:
    if sort not in SORT_COLUMNS:
        raise ValueError(f"Nach „{sort}“ kann nicht sortiert werden.")
    columns, flipped = SORT_COLUMNS[sort]
    down = descending != flipped
    # The customer id as tie-breaker keeps paging and "next customer" stable.
    keys = (*columns, E.customer_id)
    return query.order_by(*(k.desc() if down else k.asc() for k in keys))


def _base(*columns) -> Select:
    return select(*columns).select_from(E).join(C, C.id == E.customer_id)


def _row(values, today: date) -> EntryRow:
    last_order = values[13]  # E.last_order_date in _COLUMNS
    return EntryRow(*values, days_since=(today - last_order).days if last_order else None)


def list_entries(session: Session, *, tile: str | None, search: str = "",
                 customer_group: str | None = None, company: str | None = None,
                 sort: str = "decline_percent", descending: bool = True, page: int = 1,
                 page_size: int | None = 25, today: date) -> tuple[list[EntryRow], int]:
    """One page of a tile's list plus the number matching the filters (capped:
    core.paging; page_size None: all)."""
    conditions = _conditions(session, tile, search, customer_group, company, today)
    total = capped_count(session, _base(E.customer_id).where(*conditions))
    query = _ordered(_base(*_COLUMNS).where(*conditions), sort, descending)
    if page_size is not None:
        page, page_size = max(int(page), 1), max(min(int(page_size), 500), 1)
        query = query.offset((page - 1) * page_size).limit(page_size)
    return [_row(values, today) for values in session.execute(query)], total


def next_customer(session: Session, current_customer_id: int, *, tile: str | None,
                  search: str = "", customer_group: str | None = None,
                  company: str | None = None, sort: str = "decline_percent",
                  descending: bool = True, today: date) -> int | None:
    """The customer after `current_customer_id` in that list's order, None after the last.

    The current customer is ordered in even if they just left the list (e.g. mailed and so
    no longer in the decline tile): "next" is whoever followed them when the list was shown."""
    if not id_in_range(current_customer_id):
        current_customer_id = 0  # no row has it: "next" is then the list's first customer
    conditions = _conditions(session, tile, search, customer_group, company, today)
    matching = and_(*conditions) if conditions else None
    where = (or_(matching, E.customer_id == current_customer_id) if matching is not None
             else E.customer_id.is_not(None))
    ids = list(session.scalars(_ordered(_base(E.customer_id).where(where), sort, descending)))
    if current_customer_id not in ids:
        return ids[0] if ids else None
    position = ids.index(current_customer_id)
    return ids[position + 1] if position + 1 < len(ids) else None


EXPORT_HEADER = (
    "Kundennummer", "Name", "Firmenname", "Ort", "Kundengruppe", "E-Mail",
    "Umsatz Vorzeitraum (EUR)", "Umsatz aktueller Zeitraum (EUR)", "Rückgang (%)",
    "Letzte Bestellung", "Tage seit letzter Bestellung", "Warengruppe letzte Bestellung",
    "Firma letzte Bestellung", "Status", "Wiedervorlage", "Zurückgewonnen am",
    "Umsatz seit Kontakt (EUR)", "Abgemeldet", "Bemerkung",
)


def _export_row(r: EntryRow) -> tuple:
    percent = round(r.decline_percent, 1) if r.decline_percent is not None else None
    return (
        r.customer_number, r.name, r.company_name, r.city, r.customer_group, r.email,
        Money(r.previous_cents), Money(r.current_cents), percent, r.last_order_date,
        r.days_since, r.top_product_group, r.last_company_code, r.status_label, r.remind_on,
        r.won_back_at, Money(r.won_back_cents), r.opted_out_at is not None, r.remark,
    )


def export_file(session: Session, *, tile: str | None, search: str = "",
               customer_group: str | None = None, company: str | None = None,
               sort: str = "decline_percent", descending: bool = True, today: date,
               timezone: str | None = None, file_format: str = "csv") -> bytes:
    """Exactly the filtered list (all pages, same order) as a CSV or Excel file
    (`file_format`: a key of core.exports.FORMATS)."""
    zone = timezone or settings_store.load(session).timezone
    rows, _total = list_entries(session, tile=tile, search=search,
                                customer_group=customer_group, company=company, sort=sort,
                                descending=descending, page_size=None, today=today)
    return exports.write(file_format, EXPORT_HEADER, (_export_row(r) for r in rows), zone)


def last_run(session: Session) -> datetime | None:
    """When the detection last ran (None before the first run)."""
    return session.scalar(select(func.max(Event.at)).where(Event.module == KEY,
                                                           Event.kind == RUN_EVENT))


def filter_options(session: Session) -> dict[str, list[str]]:
    """Values for the list filters: customer groups and company codes that occur."""
    groups = session.scalars(select(C.customer_group).join(E, E.customer_id == C.id)
                             .where(C.customer_group != "").distinct()
                             .order_by(C.customer_group))
    companies = session.scalars(select(E.last_company_code).where(E.last_company_code != "")
                                .distinct().order_by(E.last_company_code))
    return {"customer_groups": list(groups), "companies": list(companies)}


# --- the customer's process page -----------------------------------------------------------

@dataclass(frozen=True)
class OrderSummary:
    """One order of the customer: its lines as (line, product group, net cents)."""

    order_number: str
    order_date: date
    company_code: str
    company_name: str
    amount_cents: int
    lines: list[tuple[int, str, int]]


@dataclass(frozen=True)
class CustomerDetail:
    customer: Customer
    entry: WinbackEntry | None
    company: Company | None  # of the last order
    monthly: list[tuple[str, int]]  # ("YYYY-MM", cents) for the last 24 months, oldest first
    orders: list[OrderSummary]  # newest first
    events: list[Event]  # newest first
    days_since: int | None


def monthly_revenue(session: Session, customer_id: int, today: date,
                    months: int = 24) -> list[tuple[str, int]]:
    """Revenue per calendar month, the current month last, months without orders as 0."""
    first = add_months(today.replace(day=1), -(months - 1))
    buckets = {f"{add_months(first, i):%Y-%m}": 0 for i in range(months)}
    rows = session.execute(select(OrderLine.order_date, OrderLine.net_cents).where(
        OrderLine.customer_id == customer_id, OrderLine.order_date >= first,
        OrderLine.order_date <= today))
    for day, cents in rows:
        buckets[f"{day:%Y-%m}"] += cents
    return list(buckets.items())


def last_orders(session: Session, customer_id: int, limit: int = 10) -> list[OrderSummary]:
    """The customer's newest orders with their lines."""
    heads = session.execute(
        select(OrderLine.order_number, func.max(OrderLine.order_date).label("day"))
        .where(OrderLine.customer_id == customer_id).group_by(OrderLine.order_number)
        .order_by(func.max(OrderLine.order_date).desc(), OrderLine.order_number.desc())
        .limit(limit)).all()
    numbers = [number for number, _day in heads]
    lines = session.execute(
        select(OrderLine.order_number, OrderLine.line, OrderLine.order_date,
               OrderLine.company_code, OrderLine.product_group, OrderLine.net_cents)
        .where(OrderLine.customer_id == customer_id, OrderLine.order_number.in_(numbers))
        .order_by(OrderLine.line)).all()
    codes = {row.company_code for row in lines}
    names = dict(session.execute(select(Company.code, Company.name)
                                 .where(Company.code.in_(codes))).all())
    result = []
    for number, day in heads:
        mine = [row for row in lines if row.order_number == number]
        code = mine[0].company_code if mine else ""
        result.append(OrderSummary(
            number, day, code, names.get(code, code), sum(r.net_cents for r in mine),
            [(r.line, r.product_group, r.net_cents) for r in mine]))
    return result


def customer_detail(session: Session, customer_id: int, today: date) -> CustomerDetail:
    """Everything the process page shows; NotFound (German) for an unknown customer."""
    customer = session.get(Customer, customer_id) if id_in_range(customer_id) else None
    if customer is None:
        raise NotFound(f"Kunde {customer_id} gibt es nicht.")
    entry = session.get(WinbackEntry, customer_id)
    company = None
    if entry is not None and entry.last_company_code:
        company = session.scalar(select(Company).where(Company.code == entry.last_company_code))
    days = (today - entry.last_order_date).days if entry and entry.last_order_date else None
    return CustomerDetail(
        customer, entry, company, monthly_revenue(session, customer_id, today),
        last_orders(session, customer_id), events.for_customer(session, customer_id), days)
