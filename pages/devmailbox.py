"""Dev-Postfach: the mails the embedded SMTP server received (used when no SMTP server is
configured), shown as HTML (sandboxed), plain text and headers."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core.formatting import format_datetime
from core.mail import devmailbox
from core.models import User
from pages.frame import page, runtime
from pages.paged_table import PagedTable
from pages.widgets import mail_frame, notify_error, page_title, value_row

PAGE_SIZE = 25
WRAP = "white-space: normal"
COLUMNS: list[dict[str, Any]] = [
    {"name": "received", "label": "Empfangen", "field": "received", "align": "left"},
    {"name": "to", "label": "An", "field": "to", "align": "left", "style": WRAP},
    {"name": "subject", "label": "Betreff", "field": "subject", "align": "left",
     "style": WRAP},
]


def _load(page_no: int, tz: str) -> tuple[list[dict[str, Any]], int]:
    with runtime().db.session() as session:
        rows, total = devmailbox.list_messages(session, page=page_no, page_size=PAGE_SIZE)
        return [{"id": r.id, "received": format_datetime(r.received_at, tz), "to": r.rcpt_to,
                 "subject": r.subject} for r in rows], total


def _mail(message_id: int, tz: str) -> dict[str, Any]:
    with runtime().db.session() as session:
        row = devmailbox.get_message(session, message_id)
        parsed = devmailbox.parse(row.raw)
        return {"id": row.id, "received": format_datetime(row.received_at, tz),
                "envelope_from": row.mail_from, "envelope_to": row.rcpt_to,
                "subject": parsed.subject, "from": parsed.from_, "to": parsed.to,
                "text": parsed.text, "html": parsed.html, "headers": parsed.headers}


async def devmailbox_page(user: User) -> None:
    rt = runtime()
    tz = rt.settings().timezone
    state: dict[str, Any] = {"page": 1, "shown": None}
    page_title("Dev-Postfach", "Ohne eingestellten SMTP-Server landet jede gesendete E-Mail "
               "hier statt beim Empfänger – so sehen Sie echte Mails ohne Risiko.")
    with ui.row().classes("w-full items-center gap-2"):
        if rt.dev_port:
            ui.label(f"Eingebauter SMTP-Server: 127.0.0.1:{rt.dev_port}").classes(
                "text-xs text-grey-7").mark("devmailbox-port")
        ui.space()
        refresh_button = ui.button("Aktualisieren", icon="refresh").props("flat dense").mark(
            "devmailbox-refresh")
    # Side by side on a wide screen; stacked on a phone or tablet (list above, mail below).
    with ui.element("div").classes("w-full grid grid-cols-1 lg:grid-cols-5 gap-4 items-start"):
        paged = PagedTable(COLUMNS, load=lambda s: _load(s["page"], tz), state=state,
                           marker="devmailbox-table", page_size=PAGE_SIZE, dense=True,
                           empty_label="Noch keine E-Mails empfangen.",
                           on_loaded=lambda total: show_newest())
        table = paged.table.classes("w-full min-w-0 lg:col-span-2 cursor-pointer")
        viewer = ui.column().classes("w-full min-w-0 lg:col-span-3 gap-2").mark(
            "devmailbox-viewer")
        with viewer:
            ui.label("Eine E-Mail links auswählen.").classes("text-grey-7")

    async def show_newest() -> None:
        if table.rows and state.get("shown") is None:
            await show(table.rows[0]["id"])  # open the newest mail right away

    async def show(message_id: int) -> None:
        try:
            mail = await run.io_bound(_mail, message_id, tz)
        except Exception as exc:  # noqa: BLE001
            notify_error(exc)
            return
        state["shown"] = message_id
        viewer.clear()
        with viewer:
            _render_mail(mail)

    table.on("row-click", lambda e: show(e.args[1]["id"]))
    refresh_button.on_click(paged.refresh)
    await paged.refresh()


def _render_mail(mail: dict[str, Any]) -> None:
    with ui.card().props("flat bordered").classes("w-full min-w-0 gap-2 p-4").mark(
            "devmailbox-mail"):
        ui.label(mail["subject"] or "(ohne Betreff)").classes(
            "text-lg font-medium break-words min-w-0").mark(
            "devmailbox-subject")
        value_row("Von", mail["from"])
        value_row("An", mail["to"], "devmailbox-to")
        value_row("Empfangen", mail["received"])
        with ui.tabs().props("dense align=left").classes("w-full") as tabs:
            tab_html, tab_text, tab_headers = ui.tab("HTML"), ui.tab("Text"), ui.tab("Kopfzeilen")
        with ui.tab_panels(tabs, value=tab_html if mail["html"] else tab_text).classes("w-full"):
            with ui.tab_panel(tab_html).classes("p-0"):
                if mail["html"]:
                    mail_frame(mail["html"], height="560px").mark("devmailbox-html")
                else:
                    ui.label("Diese E-Mail hat keinen HTML-Teil.").classes("text-grey-7")
            with ui.tab_panel(tab_text).classes("p-0"):
                ui.label(mail["text"]).classes("whitespace-pre-wrap text-sm font-mono").mark(
                    "devmailbox-text")
            with ui.tab_panel(tab_headers).classes("p-0"):
                rows = [{"i": i, "name": n, "value": v} for i, (n, v) in enumerate(mail["headers"])]
                ui.table(columns=[
                    {"name": "name", "label": "Kopfzeile", "field": "name", "align": "left"},
                    {"name": "value", "label": "Wert", "field": "value", "align": "left",
                     "style": "white-space: normal; word-break: break-all"},
                ], rows=rows, row_key="i").props("flat dense hide-bottom").classes(
                    "w-full").mark("devmailbox-headers")


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/dev-postfach", "Dev-Postfach")(devmailbox_page)
