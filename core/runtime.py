"""What one running console shares between its edges: the database and the dev mailbox.

Built once by the composition root (app.py) and handed to pages, API, scheduler and CLI.
Pure Python: the pages reach it through pages.frame.runtime()."""
from __future__ import annotations

import threading

from core import settings as settings_mod
from core.db import Database
from core.settings import Settings


class Runtime:
    """The app-wide handles. `settings()` is read fresh each time: the admin may change
    settings while the console runs, and environment variables still win."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._mailbox = None  # core.mail.devmailbox.DevMailbox once started
        self._mailbox_port: int | None = None
        self._lock = threading.Lock()

    def settings(self) -> Settings:
        with self.db.session() as session:
            return settings_mod.load(session)

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
