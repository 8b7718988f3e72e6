"""Writing an import in short batches that stays all-or-nothing.

A large import used to hold the database's write lock for its whole upsert (a million order
lines: over a minute), so the API and the scheduler failed with "database is locked". Now the
plan is made outside any write transaction, and the rows are written in batches of a bounded
size, each its own short transaction, so other writers slip in between. The run stays
undoable until its last transaction marks it committed: every row it writes carries its id,
and the old values of the rows it changes are journaled in the same batch transaction. An
error rolls it back at once; a run whose process died (heartbeat stopped) is rolled back by
the next import or the next start of the console."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Date, Table, and_, case, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from core.db import Database
from core.errors import ActionNotAllowed
from core.imports import writing
from core.imports.plans import NEW, Plan
from core.models import ImportJournal, ImportRun, UTCDateTime

BATCH_ROWS = 20_000  # one batch: well under a second of write lock on SQLite
# A live run touches its heartbeat every batch; one silent this long has lost its process.
STALE_AFTER = timedelta(minutes=2)
Clock = Callable[[], datetime]
Progress = Callable[[float], None]


class ImportBusy(ActionNotAllowed, ValueError):
    """Another import is being written right now (German message; the page shows it as a
    refusal, the CLI like an unusable file)."""


def start(db: Database, kind: str, actor: str, now: datetime) -> int:
    """A new run; ImportBusy while another live one writes (checked inside the write
    transaction, so two imports starting at once cannot both pass). Two runs at once could
    stamp the same rows, and undoing one would then undo the other's writes."""
    with db.session(write=True) as session:
        busy = running(session)
        if busy is not None and busy.heartbeat_at >= now - STALE_AFTER:
            raise ImportBusy("Es läuft bereits ein Import (gestartet von "
                             f"{busy.actor or 'unbekannt'}). Bitte warten, bis er fertig ist, "
                             "und dann erneut importieren.")
        run = ImportRun(kind=kind, status="running", actor=actor, started_at=now,
                        heartbeat_at=now)
        session.add(run)
        session.flush()
        return run.id


def write(db: Database, run_id: int, plan: Plan, wall: Clock, progress: Progress) -> None:
    """Journal the changed rows, then upsert all rows, batch by batch (own transactions).
    `wall` is the real clock for the heartbeat; `progress` runs between transactions."""
    table = plan.table
    total = len(plan.undo) + len(plan.rows)
    done = 0
    for start_at in range(0, len(plan.undo), BATCH_ROWS):
        part = plan.undo.iloc[start_at:start_at + BATCH_ROWS]
        with db.session(write=True) as session:
            session.execute(insert(ImportJournal), [
                {"run_id": run_id, "table_name": table.name, "old": _entry(plan, row)}
                for row in _records(part)])
            _beat(session, run_id, wall())
        done += len(part)
        progress(done / total)
    constants = plan.constants | {"import_run_id": run_id}
    for start_at in range(0, len(plan.rows), BATCH_ROWS):
        part = plan.rows.iloc[start_at:start_at + BATCH_ROWS]
        with db.session(write=True) as session:
            writing.upsert(session, table, part, plan.keys, [*plan.update, "import_run_id"],
                           plan.keep_first, constants)
            _beat(session, run_id, wall())
        done += len(part)
        progress(done / total)


def commit(session: Session, run_id: int, now: datetime) -> None:
    """Mark the run done, inside the caller's final transaction (with its event)."""
    session.execute(update(ImportRun).where(ImportRun.id == run_id)
                    .values(status="committed", finished_at=now, heartbeat_at=now))


def forget_journal(db: Database, run_id: int) -> None:
    """Drop a finished run's journal in batches (leftovers are harmless, only space)."""
    while True:
        with db.session(write=True) as session:
            ids = select(ImportJournal.id).where(ImportJournal.run_id == run_id) \
                .limit(BATCH_ROWS).scalar_subquery()
            if not session.execute(delete(ImportJournal).where(ImportJournal.id.in_(ids))) \
                    .rowcount:
                return


def rollback(db: Database, run_id: int, table: Table, keys: tuple[str, ...],
             now: datetime) -> None:
    """Undo a run that did not commit, batch by batch: restore the rows it changed from the
    journal, then delete the rows it inserted (those still carrying its id).

    Other writers went on meanwhile, so both steps leave their work alone: a column is put
    back only while it still holds what the import wrote (an opt-out recorded meanwhile
    stays), and a new row that something now refers to (a valuation matched the customer
    by e-mail) is kept, only its stamp is cleared."""
    last = 0
    while True:
        with db.session(write=True) as session:
            entries = session.execute(
                select(ImportJournal.id, ImportJournal.old)
                .where(ImportJournal.run_id == run_id, ImportJournal.id > last)
                .order_by(ImportJournal.id).limit(BATCH_ROWS)).all()
            for _id, entry in entries:
                _restore(session, table, run_id, entry)
        if not entries:
            break
        last = entries[-1][0]
    stamped = table.c.import_run_id == run_id
    unreferenced = and_(stamped, *_not_referenced(table))
    while True:
        with db.session(write=True) as session:
            ids = select(table.c.id).where(unreferenced).limit(BATCH_ROWS).scalar_subquery()
            if not session.execute(delete(table).where(table.c.id.in_(ids))).rowcount:
                break
    with db.session(write=True) as session:
        session.execute(update(table).where(stamped).values(import_run_id=None))
    forget_journal(db, run_id)
    with db.session(write=True) as session:
        session.execute(update(ImportRun).where(ImportRun.id == run_id)
                        .values(status="rolled_back", finished_at=now))


def recover(db: Database, tables: dict[str, tuple[Table, tuple[str, ...]]],
            now: datetime) -> list[int]:
    """Roll back every run whose process died (no heartbeat for STALE_AFTER); returns their
    ids. `tables` maps an import kind to its table and key columns."""
    with db.session() as session:
        stale = session.execute(select(ImportRun.id, ImportRun.kind).where(
            ImportRun.status == "running", ImportRun.heartbeat_at < now - STALE_AFTER)).all()
    for run_id, kind in stale:
        table, keys = tables[kind]
        rollback(db, run_id, table, keys, now)
    return [run_id for run_id, _kind in stale]


def running(session: Session) -> ImportRun | None:
    """The import being written right now, if any (the pages show "Import läuft")."""
    return session.scalars(select(ImportRun).where(ImportRun.status == "running")
                           .order_by(ImportRun.id.desc()).limit(1)).first()


def _restore(session: Session, table: Table, run_id: int, entry: dict) -> None:
    key, old, new = (_typed(table, entry[part]) for part in ("key", "old", "new"))
    values = {name: case((table.c[name].is_not_distinct_from(new[name]), old[name]),
                         else_=table.c[name]) for name in new}
    values["import_run_id"] = case((table.c.import_run_id == run_id,
                                    old.get("import_run_id")), else_=table.c.import_run_id)
    match = and_(*(table.c[k] == v for k, v in key.items()))
    session.execute(update(table).where(match).values(**values))


def _not_referenced(table: Table) -> list:
    """NOT EXISTS conditions for every foreign key of the schema that points at `table`."""
    conditions = []
    for other in table.metadata.tables.values():
        for fk in other.foreign_keys:
            if fk.column.table is table:
                conditions.append(~exists().where(fk.parent == fk.column))
    return conditions


def _entry(plan: Plan, row: dict) -> dict:
    """A journal entry: the row's key, its old values and what the import writes."""
    return {"key": _jsonable({k: row[k] for k in plan.keys}),
            "old": _jsonable({c: row[c] for c in [*plan.written, "import_run_id"]}),
            "new": _jsonable({c: row[c + NEW] for c in plan.written})}


def _beat(session: Session, run_id: int, at: datetime) -> None:
    session.execute(update(ImportRun).where(ImportRun.id == run_id).values(heartbeat_at=at))


def _records(frame: pd.DataFrame) -> list[dict]:
    columns = {name: writing.python_values(frame[name]) for name in frame.columns}
    return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                      strict=True)]


def _jsonable(row: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date | datetime) else
            (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


def _typed(table: Table, old: dict) -> dict:
    """Journal JSON back to column values (dates and instants were stored as ISO text)."""
    values = {}
    for name, value in old.items():
        if isinstance(value, str) and isinstance(table.c[name].type, Date):
            value = date.fromisoformat(value)
        elif isinstance(value, str) and isinstance(table.c[name].type, UTCDateTime):
            value = datetime.fromisoformat(value)
        values[name] = value
    return values
