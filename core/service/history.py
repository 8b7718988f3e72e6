"""One vehicle's history as plain values, and what it says per service type: the due date
with its basis, and whether an open order excludes an invitation. The recompute (every
vehicle after an import) and the vehicle page (one vehicle) both ask it, so the page explains
exactly what the daily run acts on.

Built in one pass over the orders: a full recompute runs it for 100,000 vehicles."""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import NamedTuple

from core.service import duedates
from core.service.classify import Classifier
from core.service.config import Config
from core.service.duedates import Due, LastDone, Reading, VehicleFacts
from core.service.types import HU, TYRE_ACTIVE_MONTHS, TYRES, label

WHAT_DONE = {"inspection": "Inspektion", "body": "Karosserie-Inspektion",
             "timing_belt": "Zahnriemenwechsel", "underbody": "Unterbodenschutz"}
VEHICLE_FILE = "Fahrzeugdaten"  # the source of a reading from the vehicle export


class Order(NamedTuple):
    number: str
    day: date
    text: str
    status: str  # open | closed
    km: int | None


_BY_DAY = itemgetter(1, 0)  # an order's day, then its number


@dataclass(slots=True)
class History:
    """What the rules read from a vehicle's orders and readings."""

    facts: VehicleFacts
    readings: list[Reading]  # checked, in date order (ignored ones marked)
    last_closed: dict[str, tuple[date, int | None]]  # type -> newest closed order's day, km
    hu_days: list[date]  # every closed HU order
    last_tyre: date | None  # newest tyre order, open or closed
    first_open: dict[str, tuple[Order, tuple[str, ...]]]  # type -> open order, matched words


class TypeDue(NamedTuple):
    service_type: str
    due: Due
    excluded: str  # "" or why no invitation comes (an open order of this type)


def vehicle_readings(stored: list[tuple[date, int]], mileage: int | None,
                     mileage_on: date | None) -> list[Reading]:
    """The vehicle file's readings: those kept from earlier files, plus the current mileage
    unless it is kept already (the snapshot after each import stores it)."""
    own = [Reading(day, km, VEHICLE_FILE) for day, km in stored]
    if mileage is not None and mileage_on is not None and (mileage_on, mileage) not in stored:
        own.append(Reading(mileage_on, mileage, VEHICLE_FILE))
    return own


def build(facts: VehicleFacts, orders: Iterable[Order], readings: list[Reading],
          classifier: Classifier) -> History:
    """Classify every order once and keep what the rules need; every mileage (vehicle file,
    orders) becomes a reading. An order may be any tuple with Order's columns (the recompute
    passes the rows as read)."""
    last_closed: dict[str, tuple[date, int | None]] = {}
    first_open: dict[str, tuple[Order, tuple[str, ...]]] = {}
    hu_days: list[date] = []
    last_tyre: date | None = None
    all_readings = list(readings)
    for order in sorted(orders, key=_BY_DAY):
        number, day, text, status, km = order  # unpacked once: a recompute reads a million
        if km is not None:
            all_readings.append(Reading(day, km, number))
        found = classifier.matches(text)
        if not found:
            continue
        closed = status == "closed"
        for service_type, words in found.items():
            if closed:
                last_closed[service_type] = (day, km)
            elif service_type not in first_open:
                first_open[service_type] = (Order(*order), words)
        if closed and HU in found:
            hu_days.append(day)
        if TYRES in found:
            last_tyre = day
    return History(facts, duedates.checked_readings(all_readings), last_closed, hu_days,
                   last_tyre, first_open)


def _excluded(history: History, service_type: str, country: str) -> str:
    hit = history.first_open.get(service_type)
    if hit is None:
        return ""
    order, words = hit
    quoted = ", ".join(f"„{w}“" for w in words)
    return (f"offener Auftrag {order.number} vom {duedates.de_date(order.day)} "
            f"({label(service_type, country)}: {quoted})")


def _last_done(history: History, service_type: str) -> LastDone:
    done = history.last_closed.get(service_type)
    if done is not None:
        return LastDone(done[0], done[1], WHAT_DONE.get(service_type, service_type))
    return LastDone(history.facts.first_registration, 0, "Erstzulassung")


def _all_dues(history: History, config: Config, country: str,
              today: date) -> Iterator[tuple[str, Due | None]]:
    projection = duedates.project(history.readings)
    for service_type, rule in config.rules_for(history.facts).items():
        yield service_type, rule and duedates.interval_due(
            rule, _last_done(history, service_type), projection)
    yield HU, duedates.hu_due(country, history.facts.first_registration, history.hu_days)
    yield TYRES, duedates.tyre_due(history.last_tyre, today, TYRE_ACTIVE_MONTHS)


def dues(history: History, config: Config, country: str, today: date) -> list[TypeDue]:
    """Every type the vehicle is due for, in date order."""
    result = [TypeDue(service_type, due, _excluded(history, service_type, country))
              for service_type, due in _all_dues(history, config, country, today)
              if due is not None]
    result.sort(key=_by_due_date)
    return result


def _by_due_date(due: TypeDue) -> tuple[date, str]:
    return due.due.due_date, due.service_type
