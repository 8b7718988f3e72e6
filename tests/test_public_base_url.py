"""The public address in mail links: environment > stored setting > the console's own
host and port (so links keep working when KP_PORT is not 8080)."""
from __future__ import annotations

import pytest

from core import settings as settings_mod
from core.models import Setting


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("KP_PUBLIC_BASE_URL", "KP_HOST", "KP_PORT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_default_follows_host_and_port(db, clean_env):
    clean_env.setenv("KP_PORT", "8123")
    assert settings_mod.from_environment().public_base_url == "http://127.0.0.1:8123"
    clean_env.setenv("KP_HOST", "192.168.1.20")
    with db.session() as session:
        assert settings_mod.load(session).public_base_url == "http://192.168.1.20:8123"


def test_without_any_variable_it_is_the_usual_address(db, clean_env):
    with db.session() as session:
        assert settings_mod.load(session).public_base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(("host", "expected"), [
    ("0.0.0.0", "http://127.0.0.1:9000"),  # a bind-everything address is no link target
    ("::1", "http://[::1]:9000"),
    ("kundenpilot.autohaus.local", "http://kundenpilot.autohaus.local:9000"),
])
def test_host_forms(host, expected):
    assert settings_mod.default_public_base_url(host, 9000) == expected


def test_stored_value_beats_default_and_env_beats_stored(db, clean_env):
    clean_env.setenv("KP_PORT", "8123")
    with db.session(write=True) as session:
        settings_mod.save(session, {"public_base_url": "https://termine.autohaus.example"})
    with db.session() as session:
        assert settings_mod.load(session).public_base_url == "https://termine.autohaus.example"
    clean_env.setenv("KP_PUBLIC_BASE_URL", "https://kp.autohaus.example")
    with db.session() as session:
        assert settings_mod.load(session).public_base_url == "https://kp.autohaus.example"


def test_a_stored_empty_value_falls_back_to_host_and_port(db, clean_env):
    clean_env.setenv("KP_PORT", "8123")
    with db.session(write=True) as session:
        session.merge(Setting(key="public_base_url", value=""))
    with db.session() as session:
        assert settings_mod.load(session).public_base_url == "http://127.0.0.1:8123"
