"""Small UI building blocks shared by the pages: badges, sections, value rows, mail preview,
error notifications. Display only; every decision comes from core."""
from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from nicegui import run, ui
from nicegui.elements.mixins.validation_element import ValidationElement

from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError

T = TypeVar("T")

# The kernel's own field names in a ValidationError -> German label for the notification. A
# page that shows other fields passes their labels (the action dialog: its Fields' labels).
FIELD_LABELS: dict[str, str] = {
    "subject": "Betreff", "text": "Text", "html": "HTML", "email": "E-Mail", "file": "Datei",
}


def page_title(text: str, subtitle: str = "") -> None:
    with ui.column().classes("gap-0 mb-2"):
        ui.label(text).classes("text-2xl font-medium text-grey-9")
        if subtitle:
            ui.label(subtitle).classes("text-sm text-grey-7")


def section(title: str, icon: str = "") -> ui.card:
    """A flat card with a small heading; use as a context manager."""
    card = ui.card().props("flat bordered").classes("w-full gap-2 p-4")
    with card, ui.row().classes("items-center gap-2 mb-1"):
        if icon:
            ui.icon(icon, size="sm").classes("text-grey-7")
        ui.label(title).classes("text-base font-medium text-grey-9")
    return card


def value_row(label: str, value: str, marker: str = "") -> ui.label:
    """Label on the left, value on the right, for key facts of a record."""
    with ui.row().classes("w-full items-baseline gap-4 no-wrap"):
        ui.label(label).classes("text-sm text-grey-7 w-32 shrink-0")
        # min-w-0 + break-words: a long e-mail address wraps inside its card instead of
        # widening the page.
        cell = ui.label(value or "–").classes("text-sm text-grey-10 min-w-0 break-words")
    if marker:
        cell.mark(marker)
    return cell


def error_text(exc: Exception, labels: Mapping[str, str] | None = None) -> str:
    """The German message a user should read for an error core raised; `labels` name the
    page's own fields."""
    if isinstance(exc, ValidationError):
        names = FIELD_LABELS | dict(labels or {})
        return " ".join(f"{names.get(k, k)}: {v}" for k, v in exc.errors.items())
    if isinstance(exc, (ActionNotAllowed, PermissionDenied, NotFound)):
        return str(exc) or "Nicht möglich."
    if isinstance(exc, ValueError) and str(exc):
        return str(exc)  # core's ValueErrors carry a German sentence for the user
    return f"Unerwarteter Fehler: {exc}"


def mark_fields(fields: Mapping[str, ui.element], exc: ValidationError | None) -> bool:
    """Each field shows its own German message in red under it (or none); what was typed
    stays. True when `exc` named only fields of this form, so a notification is not needed;
    other problems are the caller's to show."""
    errors = exc.errors if exc is not None else {}
    for name, field in fields.items():
        set_field_error(field, errors.get(name))
    return set(errors) <= set(fields)


def set_field_error(field: ui.element, message: str | None) -> None:
    """The red message under an input. Inputs, selects and numbers have it built in; date
    and time inputs are plain Quasar inputs, so their props are set directly."""
    if isinstance(field, ValidationElement):
        field.error = message
    elif message:
        field.props["error"] = True
        field.props["error-message"] = message
    else:
        field.props(remove="error error-message")


def field_error(field: ui.element) -> str | None:
    """The message set_field_error shows under `field` (None: none)."""
    if isinstance(field, ValidationElement):
        return field.error
    return field.props.get("error-message") if field.props.get("error") else None


# One listener per page: the browser asks "Seite verlassen?" while window.kpUnsaved is set
# (reload, closing the tab, and every navigation of the console, which loads a new page).
_UNSAVED_GUARD = """<script>
window.addEventListener("beforeunload", (event) => {
  if (window.kpUnsaved) { event.preventDefault(); event.returnValue = ""; }
});
</script>"""


class UnsavedChanges:
    """Warns before leaving a page whose edits are not saved yet. Call `changed` on every
    edit and `saved` once stored (or discarded on purpose)."""

    def __init__(self) -> None:
        self.dirty = False
        ui.add_head_html(_UNSAVED_GUARD)

    def changed(self, *_: object) -> None:
        if not self.dirty:
            self.dirty = True
            ui.run_javascript("window.kpUnsaved = true")

    def saved(self) -> None:
        self.dirty = False
        ui.run_javascript("window.kpUnsaved = false")


def notify_error(exc: Exception, labels: Mapping[str, str] | None = None) -> None:
    ui.notify(error_text(exc, labels), type="negative", multi_line=True, close_button="OK",
              timeout=8000)


def export_buttons(export: Callable[[str], bytes], filename: Callable[[], str]) -> ui.row:
    """"CSV" and "Excel" download buttons for a list. `export(format_key)` runs off the event
    loop and returns the file; `filename()` is the name without extension."""
    from core.exports import FORMATS

    async def download(key: str, button: ui.button) -> None:
        button.props("loading")
        try:
            data = await run.io_bound(export, key)
        except Exception as exc:  # noqa: BLE001 - shown in German
            notify_error(exc)
            return
        finally:
            button.props(remove="loading")
        ui.download.content(data, f"{filename()}.{key}", FORMATS[key].media_type)

    with ui.row().classes("gap-2 ml-auto no-wrap") as row:
        for key, icon in (("csv", "download"), ("xlsx", "grid_on")):
            button = ui.button(FORMATS[key].label, icon=icon).props("outline no-caps").mark(
                f"export-{key}").tooltip(f"Diese Liste als {FORMATS[key].label}-Datei")
            button.on_click(lambda k=key, b=button: download(k, b))
    return row


def mail_frame(html: str, height: str = "420px") -> ui.element:
    """Rendered mail HTML in a sandboxed iframe: no scripts, no access to the console."""
    frame = ui.element("iframe")
    # Raw attributes: an empty sandbox forbids scripts, forms and same-origin access.
    frame._props.update(sandbox="", title="Vorschau der E-Mail", srcdoc=html)
    return frame.classes("w-full rounded border border-gray-300").style(
        f"height:{height}; background:white")


def mail_preview(subject: str, recipient: str, html: str, text: str = "") -> None:
    """Subject, recipient and the rendered mail (HTML, plain text in a tab)."""
    with ui.column().classes("w-full gap-1"):
        value_row("An", recipient, "preview-recipient")
        value_row("Betreff", subject, "preview-subject")
    with ui.tabs().classes("w-full").props("dense align=left no-caps") as tabs:
        tab_html = ui.tab("HTML")
        tab_text = ui.tab("Text")
    with ui.tab_panels(tabs, value=tab_html).classes("w-full"):
        with ui.tab_panel(tab_html).classes("p-0"):
            mail_frame(html).mark("preview-html")
        with ui.tab_panel(tab_text).classes("p-0"):
            ui.label(text).classes("whitespace-pre-wrap text-sm font-mono").mark("preview-text")


def confirm_dialog(
    title: str, on_confirm: Callable[[], Awaitable[bool]], *,
    body: Callable[[], None] | None = None, confirm_label: str = "Bestätigen",
    wide: bool = False,
) -> ui.dialog:
    """A modal with optional body, "Abbrechen" and a confirm button. `on_confirm` returns True
    to close; on False (an error was shown) the dialog stays open so nothing typed is lost."""
    with ui.dialog().props("persistent") as dialog, ui.card().classes(
            "gap-3 p-5 " + ("w-[760px] max-w-[95vw]" if wide else "w-[460px] max-w-[95vw]")):
        ui.label(title).classes("text-lg font-medium")
        if body:
            body()
        with ui.row().classes("w-full justify-end gap-2 mt-2"):
            ui.button("Abbrechen", on_click=dialog.close).props("flat no-caps").mark(
                "dialog-cancel")

            async def confirm() -> None:
                button.disable()
                try:
                    if await on_confirm():
                        dialog.close()
                finally:
                    button.enable()

            button = ui.button(confirm_label, on_click=confirm).props("unelevated no-caps").mark(
                "dialog-confirm")
    dialog.open()
    return dialog


class Progress:
    """A fraction 0..1 (and an optional German step text) written by a worker thread through
    core's progress callback and read by a ui.timer on the event loop; the lock keeps the two
    sides from reading half an update."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value, self._text = 0.0, ""

    def __call__(self, fraction: float, text: str = "") -> None:
        with self._lock:
            self._value = min(max(float(fraction), 0.0), 1.0)
            self._text = text or self._text

    @property
    def value(self) -> float:
        with self._lock:
            return self._value

    @property
    def text(self) -> str:
        with self._lock:
            return self._text


async def run_with_progress(work: Callable[[Progress], T], bar: ui.linear_progress,
                            label: ui.label | None = None) -> T:
    """Run `work(progress)` off the event loop (run.io_bound) while `bar` (and `label`, the
    step text) show how far it got; both are visible only while the work runs."""
    progress = Progress()
    widgets = [w for w in (bar, label) if w is not None]

    def show() -> None:
        bar.set_value(progress.value)
        if label is not None:
            label.set_text(progress.text)

    bar.set_value(0)
    for widget in widgets:
        widget.set_visibility(True)
    timer = ui.timer(0.2, show)
    try:
        return await run.io_bound(work, progress)
    finally:
        timer.cancel()
        for widget in widgets:
            widget.set_visibility(False)
