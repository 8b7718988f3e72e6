"""Einstellungen (admin): every declared setting, section by section — the kernel's first,
then one per registered module (core.settings declares them; this page only renders).

Fields fixed by a KP_* environment variable are shown read-only with a hint; core.settings
validates and stores. Turning the send switch on releases the held mails."""
from __future__ import annotations

import secrets
import uuid
from typing import Any

from nicegui import run, ui

from core import clock
from core import settings as settings_mod
from core.errors import ValidationError
from core.formatting import format_datetime
from core.mail import outbox, sender
from core.models import User
from core.settings import SettingField, Settings, SettingsSection
from pages.frame import page, runtime
from pages.widgets import UnsavedChanges, mark_fields, notify_error, page_title, section


def _load() -> tuple[Settings, dict[str, str], tuple[SettingsSection, ...]]:
    return runtime().settings(), settings_mod.env_overrides(), settings_mod.sections()


def _parse(values: dict[str, Any], current: Settings,
           declared: dict[str, SettingField]) -> dict[str, Any]:
    """The fields the admin changed, typed; ValidationError (setting -> German message) for
    every field that is wrong, all at once, including what core's checks say about the
    others."""
    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in values.items():
        item = declared[name]
        if item.secret and not value:
            continue  # empty: keep the stored secret
        try:
            typed = value if isinstance(value, bool) else settings_mod.parse_value(
                name, str(value if value is not None else ""))
            if item.email:
                typed = outbox.normalize_address(str(typed), name)
        except ValidationError as exc:
            errors |= exc.errors
            continue
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if typed != getattr(current, name):
            changes[name] = typed
    if errors:
        cross = settings_mod.validate(current.replace(**changes))
        raise ValidationError(errors | {k: v for k, v in cross.items() if k not in errors})
    return changes


def _save(values: dict[str, Any], declared: dict[str, SettingField]) -> tuple[int, int]:
    """Store the changes; returns (fields changed, held mails released). Nothing is stored
    unless every field is valid."""
    with runtime().db.session(write=True) as session:
        current = settings_mod.load(session)
        changes = _parse(values, current, declared)
        if not changes:
            return 0, 0
        result = settings_mod.save(session, changes)
        released = outbox.release_held(session, clock.now()) if result.send_emails and \
            not current.send_emails else 0
        return len(changes), released


def _regenerate_api_key() -> str:
    key = secrets.token_urlsafe(24)
    with runtime().db.session(write=True) as session:
        settings_mod.save(session, {"api_key": key})
    return key


def _send_test_mail(user: User) -> tuple[str, str, str]:
    """Queue a test mail to the user and drain at once; returns (address, status, error)."""
    rt = runtime()
    settings = rt.settings()
    address, now = user.email or settings.mail_from, clock.now()
    context = {"user_name": user.display_name,
               "sent_at": format_datetime(now, settings.timezone)}
    with rt.db.session(write=True) as session:
        row = outbox.enqueue(session, settings, now,
                             idempotency_key=f"smtp-test:{uuid.uuid4().hex}",
                             template_key="system.smtp_test", context=context, to_addr=address,
                             to_name=user.display_name, kind="staff", actor=user.username)
        row_id = row.id
    sender.drain(rt.db, settings, now, dev_port=rt.dev_port)
    with rt.db.session() as session:
        row = outbox.get_message(session, row_id)
        return address, row.status, row.last_error


async def settings_page(user: User) -> None:
    current, env, sections = await run.io_bound(_load)
    page_title("Einstellungen", "Gilt für alle Benutzer. Durch Umgebungsvariablen festgelegte "
               "Werte sind hier nur lesbar.")
    inputs: dict[str, Any] = {}
    # The declarations as rendered: saving reads the same ones, even if a module registers
    # or leaves in between.
    declared = {item.name: item for part in sections for item in part.fields}
    with ui.element("div").classes("w-full grid gap-4 grid-cols-1 lg:grid-cols-2"):
        for part in sections:
            with section(part.title, part.icon).mark(f"settings-section-{part.key}"):
                for item in part.fields:
                    if item.name == "api_key":  # not typed in: generated on request
                        _api_key_block(item, current, env)
                    elif item.env_only:
                        _env_only_field(item, current)
                    else:
                        inputs[item.name] = _field(item, current, env)

    guard = UnsavedChanges()
    for element in inputs.values():
        element.on_value_change(guard.changed)

    async def save() -> None:
        values = {f: i.value for f, i in inputs.items() if f not in env}
        try:
            changed, released = await run.io_bound(_save, values, declared)
        except ValidationError as exc:
            if mark_fields(inputs, exc):
                ui.notify("Nicht gespeichert: bitte die rot markierten Felder korrigieren.",
                          type="negative")
            else:
                notify_error(exc, {n: i.label for n, i in declared.items()})
            return
        except ValueError as exc:
            notify_error(exc)
            return
        mark_fields(inputs, None)
        guard.saved()
        if not changed:
            ui.notify("Keine Änderungen.", type="info")
            return
        text = "Einstellungen gespeichert."
        if released:
            text += f" {released} zurückgehaltene E-Mail(s) werden jetzt gesendet."
        ui.notify(text, type="positive")
        for name, element in inputs.items():
            if declared[name].secret:
                element.value = ""  # a stored secret is never shown again
        guard.saved()  # clearing a secret is no change of the admin's

    async def test_mail() -> None:
        test_button.props("loading")
        try:
            address, status, error = await run.io_bound(_send_test_mail, user)
        except Exception as exc:  # noqa: BLE001 - show what went wrong (e.g. bad address)
            notify_error(exc)
            return
        finally:
            test_button.props(remove="loading")
        if status == "sent":
            ui.notify(f"Testmail an {address} gesendet.", type="positive")
        elif status == "held":
            ui.notify("Versand ist ausgeschaltet: die Testmail wartet im Postausgang.",
                      type="warning")
        else:
            ui.notify(f"Testmail an {address}: {outbox.STATUS_LABELS.get(status, status)}. "
                      f"{error}", type="negative", multi_line=True, close_button="OK")

    # Sticky: on a long page the save button stays in reach at the bottom of the window.
    with ui.row().classes("w-full justify-end gap-2 sticky bottom-0 z-10 bg-grey-1 py-3 "
                          "border-t").mark("settings-actions"):
        test_button = ui.button("Testmail an mich", icon="send", on_click=test_mail).props(
            "outline").mark("settings-test-mail")
        ui.button("Speichern", icon="save", on_click=save).props("unelevated").mark(
            "settings-save")


def _env_line(name: str) -> None:
    """The variable that would fix this setting, for admins who configure by environment."""
    ui.label(f"Umgebungsvariable: {settings_mod.env_name(name)}").classes(
        "text-[11px] leading-tight text-grey-6 pl-3 -mt-1 mb-1")


def _field(item: SettingField, current: Settings, env: dict[str, str]) -> Any:
    value = getattr(current, item.name)
    locked = item.name in env
    hint = f"festgelegt durch {settings_mod.env_name(item.name)}" if locked else item.help
    if item.type is bool:
        element = ui.switch(item.label, value=bool(value))
        ui.label(hint).classes("text-xs text-grey-7 pl-3 -mt-2")  # aligned with the hints
    elif item.choices:
        # A value set outside the page (environment, older version) stays visible as is.
        options = dict(item.choices) | ({} if value in item.choices else {value: value})
        element = ui.select(options, value=value, label=item.label)
    elif item.secret:
        element = ui.input(item.label, password=True, password_toggle_button=True)
    else:
        element = ui.input(item.label, value=str(value))
    if item.type is not bool:
        # hide-bottom-space: a hint of two lines grows the field instead of overlapping the next
        element.props("outlined dense hide-bottom-space")
        element.props["hint"] = hint  # set as a value: a help text may hold any character
    element.classes("w-full").mark(f"settings-{item.name}")
    if locked:
        element.disable()
    else:  # a fixed field already names its variable in the hint
        _env_line(item.name)
    return element


def _env_only_field(item: SettingField, current: Settings) -> None:
    value = getattr(current, item.name)
    shown = ("Ja" if value else "Nein") if isinstance(value, bool) else str(value)
    element = ui.input(item.label, value=shown or "(Standard)").props(
        "outlined dense readonly hide-bottom-space").classes("w-full").mark(
        f"settings-{item.name}")
    element.props["hint"] = item.help
    _env_line(item.name)


def _api_key_block(item: SettingField, current: Settings, env: dict[str, str]) -> None:
    locked = item.name in env
    hint = f"festgelegt durch {settings_mod.env_name(item.name)}" if locked else item.help
    key_input = ui.input(item.label, value=current.api_key, password=True,
                         password_toggle_button=True).props(
        "outlined dense readonly hide-bottom-space").classes("w-full").mark("settings-api_key")
    key_input.props["hint"] = hint
    if not locked:
        _env_line(item.name)

    async def regenerate() -> None:
        try:
            key_input.value = await run.io_bound(_regenerate_api_key)
        except ValueError as exc:
            notify_error(exc)
            return
        ui.notify("Neuer API-Schlüssel gespeichert; der alte gilt nicht mehr.", type="positive")

    def ask() -> None:
        with ui.dialog() as dialog, ui.card().classes("p-5 gap-3"):
            ui.label("Neuen API-Schlüssel erzeugen?").classes("text-lg font-medium")
            ui.label("Die Website muss danach den neuen Schlüssel verwenden.").classes(
                "text-sm text-grey-8")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Abbrechen", on_click=dialog.close).props("flat")

                async def confirm() -> None:
                    dialog.close()
                    await regenerate()

                ui.button("Neu erzeugen", on_click=confirm).props("unelevated").mark(
                    "settings-api-key-confirm")
        dialog.open()

    button = ui.button("Neu erzeugen", icon="autorenew", on_click=ask).props("flat").mark(
        "settings-api-key-regenerate")
    if locked:
        button.disable()


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/einstellungen", "Einstellungen", roles=("admin",))(settings_page)
