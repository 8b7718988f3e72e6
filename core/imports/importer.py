"""run_import: one CSV file into the database, all-or-nothing by default.

read -> map -> validate -> compare with the database (no write lock) -> write in short
batches, undoable until the final transaction (the kind's finish step, e.g. missing
companies; one timeline event) -> every module's after-import step as of `now`. The import page
and `python app.py import` both call this."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from core import clock, events, modules
from core.bulkwork import collector_paused
from core.db import Database
from core.formatting import encoding_label
from core.imports import plans, runs
from core.imports.reading import read_table
from core.imports.specs import CUSTOMERS, auto_mapping, spec_for
from core.imports.validation import HEADER_LINE, RowError, validate
from core.modules import ImportKind

Progress = Callable[[float], None]
# Share of the progress bar per phase: reading+checking, writing, the modules' after-import.
_READ, _WRITE = 0.25, 0.85


@dataclass
class ImportResult:
    """What an import did (committed) or would do (dry run, or refused because of errors:
    the counts then describe the valid rows)."""

    kind: str
    rows_total: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # invalid rows left out (valid_only)
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False
    created: list[str] = field(default_factory=list)  # rows the kind's finish step made
    encoding: str = ""
    delimiter: str = ""
    refused: bool = False  # errors and not valid_only (or an unusable mapping): nothing written

    @property
    def mapping_problem(self) -> bool:
        """Refused because a required column is missing or mapped to no column of the file."""
        return any(e.line == HEADER_LINE for e in self.errors)

    @property
    def error_lines(self) -> int:
        """How many distinct lines have at least one error."""
        return len({e.line for e in self.errors})

    def lines(self) -> list[str]:
        """German summary (without the error list)."""
        label = spec_for(self.kind).label
        delimiter = {"\t": "Tabulator"}.get(self.delimiter, self.delimiter)
        out = [f"{label}: {self.rows_total} Zeilen gelesen (Zeichensatz "
               f"{encoding_label(self.encoding)}, "
               f"Trennzeichen „{delimiter}“)."]
        counts = f"{self.inserted} neu, {self.updated} geändert, {self.unchanged} unverändert"
        if self.committed:
            out.append(f"Importiert: {counts}.")
        elif self.refused:
            what = ("die Spalten der Datei passen nicht" if self.mapping_problem
                    else f"{self.error_lines} fehlerhafte Zeile(n)")
            out.append(("Probelauf: " if self.dry_run else "")
                       + f"Nicht importiert: {what} – es wurde nichts gespeichert.")
        else:
            out.append(f"Probelauf – nichts gespeichert. Der Import ergäbe: {counts}.")
        if self.skipped:
            verb = "übersprungen" if self.committed else "würden übersprungen"
            out.append(f"{self.skipped} fehlerhafte Zeile(n) {verb}.")
        if self.created and not self.refused:
            verb = "angelegt" if self.committed else "würden angelegt"
            out.append(f"{kind_for(self.kind).created_label} {verb} (Name = Kürzel, bitte "
                       "ergänzen): " + ", ".join(self.created))
        return out


@collector_paused()
def run_import(db: Database, kind: str, data: bytes, *,
               mapping: dict[str, str | None] | None = None, valid_only: bool = False,
               dry_run: bool = False, actor: str = "import", progress: Progress | None = None,
               now: datetime, wall: runs.Clock = clock.now) -> ImportResult:
    """Import one CSV export of `kind` ("customers" or "orders").

    `mapping` (field -> header, None = do not import) overrides the automatic mapping per
    field. Without `valid_only` any bad row refuses the whole file; with it the bad rows are
    skipped and reported. UnreadableFile/ValueError for files or mappings that cannot work.
    Reading, checking and planning hold no write lock; the rows are written in short batches
    (core.imports.runs), so the API and the scheduler keep writing meanwhile; `wall` is the
    real clock for the run's heartbeat."""
    step = progress or (lambda fraction: None)
    step(0.0)
    table = read_table(data)
    full = auto_mapping(kind, table.headers) | (mapping or {})
    report = validate(kind, table, full)
    result = ImportResult(kind, report.rows_total, errors=list(report.errors), dry_run=dry_run,
                          encoding=table.encoding, delimiter=table.delimiter)
    step(_READ)
    if report.fatal:
        result.refused = True
        return result
    recover(db, wall())
    with db.session() as session:  # a read transaction: planning takes no write lock
        kind_spec = kind_for(kind)
        plan = kind_spec.plan(session, report, now)
        result.errors = sorted(result.errors + plan.errors, key=lambda e: e.line)
        result.inserted, result.updated, result.unchanged = \
            plan.inserted, plan.updated, plan.unchanged
        result.skipped = result.error_lines if valid_only else 0
        result.refused = bool(result.errors) and not valid_only
        result.created = _finish(kind_spec, session, plan, now, dry_run=True)
    if dry_run or result.refused:
        step(1.0)
        return result
    _write(db, kind_spec, plan, result, actor, now, wall, step)
    result.committed = True
    _after_import(db, kind, now, step)
    step(1.0)
    return result


def _write(db: Database, kind: ImportKind, plan: plans.Plan, result: ImportResult, actor: str,
           now: datetime, wall: runs.Clock, step: Progress) -> None:
    """The batches, then one short final transaction: the kind's finish step, event, run
    committed. Any error before that final commit undoes every batch already written."""
    run_id = runs.start(db, result.kind, actor, wall())
    try:
        runs.write(db, run_id, plan, wall, lambda f: step(_READ + f * (_WRITE - _READ)))
        with db.session(write=True) as session:
            result.created = _finish(kind, session, plan, now, dry_run=False)
            _record(session, result, actor, now)
            runs.commit(session, run_id, wall())
    except BaseException:
        runs.rollback(db, run_id, plan.table, plan.keys, wall())
        raise
    runs.forget_journal(db, run_id)


# The kernel's own kind; modules add theirs (Module.imports).
CUSTOMERS_KIND = ImportKind(spec=CUSTOMERS, plan=plans.customers, table=plans.CUSTOMERS,
                            keys=CUSTOMERS.keys)


def kinds() -> dict[str, ImportKind]:
    """Every import kind by name: customers, then each registered module's."""
    return {CUSTOMERS_KIND.spec.kind: CUSTOMERS_KIND} | {
        k.spec.kind: k for k in modules.import_kinds()}


def kind_for(kind: str) -> ImportKind:
    spec_for(kind)  # the German error for an unknown kind
    return kinds()[kind]


def _finish(kind: ImportKind, session: Session, plan: plans.Plan, now: datetime,
            dry_run: bool) -> list[str]:
    return kind.finish(session, plan, now, dry_run) if kind.finish is not None else []


def recover(db: Database, now: datetime) -> list[int]:
    """Undo the imports whose process died half-way (see core.imports.runs)."""
    return runs.recover(db, {name: (k.table, k.keys) for name, k in kinds().items()}, now)


def _record(session: Session, result: ImportResult, actor: str, now: datetime) -> None:
    label = spec_for(result.kind).label
    text = (f"Import {label}: {result.inserted} neu, {result.updated} geändert, "
            f"{result.unchanged} unverändert")
    if result.skipped:
        text += f", {result.skipped} fehlerhafte Zeilen übersprungen"
    events.record(session, now, "import", text + ".", actor=actor, data={
        "kind": result.kind, "rows": result.rows_total, "inserted": result.inserted,
        "updated": result.updated, "unchanged": result.unchanged, "skipped": result.skipped,
        "created": result.created})


def _after_import(db: Database, kind: str, now: datetime, step: Progress) -> None:
    """Every module whose figures depend on this kind of import brings them up to date as of
    `now` (e.g. win-back's detection), in its own transaction: the import stays committed
    even if this fails; the next tick retries."""
    hooks = [m.after_import for m in modules.registered() if m.after_import is not None
             and (not m.after_import_of or kind in m.after_import_of)]
    for index, hook in enumerate(hooks):
        start, width = _WRITE + index * (1 - _WRITE) / len(hooks), (1 - _WRITE) / len(hooks)
        hook(db, now, lambda f, start=start, width=width: step(start + f * width))
