"""The win-back settings section: which revenue decline puts a customer on the worklist.

Read as `settings.winback_…` by detection, pages and demo; set on the settings page or by
KP_WINBACK_* variables like every other setting."""
from __future__ import annotations

from core.settings import SettingField, Settings, SettingsSection

MAX_WINDOW_MONTHS = 60  # five years back and the five before: older figures say little


def settings_errors(values: Settings) -> dict[str, str]:
    """German messages for win-back settings that make no sense, per setting."""
    errors = {}
    if not 1 <= values.winback_window_months <= MAX_WINDOW_MONTHS:
        errors["winback_window_months"] = (f"Rückgewinnung: der Zeitraum muss zwischen 1 und "
                                           f"{MAX_WINDOW_MONTHS} Monaten liegen.")
    if not 1 <= values.winback_threshold_percent <= 100:
        errors["winback_threshold_percent"] = ("Rückgewinnung: die Rückgangsschwelle muss "
                                               "zwischen 1 und 100 % liegen.")
    if values.winback_min_previous_eur < 0:
        errors["winback_min_previous_eur"] = ("Rückgewinnung: der Mindestumsatz darf nicht "
                                              "negativ sein.")
    return errors


SECTION = SettingsSection("winback", "Rückgewinnung", "trending_down", (
    SettingField("winback_window_months", "Zeitraum (Monate)", "aktueller Zeitraum, "
                 "verglichen mit dem gleich langen davor; 1 bis 60 Monate", int, 12),
    SettingField("winback_threshold_percent", "Rückgang ab (%)", "ab diesem Umsatzrückgang "
                 "erscheint der Kunde in der Liste (genau auf der Schwelle zählt)", int, 30),
    SettingField("winback_min_previous_eur", "Mindestumsatz vorher (€)", "Kunden mit "
                 "weniger Umsatz im Vorzeitraum (ganze Euro) werden nicht betrachtet", int, 500),
    SettingField("winback_groups", "Kundengruppen", "einbezogene Kundengruppen, mit Komma "
                 "trennen; leer = alle Gruppen", str, ""),
), validate=settings_errors)
