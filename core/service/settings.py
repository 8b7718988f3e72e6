"""The service settings section: when the daily service run sends, where the booking link
leads, and whether opens and clicks are tracked. Interval rules, keywords and timelines are
tables of their own (core.service.config, edited on the service settings page)."""
from __future__ import annotations

import re

from core.settings import SettingField, Settings, SettingsSection

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def settings_errors(values: Settings) -> dict[str, str]:
    errors = {}
    if not _TIME.match(str(values.service_send_at)):
        errors["service_send_at"] = (f"Service: Versandzeit „{values.service_send_at}“ muss "
                                     f"die Form HH:MM haben, z. B. 09:00.")
    url = str(values.service_booking_url).strip()
    if url and not re.match(r"^https?://[^\s/]+\.[^\s]+$", url):
        errors["service_booking_url"] = ("Service: die Buchungsseite muss eine vollständige "
                                         "Adresse sein, z. B. https://www.autohaus.at/termin.")
    return errors


SECTION = SettingsSection("service", "Service-Erinnerungen", "build", (
    SettingField("service_send_at", "Versandzeit (HH:MM, Ortszeit)", "der tägliche "
                 "Service-Lauf verschickt Einladungen und Erinnerungen an Arbeitstagen um "
                 "diese Uhrzeit", str, "09:00"),
    SettingField("service_booking_url", "Eigene Buchungsseite", "leer = die eingebaute "
                 "Terminseite; sonst führt der Buchungslink dorthin (der Klick wird vermerkt)",
                 str, ""),
), validate=settings_errors)
