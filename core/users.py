"""User administration (admins) and "Mein Konto" (everyone): create, edit, deactivate,
reset a password, change one's own password and e-mail.

Every function checks the acting user's role itself and reports bad input per field
(ValidationError), so the page can mark the wrong field and keep the others. Two rules keep
the console reachable: nobody deactivates or demotes themselves, and the last active admin
stays an active admin."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import auth, events
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.models import User
from core.validation import FieldErrors, clean_email, clean_text

# A one-time password: no look-alike characters (0/O, 1/l/I), easy to read out on the phone.
_READABLE = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 14


@dataclass(frozen=True)
class UserRow:
    """One line of the users page (plain values)."""

    id: int
    username: str
    display_name: str
    email: str
    role: str
    active: bool
    last_login_at: datetime | None

    @property
    def role_label(self) -> str:
        return auth.ROLES.get(self.role, self.role)


def one_time_password() -> str:
    return "".join(secrets.choice(_READABLE) for _ in range(ONE_TIME_LENGTH))


def list_users(session: Session, acting: User) -> list[UserRow]:
    auth.require_role(acting)
    users = session.scalars(select(User).order_by(User.active.desc(), User.display_name))
    return [UserRow(u.id, u.username, u.display_name, u.email, u.role, u.active,
                    u.last_login_at) for u in users]


def _profile(data: dict[str, Any], errors: FieldErrors) -> dict[str, str]:
    """display_name (required), email (may be empty) and role, checked."""
    values = {"display_name": clean_text(errors, data, "display_name", "Anzeigename", 128)}
    email = data.get("email")
    values["email"] = clean_email(errors, data) if isinstance(email, str) and email.strip() \
        else ""
    role = data.get("role")
    if role not in auth.ROLES:
        errors["role"] = "Bitte eine Rolle wählen: " + ", ".join(auth.ROLES.values()) + "."
    values["role"] = str(role)
    return values


def create(session: Session, acting: User, data: dict[str, Any],
           now: datetime) -> tuple[User, str]:
    """A new active user with a one-time password (returned once, shown to the admin)."""
    auth.require_role(acting)
    errors: FieldErrors = {}
    username = clean_text(errors, data, "username", "Benutzername", 64).lower()
    problem = auth.username_problem(session, username) if username else None
    if problem:
        errors["username"] = problem
    values = _profile(data, errors)
    if errors:
        raise ValidationError(errors)
    password = one_time_password()
    user = auth.create_user(session, username, password, values["role"],
                            values["display_name"], values["email"], now=now)
    return user, password


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Diesen Benutzer gibt es nicht.")
    return user


def _other_active_admins(session: Session, user_id: int) -> int:
    return session.scalar(select(func.count(User.id)).where(
        User.role == "admin", User.active.is_(True), User.id != user_id)) or 0


def update(session: Session, acting: User, user_id: int, data: dict[str, Any],
           now: datetime) -> None:
    """Display name, e-mail and role of a user."""
    auth.require_role(acting)
    user = _user(session, user_id)
    errors: FieldErrors = {}
    values = _profile(data, errors)
    if not errors and user.role == "admin" and values["role"] != "admin":
        if user.id == acting.id:
            errors["role"] = "Die eigene Administrationsrolle kann man sich nicht nehmen."
        elif user.active and not _other_active_admins(session, user.id):
            errors["role"] = "Der letzte aktive Administrator muss Administrator bleiben."
    if errors:
        raise ValidationError(errors)
    changed = [label for field, label in (("display_name", "Anzeigename"), ("email", "E-Mail"),
                                          ("role", "Rolle"))
               if getattr(user, field) != values[field]]
    user.display_name, user.email, user.role = (values["display_name"], values["email"],
                                                values["role"])
    if changed:
        events.record(session, now, "user_changed",
                      f"Benutzer {user.username} geändert: {', '.join(changed)}",
                      actor=acting.username)


def set_active(session: Session, acting: User, user_id: int, active: bool,
               now: datetime) -> None:
    """Deactivate (the user is logged out at their next click) or reactivate a user."""
    auth.require_role(acting)
    user = _user(session, user_id)
    if not active and user.id == acting.id:
        raise ActionNotAllowed("Das eigene Konto kann man nicht deaktivieren.")
    if not active and user.role == "admin" and not _other_active_admins(session, user.id):
        raise ActionNotAllowed("Der letzte aktive Administrator kann nicht deaktiviert werden.")
    if user.active == active:
        return
    user.active = active
    events.record(session, now, "user_activated" if active else "user_deactivated",
                  f"Benutzer {user.username} {'reaktiviert' if active else 'deaktiviert'}",
                  actor=acting.username)


def reset_password(session: Session, acting: User, user_id: int, now: datetime) -> str:
    """A new one-time password for the user (the old one stops working at once)."""
    auth.require_role(acting)
    user = _user(session, user_id)
    password = one_time_password()
    user.password_hash = auth.hash_password(password)
    events.record(session, now, "password_reset",
                  f"Passwort von {user.username} zurückgesetzt", actor=acting.username)
    return password


def change_own_password(session: Session, user_id: int, data: dict[str, Any],
                        now: datetime) -> None:
    """Fields: current, new, repeat."""
    user = _user(session, user_id)
    errors: FieldErrors = {}
    if not auth.verify_password(user.password_hash, str(data.get("current") or "")):
        errors["current"] = "Das bisherige Passwort stimmt nicht."
    new = data.get("new")
    if not isinstance(new, str) or len(new) < auth.MIN_PASSWORD_LENGTH:
        errors["new"] = f"Mindestens {auth.MIN_PASSWORD_LENGTH} Zeichen."
    elif new == data.get("current"):
        errors["new"] = "Das neue Passwort muss sich vom bisherigen unterscheiden."
    elif data.get("repeat") != new:
        errors["repeat"] = "Die Wiederholung stimmt nicht mit dem neuen Passwort überein."
    if errors:
        raise ValidationError(errors)
    user.password_hash = auth.hash_password(new)
    events.record(session, now, "password_changed",
                  f"{user.username} hat das eigene Passwort geändert", actor=user.username)


def change_own_email(session: Session, user_id: int, data: dict[str, Any],
                     now: datetime) -> str:
    """The user's own e-mail address (for offer notes and staff mails); returns it."""
    user = _user(session, user_id)
    errors: FieldErrors = {}
    email = clean_email(errors, data)
    if errors:
        raise ValidationError(errors)
    if email != user.email:
        user.email = email
        events.record(session, now, "user_changed",
                      f"{user.username} hat die eigene E-Mail-Adresse geändert",
                      actor=user.username)
    return email
