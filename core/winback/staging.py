"""Detection's write path: every entry whose figures changed is written once, complete.

The revenue sums of all customers are staged in a temporary table (the GROUP BY runs there,
which PostgreSQL may spread over parallel workers; an INSERT … SELECT it never does). Only the
staged rows that are new or differ from their entry stay. For those, the company and product
group of the last order are filled in while still in the temporary table (no log, no
indexes), and only then are they inserted or updated in winback_entries: one write per
changed entry instead of an upsert followed by a second update of the same rows."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ClauseElement,
    Executable,
    and_,
    case,
    column,
    false,
    func,
    insert,
    literal,
    not_,
    or_,
    select,
    table,
    text,
    true,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

from core.models import Customer
from core.settings import Settings
from core.winback.models import OrderLine, WinbackEntry

ENTRIES = WinbackEntry.__table__
LINES = OrderLine.__table__
STAGE = table("winback_detection_stage", column("cid"), column("prev"), column("cur"),
              column("decline_percent"), column("is_decline", Boolean), column("last"),
              column("is_new", Boolean))
LAST_ORDERS = table("winback_detection_last_orders", column("cid"), column("company_code"),
                    column("product_group"))


class _CreateTempTableAs(Executable, ClauseElement):
    """CREATE TEMPORARY TABLE name AS query (SQLAlchemy has no construct for it)."""

    inherit_cache = False

    def __init__(self, name: str, query) -> None:
        self.name, self.query = name, query


@compiles(_CreateTempTableAs)
def _compile_create_temp_table_as(element, compiler, **kw) -> str:
    return f"CREATE TEMPORARY TABLE {element.name} AS {compiler.process(element.query, **kw)}"


def _sums(w, dialect: str):
    """Both window sums and the last order date per customer, in one GROUP BY (on SQLite
    the date comes from one index seek per customer instead)."""
    in_current = and_(LINES.c.order_date >= w.current_start, LINES.c.order_date < w.today)
    in_previous = and_(LINES.c.order_date >= w.previous_start,
                       LINES.c.order_date < w.current_start)
    # SQLite keeps dates as text and reads each customer's lines in date order from the
    # index, so max() in the GROUP BY copies every line's date (100 ms for a million lines);
    # one seek per customer to the end of its part of the same index costs a third of that.
    seek_last = dialect == "sqlite"
    grouped = (select(LINES.c.customer_id.label("cid"),
                      func.sum(case((in_previous, LINES.c.net_cents), else_=0)).label("prev"),
                      func.sum(case((in_current, LINES.c.net_cents), else_=0)).label("cur"),
                      *([] if seek_last else [func.max(LINES.c.order_date).label("last")]))
               .where(LINES.c.customer_id.is_not(None))
               .group_by(LINES.c.customer_id).subquery("grouped" if seek_last else "sums"))
    if not seek_last:
        return grouped
    last = select(func.max(LINES.c.order_date)).where(LINES.c.customer_id == grouped.c.cid)
    return select(*grouped.c, last.scalar_subquery().label("last")).subquery("sums")


def _changed_sums(session: Session, settings: Settings, w, groups: list[str]):
    """Each customer's figures where they are new or differ from the stored entry."""
    sums = _sums(w, session.get_bind().dialect.name)
    prev, cur = sums.c.prev, sums.c.cur
    # Integer arithmetic: "exactly at the threshold" must count, without float rounding.
    is_decline = and_(prev > 0, prev >= settings.winback_min_previous_eur * 100,
                      (prev - cur) * 100 >= settings.winback_threshold_percent * prev)
    source = sums.outerjoin(ENTRIES, ENTRIES.c.customer_id == sums.c.cid)
    if groups:  # the join costs time, so only when some groups are left out
        customers = Customer.__table__
        source = source.join(customers, customers.c.id == sums.c.cid)
        is_decline = and_(is_decline, func.lower(customers.c.customer_group).in_(groups))
    decline = case((is_decline, true()), else_=false())
    changed = or_(ENTRIES.c.customer_id.is_(None), ENTRIES.c.previous_cents != prev,
                  ENTRIES.c.current_cents != cur, ENTRIES.c.is_decline != decline,
                  ENTRIES.c.last_order_date.is_distinct_from(sums.c.last))
    return select(
        sums.c.cid, prev, cur,
        case((prev > 0, (prev - cur) * 100.0 / prev), else_=None).label("decline_percent"),
        decline.label("is_decline"), sums.c.last,
        case((ENTRIES.c.customer_id.is_(None), true()), else_=false()).label("is_new"),
    ).select_from(source).where(changed)


def stage(session: Session, settings: Settings, w, groups: list[str]) -> None:
    """Fill the stage with the changed customers' figures (replacing a leftover stage of an
    aborted run on the same connection)."""
    drop_stage(session, if_exists=True)
    session.execute(_CreateTempTableAs(STAGE.name, _changed_sums(session, settings, w, groups)))
    _analyze(session, STAGE.name)


def _analyze(session: Session, table_name: str) -> None:
    # A fresh table has no statistics: without them PostgreSQL joins the stage row by row.
    # SQLite plans these joins by its indexes (and builds automatic ones) without them.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ANALYZE {table_name}"))


def drop_stage(session: Session, if_exists: bool = False) -> None:
    for name in (STAGE.name, LAST_ORDERS.name):
        session.execute(text(f"DROP TABLE {'IF EXISTS ' if if_exists else ''}{name}"))


def stage_last_orders(session: Session) -> None:
    """Company and top product group of each staged customer's last order, staged too.

    The last order is the one with the latest date (highest order number on that day); its
    product group with the largest amount wins, ties alphabetically. Text is ranked by code
    point on both databases (PostgreSQL would otherwise use its locale's order)."""
    lines = LINES
    amount = func.sum(lines.c.net_cents).label("amount")
    day_orders = (
        select(lines.c.customer_id, lines.c.order_number, lines.c.company_code,
               lines.c.product_group, amount)
        .join(STAGE, and_(STAGE.c.cid == lines.c.customer_id,
                          STAGE.c.last == lines.c.order_date))
        .group_by(lines.c.customer_id, lines.c.order_number, lines.c.company_code,
                  lines.c.product_group)).subquery("day_orders")
    by_code_point = _by_code_point(session)
    rank = func.row_number().over(
        partition_by=day_orders.c.customer_id,
        order_by=(by_code_point(day_orders.c.order_number).desc(), day_orders.c.amount.desc(),
                  by_code_point(day_orders.c.product_group).asc()))
    ranked = select(day_orders.c.customer_id, day_orders.c.company_code,
                    day_orders.c.product_group, rank.label("rank")).subquery("ranked")
    session.execute(_CreateTempTableAs(LAST_ORDERS.name, select(
        ranked.c.customer_id.label("cid"), ranked.c.company_code, ranked.c.product_group,
    ).where(ranked.c.rank == 1)))
    _analyze(session, LAST_ORDERS.name)


def _by_code_point(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        return lambda column: column.collate("C")
    return lambda column: column  # SQLite compares text by code point already


def write_entries(session: Session, now: datetime) -> None:
    """New customers are inserted, changed ones updated; the worklist status of an existing
    entry is left as staff set it. Runs take turns (see detection.run), so no other run can
    insert a staged customer in between."""
    s, last = STAGE.c, LAST_ORDERS.c
    staged = STAGE.outerjoin(LAST_ORDERS, last.cid == s.cid)
    figures = {"previous_cents": s.prev, "current_cents": s.cur,
               "decline_percent": s.decline_percent, "is_decline": s.is_decline,
               "last_order_date": s.last,
               "last_company_code": func.coalesce(last.company_code, ""),
               "top_product_group": func.coalesce(last.product_group, "")}
    new = select(s.cid, *figures.values(), literal(now, ENTRIES.c.computed_at.type),
                 literal("open"), literal(0), literal("")).select_from(staged).where(s.is_new)
    session.execute(insert(ENTRIES).from_select(
        ["customer_id", *figures, "computed_at", "status", "won_back_cents", "remark"], new))
    changed = (select(s.cid.label("cid"), *(v.label(k) for k, v in figures.items()))
               .select_from(staged).where(not_(s.is_new)).subquery("changed"))
    session.execute(update(ENTRIES).where(ENTRIES.c.customer_id == changed.c.cid)
                    .values({k: changed.c[k] for k in figures} | {"computed_at": now}))
