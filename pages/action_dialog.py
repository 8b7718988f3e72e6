"""The action bar of any module record and the one dialog behind its buttons: the fields the
action declares (core.actions.Field), then a preview of the mail it queues, then confirm.
Core decides what is possible and what happens; this module asks, shows and passes on."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from core import actions, clock
from core.actions import ActionView, Field, Flow
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from pages.frame import runtime
from pages.widgets import mail_preview, mark_fields, notify_error

CORE_ERRORS = (ActionNotAllowed, ValidationError, PermissionDenied, NotFound)
Done = Callable[[], Awaitable[None]]


def _preview(flow: Flow, record_id: int, name: str, data: dict, user: Any) -> Any:
    settings = runtime().settings()  # before the session: one connection per request
    with runtime().db.session() as session:
        return actions.preview(flow, session, settings, record_id, name, data, user,
                               now=clock.now())


def _perform(flow: Flow, record_id: int, name: str, data: dict, user: Any) -> str:
    """Run the action in one transaction; its success message. A mail the consent rule
    refuses leaves its "nicht gesendet" event: that transaction commits, then the error
    shows."""
    refused = None
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        try:
            plan = actions.perform(flow, session, settings, record_id, name, data, user,
                                   getattr(user, "username", "ui"), now=clock.now())
            message = actions.done_message(plan)
        except actions.MailRefused as exc:
            refused = exc
    if refused is not None:
        raise refused
    return message


class FieldInputs:
    """The widgets of an action's fields; `values()` returns them as the API body would,
    `marks` the widget that shows each field's error (an appointment: its date)."""

    def __init__(self, fields: tuple[Field, ...], prefill: dict[str, str]) -> None:
        self.getters: dict[str, Callable[[], str]] = {}
        self.marks: dict[str, Any] = {}
        self.widgets: list[Any] = []  # everything staff type into
        for f in fields:
            if f.intro:
                ui.label(f.intro).classes("text-sm")
            self.getters[f.key], *widgets = BUILDERS[f.kind](f, prefill.get(f.key, ""))
            self.marks[f.key] = widgets[0]
            self.widgets += widgets

    def on_change(self, callback: Callable[..., Any]) -> None:
        for widget in self.widgets:
            widget.on_value_change(callback)

    def values(self) -> dict[str, str]:
        """Typed text, stripped; empty fields left out so core can say what is missing."""
        data = {key: (get() or "").strip() for key, get in self.getters.items()}
        return {key: value for key, value in data.items() if value}


# (value getter, the widget that shows the field's error, further widgets of the field)
Built = tuple[Any, ...]


def _text(f: Field, initial: str) -> Built:
    props = "outlined dense hide-bottom-space" + (f' hint="{f.hint}"' if f.hint else "")
    box = ui.input(f.label, value=initial, placeholder=f.placeholder or None).props(
        props).classes("w-full")
    box.mark(f"input-{f.marker}")
    return (lambda: box.value), box


def _note(f: Field, initial: str) -> Built:
    area = ui.textarea(f.label, value=initial, placeholder=f.placeholder or None).props(
        "outlined autogrow").classes("w-full").mark(f"input-{f.marker}")
    return (lambda: area.value), area


def _money(f: Field, initial: str) -> Built:
    box = ui.input(f.label, value=initial, placeholder=f.placeholder or None).props(
        "outlined dense suffix=€").classes("w-60").mark(f"input-{f.marker}")
    return (lambda: box.value), box


def _appointment(f: Field, initial: str) -> Built:
    start_day, _, start_time = initial.partition(" ")  # "01.12.2026 14:30" when prefilled
    with ui.row().classes("gap-4 items-start"):
        # The date carries the field's message; it may run over two lines under both boxes.
        day = ui.date_input("Datum", value=start_day or None).props("outlined dense").classes(
            "w-48")
        day.picker.props('mask="DD.MM.YYYY" first-day-of-week=1')
        day.mark(f"input-{f.marker}-date")
        hour = ui.time_input("Uhrzeit", value=start_time or None).props(
            "outlined dense").classes("w-36")
        hour.picker.props("format24h")
        hour.mark(f"input-{f.marker}-time")
    # Only a date with a time is an appointment: half of one is "missing", not "wrong".
    return (lambda: f"{day.value} {hour.value}" if day.value and hour.value else ""), day, hour


BUILDERS: dict[str, Callable[[Field, str], Built]] = {
    "text": _text, "note": _note, "money": _money, "appointment": _appointment,
}


class ActionDialog:
    """One dialog per click: fields (if the action has any) -> mail preview or the
    confirmation -> perform. Without fields, mail or anything to confirm the action runs at
    once (e.g. a reminder picked from the button's menu)."""

    def __init__(self, flow: Flow, record_id: int, view: ActionView, user: Any,
                 on_done: Done, choice: Any = None) -> None:
        self.flow, self.record_id, self.view, self.user = flow, record_id, view, user
        self.on_done, self.inputs = on_done, None
        self.fixed = {view.choice.key: choice} if view.choice is not None else {}
        self.data: dict[str, Any] = dict(self.fixed)
        fields = view.fields + ((view.choice,) if view.choice is not None else ())
        self.labels = {f.key: f.label for f in fields}
        title = view.label
        if view.choice is not None and len(view.options) > 1:
            title += " – " + dict(view.options).get(choice, str(choice)).split(" – ")[0]
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes(
                "w-[780px] max-w-[95vw] gap-3 p-5").mark(f"dialog-{view.name}"):
            ui.label(title).classes("text-lg font-medium")
            self.fields_box = ui.column().classes("w-full gap-3")
            self.body = ui.column().classes("w-full gap-2")
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Abbrechen", on_click=self.dialog.close).props("flat no-caps").mark(
                    "dialog-cancel")
                self.back = ui.button("Zurück", on_click=self.show_fields).props("flat no-caps")
                self.primary = ui.button(on_click=self.next).props("unelevated no-caps").mark(
                    "dialog-confirm")
        self.back.set_visibility(False)
        self.step = "fields" if view.fields else "confirm"

    async def open(self) -> None:
        if self.view.fields:
            with self.fields_box:
                self.inputs = FieldInputs(self.view.fields, self.view.prefill)
            self.inputs.on_change(self.check)
            if self.view.prefill:
                self.check()  # a prefilled value is checked like a typed one
            self.show_fields()
            self.dialog.open()
        elif await self._after_fields():
            self.dialog.open()

    def show_fields(self) -> None:
        self.step = "fields"
        self.fields_box.set_visibility(True)
        self.body.clear()
        self.back.set_visibility(False)
        self.primary.set_text("Weiter zur Vorschau" if self.view.sends_mail else "Speichern")
        self.primary.mark("dialog-confirm")

    def check(self) -> None:
        """The rules core applies, shown while staff type: a field's problem appears under
        it once something is typed there (core.actions.field_problems)."""
        data = self.fixed | self.inputs.values()
        problems = actions.field_problems(self.flow, runtime().settings(), self.view.name,
                                          data, clock.now())
        typed = {key for key, value in data.items() if value.strip()}
        shown = {key: text for key, text in problems.items() if key in typed}
        mark_fields(self.inputs.marks, ValidationError(shown) if shown else None)

    async def _after_fields(self) -> bool:
        """Preview, confirmation or (nothing to show) perform; True if the dialog shows."""
        data = self.fixed | (self.inputs.values() if self.inputs else {})
        try:
            shown = await run.io_bound(_preview, self.flow, self.record_id, self.view.name,
                                       data, self.user)
        except CORE_ERRORS as exc:
            # The dialog stays as it is: nothing typed is lost. A field's problem shows under
            # the field; anything else (status, role, consent) as a notification.
            if not (isinstance(exc, ValidationError) and self.inputs is not None
                    and mark_fields(self.inputs.marks, exc)):
                notify_error(exc, self.labels)
            return False
        self.data = data
        if shown is None and (self.inputs or not self.view.confirm):
            await self._perform()
            return False
        self.fields_box.set_visibility(False)
        self.body.clear()
        with self.body:
            if shown is None or not self.view.sends_mail:
                for line in self.view.confirm or ("Aktion ausführen?",):
                    ui.label(line).classes("text-sm")
            if shown is not None:
                mail_preview(shown.rendered.subject, shown.recipient, shown.rendered.html,
                             shown.rendered.text)
        self.back.set_visibility(bool(self.view.fields))
        if shown is None:
            self.step = "confirm"
            self.primary.set_text("Bestätigen")
            self.primary.mark("dialog-confirm")
        else:
            self.step = "preview"
            self.primary.set_text("Senden" if self.view.sends_mail else "Bestätigen und senden")
            self.primary.mark("dialog-confirm preview-send")
        return True

    async def next(self) -> None:
        if self.step == "fields":
            await self._after_fields()
        else:
            await self._perform()

    async def _perform(self) -> None:
        self.primary.disable()
        try:
            message = await run.io_bound(_perform, self.flow, self.record_id, self.view.name,
                                         self.data, self.user)
        except CORE_ERRORS as exc:
            notify_error(exc, self.labels)  # the dialog stays open: nothing typed is lost
            return
        finally:
            self.primary.enable()
        self.dialog.close()
        ui.notify(message, type="positive")
        await self.on_done()


def action_bar(flow: Flow, record_id: int, views: list[ActionView], user: Any,
               on_done: Done) -> None:
    """Every action of the flow, always in the same place; impossible ones are disabled and
    say why (small text below, full text as tooltip)."""
    with ui.element("div").classes(
            "w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-4 gap-x-3 gap-y-3"):
        for view in views:
            if view.visible:
                _slot(flow, record_id, view, user, on_done)


def _slot(flow: Flow, record_id: int, view: ActionView, user: Any, on_done: Done) -> None:
    def opener(choice: Any = None) -> Callable[[], Awaitable[None]]:
        return lambda: ActionDialog(flow, record_id, view, user, on_done, choice).open()

    # Filled: sends a mail; outlined: changes only the record; grey: not possible now.
    style = "outline color=grey-6" if view.reason else "unelevated" if view.sends_mail \
        else "outline"
    with ui.column().classes("gap-1 min-w-0"):
        holder = ui.element("div").classes("w-full")  # tooltips need an enabled host
        with holder:
            button = _button(view, style, opener)
        button.mark(f"action-{view.name}")
        if view.reason:
            button.disable()
            holder.tooltip(view.reason)
            ui.label(view.short).classes("text-xs text-grey-7 leading-tight line-clamp-2") \
                .mark(f"reason-{view.name}")
            if view.fix_url:
                ui.link("Mein Konto öffnen", view.fix_url).classes("text-xs").mark(
                    f"fix-{view.name}")


def _button(view: ActionView, style: str, opener: Callable) -> ui.element:
    """A plain button, or a split button whose menu offers the choices of the action."""
    default = view.choice.default if view.choice is not None else None
    props = f"no-caps no-wrap align=left {style}"
    if len(view.options) < 2:
        return ui.button(view.button_label, icon=view.icon or None,
                         on_click=opener(default)).classes("w-full").props(props)
    with ui.dropdown_button(view.button_label, icon=view.icon or None, split=True,
                            auto_close=True, on_click=opener(default)).classes(
            "w-full").props(props) as button, ui.list().props("dense"):
        for value, label in view.options:
            ui.item(label, on_click=opener(value)).mark(f"{view.choice.marker}-{value}")
    return button
