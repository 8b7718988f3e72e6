"""Settings: factory defaults < values the admin saved in the database < KP_* environment.

One table below declares every setting; the settings page, the env override and the
validation all read it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core.models import Setting
from core.text import header_safe


@dataclass(frozen=True)
class Settings:
    smtp_host: str = ""  # empty: the in-app dev mailbox receives every mail
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "kundenpilot@autohaus.example"
    mail_from_name: str = "Autohaus Kundenservice"
    service_center_email: str = "servicecenter@autohaus.example"
    dealer_email: str = "haendler@autohaus.example"
    public_base_url: str = "http://127.0.0.1:8080"
    timezone: str = "Europe/Vienna"
    nightly_at: str = "03:30"
    api_key: str = ""
    send_emails: bool = True
    daily_quota: int = 2000
    # Temporary delivery errors are retried this long (from the first one), then the mail fails.
    mail_max_age_hours: int = 72
    demo: bool = False
    # Business calendar (core.calendar): country/region for public holidays, opening hours
    # per weekday ("Mo-Fr 08:00-18:00; Sa 09:00-12:00"), extra closing days ("24.12.; 31.12.").
    holiday_country: str = "AT"
    holiday_region: str = ""
    opening_hours: str = "Mo-Fr 08:00-18:00; Sa 09:00-12:00"
    closing_days: str = "24.12.; 31.12."
    # Win-back detection (core.winback): window length, decline threshold, minimum revenue of
    # the previous window (whole euros), customer groups included (comma list; empty = all).
    winback_window_months: int = 12
    winback_threshold_percent: int = 30
    winback_min_previous_eur: int = 500
    winback_groups: str = ""
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""

    @property
    def uses_dev_mailbox(self) -> bool:
        return not self.smtp_host

    @property
    def nightly_time(self) -> time:
        hours, minutes = self.nightly_at.split(":")
        return time(int(hours), int(minutes))


# Settings only the process environment may set (they are needed before the database exists).
ENV_ONLY = {"host", "port", "database_url", "demo"}
FIELD_TYPES = {f.name: f.type for f in fields(Settings)}
MAX_MAIL_AGE_HOURS = 24 * 30  # a month: longer, a mail is stale news


def env_name(field: str) -> str:
    return "KP_" + field.upper()


def env_overrides() -> dict[str, str]:
    """The settings fixed by KP_* variables; the UI shows these read-only."""
    return {f: os.environ[env_name(f)] for f in FIELD_TYPES if env_name(f) in os.environ}


def parse_value(field: str, raw: str) -> object:
    """Turn stored/env text into the field's type; ValueError with a German message."""
    kind = FIELD_TYPES[field]
    if kind in ("bool", bool):
        lowered = raw.strip().lower()
        if lowered in ("true", "1", "ja", "yes", "on"):
            return True
        if lowered in ("false", "0", "nein", "no", "off", ""):
            return False
        raise ValueError(f"{field}: „{raw}“ ist kein Ja/Nein-Wert (true/false).")
    if kind in ("int", int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{field}: „{raw}“ ist keine ganze Zahl.") from None
    return raw.strip()


def validate(values: Settings) -> list[str]:
    """German error messages for values that would break the console; empty when fine."""
    errors = []
    if values.smtp_security not in ("none", "starttls", "ssl"):
        errors.append("SMTP-Sicherheit muss none, starttls oder ssl sein.")
    try:
        ZoneInfo(values.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(f"Unbekannte Zeitzone „{values.timezone}“.")
    try:
        _ = values.nightly_time
    except ValueError:
        errors.append(f"Nachtlauf-Uhrzeit „{values.nightly_at}“ muss die Form HH:MM haben.")
    if values.daily_quota < 0:
        errors.append("Tageslimit darf nicht negativ sein.")
    if not header_safe(values.mail_from_name):
        errors.append("Absendername darf keine Zeilenumbrüche, Steuerzeichen oder kodierten "
                      "Zeichenfolgen („=?…?=“) enthalten.")
    if not 1 <= values.mail_max_age_hours <= MAX_MAIL_AGE_HOURS:
        errors.append(f"Zustellung aufgeben nach (Stunden) muss zwischen 1 und "
                      f"{MAX_MAIL_AGE_HOURS} liegen.")
    if not 1 <= values.smtp_port <= 65535:
        errors.append("SMTP-Port muss zwischen 1 und 65535 liegen.")
    # Imported here: both modules read Settings, which lives in this one.
    from core.calendar import calendar_errors
    from core.winback.detection import settings_errors

    return errors + calendar_errors(values) + settings_errors(values)


def default_public_base_url(host: str, port: int) -> str:
    """Where the console is reached when the admin set no public address: its own host and
    port, so links in mails keep working on a non-default KP_PORT. A wildcard bind address is
    no address a browser can open, so it is shown as the loopback address."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal in a URL
    return f"http://{host}:{port}"


def _merge(given: dict[str, object]) -> Settings:
    """Defaults overlaid with `given`; an unset public address follows host and port."""
    merged = replace(Settings(), **given)
    if not given.get("public_base_url"):  # unset, or saved empty by the admin
        merged = replace(merged, public_base_url=default_public_base_url(merged.host,
                                                                          merged.port))
    return merged


def from_environment() -> Settings:
    """Defaults plus environment only: what app start-up knows before the database is open."""
    return _merge({k: parse_value(k, v) for k, v in env_overrides().items()})


def load(session: Session) -> Settings:
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    merged = {k: parse_value(k, v) for k, v in stored.items() if k in FIELD_TYPES}
    merged |= {k: parse_value(k, v) for k, v in env_overrides().items()}
    return _merge(merged)


_generation = 0  # bumped after every committed save in this process (cache key of Runtime)


def generation() -> int:
    return _generation


def _saved(_session: Session) -> None:
    global _generation
    _generation += 1


def save(session: Session, changes: dict[str, object]) -> Settings:
    """Store admin changes (env-fixed and env-only fields are refused); returns the result.

    Raises ValueError with German messages if the result would be invalid."""
    locked = set(env_overrides()) | ENV_ONLY
    refused = sorted(set(changes) & locked)
    if refused:
        raise ValueError("Durch Umgebungsvariablen festgelegt: " + ", ".join(refused))
    candidate = replace(load(session), **changes)
    errors = validate(candidate)
    if errors:
        raise ValueError(" ".join(errors))
    for key, value in changes.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        session.merge(Setting(key=key, value=text))
    # After the commit, not now: a reader between now and the commit would cache old values.
    event.listen(session, "after_commit", _saved, once=True)
    return candidate
