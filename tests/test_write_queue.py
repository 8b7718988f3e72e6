"""Writers of one console process queue for SQLite's single write lock in order, instead of
polling it through SQLite's busy handler (whose growing sleeps left unlucky requests
waiting for seconds under load, see tests/bench/bench_load.py)."""
from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from core.models import Setting
from tests.databases import sqlite_only


@sqlite_only("die Warteschlange vor SQLites einzigem Schreib-Lock")
def test_concurrent_writers_of_one_process_queue_instead_of_colliding(db):
    db.engine.dispose()

    @event.listens_for(db.engine, "connect")
    def no_busy_wait(dbapi_conn, _record) -> None:
        # Without waiting in SQLite, any writer that meets another one fails at once: only
        # the queue in front of the lock keeps them apart.
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    errors: list[Exception] = []

    def writer(n: int) -> None:
        for i in range(40):
            try:
                with db.session(write=True) as session:
                    session.add(Setting(key=f"probe-{n}-{i}", value="x"))
            except Exception as exc:  # noqa: BLE001 - collected, asserted below
                errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Setting)) == 8 * 40
