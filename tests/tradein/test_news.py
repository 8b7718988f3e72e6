"""The bell: new appointment requests since a user last looked, per user."""
from __future__ import annotations

from datetime import timedelta

from core import auth, clock, news
from tests.tradein.conftest import act, new_case


def _user(db, name: str) -> int:
    with db.session(write=True) as session:
        return auth.create_user(session, name, "geheim-genug-1", "sales", now=clock.now()).id


def _bell(db, user_id: int) -> list[tuple[str, int]]:
    with db.session() as session:
        return [(line.label, line.count) for line in news.unseen(session, user_id)]


def _look(db, user_id: int) -> None:
    with db.session(write=True) as session:
        news.mark_seen(session, user_id, clock.now())


def test_new_appointment_requests_count_until_the_user_looks(tdb, settings, now):
    anna, ben = _user(tdb, "anna"), _user(tdb, "ben")
    assert _bell(tdb, anna) == []
    clock.set_now(now + timedelta(minutes=5))
    first = new_case(tdb, settings)
    act(tdb, settings, first, "request_appointment")
    assert _bell(tdb, anna) == [("neue Terminanfragen", 1)]

    clock.set_now(now + timedelta(minutes=10))
    _look(tdb, anna)  # Anna opened the bell; Ben did not
    assert _bell(tdb, anna) == []
    assert _bell(tdb, ben) == [("neue Terminanfragen", 1)]

    clock.set_now(now + timedelta(minutes=15))
    second = new_case(tdb, settings, email="zweite@example.com")
    act(tdb, settings, second, "request_appointment")
    assert _bell(tdb, anna) == [("neue Terminanfragen", 1)]
    assert _bell(tdb, ben) == [("neue Terminanfragen", 2)]
    act(tdb, settings, second, "confirm_appointment",
        {"appointment_at": "2026-12-03T10:00:00+01:00"})  # handled: no longer new
    assert _bell(tdb, anna) == []
