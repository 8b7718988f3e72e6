"""When is a case's next automatic step due? Pure date arithmetic on the flow table.

Kept free of database access so the rules engine, the forecast and the case page all compute
due dates the same way (DESIGN principle 1: due dates are data)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from core.settings import Settings
from core.tradein.flow import RULES_BY_STATUS, AutoRule


class Due(NamedTuple):
    rule: str
    at: datetime


def next_nightly_run(after: datetime, settings: Settings) -> datetime:
    """The first nightly run strictly after `after` (aware UTC result).

    Built from the local calendar date, so on daylight-saving days the run still happens
    exactly once: a wall time that does not exist (spring) resolves to the instant just after
    the gap, an ambiguous one (autumn) to its first occurrence (fold=0)."""
    return _next_run(after, settings.timezone, settings.nightly_at)


@lru_cache(maxsize=1024)
def _next_run(after: datetime, timezone: str, nightly_at: str) -> datetime:
    # Cached: a nightly run moves hundreds of cases at the same instant to the same next run.
    zone = ZoneInfo(timezone)
    hours, minutes = nightly_at.split(":")
    day = after.astimezone(zone).date()
    for offset in range(3):
        local = datetime.combine(day + timedelta(days=offset), time(int(hours), int(minutes)),
                                 tzinfo=zone)
        # Round-trip through UTC normalises non-existent wall times.
        candidate = local.astimezone(UTC)
        if candidate > after:
            return candidate
    raise AssertionError("unreachable: a nightly run lies within two days")  # pragma: no cover


def rule_due(rule: AutoRule, entered_at: datetime, settings: Settings) -> datetime:
    """The instant `rule` fires for a case that entered the rule's status at `entered_at`."""
    if rule.at_nightly_run:
        return next_nightly_run(entered_at, settings)
    assert rule.after is not None, f"rule {rule.name} needs `after` or `at_nightly_run`"
    return entered_at + rule.after


def compute_due(status: int, entered_at: datetime, archived: bool,
                settings: Settings) -> Due | None:
    """The automatic step for a fresh stay in `status` (None: nothing automatic)."""
    rule = RULES_BY_STATUS.get(status)
    if archived or rule is None:
        return None
    return Due(rule.name, rule_due(rule, entered_at, settings))


def lateness(rule: AutoRule, due_at: datetime, now: datetime) -> timedelta | None:
    """How late firing `rule` at `now` is, if more than the rule allows (None: in time)."""
    if rule.max_late is None:
        return None
    late = now - due_at
    return late if late > rule.max_late else None
