"""Mail templates of every registered module: edit subject, text and HTML with a live preview
against a real record, the variable list, validation at save, reset and a test mail. What
differs per module comes from its template source (Module.templates, pages.template_sources)."""
from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from core import clock
from core.errors import NotFound
from core.formatting import format_datetime
from core.mail import outbox, render, templates
from pages import template_sources as sources
from pages.frame import page, runtime
from pages.template_sources import module_of, resolve_key, source_for, template_options
from pages.widgets import (
    UnsavedChanges,
    confirm_dialog,
    error_text,
    mail_preview,
    notify_error,
    page_title,
    section,
)

PREVIEW_DELAY = 0.7  # seconds of typing pause before the preview renders again


def load_template(key: str) -> dict[str, Any]:
    tz = runtime().settings().timezone  # before the session: one connection per request
    with runtime().db.session() as session:
        row = templates.get(session, key)
        return {"subject": row.subject, "text": row.text_body, "html": row.html_body,
                "version": row.version, "updated_by": row.updated_by,
                "updated_at": format_datetime(row.updated_at, tz)}


def preview_context(key: str, record_id: int | None) -> tuple[dict[str, Any], str]:
    """Template variables as the outbox would fill them for this record (case or customer;
    None: sample data), and who would receive the mail."""
    preview = sources.preview(key, record_id, clock.now())
    return preview.context, preview.recipient


def record_options(key: str, search: str) -> dict[int, str]:
    """Records to preview with: matches of the typed number, name or e-mail."""
    return sources.records(key, search, clock.now())


def save_template(key: str, parts: dict[str, str], actor: str) -> None:
    sample = sources.sample(key)
    with runtime().db.session(write=True) as session:
        templates.save(session, key, parts["subject"], parts["text"], parts["html"], actor,
                       sample, clock.now())


def reset_template(key: str, actor: str) -> None:
    with runtime().db.session(write=True) as session:
        templates.reset_to_default(session, key, actor, clock.now())


def queue_test_mail(key: str, record_id: int | None, user: Any) -> str:
    """Queue the saved template to the user (or the sender address); returns the address."""
    settings = runtime().settings()
    address = (getattr(user, "email", "") or "").strip() or settings.mail_from
    context, _ = preview_context(key, record_id)
    with runtime().db.session(write=True) as session:
        outbox.enqueue(session, settings, clock.now(),
                       idempotency_key=f"test:{key}:{uuid.uuid4().hex}",
                       template_key=key, context=context,
                       to_addr=address, to_name=getattr(user, "display_name", ""),
                       # staff: a test is never suppressed by the customer's opt-out
                       kind="staff", actor=getattr(user, "username", "ui"))
    return address


async def _set(element: Any, value: Any) -> None:
    """Change a picker as if the user had (its change handler runs)."""
    element.value = value


def _variables(box: ui.element, variables: dict[str, str]) -> None:
    box.clear()
    with box:
        ui.label("Einsetzen mit {{ name }}; Ersatzwert: {{ name|default(\"…\") }}").classes(
            "text-xs text-grey-7 mb-1")
        with ui.element("div").classes("grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1"):
            for name, description in variables.items():
                ui.label("{{ " + name + " }}").classes("font-mono text-xs text-primary")
                ui.label(description).classes("text-xs text-grey-8")


async def templates_page(user: Any) -> None:
    options = await run.io_bound(template_options)
    key = resolve_key(ui.context.client.request.query_params.get("mail", ""), options)
    if key not in options.get(module_of(key), {}):
        key = resolve_key("", options)
    state: dict[str, Any] = {"mail": key, "case_id": None, "dirty": False, "changed": False}
    guard = UnsavedChanges()  # leaving the page with unsaved edits asks first
    page_title("Mailvorlagen", "Die Mails aller Bereiche – Betreff, Text und Gestaltung")

    with ui.row().classes("w-full items-end gap-4 flex-wrap"):
        module = ui.toggle(sources.labels(), value=module_of(key)).props(
            "no-caps unelevated toggle-color=primary").mark("template-module")
        picker = ui.select(options[module_of(key)], value=key,
                           label="Vorlage").props("outlined dense").classes("w-80").mark(
            "template-select")
        meta = ui.label().classes("text-xs text-grey-7 mb-2").mark("template-meta")

    with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-2 gap-4 items-start"):
        with section("Bearbeiten", "edit"):
            subject = ui.input("Betreff").props("outlined dense").classes("w-full").mark(
                "template-subject")
            with ui.tabs().props("dense align=left no-caps").classes("w-full") as tabs:
                tab_text, tab_html = ui.tab("Text"), ui.tab("HTML")
            with ui.tab_panels(tabs, value=tab_text).classes("w-full"):
                with ui.tab_panel(tab_text).classes("p-0"):
                    text = ui.textarea().props("outlined input-class=font-mono rows=16").classes(
                        "w-full text-sm").mark("template-text")
                with ui.tab_panel(tab_html).classes("p-0"):
                    html = ui.codemirror(language="HTML", line_wrapping=True).classes(
                        "w-full h-96 border rounded text-sm").mark("template-html")
            errors_box = ui.column().classes("w-full gap-1").mark("template-errors")
            with ui.row().classes("w-full gap-2 mt-1"):
                save_button = ui.button("Speichern", icon="save").props(
                    "unelevated no-caps").mark("template-save")
                test_button = ui.button("Testmail an mich", icon="send").props(
                    "outline no-caps").mark("template-test")
                ui.space()
                reset_button = ui.button("Auf Standard zurücksetzen", icon="restore").props(
                    "flat no-caps color=grey-8").mark("template-reset")
            variables_box = ui.expansion("Verfügbare Variablen", icon="data_object").classes(
                "w-full").props("dense").mark("variables")
        with section("Vorschau", "visibility"):
            case_select = ui.select({}, label=source_for(key).record_label,
                                    with_input=True, clearable=True).props(
                "outlined dense").classes("w-full").mark("preview-case")
            ui.label("Ohne Auswahl: Beispieldaten.").classes("text-xs text-grey-6")
            preview_box = ui.column().classes("w-full gap-2").mark("template-preview")

    def parts() -> dict[str, str]:
        return {"subject": subject.value or "", "text": text.value or "",
                "html": html.value or ""}

    def show_errors(messages: list[str]) -> None:
        errors_box.clear()
        with errors_box:
            for message in messages:
                with ui.row().classes("items-start gap-2 no-wrap text-negative"):
                    ui.icon("error_outline", size="xs").classes("mt-0.5")
                    ui.label(message).classes("text-sm")

    async def render_preview() -> None:
        state["dirty"] = False
        mail, source = state["mail"], parts()
        try:
            context, recipient = await run.io_bound(preview_context, mail, state["case_id"])
            if parts() != source or mail != state["mail"]:
                state["dirty"] = True  # edited meanwhile: a stale preview must not win
                return
            # Bounded in time and size (core.mail.sandbox) and off the event loop: a heavy
            # template gets a German error and never stalls the other users.
            rendered = await run.io_bound(render.render, source["subject"], source["text"],
                                          source["html"], context)
            if rendered is None or parts() != source or mail != state["mail"]:
                state["dirty"] = True  # edited meanwhile: a stale preview must not win
                return
        except render.TemplateError as exc:
            show_errors(exc.messages)
            preview_box.clear()  # the last good preview would pass for the edited template
            with preview_box:
                ui.label("Keine Vorschau: die Vorlage enthält Fehler (siehe „Bearbeiten“).") \
                    .classes("text-sm text-grey-7")
            return
        except NotFound as exc:
            notify_error(exc)
            return
        show_errors([])
        preview_box.clear()
        with preview_box:
            mail_preview(rendered.subject, recipient, rendered.html, rendered.text)

    async def load(mail: str) -> None:
        if not mail:  # the picker is being refilled for another module
            return
        switched = module_of(mail) != module_of(state["mail"])
        state.update(mail=mail, changed=False)
        if switched or not state.get("loaded"):
            await module_loaded(source_for(mail))
        data = await run.io_bound(load_template, mail)
        subject.value, text.value, html.value = data["subject"], data["text"], data["html"]
        meta.set_text(f"{source_for(mail).meta(mail)} · Version {data['version']}, zuletzt "
                      f"{data['updated_at']} ({data['updated_by']})")
        state["changed"] = False
        guard.saved()
        ui.navigate.history.replace(f"/vorlagen?mail={mail}")
        await render_preview()

    async def module_loaded(source: Any) -> None:
        """Variables, record picker and preview record follow the template's module."""
        state.update(case_id=None, loaded=True)
        _variables(variables_box, source.variables)
        case_select.props(f'label="{source.record_label}"')
        case_select.set_options(await run.io_bound(record_options, state["mail"], ""),
                                value=None)

    def ask_to_discard(then: Callable[[], Awaitable[None]]) -> None:
        async def discard() -> bool:
            state["changed"] = False
            await then()
            return True
        confirm_dialog("Änderungen verwerfen?", discard, confirm_label="Verwerfen",
                       body=lambda: ui.label("Die Änderungen an dieser Vorlage sind noch nicht "
                                             "gespeichert und gehen verloren.").classes(
                           "text-sm"))

    async def module_chosen(event: Any) -> None:
        choices = options[event.value]
        if module_of(state["mail"]) == event.value or not choices:
            return
        if state["changed"]:  # stays on this template until the user decides
            module.value = module_of(state["mail"])
            ask_to_discard(lambda: _set(module, event.value))
            return
        picker.set_options(choices, value=next(iter(choices)))

    async def template_chosen(event: Any) -> None:
        wanted = event.value
        if not wanted or wanted == state["mail"]:
            return
        if state["changed"]:  # stays on this template until the user decides
            picker.value = state["mail"]
            ask_to_discard(lambda: _set(picker, wanted))
            return
        await load(wanted)

    def edited() -> None:
        state["dirty"] = state["changed"] = True
        guard.changed()

    async def save() -> None:
        try:
            await run.io_bound(save_template, state["mail"], parts(), user.username)
        except render.TemplateError as exc:
            show_errors(exc.messages)
            ui.notify("Nicht gespeichert – bitte die markierten Fehler beheben.",
                      type="negative", multi_line=True)
            return
        except Exception as exc:  # noqa: BLE001 - the edit stays in the editor
            notify_error(exc)
            return
        ui.notify("Vorlage gespeichert.", type="positive")
        await load(state["mail"])

    async def reset() -> None:
        async def confirmed() -> bool:
            await run.io_bound(reset_template, state["mail"], user.username)
            ui.notify("Werksvorlage wiederhergestellt.", type="positive")
            await load(state["mail"])
            return True
        confirm_dialog("Auf Standard zurücksetzen?", confirmed, confirm_label="Zurücksetzen",
                       body=lambda: ui.label("Ihre Änderungen an dieser Vorlage werden durch "
                                             "den Werkstext ersetzt.").classes("text-sm"))

    async def send_test() -> None:
        if state["changed"]:
            ui.notify("Bitte zuerst speichern – die Testmail verwendet die gespeicherte "
                      "Fassung.", type="warning", multi_line=True)
            return
        try:
            address = await run.io_bound(queue_test_mail, state["mail"], state["case_id"], user)
        except Exception as exc:  # noqa: BLE001
            ui.notify(error_text(exc), type="negative", multi_line=True)
            return
        ui.notify(f"Testmail an {address} liegt im Postausgang.", type="positive")

    async def search_cases(event: Any) -> None:
        typed = str(event.args or "").strip()
        found = await run.io_bound(record_options, state["mail"], typed)
        case_select.set_options(found | ({state["case_id"]: case_select.options.get(
            state["case_id"], str(state["case_id"]))} if state["case_id"] else {}),
            value=state["case_id"])

    async def case_chosen(event: Any) -> None:
        state["case_id"] = event.value
        await render_preview()

    async def tick() -> None:
        if state["dirty"]:
            await render_preview()

    picker.on_value_change(template_chosen)
    module.on_value_change(module_chosen)
    for field in (subject, text, html):
        field.on_value_change(edited)
    save_button.on_click(save)
    reset_button.on_click(reset)
    test_button.on_click(send_test)
    case_select.on("input-value", search_cases)
    case_select.on_value_change(case_chosen)
    ui.timer(PREVIEW_DELAY, tick)
    await load(state["mail"])


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/vorlagen", "Mailvorlagen", roles=("admin", "service"))(templates_page)
