"""Generated secrets: created once into data/ (git-ignored), never written into the repository.

Each secret is one file `data/secret_<name>` (mode 0600). Creating it is atomic (link of a
fully written temp file), so two processes starting at the same time end up with one value.

The key that signs the customers' links is shared through the database instead (see
`share_link_key`): consoles of a dealer group serve each other's unsubscribe and booking
links.
"""
from __future__ import annotations

import os
import secrets as _random
import tempfile
from contextlib import suppress
from pathlib import Path

from sqlalchemy import select

from core.db import DATA_DIR, Database, upsert_insert
from core.models import Setting

LINK_KEY = "key"  # the secret core.signed_ids signs with
_STORED_AS = "secret.link_key"  # its row in the settings table (no setting: never shown)

_cache: dict[tuple[Path, str], str] = {}


def secret(name: str = "key", directory: Path | None = None) -> str:
    """The secret called `name`, generated on first use; e.g. secret() -> data/secret_key."""
    folder = Path(directory) if directory is not None else DATA_DIR
    cache_key = (folder, name)
    if cache_key not in _cache:
        _cache[cache_key] = _read_or_create(folder / f"secret_{name}")
    return _cache[cache_key]


def _read_or_create(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(_random.token_urlsafe(48))
            os.chmod(tmp, 0o600)
            with suppress(FileExistsError):  # another process was first: keep theirs
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    value = path.read_text().strip()
    if not value:
        raise RuntimeError(f"Geheimnis-Datei {path} ist leer; bitte löschen, sie wird neu erzeugt.")
    return value


def share_link_key(db: Database) -> None:
    """Make the link key the one stored in `db`: the first console to start stores its own
    (so links already mailed stay valid), every later one adopts it. Called whenever the
    app opens its database."""
    with db.session(write=True) as session:
        session.execute(upsert_insert(session, Setting).values(
            key=_STORED_AS, value=secret(LINK_KEY)).on_conflict_do_nothing(
            index_elements=["key"]))
        stored = session.scalar(select(Setting.value).where(Setting.key == _STORED_AS))
    _cache[(DATA_DIR, LINK_KEY)] = stored
