"""Stored instants come back as the same aware UTC instants, however SQLite holds the text
(the fast reader parses the canonical form; anything else takes SQLAlchemy's parser)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from core.models import Event


def test_an_instant_round_trips_as_aware_utc(db):
    vienna = timezone(timedelta(hours=1))
    written = datetime(2026, 3, 29, 2, 30, 15, 123456, tzinfo=vienna)
    with db.session(write=True) as session:
        session.add(Event(at=written, kind="probe", text="x"))
    with db.session() as session:
        read = session.scalar(select(Event.at))
    assert read == written and read.tzinfo == UTC and read.hour == 1


@pytest.mark.parametrize("stored, expected", [
    ("2026-11-23 09:00:00.000000", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    ("2026-11-23 09:00:00", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    ("2026-11-23 09:00", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
    ("2026-11-23T09:00:00.5", datetime(2026, 11, 23, 9, 0, 0, 500000, tzinfo=UTC)),
])
def test_text_written_by_hand_or_by_older_versions_is_read(db, stored, expected):
    with db.session(write=True) as session:
        session.execute(text("INSERT INTO events (at, kind, text, actor) "
                             "VALUES (:at, 'probe', 'x', 'system')"), {"at": stored})
    with db.session() as session:
        assert session.scalar(select(Event.at)) == expected


def test_a_naive_instant_is_refused(db):
    with pytest.raises(Exception, match="naive datetime"), db.session(write=True) as session:
        session.add(Event(at=datetime(2026, 1, 1), kind="probe", text="x"))
        session.flush()
