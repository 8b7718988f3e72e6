"""The action buttons of a trade-in case and the dialog behind each: required data, then a
preview of the mail the action queues, then "Senden". Core decides; this module only asks,
shows and passes on."""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.tradein import service
from core.tradein.flow import ACTIONS, CLOSING_MAIL, MAILS, ON_ENTER_MAIL, STATUS_LABELS, Action
from pages.frame import runtime
from pages.widgets import mail_preview, notify_error

CORE_ERRORS = (ActionNotAllowed, ValidationError, PermissionDenied, NotFound)
ICONS = {
    "send_market_value": "euro", "request_appointment": "event", "confirm_appointment":
    "event_available", "notify_dealer": "store", "missed_appointment": "event_busy",
    "send_offer": "local_offer", "set_not_bought": "thumb_down", "set_bought": "thumb_up",
    "send_closing_mail": "mail", "archive": "archive",
}


def role_reason(user: Any, action: Action) -> str | None:
    """Why this user's role may not run the action (core checks again on perform)."""
    if user is None or user.role == "admin" or user.role in action.roles:
        return None
    return "Ihre Rolle darf diese Aktion nicht ausführen."


def recipient_text(case: dict[str, Any], action: Action, rendered: Any) -> str:
    """Who receives the previewed mail, as shown in the dialog."""
    if action.mail == "closing":
        key = CLOSING_MAIL.get(case["status"])
    else:  # a status change without own mail may trigger the on-enter (decision) mail
        key = action.mail or ON_ENTER_MAIL.get(action.to_status or 0)
    spec = MAILS.get(key or "")
    settings = runtime().settings()
    if spec is None or spec.recipient == "customer":
        return f"{case['customer_name']} <{case['email']}>"
    if spec.recipient == "dealer":
        return f"Händler <{settings.dealer_email}>"
    return f"Service-Center <{settings.service_center_email}>"


def _preview(case_id: int, action: str, data: dict[str, Any], user: Any) -> Any:
    settings = runtime().settings()  # before the session: one connection per request
    with runtime().db.session() as session:
        return service.preview(session, settings, case_id, action, data, user=user)


def _perform(case_id: int, action: str, data: dict[str, Any], user: Any) -> None:
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        service.perform(session, settings, case_id, action, data, user=user,
                        actor=getattr(user, "username", "ui"))


class ActionDialog:
    """One dialog per click: fields (if the action needs data) -> preview -> confirm."""

    def __init__(self, case: dict[str, Any], action: Action, user: Any,
                 on_done: Callable[[], Awaitable[None]]) -> None:
        self.case, self.action, self.user, self.on_done = case, action, user, on_done
        self.fields: dict[str, Any] = {}
        self.data: dict[str, Any] = {}
        self.step = "fields" if action.requires else "confirm"
        with ui.dialog().props("persistent") as self.dialog, ui.card().classes(
                "w-[780px] max-w-[95vw] gap-3 p-5").mark(f"dialog-{action.name}"):
            ui.label(action.label).classes("text-lg font-medium")
            self.fields_box = ui.column().classes("w-full gap-3")
            self.body = ui.column().classes("w-full gap-2")
            with ui.row().classes("w-full justify-end gap-2 mt-2"):
                ui.button("Abbrechen", on_click=self.dialog.close).props("flat no-caps").mark(
                    "dialog-cancel")
                self.back = ui.button("Zurück", on_click=self.show_fields).props("flat no-caps")
                self.primary = ui.button(on_click=self.next).props("unelevated no-caps").mark(
                    "dialog-confirm")
        self.back.set_visibility(False)

    async def open(self) -> None:
        if self.action.requires:
            self._build_fields()
            self.show_fields()
        elif not await self._show_preview():  # core refused: the notification says why
            return
        self.dialog.open()

    def _build_fields(self) -> None:
        with self.fields_box:
            if "appointment_at" in self.action.requires:
                ui.label("Vom Händler bestätigter Termin (Ortszeit):").classes("text-sm")
                with ui.row().classes("gap-4"):
                    day = ui.date_input("Datum").props("outlined dense").classes("w-48")
                    day.picker.props('mask="DD.MM.YYYY" first-day-of-week=1')
                    day.mark("input-appointment-date")
                    clock_in = ui.time_input("Uhrzeit").props("outlined dense").classes("w-36")
                    clock_in.picker.props("format24h")
                    clock_in.mark("input-appointment-time")
                self.fields["date"], self.fields["time"] = day, clock_in
            if "override_reason" in self.action.optional:
                # Short label (a long one is cut off on a phone); the condition is the hint.
                reason = ui.input("Begründung für die Ausnahme",
                                  placeholder="z. B. Sondertermin mit dem Verkaufsleiter") \
                    .props('outlined dense hide-bottom-space '
                           'hint="nur für Termine außerhalb der Öffnungszeiten"') \
                    .classes("w-full").mark("input-override-reason")
                self.fields["override_reason"] = reason
            if "purchase_price_eur" in self.action.requires:
                ui.label("Ankaufspreis, den der Händler dem Kunden anbietet:").classes(
                    "text-sm")
                price = ui.input("Ankaufspreis", placeholder="z. B. 12.500,00").props(
                    "outlined dense suffix=€").classes("w-60").mark("input-purchase-price")
                self.fields["price"] = price

    def _data(self) -> dict[str, Any]:
        """The typed fields as text; core parses and validates them (German messages) and
        empty fields are left out so core can say which data is missing."""
        data: dict[str, Any] = {}
        if "date" in self.fields:
            when = f"{self.fields['date'].value or ''} {self.fields['time'].value or ''}"
            if when.strip():
                data["appointment_at"] = when.strip()
        if "price" in self.fields and (self.fields["price"].value or "").strip():
            data["purchase_price_eur"] = self.fields["price"].value.strip()
        reason = self.fields.get("override_reason")
        if reason is not None and (reason.value or "").strip():
            data["override_reason"] = reason.value.strip()
        return data

    def show_fields(self) -> None:
        self.step = "fields"
        self.fields_box.set_visibility(True)
        self.body.clear()
        self.back.set_visibility(False)
        self.primary.set_text("Weiter zur Vorschau")
        self.primary.mark("dialog-confirm")

    async def _show_preview(self) -> bool:
        """Render the mail the action would queue; False (with a notification) on error."""
        try:
            data = self._data()
            rendered = await run.io_bound(_preview, self.case["id"], self.action.name, data,
                                          self.user)
        except CORE_ERRORS as exc:
            notify_error(exc)
            return False
        self.data = data
        if rendered is None:
            self._show_confirm(data)
            return True
        self.step = "preview"
        self.fields_box.set_visibility(False)
        self.body.clear()
        with self.body:
            if not self.action.mail:  # a status change whose automatic mail is shown here
                for line in confirm_lines(self.case, self.action):
                    ui.label(line).classes("text-sm")
            mail_preview(rendered.subject, recipient_text(self.case, self.action, rendered),
                         rendered.html, rendered.text)
        self.back.set_visibility(bool(self.action.requires))
        self.primary.set_text("Senden" if self.action.mail else "Bestätigen und senden")
        self.primary.mark("dialog-confirm preview-send")
        return True

    def _show_confirm(self, data: dict[str, Any] | None) -> None:
        self.step, self.data = "confirm", data or {}
        self.fields_box.set_visibility(False)
        self.body.clear()
        with self.body:
            for line in confirm_lines(self.case, self.action):
                ui.label(line).classes("text-sm")
        self.back.set_visibility(bool(self.action.requires))
        self.primary.set_text("Bestätigen")
        self.primary.mark("dialog-confirm")

    async def next(self) -> None:
        if self.step == "fields":
            await self._show_preview()
            return
        self.primary.disable()
        try:
            await run.io_bound(_perform, self.case["id"], self.action.name, self.data, self.user)
        except CORE_ERRORS as exc:
            notify_error(exc)  # the dialog stays open: nothing typed is lost
            return
        finally:
            self.primary.enable()
        self.dialog.close()
        ui.notify(done_text(self.action), type="positive")
        await self.on_done()


def confirm_lines(case: dict[str, Any], action: Action) -> list[str]:
    """What a confirmation without mail preview tells the user will happen."""
    if action.name == "archive":
        return ["Der Fall wird archiviert und erscheint nur noch mit „archivierte anzeigen“."]
    lines = []
    if action.to_status is not None:
        lines.append(f"Neuer Status: {action.to_status}) {STATUS_LABELS[action.to_status]}.")
    if action.to_status in ON_ENTER_MAIL:
        lines.append("Die Entscheidung geht automatisch per E-Mail an das Service-Center.")
    if action.name == "request_appointment":
        lines.append("Erinnerungsmails an den Kunden entfallen damit.")
    return lines or ["Aktion ausführen?"]


def done_text(action: Action) -> str:
    if action.mail:
        return f"{action.label}: erledigt, E-Mail liegt im Postausgang."
    if action.to_status in ON_ENTER_MAIL:
        return f"{action.label}: erledigt, die Mail an das Service-Center liegt im Postausgang."
    return f"{action.label}: erledigt."


def short_reason(case: dict[str, Any], action: Action, reason: str | None) -> str:
    """The line under a disabled button. The common case (wrong status) gets a short form so
    ten buttons do not repeat the same sentence; the full reason is in the tooltip."""
    if reason and not case["archived"] and case["status"] not in action.allowed_from:
        return "Nur bei Status " + ", ".join(str(s) for s in sorted(action.allowed_from))
    return reason or ""


def action_buttons(case: dict[str, Any], user: Any,
                   on_done: Callable[[], Awaitable[None]]) -> None:
    """Every action of the flow, always in the same place; impossible ones are disabled and
    say why (small text below, full text as tooltip)."""
    def open_dialog(action: Action) -> Callable[[], Awaitable[None]]:
        return lambda: ActionDialog(case, action, user, on_done).open()

    with ui.element("div").classes(
            "w-full grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-4 gap-x-3 gap-y-3"):
        for action in ACTIONS.values():
            reason = role_reason(user, action) or case["allowed"][action.name]
            short = short_reason(case, action, reason)
            # Filled: sends a mail; outlined: changes only the case; grey: not possible now.
            style = "outline color=grey-6" if reason else "unelevated" if action.mail \
                else "outline"
            with ui.column().classes("gap-1 min-w-0"):
                holder = ui.element("div").classes("w-full")  # tooltips need an enabled host
                with holder:
                    button = ui.button(action.label, icon=ICONS.get(action.name),
                                       on_click=open_dialog(action)).classes("w-full").props(
                        f"no-caps no-wrap align=left {style}")
                    button.mark(f"action-{action.name}")
                if reason:
                    button.disable()
                    holder.tooltip(reason)
                    ui.label(short).classes("text-xs text-grey-7 leading-tight line-clamp-2") \
                        .mark(f"reason-{action.name}")
