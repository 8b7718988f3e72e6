"""User administration and "Mein Konto": what an admin and a user can change, every refusal
with its German message on the right field, and the rules that keep the console reachable."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import auth, users
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, ValidationError
from core.models import User

PASSWORD = "geheim-genug-1"


def add(db, username: str, role: str = "sales", email: str = "", now=None) -> User:
    with db.session(write=True) as session:
        return auth.create_user(session, username, PASSWORD, role, username.title(), email,
                                now=now)


def login(db, username: str, password: str, now) -> User | None:
    with db.session(write=True) as session:
        return auth.authenticate(session, username, password, now)


def call(db, func, *args):
    with db.session(write=True) as session:
        return func(session, *args)


def stored(db, username: str) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == username))


@pytest.fixture
def admin(db, now) -> User:
    return add(db, "chefin", "admin", "chefin@autohaus.example", now)


def test_admin_creates_a_user_who_logs_in_with_the_one_time_password(db, admin, now):
    user, password = call(db, users.create, admin, {
        "username": " M.Huber ", "display_name": "Maria Huber",
        "email": "Maria.Huber@Autohaus.example", "role": "service"}, now)
    assert (user.username, user.role, user.email) == ("m.huber", "service",
                                                      "maria.huber@autohaus.example")
    assert len(password) == users.ONE_TIME_LENGTH
    assert login(db, "m.huber", password, now) is not None
    [row] = [r for r in call(db, users.list_users, admin) if r.username == "m.huber"]
    assert row.role_label == "Service-Center" and row.last_login_at == now


def test_every_wrong_field_is_named_at_once_and_nothing_is_created(db, admin, now):
    add(db, "vergeben", now=now)
    with pytest.raises(ValidationError) as caught:
        call(db, users.create, admin, {"username": "vergeben", "display_name": " ",
                                       "email": "kein-at-zeichen", "role": "chef"}, now)
    assert caught.value.errors == {
        "username": "Den Benutzer „vergeben“ gibt es schon.",
        "display_name": "Anzeigename fehlt.",
        "email": "„kein-at-zeichen“ ist keine gültige E-Mail-Adresse.",
        "role": "Bitte eine Rolle wählen: Administration, Service-Center, Verkauf, "
                "Vorgesetzte/r.",
    }
    with db.session() as session:
        assert session.scalar(select(User).where(User.username == "")) is None
        assert len(session.scalars(select(User)).all()) == 2


def test_only_admins_manage_users(db, admin, now):
    seller = add(db, "verkauf", now=now)
    with pytest.raises(PermissionDenied):
        call(db, users.list_users, seller)
    with pytest.raises(PermissionDenied):
        call(db, users.reset_password, seller, admin.id, now)


def test_edit_changes_name_email_and_role(db, admin, now):
    seller = add(db, "verkauf", now=now)
    call(db, users.update, admin, seller.id, {"display_name": "Vera Kauf",
                                              "email": "vera@autohaus.example",
                                              "role": "supervisor"}, now)
    changed = stored(db, "verkauf")
    assert (changed.display_name, changed.email, changed.role) == (
        "Vera Kauf", "vera@autohaus.example", "supervisor")


def test_the_last_active_admin_stays_an_active_admin(db, admin, now):
    with pytest.raises(ActionNotAllowed, match="eigene Konto"):
        call(db, users.set_active, admin, admin.id, False, now)
    with pytest.raises(ValidationError) as caught:
        call(db, users.update, admin, admin.id, {"display_name": "Chefin", "role": "sales"},
             now)
    assert "role" in caught.value.errors
    second = add(db, "zweite", "admin", now=now)
    call(db, users.set_active, second, admin.id, False, now)  # another admin remains
    with pytest.raises(ActionNotAllowed, match="letzte aktive Administrator"):
        call(db, users.set_active, admin, second.id, False, now)


def test_a_deactivated_user_cannot_log_in_until_reactivated(db, admin, now):
    seller = add(db, "verkauf", now=now)
    call(db, users.set_active, admin, seller.id, False, now)
    assert login(db, "verkauf", PASSWORD, now) is None
    call(db, users.set_active, admin, seller.id, True, now)
    assert login(db, "verkauf", PASSWORD, now) is not None


def test_a_reset_password_replaces_the_old_one_at_once(db, admin, now):
    seller = add(db, "verkauf", now=now)
    password = call(db, users.reset_password, admin, seller.id, now)
    assert login(db, "verkauf", PASSWORD, now) is None
    assert login(db, "verkauf", password, now + timedelta(minutes=1)) is not None


def test_own_password_change_marks_the_wrong_field(db, admin, now):
    seller = add(db, "verkauf", now=now)
    cases = [
        ({"current": "falsch", "new": "neues-passwort-1", "repeat": "neues-passwort-1"},
         {"current": "Das bisherige Passwort stimmt nicht."}),
        ({"current": PASSWORD, "new": "kurz", "repeat": "kurz"},
         {"new": "Mindestens 10 Zeichen."}),
        ({"current": PASSWORD, "new": "neues-passwort-1", "repeat": "neues-passwort-2"},
         {"repeat": "Die Wiederholung stimmt nicht mit dem neuen Passwort überein."}),
    ]
    for data, errors in cases:
        with pytest.raises(ValidationError) as caught:
            call(db, users.change_own_password, seller.id, data, now)
        assert caught.value.errors == errors
    assert login(db, "verkauf", PASSWORD, now) is not None  # nothing changed so far
    call(db, users.change_own_password, seller.id,
         {"current": PASSWORD, "new": "neues-passwort-1", "repeat": "neues-passwort-1"}, now)
    assert login(db, "verkauf", "neues-passwort-1", now) is not None
    assert login(db, "verkauf", PASSWORD, now) is None


def test_own_email_is_checked_and_stored(db, admin, now):
    seller = add(db, "verkauf", now=now)
    with pytest.raises(ValidationError) as caught:
        call(db, users.change_own_email, seller.id, {"email": "vera@"}, now)
    assert list(caught.value.errors) == ["email"]
    assert stored(db, "verkauf").email == ""
    call(db, users.change_own_email, seller.id, {"email": " Vera@Autohaus.example "}, now)
    assert stored(db, "verkauf").email == "vera@autohaus.example"
