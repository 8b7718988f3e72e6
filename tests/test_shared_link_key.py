"""Consoles of a dealer group share one database: a link one of them mailed (unsubscribe,
booking) must open on any other, even though each has its own data/ folder."""
from __future__ import annotations

from core import secrets, signed_ids
from core.db import Database


def test_second_console_adopts_the_link_key_of_the_first(databases, tmp_path, monkeypatch):
    url = databases.new_url("group")
    first_dir, second_dir = tmp_path / "console1", tmp_path / "console2"
    db = Database(url)
    db.migrate()

    monkeypatch.setattr(secrets, "DATA_DIR", first_dir)
    monkeypatch.setattr(secrets, "_cache", {})
    secrets.share_link_key(db)
    token = signed_ids.sign_id("unsubscribe", "c", 42)

    monkeypatch.setattr(secrets, "DATA_DIR", second_dir)  # another machine, another key file
    monkeypatch.setattr(secrets, "_cache", {})
    assert signed_ids.read_id("unsubscribe", "c", token) is None  # its own key: refused
    secrets.share_link_key(db)
    assert signed_ids.read_id("unsubscribe", "c", token) == 42
    assert (first_dir / "secret_key").read_text() != (second_dir / "secret_key").read_text()
    db.engine.dispose()
