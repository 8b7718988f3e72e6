"""The buttons of the win-back process page and the dialog behind each: the data an action
needs (note, remark), the preview of the mail it queues, then "Senden". Core decides what is
allowed and what happens; this module asks, shows and passes on."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.winback import actions
from core.winback.flow import ACTIONS, DEFAULT_REMINDER_DAYS, REMINDER_DAYS, Action
from pages.frame import runtime
from pages.widgets import confirm_dialog, mail_preview, notify_error

CORE_ERRORS = (ActionNotAllowed, ValidationError, PermissionDenied, NotFound)
Done = Callable[[str], Awaitable[None]]  # called with the success message after an action


def perform(customer_id: int, action: str, data: dict[str, Any], user: Any) -> None:
    """Run the action in one transaction. A mail the marketing rules refuse still leaves its
    "nicht gesendet" event on the timeline: that transaction commits, then the error shows."""
    refused = None
    settings = runtime().settings()  # before the session: one connection per request
    with runtime().db.session(write=True) as session:
        try:
            actions.perform(session, settings, customer_id, action, data,
                            user=user, actor=getattr(user, "username", "ui"))
        except actions.MailRefused as exc:
            refused = exc
    if refused is not None:
        raise refused


def preview(customer_id: int, action: str, data: dict[str, Any], user: Any) -> Any:
    settings = runtime().settings()
    with runtime().db.session() as session:
        return actions.preview(session, settings, customer_id, action, data, user=user)


def role_reason(user: Any, action: Action) -> str | None:
    """Why this user's role may not run the action (core checks again on perform)."""
    if user is None or user.role == "admin" or user.role in action.roles:
        return None
    return "Ihre Rolle darf diese Aktion nicht ausführen."


class MailDialog:
    """Optional text field -> preview of the mail -> "Senden" (nothing happens before)."""

    def __init__(self, customer: dict[str, Any], action: str, data: dict[str, Any],
                 user: Any, on_done: Done, *, title: str, recipient: str,
                 note_label: str = "") -> None:
        self.customer, self.action, self.data, self.user = customer, action, dict(data), user
        self.on_done, self.recipient, self.note = on_done, recipient, None
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes(
                "w-[780px] max-w-[95vw] gap-3 p-5").mark(f"dialog-{action}"):
            ui.label(title).classes("text-lg font-medium")
            if note_label:
                self.note = ui.textarea(note_label).props("outlined autogrow").classes(
                    "w-full").mark("input-note")
            self.body = ui.column().classes("w-full gap-2")
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Abbrechen", on_click=self.dialog.close).props("flat").mark(
                    "dialog-cancel")
                self.primary = ui.button(on_click=self.next).props("unelevated").mark(
                    "dialog-confirm")
        self.step = "note" if note_label else "preview"
        self.primary.set_text("Weiter zur Vorschau" if note_label else "Senden")

    async def open(self) -> None:
        if self.step == "preview" and not await self._show_preview():
            return  # core refused (e.g. no e-mail address): the notification says why
        self.dialog.open()

    async def _show_preview(self) -> bool:
        if self.note is not None:
            self.data["note"] = (self.note.value or "").strip()
        try:
            rendered = await run.io_bound(preview, self.customer["id"], self.action, self.data,
                                          self.user)
        except CORE_ERRORS as exc:
            notify_error(exc)
            return False
        self.body.clear()
        with self.body:
            if rendered is None:
                ui.label("Es wird keine E-Mail erzeugt.").classes("text-sm")
            else:
                mail_preview(rendered.subject, self.recipient, rendered.html, rendered.text)
        if self.note is not None:
            self.note.props("readonly")
        self.step = "preview"
        self.primary.set_text("Senden")
        self.primary.mark("dialog-confirm preview-send")
        return True

    async def next(self) -> None:
        if self.step == "note":
            await self._show_preview()
            return
        self.primary.disable()
        try:
            await run.io_bound(perform, self.customer["id"], self.action, self.data, self.user)
        except CORE_ERRORS as exc:
            notify_error(exc)  # the dialog stays open: nothing typed is lost
            return
        finally:
            self.primary.enable()
        self.dialog.close()
        await self.on_done(f"{ACTIONS[self.action].label}: erledigt, E-Mail liegt im "
                           "Postausgang.")


def text_dialog(title: str, label: str, marker: str, on_submit: Callable[[str], Awaitable[bool]],
                confirm: str) -> None:
    """A dialog with one text area (remark, "no interest" reason)."""
    with ui.dialog().props("persistent") as dialog, ui.card().classes(
            "w-[520px] max-w-[95vw] gap-3 p-5").mark(f"dialog-{marker}"):
        ui.label(title).classes("text-lg font-medium")
        area = ui.textarea(label).props("outlined autogrow").classes("w-full").mark(
            f"input-{marker}")
        with ui.row().classes("w-full justify-end gap-2 mt-2"):
            ui.button("Abbrechen", on_click=dialog.close).props("flat").mark("dialog-cancel")

            async def submit() -> None:
                button.disable()
                try:
                    if await on_submit((area.value or "").strip()):
                        dialog.close()
                finally:
                    button.enable()

            button = ui.button(confirm, on_click=submit).props("unelevated").mark(
                "dialog-confirm")
    dialog.open()


class ActionBar:
    """The row of buttons; each disabled one carries its reason below and as tooltip."""

    def __init__(self, customer: dict[str, Any], user: Any, on_done: Done) -> None:
        self.customer, self.user, self.on_done = customer, user, on_done

    def reason(self, name: str) -> str | None:
        action = ACTIONS[name]
        return role_reason(self.user, action) or self.customer["allowed"].get(name)

    async def run(self, name: str, data: dict[str, Any]) -> bool:
        try:
            await run.io_bound(perform, self.customer["id"], name, data, self.user)
        except CORE_ERRORS as exc:
            notify_error(exc)
            return False
        message = f"{ACTIONS[name].label}: erledigt."
        if name == "remind":
            when = self.customer["remind_dates"].get(data["days"], "")
            message = f"Erinnerung am {when} gesetzt." if when else "Erinnerung gesetzt."
        await self.on_done(message)
        return True

    def _slot(self, name: str, build: Callable[[], ui.element]) -> None:
        why = self.reason(name)
        with ui.column().classes("gap-1 min-w-0"):
            holder = ui.element("div")  # tooltips need an enabled host
            with holder:
                element = build()
            element.mark(f"action-{name}")
            if why:
                element.disable()
                holder.tooltip(why)
                ui.label(why).classes("text-xs text-grey-7 leading-tight max-w-[220px]").mark(
                    f"reason-{name}")

    def render(self) -> None:
        with ui.row().classes("w-full gap-3 items-start flex-wrap"):
            self._slot("send_mail", self._mail_button)
            self._slot("create_offer", lambda: ui.button(
                "Angebot erstellen", icon="request_quote", on_click=self.offer).props("outline"))
            self._slot("remind", self._remind_button)
            self._slot("remark", lambda: ui.button(
                "Bemerkung", icon="chat", on_click=self.remark).props("outline"))
            self._slot("no_interest", lambda: ui.button(
                "Kein Interesse", icon="block", on_click=self.no_interest).props(
                "outline color=grey-8"))
            if self.customer["status"] == "no_interest":
                self._slot("reopen", lambda: ui.button(
                    "Wieder aufnehmen", icon="undo",
                    on_click=lambda: self.run("reopen", {})).props("outline"))

    def _mail_button(self) -> ui.element:
        templates = self.customer["templates"]
        if not templates.get("voucher"):
            return ui.button("E-Mail senden", icon="mail",
                             on_click=lambda: self.mail("standard")).props("unelevated")
        with ui.dropdown_button("E-Mail senden", icon="mail", split=True, auto_close=True,
                                on_click=lambda: self.mail("standard")).props(
                "unelevated no-caps") as button, ui.list().props("dense"):
            ui.item("Standardvorlage", on_click=lambda: self.mail("standard")).mark(
                "mail-standard")
            ui.item("Gutschein-Vorlage", on_click=lambda: self.mail("voucher")).mark(
                "mail-voucher")
        return button

    def _remind_button(self) -> ui.element:
        dates = self.customer["remind_dates"]
        main = DEFAULT_REMINDER_DAYS
        with ui.dropdown_button(f"Erinnerung in {main} Tagen", icon="alarm", split=True,
                                auto_close=True, on_click=lambda: self.remind(main)).props(
                "outline no-caps") as button, ui.list().props("dense"):
            for days in REMINDER_DAYS:
                when = f" – {dates[days]}" if days in dates else ""
                ui.item(f"in {days} Tagen{when}",
                        on_click=lambda d=days: self.remind(d)).mark(f"remind-{days}")
        if main in dates:
            button.tooltip(f"Wiedervorlage am {dates[main]}")
        return button

    async def mail(self, which: str) -> None:
        title = "E-Mail senden – " + ("Gutschein-Vorlage" if which == "voucher"
                                      else "Standardvorlage")
        recipient = f"{self.customer['name']} <{self.customer['email']}>"
        await MailDialog(self.customer, "send_mail", {"template": which}, self.user,
                         self.on_done, title=title, recipient=recipient).open()

    async def offer(self) -> None:
        address = getattr(self.user, "email", "") or "Ihre Adresse"
        await MailDialog(self.customer, "create_offer", {}, self.user, self.on_done,
                         title="Angebot erstellen", recipient=f"{self.user.display_name} "
                         f"<{address}>", note_label="Notiz für das Angebot (geht mit "
                         "Kundennummer und Name per E-Mail an Sie)").open()

    async def remind(self, days: int) -> None:
        await self.run("remind", {"days": days})

    def remark(self) -> None:
        text_dialog("Bemerkung", "Bemerkung zum Kunden", "remark",
                    lambda text: self.run("remark", {"text": text}), "Speichern")

    def no_interest(self) -> None:
        confirm_dialog("Kein Interesse?", lambda: self.run("no_interest", {}),
                       confirm_label="Kein Interesse", body=lambda: ui.label(
                           "Der Kunde verlässt die Arbeitsliste; eine offene Erinnerung "
                           "entfällt. „Wieder aufnehmen“ macht das rückgängig.").classes(
                           "text-sm"))
