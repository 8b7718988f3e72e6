"""A separate sender process for the concurrency and crash tests.

usage: python tests/mail/drain_worker.py DB_URL SMTP_PORT NOW_ISO BATCH_SIZE
Prints the DrainReport as JSON.
"""
from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from core import clock  # noqa: E402
from core.db import Database  # noqa: E402
from core.mail.sender import drain  # noqa: E402
from core.settings import Settings  # noqa: E402


def main(url: str, port: str, at: str, batch_size: str) -> None:
    now = datetime.fromisoformat(at)
    clock.set_now(now)
    settings = replace(Settings(), smtp_host="127.0.0.1", smtp_port=int(port),
                       smtp_security="none", public_base_url="http://127.0.0.1:8080")
    report = drain(Database(url), settings, now, batch_size=int(batch_size))
    print(json.dumps(asdict(report)))


if __name__ == "__main__":
    main(*sys.argv[1:5])
