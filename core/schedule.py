"""When does an automatic rule fire? Pure date arithmetic, shared by every module's rules,
forecasts and record pages (DESIGN principle 1: due dates are data)."""
from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo


def next_nightly_run(after: datetime, settings: Any) -> datetime:
    """The first nightly run strictly after `after` (aware UTC result).

    Built from the local calendar date, so on daylight-saving days the run still happens
    exactly once: a wall time that does not exist (spring) resolves to the instant just after
    the gap, an ambiguous one (autumn) to its first occurrence (fold=0)."""
    return _next_run(after, settings.timezone, settings.nightly_at)


@lru_cache(maxsize=1024)
def _next_run(after: datetime, timezone: str, nightly_at: str) -> datetime:
    # Cached: a nightly run moves hundreds of records at the same instant to the same next run.
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


def rule_due(rule: Any, entered_at: datetime, settings: Any) -> datetime:
    """The instant `rule` (core.flows.AutoRule) fires for a record that entered the rule's
    status at `entered_at`."""
    if rule.at_nightly_run:
        return next_nightly_run(entered_at, settings)
    assert rule.after is not None, f"rule {rule.name} needs `after` or `at_nightly_run`"
    return entered_at + rule.after
