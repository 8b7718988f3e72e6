"""What every bench shares: a database of the kind KP_TEST_DATABASE names (SQLite file by
default, or a database on the PostgreSQL cluster in KP_TEST_PG_URL), bulk loading through the
raw driver, copies for runs that change data, best-of timing and the verdict that becomes
the exit code. `bash tests/bench/run.sh` runs every bench on both databases."""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

import app  # noqa: E402
from core.db import Database  # noqa: E402
from tests.databases import ON_POSTGRESQL, Databases  # noqa: E402

DATABASE = "PostgreSQL" if ON_POSTGRESQL else "SQLite"
app.install_modules()  # what every command of app.py does first (settings need the modules)


@contextmanager
def bench_database(name: str = "bench") -> Iterator[Database]:
    """A fresh, migrated database for one bench run; removed afterwards."""
    with tempfile.TemporaryDirectory() as tmp:
        databases = Databases(Path(tmp))
        db = Database(databases.new_url(name))
        db.migrate()
        db.databases = databases  # copies are made (and dropped) by the same owner
        try:
            yield db
        finally:
            db.engine.dispose()
            databases.drop_all()


def copy_of(db: Database, name: str) -> Database:
    """An independent copy of `db` (for runs that change the data): a file copy on SQLite,
    CREATE DATABASE … TEMPLATE on PostgreSQL."""
    db.engine.dispose()  # PostgreSQL copies only a database nobody is connected to
    if not ON_POSTGRESQL:
        source = Path(db.url.removeprefix("sqlite:///"))
        target = source.with_name(f"{name}.db")
        with db.engine.connect() as conn:  # fold the WAL into the file before copying
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
        shutil.copy(source, target)
        return Database(f"sqlite:///{target}")
    url = db.databases.new_url(name)
    new_name = url.rsplit("/", 1)[1]
    source_name = db.url.rsplit("/", 1)[1]
    with db.databases.admin() as conn:
        # Autovacuum may still be analysing the freshly loaded tables: end it, a copy
        # needs a source nobody is connected to.
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"),
                     {"name": source_name})
        conn.execute(text(f'DROP DATABASE "{new_name}"'))
        conn.execute(text(f'CREATE DATABASE "{new_name}" TEMPLATE "{source_name}"'))
    return Database(url)


def raw_value(value: object) -> object:
    """Python values as the raw driver of this database stores them (naive UTC instants)."""
    if isinstance(value, datetime):
        value = value.astimezone(UTC).replace(tzinfo=None)
        return value if ON_POSTGRESQL else value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date) and not ON_POSTGRESQL:
        return value.isoformat()
    if isinstance(value, bool) and not ON_POSTGRESQL:
        return int(value)
    return value


def bulk_insert(db: Database, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[object]]) -> None:
    """Fast load for test data (the import path is benchmarked on its own): executemany on
    SQLite, COPY on PostgreSQL; afterwards PostgreSQL's id sequence follows the rows."""
    names = ", ".join(columns)
    with db.engine.begin() as conn:
        raw = conn.connection.driver_connection
        if ON_POSTGRESQL:
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([raw_value(v) for v in row])
            if "id" in columns:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
        else:
            marks = ", ".join("?" * len(columns))
            raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                            ([raw_value(v) for v in row] for row in rows))
    analyze(db)


def analyze(db: Database) -> None:
    """Fresh planner statistics, as SQLite's optimize would have them; on PostgreSQL also
    the visibility map that autovacuum sets within a minute of a large insert (it vacuums
    insert-only tables since version 13), which lets index-only scans skip the table."""
    if ON_POSTGRESQL:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        return
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def timed(func: Callable[[], object], repeat: int = 5) -> tuple[float, object]:
    """Best wall time in seconds of `repeat` runs (a busy machine only ever adds time)."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


class Verdict:
    """Collects target checks; `exit_code()` is 0 only when every target was met."""

    def __init__(self) -> None:
        self.missed: list[str] = []

    def check(self, label: str, ok: bool) -> str:
        if not ok:
            self.missed.append(label)
        return "ok" if ok else "VERFEHLT"

    def exit_code(self) -> int:
        print(f"[{DATABASE}] " + ("alle Ziele erreicht" if not self.missed
                                  else "Ziel verfehlt: " + "; ".join(self.missed)))
        return 0 if not self.missed else 1
