"""A large import writes in short batches: other writers are never locked out meanwhile,
and the import is still all-or-nothing — after an error and after its process was killed."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.imports import run_import, runs
from core.imports.importer import recover
from core.models import Customer, Event, ImportJournal, ImportRun, OrderLine
from tests.imports.conftest import CUSTOMER_HEADER, ORDER_HEADER, excel_csv

ROWS = 3 * runs.BATCH_ROWS + 17  # several batches


def _customers_csv(count: int, city: str = "Wien") -> bytes:
    return excel_csv(CUSTOMER_HEADER, *(
        f"{10000 + i};Vor{i};Nach{i};;k{i}@example.at;;{city};Österreich;Privat;ja"
        for i in range(count)))


def _orders_csv(count: int) -> bytes:
    return excel_csv(ORDER_HEADER, *(
        f"A{i};1;10000;15.03.2025;WIEN;Service;{100 + i},00" for i in range(count)))


def _snapshot(db) -> tuple:
    with db.session() as session:
        people = sorted((c.customer_number, c.city) for c in session.scalars(select(Customer)))
        lines = session.scalar(select(func.count()).select_from(OrderLine))
        imports = session.scalar(select(func.count()).where(Event.kind == "import"))
        return people, lines, imports


def _sqlite_path(db) -> str:
    return db.url.removeprefix("sqlite:///")


def test_another_writer_gets_in_between_the_batches(db, now):
    """Mid-import a second connection with a 1 s busy timeout writes at once. Before, the
    import held the write lock throughout and this write failed with "database is locked"."""
    written = []

    def competing_write(fraction: float) -> None:
        if 0.4 < fraction < 0.8 and not written:
            with sqlite3.connect(_sqlite_path(db), timeout=1) as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('probe', 'x')")
            written.append(fraction)

    result = run_import(db, "customers", _customers_csv(ROWS), progress=competing_write)
    assert result.committed and result.inserted == ROWS
    assert written, "the competing write ran during the import"
    assert _snapshot(db)[0][0] == ("10000", "Wien")


def test_an_error_half_way_undoes_every_batch(db, now):
    run_import(db, "customers", _customers_csv(100, city="Graz"))  # rows the import changes
    before = _snapshot(db)

    def fail_half_way(fraction: float) -> None:
        if 0.5 < fraction < 0.95:
            raise RuntimeError("Festplatte voll")

    with pytest.raises(RuntimeError):
        run_import(db, "customers", _customers_csv(ROWS, city="Linz"), progress=fail_half_way)
    assert _snapshot(db) == before  # the 100 changed customers are back in Graz, no new ones
    with db.session() as session:
        assert session.scalar(select(ImportRun.status).order_by(ImportRun.id.desc())) \
            == "rolled_back"
        assert session.scalar(select(func.count()).select_from(ImportJournal)) == 0


KILLED_IMPORT = """
import os, signal, sys
from core.db import Database
from core.imports import run_import
db = Database(sys.argv[1])
data = open(sys.argv[2], "rb").read()
def die(fraction):
    if fraction > 0.6:
        os.kill(os.getpid(), signal.SIGKILL)  # the machine loses power mid-import
run_import(db, sys.argv[3], data, progress=die)
"""


@pytest.mark.parametrize("kind", ["customers", "orders"])
def test_an_import_killed_half_way_is_undone_later(db, now, tmp_path, kind):
    run_import(db, "customers", _customers_csv(100, city="Graz"))
    if kind == "orders":
        run_import(db, "orders", _orders_csv(50))
    before = _snapshot(db)
    csv = tmp_path / "big.csv"
    csv.write_bytes(_customers_csv(ROWS, city="Linz") if kind == "customers"
                    else _orders_csv(ROWS))
    process = subprocess.run([sys.executable, "-c", KILLED_IMPORT, db.url, str(csv), kind],
                             cwd=Path(__file__).resolve().parents[2], timeout=120,
                             env=os.environ | {"PYTHONPATH": "."})
    assert process.returncode == -signal.SIGKILL
    assert _snapshot(db) != before  # half an import is in the tables now
    # A live import keeps its heartbeat fresh: it is not touched...
    assert recover(db, now) == []
    # ...one silent for longer than STALE_AFTER is undone.
    with db.session() as session:
        beat = session.scalar(select(ImportRun.heartbeat_at).where(
            ImportRun.status == "running"))
    assert recover(db, beat + runs.STALE_AFTER + timedelta(seconds=1))
    assert _snapshot(db) == before
