"""What the service settings page does with the tables: read the rows as an admin typed
them, check every value (all problems at once, keyed by row and field so the page can mark
the very input), store, and bring the stored due dates up to date in the same transaction,
so the rules and the dates they produce never disagree. Only admins may change them."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core import events
from core.auth import require_role
from core.errors import ValidationError
from core.models import User
from core.service import KEY, config, recompute
from core.service.classify import Classifier, parse_keywords
from core.service.types import IntervalRule, Timeline, label
from core.settings import Settings

RULE_FIELDS = ("service_type", "make", "model_prefix", "fuel", "year_from", "year_to",
               "months", "km", "none")
YEAR_MIN, YEAR_MAX = 1950, 2100
KEYWORDS_MAX = 2000
Progress = Callable[[float], None]
GENERAL = "rules"  # the error key for problems of the table as a whole


@dataclass(frozen=True)
class TypeForm:
    """One service type's keywords and timeline, as shown (and typed) on the page."""

    keywords: str
    invite_days_before: str
    reminder_after_days: str
    call_list: bool


def rule_row(rule: IntervalRule) -> dict[str, Any]:
    """A rule as the page's inputs show it: text fields, blank for "any"."""
    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    return {"service_type": rule.service_type, "make": rule.make,
            "model_prefix": rule.model_prefix, "fuel": rule.fuel,
            "year_from": text(rule.year_from), "year_to": text(rule.year_to),
            "months": text(rule.months), "km": text(rule.km), "none": rule.none}


def type_form(keywords: tuple[str, ...], timeline: Timeline) -> TypeForm:
    return TypeForm(", ".join(keywords), str(timeline.invite_days_before),
                    str(timeline.reminder_after_days), timeline.call_list)


def _whole_number(errors: dict[str, str], key: str, value: Any) -> int | None:
    """Blank -> None; "15.000" and "15 000" as Germans type them; else an error at `key`."""
    text = "" if value is None else str(value).strip()
    if not text:
        return None
    digits = text.replace(".", "").replace(" ", "")
    if not digits.isdigit() or len(digits) > 9:
        errors[key] = f"„{text[:20]}“ ist keine ganze Zahl."
        return None
    return int(digits)


def _text(value: Any, limit: int) -> str:
    return " ".join(str(value or "").split())[:limit]


def parse_rules(rows: list[Mapping[str, Any]]) -> list[IntervalRule]:
    """The typed rows as rules; ValidationError keyed "<row>.<field>" (row counted from 0)
    for every wrong value, and GENERAL for a type without its general row."""
    errors: dict[str, str] = {}
    rules = []
    for index, row in enumerate(rows):
        numbers: dict[str, int | None] = {}
        for field in ("year_from", "year_to", "months", "km"):
            numbers[field] = _whole_number(errors, f"{index}.{field}", row.get(field))
        for field in ("year_from", "year_to"):
            year = numbers[field]
            if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
                errors[f"{index}.{field}"] = f"Baujahr zwischen {YEAR_MIN} und {YEAR_MAX}."
        rule = IntervalRule(str(row.get("service_type") or ""), _text(row.get("make"), 60),
                            _text(row.get("model_prefix"), 100), str(row.get("fuel") or ""),
                            numbers["year_from"], numbers["year_to"], numbers["months"],
                            numbers["km"], bool(row.get("none")))
        for field, message in config.rule_field_errors(rule).items():
            errors.setdefault(f"{index}.{field}", message[:1].upper() + message[1:])
        rules.append(rule)
    if not rows:
        errors[GENERAL] = "Die Tabelle ist leer – mindestens je eine allgemeine Zeile nötig."
    elif missing := config.missing_general_rows(rules):
        errors[GENERAL] = " ".join(missing)
    if errors:
        raise ValidationError(errors)
    return rules


def parse_timeline(form: TypeForm) -> Timeline:
    """The typed timeline; ValidationError per field (the ranges are config's to check)."""
    errors: dict[str, str] = {}
    invite = _whole_number(errors, "invite_days_before", form.invite_days_before)
    reminder = _whole_number(errors, "reminder_after_days", form.reminder_after_days)
    for key, value in (("invite_days_before", invite), ("reminder_after_days", reminder)):
        if value is None and key not in errors:
            errors[key] = "Bitte eine Zahl angeben."
    if errors:
        raise ValidationError(errors)
    return Timeline(invite or 0, reminder or 0, bool(form.call_list))


def _recompute(session: Session, settings: Settings, now: datetime,
               progress: Progress | None) -> int:
    session.flush()  # the recompute reads the tables just written
    return recompute.recompute(session, settings, now, progress=progress)


def save_rules(session: Session, acting: User | None, settings: Settings,
               rows: list[Mapping[str, Any]], now: datetime,
               progress: Progress | None = None) -> int:
    """Store the interval table and recompute every vehicle; returns how many."""
    require_role(acting)
    config.save_rules(session, parse_rules(rows))
    events.record(session, now, "service_rules", "Service: Intervalltabelle geändert.",
                  module=KEY, actor=acting.username)
    return _recompute(session, settings, now, progress)


def save_type(session: Session, acting: User | None, settings: Settings, service_type: str,
              form: TypeForm, now: datetime, progress: Progress | None = None) -> int:
    """Store one type's keywords and timeline and recompute; returns the vehicles counted."""
    require_role(acting)
    try:
        timeline = parse_timeline(form)
        if len(form.keywords) > KEYWORDS_MAX:
            raise ValidationError({"keywords": f"Zu lang (höchstens {KEYWORDS_MAX} Zeichen)."})
    except ValidationError as exc:
        errors = dict(exc.errors)
        if not parse_keywords(form.keywords):  # every problem of the card at once
            errors["keywords"] = "Bitte mindestens ein Stichwort angeben."
        raise ValidationError(errors) from None
    config.save_type(session, service_type, form.keywords, timeline)
    name = label(service_type, settings.holiday_country)
    events.record(session, now, "service_type_settings",
                  f"Service: Stichwörter und Kontaktablauf „{name}“ geändert.", module=KEY,
                  actor=acting.username)
    return _recompute(session, settings, now, progress)


def reset(session: Session, acting: User | None, settings: Settings, now: datetime,
          progress: Progress | None = None) -> int:
    """Factory defaults for intervals, keywords and timelines; recompute."""
    require_role(acting)
    config.reset(session)
    events.record(session, now, "service_rules", "Service: Werkseinstellungen wiederhergestellt.",
                  module=KEY, actor=acting.username)
    return _recompute(session, settings, now, progress)


def matches(keyword_texts: Mapping[str, str], text: str) -> dict[str, tuple[str, ...]]:
    """Which types the sample order `text` counts as, by the keyword lists as typed (not yet
    saved ones too, so an admin tries a word before storing it)."""
    return Classifier({key: parse_keywords(words) for key, words in keyword_texts.items()}
                      ).matches(text[:2000])
