"""When is a vehicle due for a service type, and why? Pure date arithmetic on plain values:
the interval rule that matches, the HU calendars of Germany and Austria, the tyre seasons and
the mileage projected from the vehicle's readings. The recompute (core.service.recompute)
feeds it; the tests check it directly."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

from core.service.types import TYRE_DATES, IntervalRule

MAX_KM_PER_YEAR = 150_000
MAX_KM_PER_DAY = MAX_KM_PER_YEAR / 365
BACKWARDS = "geht zurück"
TOO_FAST = f"über {MAX_KM_PER_YEAR:,} km im Jahr".replace(",", ".")


@lru_cache(maxsize=16_384)  # a recompute writes a few thousand distinct days 600,000 times
def de_date(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"  # strftime costs three times as much


def de_km(km: float) -> str:
    return f"{round(km):,} km".replace(",", ".")


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def add_months(day: date, months: int) -> date:
    """The same day `months` later, the month's last day where it is shorter (31.01. + 1)."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = _MONTH_DAYS[month] + (month == 1 and year % 4 == 0
                                 and (year % 100 != 0 or year % 400 == 0))
    return date(year, month + 1, min(day.day, last))


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, second: date) -> int:
    """Whole calendar months from `first`'s month to `second`'s month."""
    return (second.year - first.year) * 12 + second.month - first.month


# --- mileage ---------------------------------------------------------------------------------

class Reading(NamedTuple):
    """A mileage on a day; `ignored` says why it does not count ("" = it counts). A plain
    tuple: a full recompute builds one per order of a million."""

    day: date
    km: int
    source: str = ""  # "Fahrzeugdaten" or the order number
    ignored: str = ""


def checked_readings(readings: Iterable[Reading]) -> list[Reading]:
    """The readings in date order, each marked whether it counts: one lower than the last
    counted reading goes backwards (a typo, a new speedometer), one that implies more than
    150,000 km a year since the last counted reading is a typo too."""
    result: list[Reading] = []
    last: Reading | None = None
    for reading in sorted(readings):  # by day, then km
        reason = ""
        if last is not None:
            days = max((reading.day - last.day).days, 1)
            if reading.km < last.km:
                reason = BACKWARDS
            elif (reading.km - last.km) / days > MAX_KM_PER_DAY:
                reason = TOO_FAST
        # a new tuple only where the mark changes: a full recompute checks a million readings
        result.append(reading if reading.ignored == reason else reading._replace(ignored=reason))
        if not reason:
            last = reading
    return result


class Projection(NamedTuple):
    """Average distance per day over the counted readings, and from which readings. The
    value types here are plain tuples: a full recompute builds them for 100,000 vehicles."""

    km_per_day: float
    latest: Reading
    count: int
    points: tuple[Reading, ...] = ()  # the counted readings, in date order


def project(readings: list[Reading]) -> Projection | None:
    """None without two counted readings on different days (then only time counts)."""
    usable = [r for r in readings if not r.ignored]
    if len(usable) < 2 or usable[-1].day <= usable[0].day:
        return None
    days = (usable[-1].day - usable[0].day).days
    return Projection((usable[-1].km - usable[0].km) / days, usable[-1], len(usable),
                      tuple(usable))


def km_reached(projection: Projection, start: date, start_km: int, target: int) -> date:
    """When the vehicle reaches `target` km: between two readings if it already has
    (interpolated from `start`), else projected ahead at the average distance per day."""
    before_day, before_km = start, start_km
    for reading in projection.points:
        if reading.day <= start:
            continue
        if reading.km >= target:
            share = (target - before_km) / max(reading.km - before_km, 1)
            return before_day + timedelta(days=round((reading.day - before_day).days * share))
        before_day, before_km = reading.day, reading.km
    latest = projection.latest
    ahead = (target - latest.km) / projection.km_per_day
    return max(start, latest.day + timedelta(days=max(ahead, -36_500)))


def km_on(projection: Projection | None, day: date) -> int | None:
    """The projected mileage on `day` (None without a projection)."""
    if projection is None:
        return None
    return round(projection.latest.km + (day - projection.latest.day).days
                 * projection.km_per_day)


# --- interval rules --------------------------------------------------------------------------

class VehicleFacts(NamedTuple):
    make: str
    model: str
    fuel: str
    first_registration: date


def matches(rule: IntervalRule, vehicle: VehicleFacts) -> bool:
    year = vehicle.first_registration.year
    return ((not rule.make or rule.make.casefold() == vehicle.make.casefold())
            and (not rule.model_prefix
                 or vehicle.model.casefold().startswith(rule.model_prefix.casefold()))
            and (not rule.fuel or rule.fuel.casefold() == vehicle.fuel.casefold())
            and (rule.year_from is None or year >= rule.year_from)
            and (rule.year_to is None or year <= rule.year_to))


def matching_rule(rules: Iterable[IntervalRule], service_type: str,
                  vehicle: VehicleFacts) -> IntervalRule | None:
    """The most specific row for this type that matches the vehicle (ties: the later row,
    i.e. the one added last)."""
    best: IntervalRule | None = None
    for rule in rules:
        if rule.service_type == service_type and matches(rule, vehicle) and (
                best is None or rule.specificity >= best.specificity):
            best = rule
    return best


class Due(NamedTuple):
    due_date: date
    basis: str  # time | km
    reason: str


class LastDone(NamedTuple):
    """When the type was last done: the newest closed order of it, else the first
    registration at 0 km. `what` names it for the reason ("Inspektion", "Erstzulassung")."""

    day: date
    km: int | None
    what: str


def _months_text(months: int) -> str:
    return "1 Monat" if months == 1 else f"{months} Monate"


@lru_cache(maxsize=65_536)  # shared by every vehicle serviced on that day (a value: immutable)
def _time_due(due_date: date, months: int, what: str, day: date) -> Due:
    return Due(due_date, "time", f"{_months_text(months)} nach {what} am {de_date(day)}")


def interval_due(rule: IntervalRule, last: LastDone, projection: Projection | None) -> Due | None:
    """Whichever of the rule's time and distance comes first after the last time."""
    if rule.none or (rule.months is None and rule.km is None):
        return None
    by_time = add_months(last.day, rule.months) if rule.months else None
    by_km = target = None
    if rule.km and projection is not None and projection.km_per_day > 0:
        start_km = last.km if last.km is not None else km_on(projection, last.day) or 0
        target = start_km + rule.km
        by_km = km_reached(projection, last.day, start_km, target)
    # The reason is written only for the date that wins (on a tie: time, the simpler one).
    if by_km is None or (by_time is not None and by_time <= by_km):
        return _time_due(by_time, rule.months, last.what, last.day)
    return Due(by_km, "km", f"{de_km(rule.km)} nach {last.what} (bei {de_km(target)}), "
                            f"hochgerechnet aus {projection.count} Ständen")


# --- HU / §57a ---------------------------------------------------------------------------------

SAME_INSPECTION_MONTHS = 3  # a re-check within this time belongs to the same inspection


def _distinct_inspections(done: Iterable[date], first_registration: date) -> list[date]:
    result: list[date] = []
    for day in sorted(d for d in done if d >= first_registration):
        if not result or months_between(result[-1], day) > SAME_INSPECTION_MONTHS:
            result.append(day)
    return result


def hu_due_de(first_registration: date, done: Iterable[date]) -> Due:
    """Germany: 36 months after first registration, then 24 months after the month the last
    HU was done; due on the first day of that month."""
    inspections = _distinct_inspections(done, first_registration)
    if not inspections:
        day = add_months(month_start(first_registration), 36)
        return Due(day, "time", f"36 Monate nach Erstzulassung am {de_date(first_registration)}")
    last = inspections[-1]
    return Due(add_months(month_start(last), 24), "time",
               f"24 Monate nach der HU am {de_date(last)}")


def hu_due_at(first_registration: date, done: Iterable[date]) -> Due:
    """Austria, §57a "3-2-1": first in the registration month three years later, then two
    years later, then every year, always in the punched month. An inspection from the month
    before to the fourth month after the due month keeps the month; one outside that window
    makes its own month the new one."""
    registered = month_start(first_registration)
    due = add_months(registered, 36)
    last = None
    for count, day in enumerate(_distinct_inspections(done, first_registration), start=1):
        kept = -1 <= months_between(due, day) <= 4
        base = due if kept else month_start(day)
        # Two years only after the first inspection; one done after the vehicle's fourth year
        # cannot be the first (an earlier one happened elsewhere, beyond the DMS's knowledge).
        step = 24 if count == 1 and months_between(registered, base) < 48 else 12
        due = add_months(base, step)
        last = (day, kept, base, step)
    if last is None:
        return Due(due, "time", f"3 Jahre nach Erstzulassung am {de_date(first_registration)}")
    day, kept, base, step = last
    years = "2 Jahre" if step == 24 else "1 Jahr"
    month = f"{base.month:02d}/{base.year}"
    window = f"(Monat {month} bleibt)" if kept else f"(außerhalb der Frist: neuer Monat {month})"
    return Due(due, "time", f"{years} nach der Begutachtung am {de_date(day)} {window}")


def hu_due(country: str, first_registration: date, done: Iterable[date]) -> Due:
    return (hu_due_at if country == "AT" else hu_due_de)(first_registration, done)


# --- tyres -------------------------------------------------------------------------------------

def next_tyre_date(after: date) -> date:
    """The first tyre-change date (15 April, 1 November) strictly after `after`."""
    for year in (after.year, after.year + 1):
        for month, day in TYRE_DATES:
            candidate = date(year, month, day)
            if candidate > after:
                return candidate
    raise AssertionError("unreachable")  # pragma: no cover


SEASON_SERVED_DAYS = 60  # a tyre order this close before a season date was that season's change


def tyre_due(last_tyre_order: date | None, today: date, active_months: int) -> Due | None:
    """The next season not yet served by the last tyre order (a change on 20 October is the
    winter change), never one already past; None when the vehicle had no tyre order in the
    last `active_months` months."""
    if last_tyre_order is None or last_tyre_order < add_months(today, -active_months):
        return None
    served_until = last_tyre_order + timedelta(days=SEASON_SERVED_DAYS - 1)
    day = next_tyre_date(max(served_until, today - timedelta(days=1)))
    season = "Sommerreifen" if day.month == 4 else "Winterreifen"
    return Due(day, "time", f"{season} zum {de_date(day)} (letzter Reifenauftrag am "
                            f"{de_date(last_tyre_order)})")
