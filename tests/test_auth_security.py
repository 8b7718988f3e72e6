"""Login hardening in core.auth: the redirect target check, throttling, login tickets and
the equal-cost answer for unknown user names. Time is passed in, never slept."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core import auth, clock

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("target", [
    "/", "/ankauf", "/ankauf/12?x=1", "/postausgang?status=failed&seite=2",
    "/suche?q=Max%20Muster", "/login?next=https://evil.example", "/r%C3%BCckgewinnung",
    "/a:b", "/ankauf#oben",
])
def test_local_paths_are_followed(target):
    assert auth.safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", 42, "ankauf", "https://evil.example/", "http:/evil.example", "//evil.example",
    "///evil.example", "/\\evil.example", "\\\\evil.example", "/ankauf\\..\\x",
    "javascript:alert(1)", " /ankauf", "/\t/127.0.0.2:19081/tab", "/\n/evil.example",
    "/\r\n/evil.example", "/\x00", "/a b", "/\u2028/evil.example", "/\u200b/evil.example",
    "/%09/127.0.0.2:19081/tab", "/%0a/evil.example", "/%0D%0A/evil.example", "/%00",
    "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5cevil.example",
    "/%E2%80%8B/evil.example", "/" + "a" * 3000,
])
def test_everything_else_goes_to_the_start_page(target):
    assert auth.safe_next(target) == "/"


def test_the_reported_open_redirect_is_closed():
    # /login?next=%2F%09%2F127.0.0.2%3A19081%2Ftab arrives decoded as below.
    assert auth.safe_next("/\t/127.0.0.2:19081/tab") == "/"


def test_five_failures_lock_the_name_for_15_minutes_then_it_is_free():
    throttle = auth.LoginThrottle()
    for minute in range(5):
        assert throttle.wait("Anna", "10.0.0.1", T0 + timedelta(minutes=minute)) == timedelta(0)
        throttle.failed("anna", "10.0.0.1", T0 + timedelta(minutes=minute))
    at = T0 + timedelta(minutes=4)
    assert throttle.wait("anna", "10.0.0.2", at) == timedelta(minutes=11)  # from the first
    assert throttle.wait("ANNA ", "10.0.0.2", at) == timedelta(minutes=11)
    assert throttle.wait("bert", "10.0.0.2", at) == timedelta(0)  # other names are free
    assert throttle.wait("anna", "", T0 + timedelta(minutes=15)) == timedelta(0)


def test_many_failures_from_one_address_lock_every_name_from_there():
    throttle = auth.LoginThrottle(per_user=5, per_address=20)
    for number in range(20):
        throttle.failed(f"name{number}", "10.0.0.9", T0)
    assert throttle.wait("anna", "10.0.0.9", T0) == timedelta(minutes=15)
    assert throttle.wait("anna", "10.0.0.1", T0) == timedelta(0)


def test_a_correct_login_clears_the_name_but_not_the_address():
    throttle = auth.LoginThrottle(per_user=2, per_address=3)
    throttle.failed("anna", "10.0.0.1", T0)
    throttle.failed("anna", "10.0.0.1", T0)
    throttle.succeeded("anna")
    assert throttle.wait("anna", "10.0.0.2", T0) == timedelta(0)
    throttle.failed("bert", "10.0.0.1", T0)
    assert throttle.wait("anna", "10.0.0.1", T0) == timedelta(minutes=15)


@pytest.mark.parametrize(("wait", "text"), [
    (timedelta(minutes=12), "Zu viele Fehlversuche. Bitte in 12 Minuten erneut versuchen."),
    (timedelta(seconds=61), "Zu viele Fehlversuche. Bitte in 2 Minuten erneut versuchen."),
    (timedelta(seconds=5), "Zu viele Fehlversuche. Bitte in 1 Minute erneut versuchen."),
])
def test_retry_message_says_how_long(wait, text):
    assert auth.retry_message(wait) == text


def test_attempt_login_refuses_the_right_password_while_locked(db):
    with db.session(write=True) as session:
        auth.create_user(session, "anna", "richtig-geheim-1", "service", now=clock.now())
    throttle = auth.LoginThrottle()
    with db.session(write=True) as session:
        results = [auth.attempt_login(session, throttle, "anna", "falsch", "10.0.0.1", T0)
                   for _ in range(5)]
        locked = auth.attempt_login(session, throttle, "anna", "richtig-geheim-1",
                                    "10.0.0.1", T0 + timedelta(minutes=3))
        later = auth.attempt_login(session, throttle, "anna", "richtig-geheim-1",
                                   "10.0.0.1", T0 + timedelta(minutes=15))
    assert [r.error for r in results[:4]] == ["Benutzername oder Passwort ist falsch."] * 4
    assert results[4].error == "Zu viele Fehlversuche. Bitte in 15 Minuten erneut versuchen."
    assert locked.user is None and "in 12 Minuten" in locked.error
    assert later.user is not None and later.user.username == "anna"


class _CountingHasher:
    def __init__(self, real):
        self.real, self.verified = real, []

    def verify(self, password_hash, password):
        self.verified.append(password_hash)
        return self.real.verify(password_hash, password)

    def __getattr__(self, name):
        return getattr(self.real, name)


def test_unknown_and_inactive_names_cost_one_argon2_check_like_known_ones(db, monkeypatch):
    with db.session(write=True) as session:
        auth.create_user(session, "anna", "richtig-geheim-1", "service",
                         now=clock.now()).active = False
    counting = _CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", counting)
    with db.session(write=True) as session:
        assert auth.authenticate(session, "niemand", "richtig-geheim-1", clock.now()) is None
        assert auth.authenticate(session, "anna", "richtig-geheim-1",
                                 clock.now()) is None  # inactive
    assert len(counting.verified) == 2
    assert all(h.startswith("$argon2") for h in counting.verified)


def test_a_login_ticket_works_once_for_its_browser_and_not_after_a_minute():
    tickets = auth.LoginTickets()
    ticket = tickets.issue(7, "browser-a", T0)
    assert tickets.redeem(ticket, "browser-b", T0) is None  # another browser: and it is gone
    assert tickets.redeem(ticket, "browser-a", T0) is None
    ticket = tickets.issue(7, "browser-a", T0)
    assert tickets.redeem(ticket, "browser-a", T0 + timedelta(seconds=10)) == 7
    assert tickets.redeem(ticket, "browser-a", T0 + timedelta(seconds=10)) is None
    late = tickets.issue(7, "browser-a", T0)
    assert tickets.redeem(late, "browser-a", T0 + timedelta(seconds=61)) is None
    assert tickets.redeem("erfunden", "browser-a", T0) is None
