"""Users, roles and passwords (argon2). Roles are checked again inside every action."""
from __future__ import annotations

import hmac
import math
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from urllib.parse import unquote, urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import events
from core.models import User
from core.text import CONTROL_CATEGORIES, has_control

ROLES = {
    "admin": "Administration",
    "service": "Service-Center",
    "sales": "Verkauf",
    "supervisor": "Vorgesetzte/r",
}
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()

# Login throttling: this many failures within FAILURE_WINDOW block further attempts. The
# address limit is higher: a whole dealership often shares one address (NAT, TLS proxy).
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20
FAILURE_WINDOW = timedelta(minutes=15)
LOGIN_TICKET_TTL = timedelta(seconds=60)
MAX_NEXT_LENGTH = 2000


class PermissionDenied(Exception):
    """Raised by core actions when the acting user's role may not do this."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def has_users(session: Session) -> bool:
    return session.scalar(select(func.count(User.id))) > 0


USERNAME_RULE = "Benutzername: nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich."


def username_problem(session: Session, username: str) -> str | None:
    """Why `username` (trimmed, lower case) cannot be a new account's name, or None."""
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        return USERNAME_RULE
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        return f"Den Benutzer „{username}“ gibt es schon."
    return None


def create_user(
    session: Session, username: str, password: str, role: str,
    display_name: str = "", email: str = "", *, now: datetime,
) -> User:
    """Create a user at `now`; ValueError with a German message for a bad name, role or
    password."""
    username = username.strip().lower()
    problem = username_problem(session, username)
    if problem == USERNAME_RULE:
        raise ValueError(problem)
    if role not in ROLES:
        raise ValueError(f"Unbekannte Rolle „{role}“ (erlaubt: {', '.join(ROLES)}).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen haben.")
    if problem is not None:  # the name is taken
        raise ValueError(problem)
    user = User(
        username=username, display_name=display_name.strip() or username, email=email.strip(),
        role=role, password_hash=hash_password(password), active=True, created_at=now,
    )
    session.add(user)
    session.flush()
    events.record(session, now, "user_created", f"Benutzer {username} ({ROLES[role]}) angelegt")
    return user


@cache
def _dummy_hash() -> str:
    """A hash no password matches in practice: unknown names cost one argon2 check as well."""
    return _hasher.hash(secrets.token_urlsafe(32))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str,
                 now: datetime) -> User | None:
    """The active user with these credentials, or None. Records the attempt either way.

    Unknown and inactive names are verified against a dummy hash, so the answer takes the
    same time and does not tell which user names exist."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    known = user is not None and user.active
    ok = verify_password(user.password_hash if known else _dummy_hash(), password) and known
    if ok and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if ok:
        user.last_login_at = now
    kind, text = ("login", "Anmeldung") if ok else ("login_failed", "Fehlgeschlagene Anmeldung")
    events.record(session, now, kind, f"{text}: {username.strip().lower()}", actor=username)
    return user if ok else None


def require_role(user: User | None, *allowed: str) -> None:
    """Admins may do everything; others only what `allowed` lists."""
    if user is None or not user.active:
        raise PermissionDenied("Bitte melden Sie sich an.")
    if user.role != "admin" and user.role not in allowed:
        raise PermissionDenied(f"Ihre Rolle ({ROLES.get(user.role, user.role)}) darf das nicht.")


def retry_message(wait: timedelta) -> str:
    """The German refusal while logins are throttled, with the wait in whole minutes."""
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    unit = "Minute" if minutes == 1 else "Minuten"
    return f"Zu viele Fehlversuche. Bitte in {minutes} {unit} erneut versuchen."


class LoginThrottle:
    """Failed logins per user name and per client address, kept in this process.

    `MAX_FAILURES_PER_*` failures within `FAILURE_WINDOW` block that name (or address) until
    the oldest of them is older than the window. Blocked attempts are not counted, so a
    lock-out ends on time. Thread-safe: logins run in worker threads."""

    def __init__(self, per_user: int = MAX_FAILURES_PER_USER,
                 per_address: int = MAX_FAILURES_PER_ADDRESS,
                 window: timedelta = FAILURE_WINDOW) -> None:
        self.window = window
        self._limits = {"user": per_user, "address": per_address}
        self._failures: dict[tuple[str, str], list[datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _keys(username: str, address: str) -> list[tuple[str, str]]:
        keys = [("user", username.strip().lower())]
        if address:
            keys.append(("address", address))
        return keys

    def _recent(self, key: tuple[str, str], now: datetime) -> list[datetime]:
        recent = [t for t in self._failures.get(key, ()) if t > now - self.window]
        if recent:
            self._failures[key] = recent
        else:
            self._failures.pop(key, None)
        return recent

    def wait(self, username: str, address: str, now: datetime) -> timedelta:
        """How long this name/address must wait before the next attempt (zero: go ahead)."""
        longest = timedelta(0)
        with self._lock:
            for key in self._keys(username, address):
                recent, limit = self._recent(key, now), self._limits[key[0]]
                if len(recent) >= limit:
                    longest = max(longest, recent[-limit] + self.window - now)
        return longest

    def failed(self, username: str, address: str, now: datetime) -> None:
        with self._lock:
            if len(self._failures) > 10_000:  # many names tried: forget the expired ones
                for key in list(self._failures):
                    self._recent(key, now)
            for key in self._keys(username, address):
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, username: str) -> None:
        """A correct password clears the name's failures (not the address's: an attacker
        must not reset them by logging in to an own account in between)."""
        with self._lock:
            self._failures.pop(("user", username.strip().lower()), None)


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    error: str = ""  # German, for the login form; empty when the login worked


def attempt_login(session: Session, throttle: LoginThrottle, username: str, password: str,
                  address: str, now: datetime) -> LoginResult:
    """Check credentials unless this name or address is throttled; count failures."""
    wait = throttle.wait(username, address, now)
    if wait > timedelta(0):
        events.record(session, now, "login_blocked",
                      "Anmeldung gesperrt (zu viele Fehlversuche): "
                      f"{username.strip().lower()[:64]}", actor=username[:64])
        return LoginResult(None, retry_message(wait))
    user = authenticate(session, username, password, now)
    if user is not None:
        throttle.succeeded(username)
        return LoginResult(user)
    throttle.failed(username, address, now)
    wait = throttle.wait(username, address, now)
    return LoginResult(None, retry_message(wait) if wait > timedelta(0)
                       else "Benutzername oder Passwort ist falsch.")


class LoginTickets:
    """One-time tickets that carry a successful login from the page's websocket (which
    cannot set a cookie) to the HTTP request that starts the session. A ticket is bound to
    the browser that logged in and expires after LOGIN_TICKET_TTL."""

    def __init__(self, ttl: timedelta = LOGIN_TICKET_TTL) -> None:
        self.ttl = ttl
        self._pending: dict[str, tuple[int, str, datetime]] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: int, browser: str, now: datetime) -> str:
        ticket = secrets.token_urlsafe(32)
        with self._lock:
            for key, (_user, _browser, at) in list(self._pending.items()):
                if at + self.ttl <= now:
                    del self._pending[key]
            self._pending[ticket] = (user_id, browser, now)
        return ticket

    def redeem(self, ticket: str, browser: str, now: datetime) -> int | None:
        """The user id of a valid ticket for this browser, once; None otherwise."""
        with self._lock:
            entry = self._pending.pop(ticket, None)
        if entry is None:
            return None
        user_id, bound, at = entry
        if not browser or not hmac.compare_digest(bound, browser) or at + self.ttl <= now:
            return None
        return user_id


def _unsafe(text: str, allow_space: bool) -> bool:
    """A character a browser may drop or turn around ("\\" counts as "/")."""
    forbidden = CONTROL_CATEGORIES if allow_space else (*CONTROL_CATEGORIES, "Zs")
    return "\\" in text or has_control(text, forbidden)


def safe_next(value: object) -> str:
    """`value` if it is a path on this site, else "/": the only redirect target after login.

    Refused: anything not starting with a single "/", schemes and host names, backslashes,
    white space and control characters (browsers drop a tab or newline, so "/\\t/evil.example"
    would become "//evil.example"), and the same percent-encoded (a space only as %20)."""
    if not isinstance(value, str) or len(value) > MAX_NEXT_LENGTH or _unsafe(value, False):
        return "/"
    decoded = unquote(value)
    if _unsafe(decoded, True):
        return "/"
    for text in (value, decoded):
        parts = urlsplit(text)
        if not text.startswith("/") or text.startswith("//") or parts.scheme or parts.netloc:
            return "/"
    return value
