"""Firmen (admin): the companies/branches of the dealer group as the order lines name them,
each with its sender name and its win-back mail templates (standard, optional voucher)."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.mail import templates
from core.winback import companies, mails
from pages.frame import page, runtime
from pages.widgets import mark_fields, notify_error, page_title

CORE_ERRORS = (ValidationError, ActionNotAllowed, NotFound, PermissionDenied, ValueError)
NO_VOUCHER = ""
COLUMNS = [
    {"name": "code", "label": "Kürzel (wie im Export)", "field": "code", "align": "left",
     "sortable": True},
    {"name": "name", "label": "Name", "field": "name", "align": "left", "sortable": True},
    {"name": "sender_name", "label": "Absendername", "field": "sender_name", "align": "left"},
    {"name": "reply_to", "label": "Antwortadresse", "field": "reply_to", "align": "left"},
    {"name": "standard", "label": "Standardvorlage", "field": "standard", "align": "left"},
    {"name": "voucher", "label": "Gutscheinvorlage", "field": "voucher", "align": "left"},
    {"name": "voucher_code", "label": "Gutscheincode", "field": "voucher_code", "align": "left"},
]
FIELDS = ("code", "name", "sender_name", "reply_to", "standard_template_key",
          "voucher_template_key", "voucher_code", "voucher_valid_days")
# A company the import created from its code has no name yet: customers see the dealer's.
UNNAMED_SLOT = r"""
<q-td :props="props">
  {{ props.value }}
  <q-badge v-if="props.row.unnamed" color="orange-8" class="ml-2 px-2 py-1">
    noch ohne Namen – Kunden sehen „{{ props.row.shown_as }}“
  </q-badge>
</q-td>"""


LABELS = {mails.STANDARD_KEY: "Standard", mails.VOUCHER_KEY: "Gutschein"}
# The form's fields as a ValidationError names them -> the label of the notification.
FORM_LABELS = {"code": "Kürzel", "name": "Name", "sender_name": "Absendername",
               "reply_to": "Antwortadresse", "voucher_code": "Gutscheincode",
               "voucher_valid_days": "Gültigkeit (Tage)",
               "standard_template_key": "Standardvorlage",
               "voucher_template_key": "Gutscheinvorlage"}


def template_options() -> dict[str, str]:
    """The win-back customer templates a company may use (the staff note is none of them)."""
    with runtime().db.session() as session:
        return {t.key: LABELS.get(t.key, t.key.removeprefix("winback."))
                for t in templates.list_templates(session, "winback")
                if t.key != mails.OFFER_NOTE_KEY}


def load_rows(options: dict[str, str]) -> list[dict[str, Any]]:
    settings = runtime().settings()
    with runtime().db.session() as session:
        return [{
            "id": c.id, "code": c.code, "name": c.name, "sender_name": c.sender_name,
            "reply_to": c.reply_to, "unnamed": not mails.has_real_name(c),
            "voucher_code": c.voucher_code, "voucher_valid_days": c.voucher_valid_days,
            "shown_as": mails.sender_name(settings, c),
            "standard_template_key": c.standard_template_key,
            "voucher_template_key": c.voucher_template_key or NO_VOUCHER,
            "standard": options.get(c.standard_template_key, c.standard_template_key),
            "voucher": options.get(c.voucher_template_key or "", c.voucher_template_key or "–"),
        } for c in companies.list_companies(session)]


def store(company_id: int | None, values: dict[str, Any], actor: str) -> None:
    values = {**values, "voucher_template_key": values["voucher_template_key"] or None}
    now = clock.now()
    with runtime().db.session(write=True) as session:
        if company_id is None:
            companies.create(session, values, now, actor=actor)
        else:
            companies.update(session, company_id, values, now, actor=actor)


def edit_dialog(row: dict[str, Any] | None, options: dict[str, str], actor: str,
                on_saved: Any) -> None:
    """Create (row None) or edit one company; core validates, errors keep the dialog open."""
    values = row or {"code": "", "name": "", "sender_name": "", "reply_to": "",
                     "voucher_code": "WIEDERDA30", "voucher_valid_days": 90,
                     "standard_template_key": "winback.standard",
                     "voucher_template_key": NO_VOUCHER}
    with ui.dialog().props("persistent") as dialog, ui.card().classes(
            "w-[560px] max-w-[95vw] gap-3 p-5").mark("company-dialog"):
        ui.label("Firma bearbeiten" if row else "Neue Firma").classes("text-lg font-medium")
        inputs = {
            "code": ui.input("Kürzel (wie in der Spalte „Firma“ des Exports)",
                             value=values["code"]),
            "name": ui.input("Name", value=values["name"]),
            "sender_name": ui.input("Absendername der Mails", value=values["sender_name"]),
            "reply_to": ui.input("Antwortadresse (Reply-To)", value=values["reply_to"],
                                 placeholder="leer = Antwortadresse der Einstellungen"),
            "standard_template_key": ui.select(options, label="Standardvorlage",
                                               value=values["standard_template_key"]
                                               if values["standard_template_key"] in options
                                               else None),
            "voucher_template_key": ui.select({NO_VOUCHER: "— keine —"} | options,
                                              label="Gutscheinvorlage (optional)",
                                              value=values["voucher_template_key"] or NO_VOUCHER),
            "voucher_code": ui.input("Gutscheincode", value=values["voucher_code"]),
            "voucher_valid_days": ui.number("Gutschein gültig (Tage ab Versand)",
                                            value=values["voucher_valid_days"], min=1,
                                            max=730, precision=0),
        }
        for name, element in inputs.items():
            element.props("outlined dense").classes("w-full").mark(f"company-{name}")
        if row:
            inputs["code"].props("readonly hint='Das Kürzel verbindet die Aufträge mit der "
                                 "Firma und bleibt fest.'")
        inputs["voucher_code"].props["hint"] = ("fest, z. B. WIEDERDA30, oder mit {code} für "
                                                "einen eigenen Code je Kunde: WB-{code}")

        async def save() -> None:
            data = {k: (v.value or "") if k not in ("standard_template_key",
                                                    "voucher_valid_days") else v.value
                    for k, v in inputs.items()}
            try:
                await run.io_bound(store, row["id"] if row else None, data, actor)
            except ValidationError as exc:
                if not mark_fields(inputs, exc):
                    notify_error(exc, FORM_LABELS)
                return
            except CORE_ERRORS as exc:
                notify_error(exc, FORM_LABELS)
                return
            dialog.close()
            ui.notify("Firma gespeichert.", type="positive")
            await on_saved()

        with ui.row().classes("w-full justify-end gap-2 mt-2"):
            ui.button("Abbrechen", on_click=dialog.close).props("flat").mark("dialog-cancel")
            ui.button("Speichern", icon="save", on_click=save).props("unelevated").mark(
                "company-save")
    dialog.open()


async def companies_page(user: Any) -> None:
    with ui.row().classes("w-full items-end justify-between"):
        page_title("Firmen", "Firmen/Filialen aus den Auftragsdaten: Absendername und "
                   "Mailvorlagen der Rückgewinnung")
        add = ui.button("Neue Firma", icon="add").props("outline").mark("company-add")
    options = await run.io_bound(template_options)
    table = ui.table(columns=COLUMNS, rows=await run.io_bound(load_rows, options),
                     row_key="id").props(
        'flat bordered no-data-label="Noch keine Firmen – sie entstehen beim Import der '
        'Auftragspositionen oder hier."').classes("w-full").mark("companies-table")
    table.add_slot("body-cell-name", UNNAMED_SLOT)
    ui.label("Klick auf eine Zeile öffnet die Firma zum Bearbeiten. Ohne Gutscheinvorlage "
             "bietet die Rückgewinnung nur die Standardvorlage an. Die Texte der Vorlagen "
             "stehen unter Vorlagen › Rückgewinnung.").classes(
        "text-xs text-grey-7")

    async def refresh() -> None:
        table.rows = await run.io_bound(load_rows, options)
        table.update()

    def open_row(event: Any) -> None:
        row = next(r for r in table.rows if r["id"] == event.args[1]["id"])
        edit_dialog({k: row[k] for k in ("id", *FIELDS)}, options, user.username, refresh)

    table.on("rowClick", open_row)
    add.on_click(lambda: edit_dialog(None, options, user.username, refresh))


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/firmen", "Firmen", roles=("admin",))(companies_page)
