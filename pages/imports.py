"""CSV import of DMS exports (customers, order lines): upload -> column mapping with a
preview of the first rows -> validation report -> import with progress -> summary.

The uploaded bytes stay in this page's memory only; the client's file name is shown for
orientation and never used to store anything."""
from __future__ import annotations

from typing import Any

from nicegui import run, ui

from core import clock, imports
from core.formatting import encoding_label, format_bytes
from pages.frame import page, runtime
from pages.widgets import notify_error, page_title, run_with_progress, section

ROLES = ("admin", "service")
MAX_UPLOAD_BYTES = 300 * 1024 * 1024  # a DMS export of ~1 million order lines fits
PREVIEW_ROWS = 5
ERRORS_SHOWN = 500
UNMAPPED = ""
DELIMITERS = {";": "Semikolon", ",": "Komma", "\t": "Tabulator"}
ERROR_COLUMNS = [
    {"name": "line", "label": "Zeile", "field": "line", "align": "right", "sortable": True},
    {"name": "column", "label": "Spalte", "field": "column", "align": "left", "sortable": True},
    {"name": "value", "label": "Wert", "field": "value", "align": "left"},
    {"name": "reason", "label": "Problem", "field": "reason", "align": "left"},
]


def kind_labels() -> dict[str, str]:
    return {key: kind.spec.label for key, kind in imports.kinds().items()}


def read(data: bytes, kind: str) -> tuple[Any, dict[str, str | None]]:
    table = imports.read_table(data)
    return table, imports.auto_mapping(kind, table.headers)


def check(kind: str, table: Any, mapping: dict[str, str | None]) -> Any:
    return imports.validate(kind, table, mapping)


def do_import(kind: str, data: bytes, mapping: dict[str, str | None], valid_only: bool,
              actor: str, progress: Any) -> Any:
    return imports.run_import(runtime().db, kind, data, mapping=mapping, valid_only=valid_only,
                              actor=actor, progress=progress, now=clock.now())


def error_rows(errors: list[Any]) -> list[dict[str, Any]]:
    # Core's reasons continue a sentence ("keine gültige …"); in a table cell they start one.
    return [{"id": i, "line": e.line, "column": e.column, "value": str(e.value or ""),
             "reason": e.reason[:1].upper() + e.reason[1:]}
            for i, e in enumerate(errors[:ERRORS_SHOWN])]


def headers_hint(kind: str) -> str:
    """The column names recognised without any mapping (German, as Excel exports them)."""
    return "Ohne Zuordnung erkannt: " + "; ".join(
        f.header for f in imports.kind_for(kind).spec.fields) + " (oder die englischen Namen)"


def sample_links() -> None:
    """Download buttons for the sample files (what a working export looks like), in one line
    that wraps: with four kinds, a button each stacked up on a phone."""
    with ui.row().classes("items-center gap-x-1 gap-y-0 flex-wrap"):
        ui.icon("download", size="xs").classes("text-grey-7")
        ui.label("Beispieldateien:").classes("text-sm text-grey-7 mr-1")
        for key, label in kind_labels().items():
            path = imports.sample_path(key)
            if path is None or not path.exists():
                continue
            ui.button(label, on_click=lambda p=path: ui.download.content(
                p.read_bytes(), p.name, "text/csv")).props(
                "flat dense no-caps color=primary").mark(f"sample-{key}")


class ImportPage:
    """State of one import: chosen kind, bytes in memory, table, mapping, last report."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.kind = next(iter(imports.kinds()))
        self.data: bytes | None = None
        self.table: Any = None
        self.selects: dict[str, ui.select] = {}
        self.error_table: ui.column | None = None
        self.generation = 0

    def render(self) -> None:
        with section("1. Art und Datei", "upload_file"):
            # The toggle wraps on a phone instead of pushing the page sideways.
            ui.toggle(kind_labels(), value=self.kind, on_change=self.kind_changed).props(
                "no-caps unelevated toggle-color=primary").style("flex-wrap: wrap").mark(
                "import-kind")
            sample_links()
            ui.upload(label="CSV-Datei hierher ziehen oder auswählen", auto_upload=True,
                      max_file_size=MAX_UPLOAD_BYTES, on_upload=self.uploaded,
                      on_rejected=lambda: ui.notify("Die Datei ist zu groß.", type="negative")
                      ).props('accept=".csv,.txt,text/csv" flat bordered').classes(
                "w-full").mark("import-upload")
            self.headers_hint = ui.label(headers_hint(self.kind)).classes("text-xs text-grey-7")
            self.file_info = ui.label().classes("text-sm text-grey-8").mark("import-file-info")
        with section("2. Spalten zuordnen", "view_column") as self.mapping_card:
            self.mapping_box = ui.column().classes("w-full gap-2").mark("import-mapping")
        with section("3. Prüfung", "fact_check") as self.report_card:
            self.report_box = ui.column().classes("w-full gap-2").mark("import-report")
        with section("4. Importieren", "play_arrow") as self.run_box:
            self.valid_only = ui.checkbox("Nur gültige Zeilen importieren (fehlerhafte Zeilen "
                                          "werden übersprungen)").mark("import-valid-only")
            ui.label("Ohne Häkchen gilt „alles oder nichts“: enthält die Datei einen Fehler, "
                     "wird nichts importiert.").classes("text-xs text-grey-7 -mt-2")
            with ui.row().classes("items-center gap-3"):
                self.run_button = ui.button("Importieren", icon="play_arrow",
                                            on_click=self.start).props("unelevated").mark(
                    "import-run")
            self.bar = ui.linear_progress(value=0, show_value=False).props(
                "rounded size=6px").mark("import-progress")
            self.bar.set_visibility(False)
            self.result_box = ui.column().classes("w-full gap-1").mark("import-result")
        self.show_steps(False)

    def show_steps(self, visible: bool) -> None:
        for box in (self.mapping_card, self.report_card, self.run_box):
            box.set_visibility(visible)

    async def kind_changed(self, event: Any) -> None:
        self.kind = event.value
        self.headers_hint.set_text(headers_hint(self.kind))
        if self.data is not None:
            await self.parse()

    async def uploaded(self, event: Any) -> None:
        self.data = await event.file.read()
        self.file_info.set_text(f"Geladen: {event.file.name} ({format_bytes(len(self.data))})")
        await self.parse()

    async def parse(self) -> None:
        self.result_box.clear()
        # A newer upload or kind may arrive while this one is read: only the newest counts.
        self.generation += 1
        generation = self.generation
        try:
            table, mapping = await run.io_bound(read, self.data, self.kind)
        except Exception as exc:  # noqa: BLE001 - unreadable file: say so, keep the page
            if generation == self.generation:
                self.show_steps(False)
                notify_error(exc)
            return
        if generation != self.generation:
            return
        self.table = table
        self.show_steps(True)
        table = self.table
        self.file_info.set_text(
            f"{self.file_info.text.split(' – ')[0]} – {len(table.rows):,} Datenzeilen, "
            .replace(",", ".") + f"Zeichensatz {encoding_label(table.encoding)}, Trennzeichen "
            f"{DELIMITERS.get(table.delimiter, repr(table.delimiter))}")
        self.render_mapping(mapping)
        await self.validate()

    def render_mapping(self, mapping: dict[str, str | None]) -> None:
        self.mapping_box.clear()
        options = {UNMAPPED: "— nicht zuordnen —"} | {h: h for h in self.table.headers}
        with self.mapping_box:
            ui.label("Erkannte Spalten sind vorausgewählt; Pflichtfelder tragen ein *.").classes(
                "text-xs text-grey-7")
            self.selects = {}
            with ui.element("div").classes("w-full grid grid-cols-2 md:grid-cols-4 gap-3"):
                for field in imports.kind_for(self.kind).spec.fields:
                    label = field.label + (" *" if field.required else "")
                    select = ui.select(options, value=mapping.get(field.name) or UNMAPPED,
                                       label=label, on_change=self.mapping_changed).props(
                        "outlined dense").classes("w-full").mark(f"map-{field.name}")
                    select.tooltip(f"Spaltenname ohne Zuordnung: {field.header} "
                                   f"(englisch: {field.alias})")
                    self.selects[field.name] = select
            ui.label(f"Vorschau der ersten {PREVIEW_ROWS} Zeilen").classes(
                "text-sm text-grey-8 mt-2")
            columns = [{"name": str(i), "label": h, "field": str(i), "align": "left"}
                       for i, h in enumerate(self.table.headers)]
            rows = [{"_id": n} | {str(i): v for i, v in enumerate(row)}
                    for n, row in enumerate(self.table.rows[:PREVIEW_ROWS])]
            ui.table(columns=columns, rows=rows, row_key="_id").props(
                "flat bordered dense hide-pagination").classes("w-full").mark(
                "import-preview")

    def mapping(self) -> dict[str, str | None]:
        return {name: select.value or None for name, select in self.selects.items()}

    async def mapping_changed(self) -> None:
        await self.validate()

    async def validate(self) -> None:
        try:
            report = await run.io_bound(check, self.kind, self.table, self.mapping())
        except Exception as exc:  # noqa: BLE001
            notify_error(exc)
            return
        self.show_report(report)

    def show_report(self, report: Any) -> None:
        self.report_box.clear()
        self.error_table = None
        bad = report.rows_total - report.valid_count
        with self.report_box:
            with ui.row().classes("gap-6"):
                _count("Zeilen", report.rows_total, "grey-9", "report-total")
                _count("gültig", report.valid_count, "positive", "report-valid")
                _count("fehlerhaft", bad, "negative" if bad else "grey-6", "report-invalid")
                _count("Fehler", len(report.errors), "negative" if report.errors else "grey-6",
                       "report-errors")
            if not report.errors:
                ui.label("Keine Fehler gefunden – die Datei kann importiert werden.").classes(
                    "text-sm text-positive").mark("report-ok")
                return
        self.show_errors(report.errors)

    def show_errors(self, errors: list[Any]) -> None:
        """The error table (replacing an earlier one): line, column, value, reason."""
        if self.error_table is not None:
            self.error_table.delete()
        if not errors:
            self.error_table = None
            return
        with self.report_box, ui.column().classes("w-full gap-1") as self.error_table:
            if len(errors) > ERRORS_SHOWN:
                ui.label(f"Die ersten {ERRORS_SHOWN} von {len(errors)} Fehlern:").classes(
                    "text-sm text-grey-8")
            ui.table(columns=ERROR_COLUMNS, rows=error_rows(errors), row_key="id",
                     pagination=20).props("flat bordered dense").classes("w-full").mark(
                "report-table")

    async def start(self) -> None:
        if self.data is None:
            ui.notify("Bitte zuerst eine Datei hochladen.", type="warning")
            return
        self.run_button.disable()
        self.result_box.clear()
        data, kind, mapping = self.data, self.kind, self.mapping()
        valid_only, actor = bool(self.valid_only.value), self.user.username
        try:
            result = await run_with_progress(
                lambda progress: do_import(kind, data, mapping, valid_only, actor, progress),
                self.bar)
        except Exception as exc:  # noqa: BLE001 - e.g. a missing required column
            notify_error(exc)
            return
        finally:
            self.run_button.enable()
        self.show_result(result)

    def show_result(self, result: Any) -> None:
        if result.refused or not result.committed:
            self.show_errors(result.errors)
            with self.result_box:
                ui.label(f"Nichts importiert: {len(result.errors)} Fehler (siehe Prüfung). "
                         "Bitte die Datei korrigieren oder „Nur gültige Zeilen importieren“ "
                         "wählen.").classes("text-sm text-negative").mark("result-nothing")
            ui.notify("Nichts importiert – die Datei enthält Fehler.", type="negative")
            return
        with self.result_box:
            ui.label(f"Import abgeschlossen: {result.inserted} neu, {result.updated} "
                     f"geändert, {result.unchanged} unverändert, {result.skipped} "
                     "übersprungen.").classes("text-sm text-positive font-medium").mark(
                "result-summary")
            kind = imports.kind_for(result.kind)
            if result.created:
                with ui.row().classes("items-center gap-2 text-sm"):
                    ui.label(f"{kind.created_label} angelegt: " + ", ".join(result.created)
                             + " – bitte ergänzen:").mark("result-created")
                    if kind.created_link:
                        ui.link(*kind.created_link).classes("text-primary")
            if kind.after_link:
                ui.link(*kind.after_link).classes("text-sm text-primary no-underline")
        ui.notify("Import abgeschlossen.", type="positive")


def _count(label: str, value: int, color: str, marker: str) -> None:
    with ui.column().classes("gap-0"):
        ui.label(f"{value:,}".replace(",", ".")).classes(f"text-2xl font-light text-{color}") \
            .mark(marker)
        ui.label(label).classes("text-xs text-grey-7")


async def import_page(user: Any) -> None:
    page_title("Import", "Exporte aus dem DMS/ERP: " + ", ".join(kind_labels().values())
               + " (CSV, wie Excel sie speichert)")
    ImportPage(user).render()


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    page("/import", "Import", roles=ROLES)(import_page)
