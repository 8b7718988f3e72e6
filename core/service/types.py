"""The six service types and their factory defaults, declared as data.

Interval rules, keyword lists and contact timelines are factory defaults here; admins change
them on the service settings page (stored in service_rules / service_type_settings) and can
reset them to these values."""
from __future__ import annotations

from dataclasses import dataclass

INSPECTION, TYRES, HU, BODY, TIMING_BELT, UNDERBODY = (
    "inspection", "tyres", "hu", "body", "timing_belt", "underbody")
SERVICE_TYPES = (INSPECTION, TYRES, HU, BODY, TIMING_BELT, UNDERBODY)

_LABELS = {
    INSPECTION: "Inspektion/Wartung",
    TYRES: "Reifenwechsel",
    BODY: "Karosserie-Inspektion",
    TIMING_BELT: "Zahnriemenwechsel",
    UNDERBODY: "Unterbodenschutz",
}
HU_LABELS = {"AT": "§57a-Begutachtung (Pickerl)", "DE": "Hauptuntersuchung (HU/AU)"}


def label(service_type: str, country: str) -> str:
    """The German name of a type; the HU is called what the calendar country calls it."""
    if service_type == HU:
        return HU_LABELS.get(country, HU_LABELS["DE"])
    return _LABELS.get(service_type, service_type)


def labels(country: str) -> dict[str, str]:
    return {key: label(key, country) for key in SERVICE_TYPES}


def joined_labels(types: list[str] | tuple[str, ...], country: str) -> str:
    """"Inspektion/Wartung und Reifenwechsel" - the types of one invitation in one phrase."""
    names = [label(t, country) for t in types]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " und " + names[-1]


FUELS = ("Benzin", "Diesel", "Hybrid", "Elektro", "Gas")


@dataclass(frozen=True)
class IntervalRule:
    """One row of the interval table: which vehicles it matches (blank = any) and when the
    type is due again after it was last done - whichever of months and km comes first.
    `none` marks a row that says "never" (no timing belt on an electric car)."""

    service_type: str
    make: str = ""
    model_prefix: str = ""
    fuel: str = ""
    year_from: int | None = None
    year_to: int | None = None
    months: int | None = None
    km: int | None = None
    none: bool = False

    @property
    def specificity(self) -> int:
        """How many conditions the row sets: the most specific matching row wins."""
        return sum(1 for value in (self.make, self.model_prefix, self.fuel, self.year_from,
                                   self.year_to) if value not in ("", None))


# HU and tyres follow their own calendars (core.service.duedates), not this table.
FACTORY_RULES: tuple[IntervalRule, ...] = (
    IntervalRule(INSPECTION, months=12, km=15_000),
    IntervalRule(INSPECTION, fuel="Elektro", months=24, km=30_000),
    IntervalRule(TIMING_BELT, months=72, km=120_000),
    IntervalRule(TIMING_BELT, fuel="Elektro", none=True),
    IntervalRule(BODY, months=24),
    IntervalRule(UNDERBODY, months=24),
)
INTERVAL_TYPES = (INSPECTION, BODY, TIMING_BELT, UNDERBODY)

FACTORY_KEYWORDS: dict[str, tuple[str, ...]] = {
    INSPECTION: ("Inspektion", "Service", "Wartung", "Jahresservice", "Ölservice"),
    TYRES: ("Reifen", "Räder", "Radwechsel", "Reifenwechsel", "Einlagerung"),
    HU: ("HU", "AU", "§57a", "Pickerl", "Hauptuntersuchung", "Begutachtung"),
    BODY: ("Karosserie",),
    TIMING_BELT: ("Zahnriemen",),
    UNDERBODY: ("Unterbodenschutz", "Hohlraum"),
}


@dataclass(frozen=True)
class Timeline:
    """When a type's invitation, reminder and call-list entry come (editable per type)."""

    invite_days_before: int = 28
    reminder_after_days: int = 14
    call_list: bool = True


FACTORY_TIMELINE = Timeline()
# Tyres: changed twice a year, on these (month, day); only for vehicles with a tyre order in
# the last TYRE_ACTIVE_MONTHS months (the others change tyres elsewhere).
TYRE_DATES = ((4, 15), (11, 1))
TYRE_ACTIVE_MONTHS = 24
COMBINE_DAYS = 60  # types due within this many days of each other: one invitation
