"""One vehicle's history as plain values, and what it says per service type: the due date
with its basis, and whether an open order excludes an invitation. The recompute (every
vehicle after an import) and the vehicle page (one vehicle) both ask it, so the page explains
exactly what the daily run acts on.

Built in one pass over the orders: a full recompute runs it for 100,000 vehicles."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from core.service import duedates
from core.service.classify import Classifier
from core.service.config import Config
from core.service.duedates import Due, LastDone, Reading, VehicleFacts
from core.service.types import HU, INTERVAL_TYPES, TYRE_ACTIVE_MONTHS, TYRES, label

WHAT_DONE = {"inspection": "Inspektion", "body": "Karosserie-Inspektion",
             "timing_belt": "Zahnriemenwechsel", "underbody": "Unterbodenschutz"}
VEHICLE_FILE = "Fahrzeugdaten"  # the source of a reading from the vehicle export


class Order(NamedTuple):
    number: str
    day: date
    text: str
    status: str  # open | closed
    km: int | None


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
    orders) becomes a reading."""
    last_closed: dict[str, tuple[date, int | None]] = {}
    first_open: dict[str, tuple[Order, tuple[str, ...]]] = {}
    hu_days: list[date] = []
    last_tyre: date | None = None
    all_readings = list(readings)
    for order in sorted(orders, key=lambda o: (o.day, o.number)):
        if order.km is not None:
            all_readings.append(Reading(order.day, order.km, order.number))
        found = classifier.matches(order.text)
        if not found:
            continue
        closed = order.status == "closed"
        for service_type, words in found.items():
            if closed:
                last_closed[service_type] = (order.day, order.km)
            elif service_type not in first_open:
                first_open[service_type] = (order, words)
        if closed and HU in found:
            hu_days.append(order.day)
        if TYRES in found:
            last_tyre = order.day
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


def _due(history: History, service_type: str, config: Config, country: str,
         today: date, projection: duedates.Projection | None) -> Due | None:
    if service_type == HU:
        return duedates.hu_due(country, history.facts.first_registration, history.hu_days)
    if service_type == TYRES:
        return duedates.tyre_due(history.last_tyre, today, TYRE_ACTIVE_MONTHS)
    rule = config.rule_for(service_type, history.facts)
    if rule is None:
        return None
    return duedates.interval_due(rule, _last_done(history, service_type), projection)


def dues(history: History, config: Config, country: str, today: date) -> list[TypeDue]:
    """Every type the vehicle is due for, in date order."""
    projection = duedates.project(history.readings)
    result = []
    for service_type in (*INTERVAL_TYPES, HU, TYRES):
        due = _due(history, service_type, config, country, today, projection)
        if due is not None:
            result.append(TypeDue(service_type, due, _excluded(history, service_type, country)))
    result.sort(key=lambda d: (d.due.due_date, d.service_type))
    return result
