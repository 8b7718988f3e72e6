"""Benutzer (admin): every account as a card with role, e-mail and last login; create, edit,
deactivate / reactivate, reset a password (the one-time password is shown once). core.users
decides and validates; this page renders and marks the wrong field."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nicegui import run, ui

from core import auth, clock
from core import users as users_core
from core.errors import ValidationError
from core.formatting import format_datetime
from core.models import User
from pages.frame import page, runtime
from pages.widgets import confirm_dialog, mark_fields, notify_error, page_title

ROLE_COLORS = {"admin": "deep-purple-6", "service": "teal-7", "sales": "light-blue-8",
               "supervisor": "amber-9"}
ROLE_OPTIONS = dict(auth.ROLES)


def _in_session(work: Callable[..., Any], *args: Any, write: bool = False) -> Any:
    with runtime().db.session(write=write) as session:
        return work(session, *args)


def _list(acting: User) -> list[users_core.UserRow]:
    return _in_session(users_core.list_users, acting)


def _profile_fields(row: users_core.UserRow | None) -> dict[str, Any]:
    """The inputs shared by "Neuer Benutzer" and "Bearbeiten", prefilled from `row`."""
    fields: dict[str, Any] = {}
    if row is None:
        fields["username"] = ui.input("Benutzername", placeholder="z. B. m.huber").props(
            "outlined autofocus").classes("w-full").mark("user-username")
    fields["display_name"] = ui.input("Anzeigename", value=row.display_name if row else "",
                                      placeholder="z. B. Maria Huber").props(
        "outlined").classes("w-full").mark("user-display-name")
    fields["email"] = ui.input("E-Mail", value=row.email if row else "").props(
        "outlined type=email").classes("w-full").mark("user-email")
    fields["role"] = ui.select(ROLE_OPTIONS, label="Rolle",
                               value=row.role if row else "sales").props(
        "outlined").classes("w-full").mark("user-role")
    return fields


def _values(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: field.value for name, field in fields.items()}


async def _save_in_dialog(fields: dict[str, Any], work: Callable[[], Any]) -> Any:
    """Run `work`; a validation error marks its fields. Returns None on failure."""
    try:
        result = await run.io_bound(work)
    except ValidationError as exc:
        if not mark_fields(fields, exc):
            notify_error(exc)
        return None
    except Exception as exc:  # noqa: BLE001 - shown in German, the dialog stays open
        notify_error(exc)
        return None
    mark_fields(fields, None)
    return result if result is not None else True


def _show_password(username: str, password: str) -> None:
    with ui.dialog() as dialog, ui.card().classes("w-[460px] max-w-[95vw] gap-3 p-5"):
        ui.label("Einmal-Passwort").classes("text-lg font-medium")
        ui.label(f"Geben Sie es an {username} weiter. Es wird nur jetzt angezeigt; danach "
                 "bitte unter „Mein Konto“ ein eigenes Passwort wählen.").classes(
            "text-sm text-grey-8")
        ui.label(password).classes("text-xl font-mono tracking-wider bg-grey-2 rounded p-3 "
                                   "select-all break-all").mark("one-time-password")
        with ui.row().classes("w-full justify-end"):
            ui.button("Fertig", on_click=dialog.close).props("unelevated no-caps").mark(
                "one-time-done")
    dialog.open()


class UsersPage:
    def __init__(self, acting: User) -> None:
        self.acting = acting
        self.cards = ui.row().classes("w-full gap-3 items-stretch").mark("user-list")

    async def refresh(self) -> None:
        rows = await run.io_bound(_list, self.acting)
        tz = runtime().settings().timezone
        self.cards.clear()
        with self.cards:
            for row in rows:
                self._card(row, tz)

    def _card(self, row: users_core.UserRow, tz: str) -> None:
        faded = "" if row.active else " opacity-60"
        with ui.card().props("flat bordered").classes(
                "w-full sm:w-[calc(50%-6px)] xl:w-[calc(33.3%-8px)] gap-1 p-4" + faded).mark(
                f"user-{row.username}"):
            with ui.row().classes("w-full items-center gap-2 no-wrap"):
                ui.icon("person" if row.active else "person_off", size="sm").classes(
                    "text-grey-7")
                ui.label(row.display_name).classes("text-base font-medium min-w-0 truncate")
                ui.space()
                ui.badge(row.role_label, color=ROLE_COLORS.get(row.role, "grey-7")).classes(
                    "px-2 py-1")
            ui.label(f"Benutzername: {row.username}").classes("text-sm text-grey-8")
            ui.label(row.email or "keine E-Mail-Adresse").classes(
                "text-sm break-all " + ("text-grey-8" if row.email else "text-orange-9"))
            login = format_datetime(row.last_login_at, tz) if row.last_login_at else "noch nie"
            status = "" if row.active else " · deaktiviert"
            ui.label(f"Letzte Anmeldung: {login}{status}").classes(
                "text-xs text-grey-7").mark("user-last-login")
            with ui.row().classes("gap-1 mt-2"):
                ui.button("Bearbeiten", icon="edit", on_click=lambda r=row: self.edit(r)).props(
                    "flat dense no-caps").mark("user-edit")
                ui.button("Passwort zurücksetzen", icon="key",
                          on_click=lambda r=row: self.reset(r)).props(
                    "flat dense no-caps").mark("user-reset")
                self._activation_button(row)

    def _activation_button(self, row: users_core.UserRow) -> None:
        if row.active:
            button = ui.button("Deaktivieren", icon="block",
                               on_click=lambda r=row: self.set_active(r, False)).props(
                "flat dense no-caps color=negative").mark("user-deactivate")
            if row.id == self.acting.id:
                button.disable()
                button.tooltip("Das eigene Konto kann man nicht deaktivieren.")
        else:
            ui.button("Reaktivieren", icon="undo",
                      on_click=lambda r=row: self.set_active(r, True)).props(
                "flat dense no-caps").mark("user-activate")

    def create(self) -> None:
        fields: dict[str, Any] = {}

        async def confirm() -> bool:
            values = _values(fields)
            result = await _save_in_dialog(fields, lambda: _in_session(
                users_core.create, self.acting, values, clock.now(), write=True))
            if result is None:
                return False
            _user, password = result
            await self.refresh()
            _show_password(values["username"].strip().lower(), password)
            return True

        confirm_dialog("Neuer Benutzer", confirm, confirm_label="Anlegen",
                       body=lambda: fields.update(_profile_fields(None)))

    def edit(self, row: users_core.UserRow) -> None:
        fields: dict[str, Any] = {}

        async def confirm() -> bool:
            values = _values(fields)
            if await _save_in_dialog(fields, lambda: _in_session(
                    users_core.update, self.acting, row.id, values, clock.now(),
                    write=True)) is None:
                return False
            ui.notify(f"{values['display_name']} gespeichert.", type="positive")
            await self.refresh()
            return True

        confirm_dialog(f"{row.display_name} bearbeiten", confirm, confirm_label="Speichern",
                       body=lambda: fields.update(_profile_fields(row)))

    def reset(self, row: users_core.UserRow) -> None:
        async def confirm() -> bool:
            try:
                password = await run.io_bound(_in_session, users_core.reset_password,
                                              self.acting, row.id, clock.now(), write=True)
            except Exception as exc:  # noqa: BLE001 - shown in German
                notify_error(exc)
                return False
            _show_password(row.username, password)
            return True

        confirm_dialog(f"Passwort von {row.display_name} zurücksetzen?", confirm,
                       confirm_label="Zurücksetzen", body=lambda: ui.label(
                           "Das bisherige Passwort gilt sofort nicht mehr. Sie erhalten ein "
                           "Einmal-Passwort zum Weitergeben.").classes("text-sm text-grey-8"))

    async def set_active(self, row: users_core.UserRow, active: bool) -> None:
        try:
            await run.io_bound(_in_session, users_core.set_active, self.acting, row.id,
                               active, clock.now(), write=True)
        except Exception as exc:  # noqa: BLE001 - shown in German
            notify_error(exc)
            return
        ui.notify(f"{row.display_name} {'reaktiviert' if active else 'deaktiviert'}.",
                  type="positive")
        await self.refresh()


def create() -> None:
    @page("/benutzer", "Benutzer", roles=("admin",))
    async def users_page(user: User) -> None:
        with ui.row().classes("w-full items-start gap-2"):
            page_title("Benutzer", "Wer mit dem Kundenpiloten arbeitet. Die Rolle bestimmt, "
                       "welche Seiten jemand sieht; deaktivierte Konten melden sich nicht an.")
            ui.space()
            new = ui.button("Neuer Benutzer", icon="person_add").props(
                "unelevated no-caps").mark("user-new")
        view = UsersPage(user)
        new.on_click(view.create)
        await view.refresh()
