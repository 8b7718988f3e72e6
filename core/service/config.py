"""The editable tables of the service module: interval rules and, per type, the keyword list
and contact timeline. Empty tables mean the factory defaults (core.service.types); saving
writes the whole table, a reset deletes it."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.errors import ValidationError
from core.service.classify import Classifier, parse_keywords
from core.service.duedates import VehicleFacts, matching_rule
from core.service.models import ServiceRule, ServiceTypeSetting
from core.service.types import (
    FACTORY_KEYWORDS,
    FACTORY_RULES,
    FACTORY_TIMELINE,
    FUELS,
    INTERVAL_TYPES,
    SERVICE_TYPES,
    IntervalRule,
    Timeline,
    label,
)

MAX_MONTHS, MAX_KM = 240, 1_000_000
MAX_DAYS = 365


@dataclass(frozen=True)
class Config:
    """Everything the recompute and the daily run read from the editable tables."""

    rules: tuple[IntervalRule, ...]
    keywords: dict[str, tuple[str, ...]]
    timelines: dict[str, Timeline]
    _matched: dict = field(default_factory=dict, repr=False, compare=False)

    def classifier(self) -> Classifier:
        return Classifier(self.keywords)

    def rules_for(self, vehicle: VehicleFacts) -> dict[str, IntervalRule | None]:
        """The matching interval rule of every interval type; remembered per kind of vehicle
        (a fleet of 100,000 has a few hundred makes, models, fuels and years)."""
        key = (vehicle.make, vehicle.model, vehicle.fuel, vehicle.first_registration.year)
        found = self._matched.get(key)
        if found is None:
            found = self._matched[key] = {t: matching_rule(self.rules, t, vehicle)
                                          for t in INTERVAL_TYPES}
        return found


def load(session: Session) -> Config:
    rows = session.scalars(select(ServiceRule).order_by(ServiceRule.id)).all()
    rules = tuple(IntervalRule(r.service_type, r.make, r.model_prefix, r.fuel, r.year_from,
                               r.year_to, r.months, r.km, r.none) for r in rows) or FACTORY_RULES
    keywords = dict(FACTORY_KEYWORDS)
    timelines = dict.fromkeys(SERVICE_TYPES, FACTORY_TIMELINE)
    for row in session.scalars(select(ServiceTypeSetting)):
        keywords[row.service_type] = parse_keywords(row.keywords)
        timelines[row.service_type] = Timeline(row.invite_days_before, row.reminder_after_days,
                                               row.call_list)
    return Config(rules, keywords, timelines)


def is_factory(session: Session) -> bool:
    return session.scalar(select(ServiceRule.id).limit(1)) is None and \
        session.scalar(select(ServiceTypeSetting.service_type).limit(1)) is None


def rule_field_errors(rule: IntervalRule) -> dict[str, str]:
    """What is wrong with one row, per field (German, without the row number): the settings
    page marks the very input, save_rules names the row."""
    errors: dict[str, str] = {}
    if rule.service_type not in INTERVAL_TYPES:
        errors["service_type"] = f"unbekannte Serviceart „{rule.service_type}“."
    if not rule.none and rule.months is None and rule.km is None:
        errors["months"] = "bitte Monate oder Kilometer angeben (oder „nie“)."
    if rule.months is not None and not 1 <= rule.months <= MAX_MONTHS:
        errors["months"] = f"Monate zwischen 1 und {MAX_MONTHS}."
    if rule.km is not None and not 1_000 <= rule.km <= MAX_KM:
        errors["km"] = f"Kilometer zwischen 1.000 und {MAX_KM:,}.".replace(",", ".")
    if rule.fuel and rule.fuel not in FUELS:
        errors["fuel"] = f"Kraftstoff muss leer oder eines von {', '.join(FUELS)} sein."
    if (rule.year_from is not None and rule.year_to is not None
            and rule.year_from > rule.year_to):
        errors["year_from"] = "„Baujahr von“ liegt nach „Baujahr bis“."
    return errors


def missing_general_rows(rules: list[IntervalRule]) -> list[str]:
    """A German sentence per interval type without a row that matches every vehicle (the
    fallback when no specific row matches)."""
    return [f"Für „{label(service_type, 'DE')}“ fehlt die allgemeine Zeile "
            f"(Marke, Modell, Kraftstoff und Baujahre leer)."
            for service_type in INTERVAL_TYPES
            if not any(r.service_type == service_type and not r.specificity for r in rules)]


def _rule_errors(index: int, rule: IntervalRule) -> list[str]:
    return [f"Zeile {index}: {message}" for message in rule_field_errors(rule).values()]


def save_rules(session: Session, rules: list[IntervalRule]) -> None:
    """Replace the interval table; ValidationError with every wrong row."""
    errors = [e for i, rule in enumerate(rules, start=1) for e in _rule_errors(i, rule)]
    errors += missing_general_rows(rules)
    if errors:
        raise ValidationError({"rules": " ".join(errors)})
    session.execute(delete(ServiceRule))
    session.add_all(ServiceRule(service_type=r.service_type, make=r.make.strip(),
                                model_prefix=r.model_prefix.strip(), fuel=r.fuel,
                                year_from=r.year_from, year_to=r.year_to, months=r.months,
                                km=r.km, none=r.none) for r in rules)


def save_type(session: Session, service_type: str, keywords: str, timeline: Timeline) -> None:
    """One type's keywords and timeline; ValidationError per field."""
    errors: dict[str, str] = {}
    if service_type not in SERVICE_TYPES:
        raise ValidationError({"service_type": f"Unbekannte Serviceart „{service_type}“."})
    if not parse_keywords(keywords):
        errors["keywords"] = "Bitte mindestens ein Stichwort angeben."
    if not 1 <= timeline.invite_days_before <= MAX_DAYS:
        errors["invite_days_before"] = f"Zwischen 1 und {MAX_DAYS} Tagen."
    if not 0 <= timeline.reminder_after_days <= MAX_DAYS:
        errors["reminder_after_days"] = f"Zwischen 0 (keine Erinnerung) und {MAX_DAYS} Tagen."
    if errors:
        raise ValidationError(errors)
    row = session.get(ServiceTypeSetting, service_type) or ServiceTypeSetting(
        service_type=service_type)
    row.keywords = ", ".join(parse_keywords(keywords))
    row.invite_days_before = timeline.invite_days_before
    row.reminder_after_days = timeline.reminder_after_days
    row.call_list = timeline.call_list
    session.add(row)


def reset(session: Session) -> None:
    """Back to the factory defaults: intervals, keywords and timelines."""
    session.execute(delete(ServiceRule))
    session.execute(delete(ServiceTypeSetting))
