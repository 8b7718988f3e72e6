"""Where every test database comes from: one place that follows KP_TEST_DATABASE.

`sqlite` (default) gives a fresh file in the test's temp dir. `postgresql` gives a fresh,
empty database on the throw-away cluster that test.sh starts (KP_TEST_PG_URL, a superuser URL
to its `postgres` database); it is dropped again when the test ends. Callers migrate exactly as
the app does, so both databases run the same Alembic migrations."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

KIND = os.environ.get("KP_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
if KIND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"KP_TEST_DATABASE={KIND!r}: erlaubt sind sqlite oder postgresql")
ON_POSTGRESQL = KIND == "postgresql"
# Read once: some fixtures clear every KP_ variable to test the app's own defaults.
CLUSTER_URL = os.environ.get("KP_TEST_PG_URL", "")


class Databases:
    """Hands out fresh database URLs for one test and removes them afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self._created: list[str] = []

    def new_url(self, name: str = "test") -> str:
        if not ON_POSTGRESQL:
            return f"sqlite:///{self.tmp_path / f'{name}.db'}"
        database = f"kp_{name}_{uuid.uuid4().hex[:12]}".lower()
        with _admin_engine().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        self._created.append(database)
        return make_url(_cluster_url()).set(database=database).render_as_string(
            hide_password=False)

    def admin(self):
        """An autocommit connection to the cluster (CREATE / DROP DATABASE)."""
        return _admin_engine().connect()

    def drop_all(self) -> None:
        if not self._created:
            return
        with self.admin() as conn:
            for database in self._created:
                # FORCE: a subprocess or pool of the test may still hold a connection.
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        self._created.clear()


def _cluster_url() -> str:
    url = CLUSTER_URL
    if not url:
        raise RuntimeError("KP_TEST_DATABASE=postgresql braucht KP_TEST_PG_URL "
                           "(test.sh startet dafür einen Wegwerf-Cluster)")
    return url


_ADMIN = None


def _admin_engine():
    global _ADMIN
    if _ADMIN is None:
        _ADMIN = create_engine(_cluster_url(), isolation_level="AUTOCOMMIT", pool_size=1)
    return _ADMIN


def sqlite_only(reason: str):
    """Marks a test of SQLite's single write lock; PostgreSQL locks rows, not the file."""
    import pytest

    return pytest.mark.skipif(ON_POSTGRESQL, reason=f"nur SQLite: {reason}")


def postgresql_only(reason: str):
    """Marks a test of a PostgreSQL setting that SQLite does not have."""
    import pytest

    return pytest.mark.skipif(not ON_POSTGRESQL, reason=f"nur PostgreSQL: {reason}")
