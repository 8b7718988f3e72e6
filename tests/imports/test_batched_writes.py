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

from core import clock, optout
from core.imports import run_import, runs
from core.imports.importer import recover
from core.models import Customer, Event, ImportJournal, ImportRun
from core.tradein.models import TradeInCase
from core.winback.models import OrderLine
from tests.databases import sqlite_only
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


@sqlite_only("ein Import darf SQLites Schreib-Lock nicht durchgehend halten")
def test_another_writer_gets_in_between_the_batches(db, now):
    """Mid-import a second connection with a 1 s busy timeout writes at once. Before, the
    import held the write lock throughout and this write failed with "database is locked"."""
    written = []

    def competing_write(fraction: float) -> None:
        if 0.4 < fraction < 0.8 and not written:
            with sqlite3.connect(_sqlite_path(db), timeout=1) as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('probe', 'x')")
            written.append(fraction)

    result = run_import(db, "customers", _customers_csv(ROWS), progress=competing_write, now=now)
    assert result.committed and result.inserted == ROWS
    assert written, "the competing write ran during the import"
    assert _snapshot(db)[0][0] == ("10000", "Wien")


def test_an_error_half_way_undoes_every_batch(db, now):
    run_import(db, "customers", _customers_csv(100, city="Graz"),
               now=now)  # rows the import changes
    before = _snapshot(db)

    def fail_half_way(fraction: float) -> None:
        if 0.5 < fraction < 0.95:
            raise RuntimeError("Festplatte voll")

    with pytest.raises(RuntimeError):
        run_import(db, "customers", _customers_csv(ROWS, city="Linz"), progress=fail_half_way,
                   now=now)
    assert _snapshot(db) == before  # the 100 changed customers are back in Graz, no new ones
    with db.session() as session:
        assert session.scalar(select(ImportRun.status).order_by(ImportRun.id.desc())) \
            == "rolled_back"
        assert session.scalar(select(func.count()).select_from(ImportJournal)) == 0


KILLED_IMPORT = """
import os, signal, sys
import app
app.install_modules()  # as every command of app.py does
from core.db import Database
from core.imports import run_import
from core import clock
db = Database(sys.argv[1])
data = open(sys.argv[2], "rb").read()
def die(fraction):
    if fraction > 0.6:
        os.kill(os.getpid(), signal.SIGKILL)  # the machine loses power mid-import
run_import(db, sys.argv[3], data, progress=die, now=clock.now())
"""


@pytest.mark.parametrize("kind", ["customers", "orders"])
def test_an_import_killed_half_way_is_undone_later(db, now, tmp_path, kind):
    run_import(db, "customers", _customers_csv(100, city="Graz"), now=now)
    if kind == "orders":
        run_import(db, "orders", _orders_csv(50), now=now)
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


def _interrupted(db, data: bytes, meanwhile) -> None:
    """Import `data`, run `meanwhile` between two batches (as another writer would), then
    fail, so the run is undone."""
    done = []

    def progress(fraction: float) -> None:
        if 0.3 < fraction < 0.95 and not done:
            meanwhile()
            done.append(fraction)
        elif done and fraction > 0.6:
            raise RuntimeError("Verbindung verloren")

    with pytest.raises(RuntimeError):
        run_import(db, "customers", data, progress=progress, now=clock.now())
    assert done


def test_undo_keeps_a_new_customer_that_a_valuation_found_meanwhile(db, now, settings):
    from core.tradein import service
    from tests.web.test_api import VALUATION

    def valuation() -> None:  # the website matches the just-imported customer by e-mail
        with db.session(write=True) as session:
            service.create_valuation(session, settings, VALUATION | {"email": "k5@example.at"},
                                     clock.now(), actor="api")

    _interrupted(db, _customers_csv(ROWS), valuation)
    with db.session() as session:
        numbers = session.scalars(select(Customer.customer_number)).all()
        assert numbers == ["10005"]  # every other new customer of the run is gone
        assert session.scalar(select(Customer.import_run_id)) is None
        assert session.scalar(select(func.count()).select_from(TradeInCase)) == 1


def test_undo_keeps_an_opt_out_recorded_meanwhile(db, now):
    run_import(db, "customers", _customers_csv(100, city="Graz"), now=now)

    def unsubscribe() -> None:
        with db.session(write=True) as session:
            customer = session.scalar(select(Customer).where(Customer.customer_number == "10003"))
            optout.opt_out(session, customer, clock.now())

    _interrupted(db, _customers_csv(ROWS, city="Linz"), unsubscribe)
    with db.session() as session:
        customer = session.scalar(select(Customer).where(Customer.customer_number == "10003"))
        assert customer.city == "Graz"  # the import's change is undone...
        assert customer.opted_out_at is not None  # ...the customer's own decision is not


def test_a_second_import_waits_for_the_running_one(db, now):
    answers = []

    def second_import(fraction: float) -> None:
        if 0.3 < fraction < 0.9 and not answers:
            with pytest.raises(runs.ImportBusy) as refused:
                run_import(db, "customers", _customers_csv(10, city="Wels"), now=now)
            answers.append(str(refused.value))

    assert run_import(db, "customers", _customers_csv(ROWS), progress=second_import,
                      now=now).committed
    assert "Es läuft bereits ein Import" in answers[0]
    assert run_import(db, "customers", _customers_csv(10, city="Wels"), now=now).committed
