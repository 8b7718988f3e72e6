"""Every setting is declared with German help, documented in README's table, and read from
KP_* like any other — the kernel's and those of every registered module alike."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from core import modules
from core import settings as settings_mod
from core.db import Database
from core.models import Setting
from core.settings import SettingField, Settings

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\|\s*`(KP_[A-Z0-9_]+)`\s*\|")
# Defaults worked out at start-up (generated key, database file, own host and port): README
# describes them in words instead of naming a literal value.
COMPUTED_DEFAULTS = {"api_key", "database_url", "public_base_url"}


def readme_rows() -> dict[str, tuple[str, str]]:
    """KP_NAME -> (default cell, meaning cell) of the table in "## Konfiguration"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Konfiguration", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, tuple[str, str]] = {}
    for line in section.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        assert match.group(1) not in rows, f"README nennt {match.group(1)} zweimal"
        rows[match.group(1)] = (cells[1], cells[2])
    return rows


def _readme_default(item: SettingField) -> str:
    if item.type is bool:
        return f"`{'true' if item.default else 'false'}`"
    return f"`{item.default}`" if item.default != "" else "leer"


def test_every_setting_has_german_help_and_its_readme_row_and_no_row_is_stale():
    declared = settings_mod.declared()
    rows = readme_rows()
    assert declared and rows
    for name, item in declared.items():
        assert item.label.strip() and item.help.strip(), f"{name}: Bezeichnung/Hilfetext fehlt"
        env = settings_mod.env_name(name)
        assert env in rows, f"README-Tabelle hat keine Zeile für {env}"
        default, meaning = rows[env]
        assert meaning, f"{env}: README erklärt die Einstellung nicht"
        if name not in COMPUTED_DEFAULTS:
            assert _readme_default(item) in default, f"{env}: README-Standard „{default}“"
    stale = set(rows) - {settings_mod.env_name(n) for n in declared}
    assert not stale, f"README nennt Einstellungen, die es nicht gibt: {sorted(stale)}"


def test_module_settings_carry_the_module_key_and_sections_the_module_key():
    # The names share one KP_* namespace with the kernel: the prefix keeps modules apart.
    for module in modules.registered():
        if module.settings is None:
            continue
        assert module.settings.key == module.key
        for item in module.settings.fields:
            assert item.name.startswith(f"{module.key}_"), item.name


def test_defaults_types_and_env_only_are_as_declared():
    declared = settings_mod.declared()
    current = Settings()
    for name, item in declared.items():
        assert isinstance(getattr(current, name), item.type), name
        assert getattr(current, name) == item.default or name == "public_base_url"
    assert settings_mod.env_only() == {"host", "port", "database_url", "demo"}


def test_module_values_read_and_replace_like_kernel_fields():
    current = Settings()
    assert current.winback_window_months == 12
    changed = current.replace(winback_window_months=6, smtp_port=2525)
    assert (changed.winback_window_months, changed.smtp_port) == (6, 2525)
    assert current.winback_window_months == 12  # the original is untouched
    with pytest.raises(TypeError):
        current.replace(no_such_setting=1)
    with pytest.raises(AttributeError):
        _ = current.no_such_setting




def test_a_registered_modules_setting_loads_from_the_environment(probe, monkeypatch):
    monkeypatch.setenv("KP_PROBE_GREETING", "Servus")
    monkeypatch.setenv("KP_PROBE_ROUNDS", "5")
    current = settings_mod.from_environment()
    assert (current.probe_greeting, current.probe_rounds) == ("Servus", 5)
    assert settings_mod.env_overrides()["probe_rounds"] == "5"
    assert settings_mod.validate(current.replace(probe_rounds=0)) == {
        "probe_rounds": "Probe: mindestens eine Runde."}
    monkeypatch.setenv("KP_PROBE_ROUNDS", "viele")
    with pytest.raises(ValueError, match="keine ganze Zahl"):
        settings_mod.from_environment()


def test_database_beats_default_and_environment_beats_database(probe, databases, monkeypatch):
    db = Database(databases.new_url("probe"))
    db.migrate()
    with db.session(write=True) as session:
        settings_mod.save(session, {"probe_greeting": "Grüß Gott"})
    with db.session() as session:
        assert settings_mod.load(session).probe_greeting == "Grüß Gott"
    monkeypatch.setenv("KP_PROBE_GREETING", "Moin")
    with db.session(write=True) as session:
        assert settings_mod.load(session).probe_greeting == "Moin"
        with pytest.raises(ValueError, match="Umgebungsvariablen"):
            settings_mod.save(session, {"probe_greeting": "Hi"})
    db.engine.dispose()


def test_an_unregistered_modules_settings_are_absent_and_stored_rows_ignored(databases):
    db = Database(databases.new_url("gone"))
    db.migrate()
    with db.session(write=True) as session:
        session.add(Setting(key="probe_greeting", value="vergessen"))
    assert modules.get("probe") is None
    with db.session() as session:
        current = settings_mod.load(session)
    assert "probe_greeting" not in current.module_values
    with pytest.raises(AttributeError):
        _ = current.probe_greeting
    db.engine.dispose()
