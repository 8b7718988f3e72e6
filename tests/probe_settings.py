"""A throw-away module that brings nothing but a settings section: what the settings tests
(core and page) register to show that a module's settings plug in like the kernel's."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from core import modules
from core.settings import SettingField, SettingsSection

PROBE = modules.Module(key="probe", label="Probe", settings=SettingsSection(
    "probe", "Probe-Modul", "science", (
        SettingField("probe_greeting", "Gruß", "womit die Probe grüßt", str, "Hallo"),
        SettingField("probe_rounds", "Runden", "wie oft die Probe läuft", int, 3),
    ), validate=lambda s: {} if s.probe_rounds > 0 else {
        "probe_rounds": "Probe: mindestens eine Runde."}))


@pytest.fixture
def probe() -> Iterator[modules.Module]:
    """The probe module registered for one test (the one registration line), then gone."""
    modules.register(PROBE)
    try:
        yield PROBE
    finally:
        modules.unregister(PROBE.key)
