"""One vehicle's history as plain values, and what it says per service type: the due date
with its basis, and whether an open order excludes an invitation. Shared by the recompute
(every vehicle after an import) and the vehicle page (one vehicle, with the details)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from core.service import duedates
from core.service.classify import Classifier, Matches
from core.service.config import Config
from core.service.duedates import Due, LastDone, Reading, VehicleFacts
from core.service.types import HU, INTERVAL_TYPES, TYRE_ACTIVE_MONTHS, TYRES, label

WHAT_DONE = {"inspection": "Inspektion", "body": "Karosserie-Inspektion",
             "timing_belt": "Zahnriemenwechsel", "underbody": "Unterbodenschutz"}


@dataclass(frozen=True)
class Order:
    number: str
    day: date
    text: str
    status: str  # open | closed
    km: int | None


@dataclass
class History:
    facts: VehicleFacts
    orders: list[Order]
    readings: list[Reading]  # checked (ignored ones marked)
    matches: list[Matches] = field(default_factory=list)  # per order, same order

    def closed_days(self, service_type: str) -> list[tuple[date, int | None]]:
        return [(o.day, o.km) for o, m in zip(self.orders, self.matches, strict=True)
                if o.status == "closed" and service_type in m]


@dataclass(frozen=True)
class TypeDue:
    service_type: str
    due: Due
    excluded: str  # "" or why no invitation comes (an open order of this type)


def vehicle_readings(stored: list[tuple[date, int]], mileage: int | None,
                     mileage_on: date | None) -> list[Reading]:
    """The vehicle file's readings: those kept from earlier files, plus the current mileage
    unless it is kept already (the snapshot after each import stores it)."""
    own = [Reading(day, km, "Fahrzeugdaten") for day, km in stored]
    if mileage is not None and mileage_on is not None and (mileage_on, mileage) not in stored:
        own.append(Reading(mileage_on, mileage, "Fahrzeugdaten"))
    return own


def build(facts: VehicleFacts, orders: list[Order], readings: list[Reading],
          classifier: Classifier) -> History:
    """Orders in date order, classified; every mileage (vehicle file, orders) a reading."""
    orders = sorted(orders, key=lambda o: (o.day, o.number))
    all_readings = list(readings) + [Reading(o.day, o.km, f"Auftrag {o.number}")
                                     for o in orders if o.km is not None]
    return History(facts, orders, duedates.checked_readings(all_readings),
                   [classifier.matches(o.text) for o in orders])


def _excluded(history: History, service_type: str, country: str) -> str:
    for order, found in zip(history.orders, history.matches, strict=True):
        if order.status == "open" and service_type in found:
            words = ", ".join(f"„{w}“" for w in found[service_type])
            return (f"offener Auftrag {order.number} vom {duedates.de_date(order.day)} "
                    f"({label(service_type, country)}: {words})")
    return ""


def _last_done(history: History, service_type: str) -> LastDone:
    done = history.closed_days(service_type)
    if done:
        day, km = done[-1]
        return LastDone(day, km, WHAT_DONE.get(service_type, label(service_type, "DE")))
    return LastDone(history.facts.first_registration, 0, "Erstzulassung")


def _due(history: History, service_type: str, config: Config, country: str,
         today: date, projection: duedates.Projection | None) -> Due | None:
    if service_type == HU:
        return duedates.hu_due(country, history.facts.first_registration,
                               [day for day, _ in history.closed_days(HU)])
    if service_type == TYRES:
        tyre_days = [o.day for o, m in zip(history.orders, history.matches, strict=True)
                     if TYRES in m]
        return duedates.tyre_due(max(tyre_days, default=None), today, TYRE_ACTIVE_MONTHS)
    rule = duedates.matching_rule(config.rules, service_type, history.facts)
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
    return sorted(result, key=lambda d: (d.due.due_date, d.service_type))
