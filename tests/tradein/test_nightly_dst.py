"""The nightly run happens exactly once on the two daylight-saving days of 2026 in Vienna,
whatever wall time it is set to (also 02:30, which is skipped in March, doubled in October)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock
from core.schedule import next_nightly_run
from tests.tradein.conftest import mails_of, new_case, tick

VIENNA = ZoneInfo("Europe/Vienna")


@pytest.mark.parametrize("day, nightly_at, expected_local", [
    ("2026-03-29", "03:30", "03:30"),  # after the spring gap
    ("2026-03-29", "02:30", "03:30"),  # 02:30 does not exist: right after the gap
    ("2026-10-25", "03:30", "03:30"),  # after the doubled hour
    ("2026-10-25", "02:30", "02:30"),  # 02:30 exists twice: the first one only
])
def test_nightly_run_on_dst_day_sends_exactly_once(tdb, settings, day, nightly_at,
                                                   expected_local):
    settings = replace(settings, nightly_at=nightly_at)
    evening = datetime.fromisoformat(f"{day}T00:00:00").replace(tzinfo=VIENNA) \
        - timedelta(hours=4)  # 20:00 the evening before
    clock.set_now(evening)
    case_id = new_case(tdb, settings)
    fired_at = []
    at = evening.astimezone(UTC)
    while at < evening.astimezone(UTC) + timedelta(hours=30):  # until the next afternoon
        at += timedelta(minutes=15)
        fired_at += [at for o in tick(tdb, settings, at) if o.sent]
    assert len(fired_at) == 1
    local = fired_at[0].astimezone(VIENNA)
    assert local.date().isoformat() == day
    assert local.strftime("%H:%M") == expected_local
    assert mails_of(tdb, case_id) == ["market_value"]


def test_next_nightly_run_is_strictly_after_and_local(settings):
    settings = replace(settings, nightly_at="03:30")
    winter = datetime(2026, 1, 10, 2, 30, tzinfo=UTC)  # exactly 03:30 CET
    assert next_nightly_run(winter, settings) == winter + timedelta(days=1)
    summer = datetime(2026, 7, 10, 12, 0, tzinfo=UTC)
    assert next_nightly_run(summer, settings) == datetime(2026, 7, 11, 1, 30, tzinfo=UTC)
