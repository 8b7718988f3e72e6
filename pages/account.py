"""Mein Konto (every user): one's own e-mail address (offer notes and staff mails go there)
and password. core.users checks; a wrong field is marked red under it, the rest is kept."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from core import auth, clock
from core import users as users_core
from core.errors import ValidationError
from core.models import User
from pages.frame import page, runtime
from pages.widgets import mark_fields, notify_error, page_title, section, value_row


def _write(work: Callable[..., Any], *args: Any) -> Any:
    with runtime().db.session(write=True) as session:
        return work(session, *args)


async def _submit(fields: dict[str, Any], work: Callable[..., Any], *args: Any) -> bool:
    """Run a core change; its field errors are shown under the fields. True when saved."""
    try:
        await run.io_bound(_write, work, *args)
    except ValidationError as exc:
        if not mark_fields(fields, exc):
            notify_error(exc)
        return False
    except Exception as exc:  # noqa: BLE001 - shown in German
        notify_error(exc)
        return False
    mark_fields(fields, None)
    return True


def _email_form(user: User) -> None:
    with section("E-Mail-Adresse", "alternate_email"):
        ui.label("An diese Adresse schickt der Kundenpilot Ihnen Angebotsvermerke und "
                 "Hinweise. Ohne sie ist „Angebot erstellen“ nicht möglich.").classes(
            "text-sm text-grey-7")
        fields = {"email": ui.input("E-Mail", value=user.email).props(
            "outlined type=email").classes("w-full max-w-[460px]").mark("account-email")}

        async def save() -> None:
            if await _submit(fields, users_core.change_own_email, user.id,
                             {"email": fields["email"].value}, clock.now()):
                ui.notify("E-Mail-Adresse gespeichert.", type="positive")

        ui.button("E-Mail speichern", icon="save", on_click=save).props(
            "unelevated no-caps").mark("account-email-save")


def _password_form(user: User) -> None:
    with section("Passwort ändern", "key"):
        ui.label(f"Mindestens {auth.MIN_PASSWORD_LENGTH} Zeichen. Nach einem Zurücksetzen "
                 "durch die Administration bitte hier ein eigenes wählen.").classes(
            "text-sm text-grey-7")
        fields = {}
        for name, label in (("current", "Bisheriges Passwort"), ("new", "Neues Passwort"),
                            ("repeat", "Neues Passwort wiederholen")):
            fields[name] = ui.input(label, password=True, password_toggle_button=True).props(
                "outlined").classes("w-full max-w-[460px]").mark(f"account-{name}")

        async def save() -> None:
            values = {name: field.value for name, field in fields.items()}
            if await _submit(fields, users_core.change_own_password, user.id, values,
                             clock.now()):
                for field in fields.values():
                    field.value = ""
                mark_fields(fields, None)
                ui.notify("Passwort geändert.", type="positive")

        ui.button("Passwort ändern", icon="save", on_click=save).props(
            "unelevated no-caps").mark("account-password-save")


def create() -> None:
    @page("/konto", "Mein Konto")
    def account_page(user: User) -> None:
        page_title("Mein Konto", "Ihre Anmeldedaten und wohin der Kundenpilot Ihnen schreibt.")
        with section("Konto", "person"):
            value_row("Name", user.display_name)
            value_row("Benutzername", user.username)
            value_row("Rolle", auth.ROLES.get(user.role, user.role))
        _email_form(user)
        _password_form(user)
