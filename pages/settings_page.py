"""Einstellungen (admin): mail server, addresses, times, send switch, quota, base URL, API key.

Fields fixed by a KP_* environment variable are shown read-only with a hint; core.settings
validates and stores. Turning the send switch on releases the held mails."""
from __future__ import annotations

import secrets
import uuid
from dataclasses import replace
from typing import Any

from nicegui import run, ui

from core import clock
from core import settings as settings_mod
from core.errors import ValidationError
from core.formatting import format_datetime
from core.mail import outbox, sender
from core.models import User
from core.settings import Settings
from pages.frame import page, runtime
from pages.widgets import notify_error, page_title, section

# (field, label, hint) per section; the order is the page's order.
SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str, str], ...]], ...] = (
    ("E-Mail-Versand", "send", (
        ("send_emails", "E-Mails versenden", "Aus: alle Mails bleiben im Postausgang "
         "zurückgehalten und gehen beim Einschalten hinaus – nichts geht verloren. Zu spät "
         "fällige automatische Mails warten dort auf Ihre Entscheidung."),
        ("daily_quota", "Tageslimit (Mails pro Tag)", "0 = kein Versand"),
        ("mail_max_age_hours", "Zustellung aufgeben nach (Stunden)", "so lange werden "
         "vorübergehende Fehler des Mailservers wiederholt, dann wird die Mail aufgegeben "
         "(Postausgang: „aufgegeben“)"),
        ("mail_from_name", "Absendername", ""),
        ("mail_from", "Absenderadresse", ""),
    )),
    ("SMTP-Server", "dns", (
        ("smtp_host", "Server", "Leer lassen: alle Mails landen im Dev-Postfach."),
        ("smtp_port", "Port", "587 für STARTTLS, 465 für SSL, 25 ohne Verschlüsselung"),
        ("smtp_security", "Verschlüsselung", ""),
        ("smtp_user", "Benutzer", ""),
        ("smtp_password", "Passwort", "Leer lassen, um das gespeicherte Passwort zu behalten."),
    )),
    ("Empfänger im Haus", "contact_mail", (
        ("service_center_email", "Service-Center", "erhält die Entscheidungs-Mails"),
        ("dealer_email", "Händler", "erhält die Terminbestätigungen"),
    )),
    ("Zeit", "schedule", (
        ("nightly_at", "Nachtlauf (HH:MM, Ortszeit)", "wann die Marktwert-Mails hinausgehen"),
        ("timezone", "Zeitzone", "z. B. Europe/Vienna oder Europe/Berlin"),
    )),
    ("Web", "public", (
        ("public_base_url", "Öffentliche Adresse",
         "Basis der Abmelde- und Terminlinks in den Mails"),
    )),
    ("Geschäftskalender", "calendar_month", (
        ("holiday_country", "Land (Feiertage)", "AT oder DE"),
        ("holiday_region", "Bundesland/Region", "leer = nur bundesweite Feiertage; z. B. 9 "
         "für Wien, BY für Bayern"),
        ("opening_hours", "Öffnungszeiten", "z. B. Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
        ("closing_days", "Betriebsferien/Schließtage", "jährlich „24.12.“, einmalig "
         "„02.01.2027“; mit ; trennen"),
    )),
    ("Rückgewinnung", "trending_down", (
        ("winback_window_months", "Zeitraum (Monate)", "aktueller Zeitraum, verglichen mit "
         "dem gleich langen davor"),
        ("winback_threshold_percent", "Rückgang ab (%)", "ab diesem Umsatzrückgang erscheint "
         "der Kunde in der Liste"),
        ("winback_min_previous_eur", "Mindestumsatz vorher (€)", "kleinere Kunden werden "
         "nicht betrachtet"),
        ("winback_groups", "Kundengruppen", "mit Komma trennen; leer = alle Gruppen"),
    )),
)
COUNTRY_OPTIONS = {"AT": "Österreich (AT)", "DE": "Deutschland (DE)"}
SECURITY_OPTIONS = {"none": "keine", "starttls": "STARTTLS", "ssl": "SSL/TLS"}
ADDRESS_FIELDS = ("mail_from", "service_center_email", "dealer_email")
ENV_INFO = (("host", "Adresse"), ("port", "Port"), ("database_url", "Datenbank"),
            ("demo", "Demo-Modus"))


def _load() -> tuple[Settings, dict[str, str]]:
    return runtime().settings(), settings_mod.env_overrides()


def _parse(values: dict[str, Any], current: Settings) -> dict[str, Any]:
    """The fields the admin changed, typed; ValueError (German) for bad input."""
    changes: dict[str, Any] = {}
    errors = []
    for field, value in values.items():
        if field == "smtp_password" and not value:
            continue  # empty: keep the stored password
        try:
            typed = value if isinstance(value, bool) else settings_mod.parse_value(
                field, str(value if value is not None else ""))
        except ValueError as exc:
            errors.append(str(exc))
            continue
        if field in ADDRESS_FIELDS:
            try:
                typed = outbox.normalize_address(str(typed), field)
            except ValidationError as exc:
                errors.extend(exc.errors.values())
                continue
        if typed != getattr(current, field):
            changes[field] = typed
    if not errors:
        return changes
    # Report every problem at once: also what core's validation says about the rest.
    valid = {k: v for k, v in changes.items() if k not in ADDRESS_FIELDS}
    errors += settings_mod.validate(replace(current, **valid))
    raise ValueError(" ".join(errors))


def _save(values: dict[str, Any]) -> tuple[int, int]:
    """Store the changes; returns (fields changed, held mails released)."""
    with runtime().db.session(write=True) as session:
        current = settings_mod.load(session)
        changes = _parse(values, current)
        if not changes:
            return 0, 0
        result = settings_mod.save(session, changes)
        released = outbox.release_held(session) if result.send_emails and \
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
    address = user.email or settings.mail_from
    context = {"user_name": user.display_name,
               "sent_at": format_datetime(clock.now(), settings.timezone)}
    with rt.db.session(write=True) as session:
        row = outbox.enqueue(session, settings, idempotency_key=f"smtp-test:{uuid.uuid4().hex}",
                             template_key="system.smtp_test", context=context, to_addr=address,
                             to_name=user.display_name, kind="staff", actor=user.username)
        row_id = row.id
    sender.drain(rt.db, settings, clock.now(), dev_port=rt.dev_port)
    with rt.db.session() as session:
        row = outbox.get_message(session, row_id)
        return address, row.status, row.last_error


async def settings_page(user: User) -> None:
    current, env = await run.io_bound(_load)
    page_title("Einstellungen", "Gilt für alle Benutzer. Durch Umgebungsvariablen festgelegte "
               "Werte sind hier nur lesbar.")
    inputs: dict[str, Any] = {}
    with ui.element("div").classes("w-full grid gap-4 grid-cols-1 lg:grid-cols-2"):
        for title, icon, fields in SECTIONS:
            with section(title, icon):
                for field, label, hint in fields:
                    inputs[field] = _field(field, label, hint, current, env)
        with section("API-Schlüssel", "key"):
            _api_key_block(current, env)
        with section("Umgebung (nur lesbar)", "terminal"):
            for field, label in ENV_INFO:
                value = getattr(current, field)
                shown = ("Ja" if value else "Nein") if isinstance(value, bool) else str(value)
                ui.input(label, value=shown or "(Standard)").props(
                    f"outlined dense readonly hint={settings_mod.env_name(field)}").classes(
                    "w-full")

    async def save() -> None:
        values = {f: i.value for f, i in inputs.items() if f not in env}
        try:
            changed, released = await run.io_bound(_save, values)
        except ValueError as exc:
            notify_error(exc)
            return
        if not changed:
            ui.notify("Keine Änderungen.", type="info")
            return
        text = "Einstellungen gespeichert."
        if released:
            text += f" {released} zurückgehaltene E-Mail(s) werden jetzt gesendet."
        ui.notify(text, type="positive")
        inputs["smtp_password"].value = ""

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

    with ui.row().classes("w-full justify-end gap-2"):
        test_button = ui.button("Testmail an mich", icon="send", on_click=test_mail).props(
            "outline").mark("settings-test-mail")
        ui.button("Speichern", icon="save", on_click=save).props("unelevated").mark(
            "settings-save")


def _field(field: str, label: str, hint: str, current: Settings, env: dict[str, str]) -> Any:
    value = getattr(current, field)
    locked = field in env
    if locked:
        hint = f"festgelegt durch {settings_mod.env_name(field)}"
    if field == "send_emails":
        element = ui.switch(label, value=bool(value)).mark("settings-send_emails")
        ui.label(hint).classes("text-xs text-grey-7 -mt-2")
    elif field == "smtp_security":
        element = ui.select(SECURITY_OPTIONS, value=value, label=label).props("outlined dense")
    elif field == "holiday_country":
        options = COUNTRY_OPTIONS | ({} if value in COUNTRY_OPTIONS else {value: value})
        element = ui.select(options, value=value, label=label).props("outlined dense")
    elif field == "smtp_password":
        element = ui.input(label, password=True, password_toggle_button=True).props(
            f'outlined dense hide-bottom-space hint="{hint}"')
    else:
        # hide-bottom-space: a hint of two lines grows the field instead of overlapping the next
        element = ui.input(label, value=str(value)).props(
            f'outlined dense hide-bottom-space hint="{hint}"')
    element.classes("w-full").mark(f"settings-{field}")
    if locked:
        element.disable()
    return element


def _api_key_block(current: Settings, env: dict[str, str]) -> None:
    locked = "api_key" in env
    key_input = ui.input("Schlüssel für den Header X-API-Key", value=current.api_key,
                         password=True, password_toggle_button=True).props(
        "outlined dense readonly" + (' hint="festgelegt durch KP_API_KEY"' if locked else "")
    ).classes("w-full").mark("settings-api_key")

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
