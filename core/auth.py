"""Users, roles and passwords (argon2). Roles are checked again inside every action."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import clock, events
from core.models import User

ROLES = {
    "admin": "Administration",
    "service": "Service-Center",
    "sales": "Verkauf",
    "supervisor": "Vorgesetzte/r",
}
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()


class PermissionDenied(Exception):
    """Raised by core actions when the acting user's role may not do this."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def has_users(session: Session) -> bool:
    return session.scalar(select(func.count(User.id))) > 0


def create_user(
    session: Session, username: str, password: str, role: str,
    display_name: str = "", email: str = "",
) -> User:
    """Create a user; ValueError with a German message for a bad name, role or password."""
    username = username.strip().lower()
    if not username or not username.replace(".", "").replace("-", "").replace("_", "").isalnum():
        raise ValueError("Benutzername: nur Buchstaben, Ziffern, Punkt, Binde- und Unterstrich.")
    if role not in ROLES:
        raise ValueError(f"Unbekannte Rolle „{role}“ (erlaubt: {', '.join(ROLES)}).")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen haben.")
    if session.scalar(select(User).where(User.username == username)):
        raise ValueError(f"Den Benutzer „{username}“ gibt es schon.")
    user = User(
        username=username, display_name=display_name.strip() or username, email=email.strip(),
        role=role, password_hash=hash_password(password), active=True, created_at=clock.now(),
    )
    session.add(user)
    session.flush()
    events.record(session, "user_created", f"Benutzer {username} ({ROLES[role]}) angelegt")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records the attempt either way."""
    user = session.scalar(select(User).where(User.username == username.strip().lower()))
    ok = False
    if user is not None and user.active:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if ok and _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
    kind, text = ("login", "Anmeldung") if ok else ("login_failed", "Fehlgeschlagene Anmeldung")
    events.record(session, kind, f"{text}: {username.strip().lower()}", actor=username)
    return user if ok else None


def require_role(user: User | None, *allowed: str) -> None:
    """Admins may do everything; others only what `allowed` lists."""
    if user is None or not user.active:
        raise PermissionDenied("Bitte melden Sie sich an.")
    if user.role != "admin" and user.role not in allowed:
        raise PermissionDenied(f"Ihre Rolle ({ROLES.get(user.role, user.role)}) darf das nicht.")
