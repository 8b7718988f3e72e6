"""Engine and sessions. SQLite in data/ by default (WAL, foreign keys, busy timeout);
KP_DATABASE_URL selects another database. The schema is created by Alembic migrations."""
from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    any_,
    bindparam,
    create_engine,
    delete,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_URL = f"sqlite:///{DATA_DIR / 'kundenpilot.db'}"


def make_engine(url: str = "") -> Engine:
    url = url or DEFAULT_URL
    if url.startswith("sqlite"):
        # One connection per request: the pool is as large as the server's worker threads
        # (anyio's default of 40), so requests queue on SQLite's write lock, not on the pool.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=10, max_overflow=30)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy, not pysqlite, issue BEGIN so that "BEGIN IMMEDIATE" can take the
        # write lock up front (see `write_session`).
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # autocommit at driver level; BEGIN comes from the event
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Bulk writes (an import's batches, a recompute) spilled SQLite's default 2 MB cache and
    # copied the WAL back every 1,000 pages: a million order lines took a third longer. The
    # cache is only allocated as it fills; the WAL grows to about 32 MB between checkpoints.
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.execute("PRAGMA wal_autocheckpoint=8000")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # Writers that read first (claiming outbox rows, status changes) take the write lock at
    # BEGIN; otherwise two processes could both read, then one fails to upgrade its lock.
    immediate = conn.get_execution_options().get("immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Owns the engine; `session()` is one short transaction (commit on success)."""

    def __init__(self, url: str = "") -> None:
        self.url = url or DEFAULT_URL
        self.engine = make_engine(self.url)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time, and its busy handler lets waiting writers poll
        # with growing sleeps: under load an unlucky request waited for seconds while others
        # went first. Writers of this process queue on a lock instead and start the moment
        # the previous one commits; other processes still meet the busy timeout.
        self._writer = threading.RLock() if self.url.startswith("sqlite") else None

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """One transaction. `write=True` takes the write lock up front (SQLite IMMEDIATE)."""
        with self._write_turn(write), self.factory() as session, session.begin():
            if write:
                session.connection(execution_options={"immediate": True})
            yield session

    def _write_turn(self, write: bool) -> AbstractContextManager:
        return self._writer if write and self._writer is not None else nullcontext()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (creates it on first start)."""
        if self.url.startswith("sqlite:///"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        from alembic import command
        from alembic.config import Config

        config = Config(str(ROOT / "alembic.ini"))
        config.set_main_option("script_location", str(ROOT / "migrations"))
        config.attributes["connection_url"] = self.url
        command.upgrade(config, "head")


def take_turns(bind: Session | Connection, name: str) -> None:
    """Make transactions that do `name` run one after another across processes; the turn
    ends with the transaction. SQLite's write transactions already do (BEGIN IMMEDIATE);
    PostgreSQL lets them overlap, so it takes a transaction-level advisory lock. Statements
    after this call see everything the previous holder committed (READ COMMITTED)."""
    connection = bind.connection() if isinstance(bind, Session) else bind
    if connection.dialect.name != "postgresql":
        return
    connection.execute(_ADVISORY_LOCK, {"key": _lock_key(name)})


IN_LIST = 500  # values per IN (...): far below every database's bound-parameter limit


def in_lists(values: Sequence[Any], size: int = IN_LIST) -> Iterator[Sequence[Any]]:
    """`values` in slices of `size`, one IN (...) list each."""
    for first in range(0, len(values), size):
        yield values[first:first + size]


def delete_ids(connection: Connection, column, ids: Sequence[int], *where) -> int:
    """Delete the rows whose `column` is one of `ids` (and `where`); returns how many.
    PostgreSQL gets one statement with the ids as one array (`= ANY`): a thousand bind
    parameters per statement cost more to compile than the delete itself; SQLite gets IN
    lists (in_lists)."""
    table = column.table
    if connection.dialect.name == "postgresql":
        wanted = column == any_(bindparam("ids", type_=postgresql.ARRAY(column.type)))
        return connection.execute(delete(table).where(wanted, *where), {"ids": list(ids)}
                                  ).rowcount if ids else 0
    return sum(connection.execute(delete(table).where(column.in_(part), *where)).rowcount
               for part in in_lists(ids))


def refresh_statistics(session: Session, *tables: str) -> None:
    """ANALYZE after a bulk change: both databases plan on statistics, and fresh rows have
    none (PostgreSQL chose a status index over the primary key for a delete by ids, and
    scanned 450,000 rows a thousand at a time)."""
    for name in tables:
        session.execute(text(f"ANALYZE {name}"))


@contextmanager
def commits_as_sqlite_does(conn: Connection) -> Iterator[None]:
    """Commits on `conn` as durable as SQLite's (WAL, synchronous=NORMAL): a commit survives
    the process being killed at any point, only a power cut or an operating-system crash may
    lose the last fraction of a second of them. For the sender, whose per-mail commit would
    otherwise wait for PostgreSQL's disk flush once per mail; a lost "sent" mark means that
    mail goes out once more after such a crash, the at-least-once promise holds."""
    if conn.dialect.name != "postgresql":
        yield
        return
    with conn.begin():
        conn.exec_driver_sql("SET synchronous_commit = off")
    try:
        yield
    finally:
        if not conn.invalidated:
            with conn.begin():  # the connection goes back to the pool as it came
                conn.exec_driver_sql("RESET synchronous_commit")


_NAMED = re.compile(r"%\((\w+)\)s")
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_key(name: str) -> int:
    # A stable signed 64-bit number per name (Python's hash() differs between processes).
    return int.from_bytes(hashlib.sha256(f"kundenpilot:{name}".encode()).digest()[:8],
                          "big", signed=True)


def upsert_insert(bind: Session | Connection | str, target):
    """INSERT with ON CONFLICT for this database (SQLite and PostgreSQL spell it alike, but
    SQLAlchemy builds it per dialect); `bind` may also be the dialect's name; `target` is a
    table or a mapped class."""
    if isinstance(bind, str):
        name = bind
    else:
        name = (bind.get_bind() if isinstance(bind, Session) else bind).dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(target)


class DriverStatement:
    """A statement compiled once per database kind and run on the driver's own cursor,
    values converted by the columns' own types. Only for the few statements that run once
    per mail between two sends, where SQLAlchemy's execution layer cost more than the
    database itself (see tests/bench/bench_sender.py)."""

    def __init__(self, statement, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys  # an INSERT's columns, each its own parameter
        self._compiled: dict[str, tuple] = {}

    def _for(self, dialect) -> tuple:
        if dialect.name not in self._compiled:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            converters = {name: bind.type.dialect_impl(dialect).bind_processor(dialect)
                          for name, bind in compiled.binds.items()}
            # Values the statement carries itself (e.g. the 1 of "attempts + 1"), and an
            # INSERT's column defaults (SQLAlchemy adds those at execution, not here).
            fixed = {name: bind.value for name, bind in compiled.binds.items()
                     if not bind.required}
            fixed |= {name: value for name, value in self._defaults().items()
                      if name in fixed}
            sql, positions = compiled.string, compiled.positiontup
            if positions is None:  # named parameters (psycopg): made positional
                positions = _NAMED.findall(sql)
                sql = _NAMED.sub("%s", sql)
            self._compiled[dialect.name] = (sql, positions, converters, fixed)
        return self._compiled[dialect.name]

    def _defaults(self) -> dict:
        if not isinstance(self.statement, Insert):
            return {}
        return {column.name: column.default.arg for column in self.statement.table.c
                if column.default is not None and column.default.is_scalar}

    def execute_many(self, connection: Connection, columns: dict[str, list]) -> None:
        """Many rows in one executemany, given column by column (name -> values); every
        column is converted in one pass, no dictionary per row."""
        sql, positions, converters, fixed = self._for(connection.dialect)
        count = len(next(iter(columns.values()))) if columns else 0
        converted = []
        for name in positions:
            values = columns[name] if name in columns else [fixed[name]] * count
            convert = converters.get(name)
            converted.append(convert_repeated(convert, values) if convert else values)
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(sql, list(zip(*converted, strict=True)))
        finally:
            cursor.close()

    def execute(self, connection: Connection, values: dict) -> None:
        sql, positions, converters, fixed = self._for(connection.dialect)
        converted = {name: (converters[name](value) if converters.get(name) else value)
                     for name, value in (fixed | values).items()}
        parameters = [converted[n] for n in positions]
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(sql, parameters)
        finally:
            cursor.close()


def driver_rows(connection: Connection, query, params: dict | None = None) -> list[tuple]:
    """Every row of `query` as a plain tuple straight from the driver, each column converted
    by its own type only where that type needs it (dates on SQLite, aware instants). For
    bulk reads where SQLAlchemy's row objects cost more than the query (a full recompute
    reads a million orders)."""
    dialect = connection.dialect
    processors = tuple(column.type.dialect_impl(dialect).result_processor(dialect, None)
                       for column in query.selected_columns)
    result = connection.execute(query, params or {})
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    if not any(processors):
        return rows
    return list(map(_row_converter(processors), rows))


def _row_converter(processors: tuple) -> Callable[[tuple], tuple]:
    """One function that converts a row's processed columns (each distinct value once) and
    passes the others through: built as code once per query, because a generic loop over
    the columns cost more than reading the rows."""
    namespace = {f"c{i}": _remembering(p) for i, p in enumerate(processors) if p}
    items = ", ".join(f"c{i}(r[{i}])" if p else f"r[{i}]" for i, p in enumerate(processors))
    return eval(f"lambda r: ({items},)", namespace)  # noqa: S307 - built from indexes only


def _remembering(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    done: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = converted = convert(value)
            return converted
    return run


def convert_repeated(convert: Callable[[Any], Any], values: Sequence[Any]) -> list:
    """`convert` applied to every value, once per distinct value: bulk rows repeat dates and
    instants a lot (a million orders have a few thousand days), and a type's converter costs
    more than a dictionary lookup."""
    done: dict[Any, Any] = {}
    result = []
    for value in values:
        try:
            result.append(done[value])
        except KeyError:
            done[value] = converted = convert(value)
            result.append(converted)
        except TypeError:  # unhashable (a JSON document): converted as it is
            result.append(convert(value))
    return result


def insert_many(connection: Connection, table, columns: dict[str, list]) -> None:
    """Plain new rows in bulk, given column by column: COPY on PostgreSQL (a row-by-row
    executemany there cost ten times as much), executemany on SQLite. Values are converted
    by the columns' own types first (aware instants become naive UTC)."""
    names = list(columns)
    if connection.dialect.name != "postgresql":
        _inserts(table, tuple(names)).execute_many(connection, columns)
        return
    copy_rows(connection, table, table.name, columns)


def copy_rows(connection: Connection, table, into: str, columns: dict[str, list]) -> None:
    """COPY rows (PostgreSQL) into the table named `into`, converted by `table`'s column
    types: `into` is `table` itself or a stage with the same columns."""
    names = list(columns)
    dialect = connection.dialect
    converted = []
    for name in names:
        convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        converted.append(convert_repeated(convert, columns[name]) if convert else columns[name])
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {into} ({', '.join(names)}) FROM STDIN") as copy:
            for row in zip(*converted, strict=True):
                copy.write_row(row)
    finally:
        cursor.close()


_INSERTS: dict[tuple, DriverStatement] = {}


def _inserts(table, names: tuple[str, ...]) -> DriverStatement:
    key = (table.name, names)
    if key not in _INSERTS:
        _INSERTS[key] = DriverStatement(table.insert(), list(names))
    return _INSERTS[key]
