"""Postausgang: every mail with its status, server-side paged; each mail's rendered view,
error reason, and retry / cancel. Late automatic mails wait here for a decision: send anyway
or discard. `?status=late` / `?status=gave_up` (dashboard links) open the page filtered."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock, modules
from core.formatting import format_datetime
from core.mail import outbox
from core.models import User
from pages.frame import page, runtime
from pages.paged_table import PagedTable
from pages.widgets import mail_preview, notify_error, page_title, value_row

PAGE_SIZE = 25
KIND_LABELS = {"marketing": "Werbung/Erinnerung", "transactional": "Kundenwunsch",
               "staff": "intern"}
STATUS_COLORS = {"queued": "blue-grey-6", "sending": "light-blue-8", "sent": "green-7",
                 "retry": "orange-8", "failed": "red-7", "cancelled": "grey-6",
                 "held": "amber-9"}
COUNT_TILES = ("queued", "retry", "held", outbox.LATE, "failed", outbox.GAVE_UP, "sent")
FILTER_LABELS = dict(outbox.STATUS_LABELS) | {
    key: label for key, (_status, _code, label) in outbox.SPECIAL_FILTERS.items()}
CHIP_COLORS = STATUS_COLORS | {outbox.LATE: "deep-orange-8", outbox.GAVE_UP: "red-9"}
WRAP = "white-space: normal; min-width: 160px"
COLUMNS: list[dict[str, Any]] = [
    {"name": "id", "label": "Nr.", "field": "id", "align": "left"},
    {"name": "status", "label": "Status", "field": "status_label", "align": "left"},
    {"name": "created", "label": "Erstellt", "field": "created", "align": "left"},
    # Long addresses may break anywhere: else they push "Fehler / Grund" out of sight.
    {"name": "to", "label": "Empfänger", "field": "to", "align": "left",
     "style": WRAP + "; overflow-wrap: anywhere"},
    {"name": "subject", "label": "Betreff", "field": "subject", "align": "left",
     "style": WRAP},
    {"name": "kind", "label": "Art", "field": "kind", "align": "left"},
    {"name": "attempts", "label": "Versuche", "field": "attempts", "align": "right"},
    {"name": "error", "label": "Fehler / Grund", "field": "error", "align": "left",
     "style": WRAP},
]
STATUS_SLOT = r"""
<q-td :props="props">
  <q-badge :color="props.row.status_color" class="px-2 py-1">{{ props.value }}</q-badge>
</q-td>"""
# A late mail's text is the question staff answer (amber, as in the dialog), not an error.
ERROR_SLOT = r"""
<q-td :props="props" :class="props.row.late ? 'text-amber-10' : 'text-negative'">
  {{ props.value }}
</q-td>"""
ROLES = ("service", "supervisor", "sales")
MANAGING = ("admin", "service", "supervisor")  # see every mail and retry, cancel, decide


def own_only(user: User) -> str | None:
    """Sales staff see the mails they queued themselves (read only); the others see all."""
    return None if user.role in MANAGING else user.username


def _row(row: Any, tz: str) -> dict[str, Any]:
    return {
        "id": row.id, "created": format_datetime(row.created_at, tz),
        "to": f"{row.to_name} <{row.to_addr}>" if row.to_name else row.to_addr,
        "subject": row.subject, "kind": KIND_LABELS.get(row.kind, row.kind),
        "status": row.status, "status_label": _status_label(row),
        "status_color": CHIP_COLORS.get(_filter_key(row), "grey"), "attempts": row.attempts,
        "error": row.last_error, "late": _filter_key(row) == outbox.LATE,
    }


def _filter_key(row: Any) -> str:
    """The row's special filter (late / gave up) if it has one, else its status."""
    special = outbox.SPECIAL_FILTERS.get(row.reason_code)
    return row.reason_code if special and special[0] == row.status else row.status


def _status_label(row: Any) -> str:
    return FILTER_LABELS.get(_filter_key(row), row.status)


def _load(state: dict[str, Any], tz: str, counts: dict[str, int],
          queued_by: str | None) -> tuple[list[dict[str, Any]], int]:
    """One page of mails; `counts` receives the per-status numbers from the same session."""
    rt = runtime()
    settings = rt.settings()  # before the session: one connection per request
    with rt.db.session() as session:
        rows, total = outbox.list_messages(session, status=state["status"],
                                           search=state["search"], page=state["page"],
                                           page_size=PAGE_SIZE, queued_by=queued_by)
        counts.update(outbox.counts(session, clock.now(), settings, queued_by))
        return [_row(r, tz) for r in rows], total


def _record_link(row: Any) -> dict[str, Any] | None:
    """The module record the mail is about (label, link text, URL), via the registry."""
    url = modules.record_url(row.module, row.record_id)
    if url is None:
        return None
    module = modules.get(row.module)
    return {"label": module.label, "text": f"{module.record_label} {row.record_id} öffnen",
            "url": url}


def _detail(message_id: int, tz: str, queued_by: str | None) -> dict[str, Any]:
    with runtime().db.session() as session:
        row = outbox.get_message(session, message_id, queued_by)
        return {**_row(row, tz), "message_id": row.message_id, "text": row.text_body,
                "html": row.html_body,
                "template": f"{modules.template_label(session, row.template_key)} "
                            f"(Version {row.template_version})",
                "next_attempt": format_datetime(row.next_attempt_at, tz),
                "sent": format_datetime(row.sent_at, tz), "record": _record_link(row)}


def _change(action: str, message_id: int, actor: str) -> None:
    now = clock.now()
    with runtime().db.session(write=True) as session:
        if action == "send_anyway":
            outbox.send_anyway(session, message_id, actor, now)
        elif action == "discard":
            outbox.discard(session, message_id, actor, now)
        else:
            (outbox.retry if action == "retry" else outbox.cancel)(session, message_id, actor,
                                                                    now)


CHANGE_NOTICES = {"retry": "Wird erneut gesendet.", "cancel": "E-Mail storniert.",
                  "send_anyway": "Wird trotz Verspätung gesendet.",
                  "discard": "E-Mail verworfen – sie wird nicht gesendet."}


async def outbox_page(user: User) -> None:
    tz = runtime().settings().timezone
    wanted = ui.context.client.request.query_params.get("status", "")
    initial = wanted if wanted in FILTER_LABELS else ""
    state: dict[str, Any] = {"status": initial or None, "search": "", "page": 1}
    mine = own_only(user)
    if mine is None:
        page_title("Postausgang", "Jede E-Mail geht zuerst hierher und wird dann vom Versand "
                   "zugestellt – nichts geht verloren.")
    else:
        page_title("Meine E-Mails", "Die Mails, die Sie ausgelöst haben, und was aus ihnen "
                   "wurde. Erneut senden oder stornieren kann das Service-Center.")
    counts_row = ui.row().classes("gap-3 flex-wrap").mark("outbox-counts")
    with ui.row().classes("w-full items-end gap-4 flex-wrap"):
        status_select = ui.select(
            {"": "Alle Status"} | FILTER_LABELS, value=initial, label="Status",
        ).props("outlined dense").classes("w-64").mark("outbox-filter-status")
        search = ui.input("Suche Empfänger oder Betreff").props(
            "outlined dense clearable debounce=400").classes("w-72").mark("outbox-search")
        ui.space()
        total_label = ui.label("").classes("text-sm text-grey-7").mark("outbox-total")

    counts: dict[str, int] = {}

    def loaded(total: int) -> None:
        total_label.text = f"{total} E-Mail" + ("" if total == 1 else "s") + " gefunden"
        render_counts(counts)

    paged = PagedTable(COLUMNS, load=lambda s: _load(s, tz, counts, mine), state=state,
                       marker="outbox-table", empty_label="Keine E-Mails.", page_size=PAGE_SIZE,
                       on_loaded=loaded)
    table = paged.table.classes("w-full cursor-pointer")
    table.add_slot("body-cell-status", STATUS_SLOT)
    table.add_slot("body-cell-error", ERROR_SLOT)

    def render_counts(counts: dict[str, int]) -> None:
        counts_row.clear()
        with counts_row:
            for key in COUNT_TILES:
                number = counts.get(key, 0)
                # The reason filters are part of a status chip before them: say so.
                prefix = "davon " if key in outbox.SPECIAL_FILTERS else ""
                ui.chip(f"{prefix}{FILTER_LABELS[key]}: {number}",
                        color=CHIP_COLORS[key] if number else "grey-3",
                        text_color="white" if number else "grey-8",
                        on_click=lambda k=key: set_filter(k)).mark(f"outbox-count-{key}")
            ui.chip(f"heute gesendet: {counts.get('sent_today', 0)}", color="grey-3").mark(
                "outbox-count-today")

    async def set_filter(status: str | None) -> None:
        status_select.value = status or ""  # triggers paged.filter_by

    async def open_mail(message_id: int) -> None:
        try:
            mail = await run.io_bound(_detail, message_id, tz, mine)
        except Exception as exc:  # noqa: BLE001
            notify_error(exc)
            return
        _mail_dialog(mail, user, paged.refresh)

    table.on("row-click", lambda e: open_mail(e.args[1]["id"]))
    status_select.on_value_change(lambda e: paged.filter_by("status", e.value or None))
    search.on_value_change(lambda e: paged.filter_by("search", (e.value or "").strip()))
    await paged.refresh()


def _mail_dialog(mail: dict[str, Any], user: User, refresh: Any) -> None:
    """One mail: facts, error reason, the rendered mail, and retry / cancel."""
    with ui.dialog() as dialog, ui.card().classes("w-[820px] max-w-[95vw] gap-3 p-5").mark(
            "outbox-dialog"):
        with ui.row().classes("w-full items-center"):
            ui.label(f"E-Mail Nr. {mail['id']}").classes("text-lg font-medium")
            ui.badge(mail["status_label"], color=mail["status_color"]).classes("px-2 py-1").mark(
                "outbox-dialog-status")
            ui.space()
            ui.button(icon="close", on_click=dialog.close).props("flat round dense")
        with ui.column().classes("w-full gap-1"):
            value_row("Art", mail["kind"])
            value_row("Vorlage", mail["template"])
            value_row("Erstellt", mail["created"])
            value_row("Gesendet", mail["sent"])
            value_row("Nächster Versuch", mail["next_attempt"] if mail["status"] in (
                "queued", "retry") else "")
            value_row("Versuche", str(mail["attempts"]))
            value_row("Message-ID", mail["message_id"]).classes("break-all")  # long, no spaces
            if mail["record"]:
                with ui.row().classes("w-full items-baseline gap-4 no-wrap"):  # as value_row
                    ui.label(mail["record"]["label"]).classes("text-sm text-grey-7 w-32 shrink-0")
                    ui.link(mail["record"]["text"], mail["record"]["url"])
        if mail["error"]:  # a late mail's text is the question staff answer, not an error
            background, tone, icon = (("bg-amber-1", "text-amber-10", "schedule") if mail["late"]
                                      else ("bg-red-1", "text-negative", "error_outline"))
            with ui.row().classes(f"w-full items-start gap-2 no-wrap {background} rounded p-3"):
                ui.icon(icon).classes(tone)
                ui.label(mail["error"]).classes(f"text-sm {tone} whitespace-pre-wrap").mark(
                    "outbox-dialog-error")
        mail_preview(mail["subject"], mail["to"], mail["html"], mail["text"])

        async def change(action: str) -> None:
            try:
                await run.io_bound(_change, action, mail["id"], user.username)
            except Exception as exc:  # noqa: BLE001
                notify_error(exc)
                return
            ui.notify(CHANGE_NOTICES[action], type="positive")
            dialog.close()
            await refresh()

        if own_only(user) is None:  # sales staff look, the service center acts
            with ui.row().classes("w-full justify-end gap-2"):
                _buttons(mail, change)
    dialog.open()


def _buttons(mail: dict[str, Any], change: Any) -> None:
    """A late automatic mail asks for a decision; any other mail offers retry / cancel."""
    if mail["late"]:
        ui.button("Verwerfen", icon="delete_outline", on_click=lambda: change("discard")).props(
            "flat color=negative").mark("outbox-discard")
        ui.button("Trotzdem senden", icon="send", on_click=lambda: change("send_anyway")).props(
            "unelevated").mark("outbox-send-anyway")
        return
    if mail["status"] not in ("sent", "sending", "cancelled"):
        ui.button("Stornieren", icon="block", on_click=lambda: change("cancel")).props(
            "flat color=negative").mark("outbox-cancel")
    if mail["status"] not in ("sent", "sending", "queued"):
        ui.button("Erneut senden", icon="replay", on_click=lambda: change("retry")).props(
            "unelevated").mark("outbox-retry")


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/postausgang", "Postausgang", roles=ROLES)(outbox_page)
