"""Bulk reads and upserts for the import: portable SQL (SQLite and PostgreSQL both speak
INSERT … ON CONFLICT … DO UPDATE), chunked executemany, no per-row ORM objects."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, func, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from core.db import DriverStatement, copy_rows, in_lists, upsert_insert

CHUNK = 20_000  # rows per executemany: bounded memory, a progress step every chunk
# Beyond this many key values one scan of the table beats thousands of IN queries.
SCAN_FROM = 20_000


def existing(session: Session, table: Table, key: str, values: Sequence[str],
             columns: Sequence[str]) -> pd.DataFrame:
    """The stored rows whose `key` column is one of `values` (columns as named)."""
    cols = [table.c[name] for name in columns]
    if len(values) > SCAN_FROM:
        # One plain scan through the driver: no bind parameters, so the SQL is the same on
        # every database, and skipping SQLAlchemy's per-row result processing halves the time.
        # Dates arrive as ISO text (SQLite) or date objects (PostgreSQL); callers normalise.
        query = select(*cols).where(table.c[key].is_not(None))
        sql = str(query.compile(dialect=session.get_bind().dialect))
        rows = session.connection().exec_driver_sql(sql).fetchall()
    else:
        rows = [row for part in in_lists(values) for row in session.execute(
            select(*cols).where(table.c[key].in_(list(part)))).all()]
    # Column-wise: pandas builds a frame from a million Row objects very slowly.
    data = list(zip(*rows, strict=True)) if rows else [()] * len(cols)
    frame = pd.DataFrame({name: pd.Series(column, dtype=object)
                          for name, column in zip(columns, data, strict=True)})
    if len(values) > SCAN_FROM:  # the scan read everything: keep the file's keys only
        frame = frame[frame[key].isin(set(values))]
    return frame.reset_index(drop=True)


def changed(merged: pd.DataFrame, columns: Sequence[str], suffix: str = "_db") -> pd.Series:
    """Rows of a left join (file ⟕ database) whose compared columns differ."""
    result = np.zeros(len(merged), dtype=bool)
    for column in columns:  # compared columns are NOT NULL; new rows are masked by the caller
        result |= (merged[column] != merged[column + suffix]).to_numpy(dtype=bool)
    return pd.Series(result, index=merged.index)


def python_values(column: pd.Series) -> list:
    """Plain Python values for the database driver (numpy ints and NaT would not bind).
    Only calendar dates (order_date) live in datetime64 columns; instants stay objects."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return list(column.dt.date)
    if column.dtype == object:
        return [None if v is None or v is pd.NaT or v != v else v for v in column.tolist()]
    return column.tolist()


def upsert(session: Session, table: Table, rows: pd.DataFrame, keys: Sequence[str],
           update: Sequence[str], keep_first: Sequence[str] = (),
           constants: dict[str, object] | None = None,
           progress: Callable[[float], None] | None = None) -> None:
    """Insert `rows` (plus `constants` in every row, e.g. created_at), or on a key conflict
    set the `update` columns from the file and the `keep_first` columns only where still
    NULL (an opt-out date, once set, stays)."""
    constants = constants or {}
    names = tuple([*rows.columns, *constants])
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        write = _staged_upsert(table, tuple(keys), tuple(update), tuple(keep_first), names)
    else:
        write = _upsert_statement(table, tuple(keys), tuple(update), tuple(keep_first), names,
                                  connection.dialect.name).execute_many
    total = len(rows)
    for start in range(0, total, CHUNK):
        # Converted chunk by chunk: a million rows as Python objects at once cost ~1 GB.
        part = rows.iloc[start:start + CHUNK]
        columns = {name: python_values(part[name]) for name in part.columns}
        columns |= {name: [value] * len(part) for name, value in constants.items()}
        write(connection, columns)
        if progress is not None:
            progress(min(start + CHUNK, total) / total)


def _on_conflict(stmt, table: Table, keys: tuple[str, ...], update: tuple[str, ...],
                 keep_first: tuple[str, ...]):
    set_ = {c: stmt.excluded[c] for c in update}
    set_ |= {c: func.coalesce(table.c[c], stmt.excluded[c]) for c in keep_first}
    return (stmt.on_conflict_do_update(index_elements=list(keys), set_=set_) if set_
            else stmt.on_conflict_do_nothing(index_elements=list(keys)))


@lru_cache(maxsize=32)
def _upsert_statement(table: Table, keys: tuple[str, ...], update: tuple[str, ...],
                      keep_first: tuple[str, ...], names: tuple[str, ...],
                      _database: str) -> DriverStatement:
    # Built once per import kind and database; run on the driver with plain tuples (the
    # per-row dictionaries and SQLAlchemy's per-row processing cost more than SQLite did).
    stmt = _on_conflict(upsert_insert(_database, table), table, keys, update, keep_first)
    return DriverStatement(stmt, column_keys=list(names))


@lru_cache(maxsize=32)
def _staged_upsert(table: Table, keys: tuple[str, ...], update: tuple[str, ...],
                   keep_first: tuple[str, ...], names: tuple[str, ...]
                   ) -> Callable[[Connection, dict[str, list]], None]:
    """PostgreSQL: COPY the rows into a stage that lives until the commit, then one INSERT
    … SELECT … ON CONFLICT (row by row, the upsert cost its import a third of its time).
    The file's keys are unique (the check refuses repeats), as one such INSERT needs."""
    stage_name = f"kp_import_stage_{table.name}"
    stage = sa_table(stage_name, *(sa_column(n) for n in names))
    create = (f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage_name} ON COMMIT DROP AS "
              f"SELECT {', '.join(names)} FROM {table.name} WITH NO DATA")
    move = _on_conflict(postgresql.insert(table).from_select(list(names), select(*stage.c)),
                        table, keys, update, keep_first)

    def write(connection: Connection, columns: dict[str, list]) -> None:
        connection.exec_driver_sql(create)
        copy_rows(connection, table, stage_name, columns)
        connection.execute(move)
        connection.exec_driver_sql(f"TRUNCATE {stage_name}")
    return write
