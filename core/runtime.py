"""What one running console shares between its edges: the database and the dev mailbox.

Built once by the composition root (app.py) and handed to pages, API, scheduler and CLI.
Pure Python: the pages reach it through pages.frame.runtime()."""
from __future__ import annotations

import threading
import time

from core import settings as settings_mod
from core.db import Database
from core.settings import Settings

# Another process (a second console on the same PostgreSQL, the CLI) may save settings too;
# its change shows here after at most this many seconds. Saves in this process show at once.
SETTINGS_TTL_SECONDS = 10.0


class Runtime:
    """The app-wide handles. `settings()` is cached: a request reads them once, before it
    opens its database session, so one request never holds two pooled connections (with a
    write lock held, a second checkout could wait on a pool that the other requests drained).
    The cache is dropped when settings are saved in this process or the KP_* environment
    changes, and refreshed after SETTINGS_TTL_SECONDS for saves by other processes."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._mailbox = None  # core.mail.devmailbox.DevMailbox once started
        self._mailbox_port: int | None = None
        self._lock = threading.Lock()
        self._settings: tuple[object, float, Settings] | None = None

    def settings(self) -> Settings:
        """The current settings. Call it before `db.session()`, never inside one: a stale
        cache opens its own short session."""
        current = self.cached_settings()
        if current is None:
            key = self._settings_key()
            with self.db.session() as session:
                current = settings_mod.load(session)
            self._settings = (key, time.monotonic(), current)
        return current

    def cached_settings(self) -> Settings | None:
        """The settings if the cache is fresh, else None: never touches the database, so
        the event loop may call it (and go to a thread for `settings()` on None)."""
        cached = self._settings
        if cached is not None and cached[0] == self._settings_key() \
                and time.monotonic() - cached[1] < SETTINGS_TTL_SECONDS:
            return cached[2]
        return None

    @staticmethod
    def _settings_key() -> tuple:
        return settings_mod.generation(), tuple(sorted(settings_mod.env_overrides().items()))

    @property
    def dev_port(self) -> int | None:
        """Port of the embedded dev mailbox, None while it is not running."""
        return self._mailbox_port

    def start_dev_mailbox(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start the in-app SMTP server that stores every received mail (idempotent)."""
        with self._lock:
            if self._mailbox is None:
                from core.mail.devmailbox import DevMailbox

                self._mailbox = DevMailbox(self.db)
                self._mailbox_port = self._mailbox.start(host=host, port=port)
            return self._mailbox_port

    def stop_dev_mailbox(self) -> None:
        with self._lock:
            if self._mailbox is not None:
                self._mailbox.stop()
            self._mailbox, self._mailbox_port = None, None
