"""Detection: which customers' revenue is falling, and who ordered again after a contact.

Per customer the revenue of the current window [today - W months, today) is compared with
the window of the same length before it (W = settings.winback_window_months, dates in local
business time). The sums come from one GROUP BY in the database and reach winback_entries
through a staging table (core.winback.staging): a million order lines never pass through
Python. The worklist status of an entry is never touched here, except that a contacted
customer who ordered again becomes 'won_back'."""
from __future__ import annotations

import time as timer
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from core import events
from core.db import in_lists, refresh_statistics, take_turns
from core.formatting import format_eur
from core.models import Customer
from core.settings import Settings
from core.winback import KEY, staging
from core.winback.flow import STATUS_LABELS, WORKABLE
from core.winback.models import OrderLine, WinbackEntry

Progress = Callable[[float, str], None]  # (fraction 0..1, German step text)
ENTRIES = WinbackEntry.__table__
LINES = OrderLine.__table__
RUN_EVENT = "detection_run"  # one event per run (module "winback"); its time: "last computed"


@dataclass(frozen=True)
class DetectionReport:
    """What one run found: customers with orders, declines among them, newly won back."""

    customers: int
    declines: int
    won_back: int
    seconds: float


@dataclass(frozen=True)
class Windows:
    """The two comparison windows as half-open date ranges [start, end)."""

    previous_start: date
    current_start: date
    today: date


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; the 31st becomes the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def local_today(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def windows(today: date, months: int) -> Windows:
    current_start = add_months(today, -months)
    return Windows(add_months(current_start, -months), current_start, today)


def included_groups(settings: Settings) -> list[str]:
    """Customer groups taking part, lower-case; empty means every group."""
    return [g.strip().lower() for g in settings.winback_groups.split(",") if g.strip()]


# --- won back ------------------------------------------------------------------------------

def _revenue_after(session: Session, contacts: dict[int, date]) -> dict[int, tuple[int, date]]:
    """customer -> (revenue of orders dated after their contact day, first such order date)."""
    found: dict[int, tuple[int, date]] = {}
    ids = list(contacts)
    for chunk in in_lists(ids):
        rows = session.execute(
            select(LINES.c.customer_id, LINES.c.order_date, LINES.c.net_cents)
            .where(LINES.c.customer_id.in_(chunk),
                   LINES.c.order_date > min(contacts[c] for c in chunk)))
        for cid, day, cents in rows:
            if day > contacts[cid]:
                total, first = found.get(cid, (0, day))
                found[cid] = (total + cents, min(first, day))
    return found


def _mark_won_back(session: Session, settings: Settings, now: datetime) -> int:
    """Contacted customers with an order dated after the contact day become 'won_back'
    (orders of the contact day itself may predate the call); the revenue since is kept
    current for those already won back. Returns how many were newly won back."""
    zone = ZoneInfo(settings.timezone)
    candidates = session.execute(
        select(ENTRIES.c.customer_id, ENTRIES.c.contacted_at, ENTRIES.c.status,
               ENTRIES.c.won_back_cents)
        .where(ENTRIES.c.contacted_at.is_not(None),
               ENTRIES.c.status.in_(sorted(WORKABLE | {"won_back"})))).all()
    contacts = {cid: at.astimezone(zone).date() for cid, at, _s, _c in candidates}
    revenue = _revenue_after(session, contacts)
    newly = 0
    for cid, _at, status, cents in candidates:
        if cid not in revenue:
            continue
        total, first_day = revenue[cid]
        if status == "won_back":
            if total != cents:
                session.execute(update(ENTRIES).where(ENTRIES.c.customer_id == cid)
                                .values(won_back_cents=total))
            continue
        session.execute(update(ENTRIES).where(ENTRIES.c.customer_id == cid).values(
            status="won_back", status_changed_at=now, won_back_at=now, won_back_cents=total))
        events.record(
            session, now, "status",
            f"Rückgewinnung: Bestellung vom {first_day:%d.%m.%Y} nach dem Kontakt am "
            f"{contacts[cid]:%d.%m.%Y}, Umsatz seitdem {format_eur(total)} – Status: "
            f"{STATUS_LABELS[status]} → {STATUS_LABELS['won_back']}", customer_id=cid,
            module=KEY, record_id=cid,
            data={"from": status, "to": "won_back", "won_back_cents": total})
        newly += 1
    return newly


# After thousands of new entries (a first run, a big import) both databases plan the lists'
# queries on fresh statistics at once; without them they sorted every decline instead of
# reading the decline index (155 ms instead of 6 ms at 200,000 customers).
REFRESH_STATISTICS_FROM = 1000

# --- the run -------------------------------------------------------------------------------

def run(session: Session, settings: Settings, now: datetime,
        progress: Progress | None = None) -> DetectionReport:
    """Bring every customer's win-back figures up to date as of `now` (caller's transaction)."""
    started = timer.perf_counter()
    report = progress or (lambda fraction, text: None)
    w = windows(local_today(settings, now), settings.winback_window_months)
    report(0.0, "Umsätze je Kunde werden summiert …")
    take_turns(session, "winback-detection")  # see staging.write_entries
    before = session.scalar(select(func.count()).select_from(ENTRIES)) or 0
    staging.stage(session, settings, w, included_groups(settings))
    report(0.5, "Letzte Bestellungen werden ausgewertet …")
    staging.stage_last_orders(session)
    staging.write_entries(session, now)
    staging.drop_stage(session)
    customers = session.scalar(select(func.count()).select_from(ENTRIES)) or 0
    if customers - before > REFRESH_STATISTICS_FROM:
        refresh_statistics(session, ENTRIES.name)
    report(0.8, "Zurückgewonnene Kunden werden gesucht …")
    won_back = _mark_won_back(session, settings, now)
    declines = session.scalar(select(func.count()).select_from(ENTRIES)
                              .where(ENTRIES.c.is_decline.is_(True))) or 0
    events.record(session, now, RUN_EVENT, f"Rückgewinnung neu berechnet: {customers} Kunden, "
                  f"{declines} mit Umsatzrückgang, {won_back} neu zurückgewonnen", module=KEY,
                  data={"customers": customers, "declines": declines, "won_back": won_back})
    session.flush()
    report(1.0, "Fertig.")
    return DetectionReport(customers, declines, won_back, timer.perf_counter() - started)


# --- the tick: re-run only when something it depends on changed ----------------------------

_last_runs: dict[str, tuple] = {}


def _db_key(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _fingerprint(session: Session, settings: Settings, now: datetime) -> tuple:
    """Everything a run's result depends on, cheaply: the local day, the settings, and
    markers that change with every import (order lines, customers) or contact."""
    lines = session.execute(select(func.count(), func.max(LINES.c.id))).one()
    customers = session.execute(select(func.count(Customer.id), func.max(Customer.id))).one()
    contacts = session.execute(select(func.count(ENTRIES.c.contacted_at),
                                      func.max(ENTRIES.c.contacted_at))).one()
    return (local_today(settings, now), settings.winback_window_months,
            settings.winback_threshold_percent, settings.winback_min_previous_eur,
            settings.winback_groups, settings.timezone, tuple(lines), tuple(customers),
            tuple(contacts))


def run_due(session: Session, now: datetime, settings: Settings) -> list:
    """The tick's step (Module.run_due): detection up to date as of `now`. A process that
    already ran it for the same inputs today skips the work; no mails, so no outcomes."""
    key, fingerprint = _db_key(session), _fingerprint(session, settings, now)
    if _last_runs.get(key) != fingerprint:
        run(session, settings, now)
        # Remembered only once committed: a rolled-back tick must run again next time.
        event.listen(session, "after_commit",
                     lambda _s: _last_runs.__setitem__(key, fingerprint), once=True)
    return []
