"""Settings: factory defaults < values the admin saved in the database < KP_* environment.

Settings are declared as data: the kernel's sections (core.settings_kernel) and one
`SettingsSection` per registered module (`Module.settings`). The settings page, the KP_*
overrides, the validation and the README check all read these declarations.

A `Settings` object holds the kernel's values as typed fields and the registered modules'
values in `module_values`; both read as attributes (`settings.smtp_host`, and a module's
`settings.<key>_…`). A module that is not registered has no values here, and rows stored
for its settings are ignored.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from core import modules
from core.errors import ValidationError
from core.models import Setting


@dataclass(frozen=True)
class SettingField:
    """One setting: its name (KP_ + name upper-cased in the environment), German label and
    help text, type (str, int or bool) and factory default. `choices` (value → German
    label) makes it a selection; `env_only` settings are needed before the database exists,
    so only the environment sets them; `secret` ones are typed blind and kept when left
    empty; `email` ones are checked and normalised as addresses when saved."""

    name: str
    label: str
    help: str
    type: type = str
    default: Any = ""
    choices: Mapping[str, str] | None = None
    env_only: bool = False
    secret: bool = False
    email: bool = False


@dataclass(frozen=True)
class SettingsSection:
    """A group of settings on the settings page; `validate` returns, per setting name, the
    German message for a value that would not work (empty when fine). It sees the whole
    Settings object, so a rule may span fields; it names the field to mark."""

    key: str
    title: str
    icon: str
    fields: tuple[SettingField, ...]
    validate: Callable[[Settings], dict[str, str]] | None = None


def _module_defaults() -> dict[str, Any]:
    return {f.name: f.default for section in module_sections() for f in section.fields}


@dataclass(frozen=True)
class Settings:
    """The values in effect. The kernel fields and their defaults are declared here (typed
    attributes for the whole code base); labels and help live in core.settings_kernel."""

    smtp_host: str = ""  # empty: the in-app dev mailbox receives every mail
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "kundenpilot@autohaus.example"
    mail_from_name: str = "Autohaus Kundenservice"
    service_center_email: str = "servicecenter@autohaus.example"
    dealer_email: str = "haendler@autohaus.example"
    # Where customers' replies go (Reply-To); empty: the sender address.
    reply_to: str = ""
    # The dealer's identity (imprint: required in commercial mail in AT and DE), shown in the
    # footer of every customer mail; the legal name also signs the mails.
    dealer_legal_name: str = ""
    dealer_address: str = ""
    dealer_phone: str = ""
    dealer_website: str = ""
    dealer_register: str = ""
    public_base_url: str = "http://127.0.0.1:8080"
    timezone: str = "Europe/Vienna"
    nightly_at: str = "03:30"
    api_key: str = ""
    send_emails: bool = True
    # Open/click measurement in mails that offer it, only for customers who consented.
    tracking: bool = False
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
    host: str = "127.0.0.1"
    port: int = 8080
    database_url: str = ""
    # The registered modules' settings by name; defaults taken when the object is built.
    # Not hashed: a dict is not hashable, and nothing keys a cache on Settings.
    module_values: Mapping[str, Any] = field(default_factory=_module_defaults, hash=False)

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are no kernel field: a registered module's setting.
        values = self.__dict__.get("module_values") or {}
        if name in values:
            return values[name]
        raise AttributeError(f"no setting {name!r} (is its module registered?)")

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` applied, kernel fields and module settings alike
        (dataclasses.replace only knows the kernel fields)."""
        kernel = {k: v for k, v in changes.items() if k in KERNEL_FIELDS}
        extra = {k: v for k, v in changes.items() if k not in KERNEL_FIELDS}
        unknown = sorted(set(extra) - set(self.module_values))
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(unknown)}")
        if extra:
            kernel["module_values"] = {**self.module_values, **extra}
        return dataclasses.replace(self, **kernel)

    @property
    def uses_dev_mailbox(self) -> bool:
        return not self.smtp_host

    @property
    def nightly_time(self) -> time:
        hours, minutes = self.nightly_at.split(":")
        return time(int(hours), int(minutes))


KERNEL_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "module_values"}


def kernel_field(name: str, label: str, help: str, **options: Any) -> SettingField:
    """The declaration of kernel field `name`; type and default come from `Settings`, so
    they are written down once."""
    declared = KERNEL_FIELDS[name]
    kind = {"str": str, "int": int, "bool": bool}.get(str(declared.type), declared.type)
    return SettingField(name, label, help, kind, declared.default, **options)


def module_sections() -> tuple[SettingsSection, ...]:
    """The sections of the registered modules, in registration order (read at call time:
    a module registered later, or only in a test, is there from then on)."""
    return tuple(m.settings for m in modules.registered() if m.settings is not None)


def sections() -> tuple[SettingsSection, ...]:
    """Every section in page order: the kernel's, then one per registered module."""
    from core.settings_kernel import KERNEL_SECTIONS  # it imports Settings from here

    return KERNEL_SECTIONS + module_sections()


def declared() -> dict[str, SettingField]:
    """Every setting by name; a name declared twice is a programming error."""
    result: dict[str, SettingField] = {}
    for section in sections():
        for item in section.fields:
            if item.name in result:
                raise ValueError(f"setting {item.name!r} is declared twice")
            result[item.name] = item
    return result


def env_name(name: str) -> str:
    return "KP_" + name.upper()


def env_overrides() -> dict[str, str]:
    """The settings fixed by KP_* variables; the UI shows these read-only."""
    return {n: os.environ[env_name(n)] for n in declared() if env_name(n) in os.environ}


def env_only() -> set[str]:
    """Settings only the process environment may set (needed before the database exists)."""
    return {name for name, item in declared().items() if item.env_only}


def parse_value(name: str, raw: str) -> object:
    """Turn stored/env text into the setting's type; ValueError with a German message."""
    kind = declared()[name].type
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered in ("true", "1", "ja", "yes", "on"):
            return True
        if lowered in ("false", "0", "nein", "no", "off", ""):
            return False
        raise ValueError(f"„{raw}“ ist kein Ja/Nein-Wert (true/false).")
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"„{raw}“ ist keine ganze Zahl.") from None
    return raw.strip()


def validate(values: Settings) -> dict[str, str]:
    """Setting name -> German message, for values that would break the console; empty when
    fine."""
    errors: dict[str, str] = {}
    for section in sections():
        if section.validate is not None:
            errors |= section.validate(values)
    return errors


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
    merged = Settings().replace(**given)
    if not given.get("public_base_url"):  # unset, or saved empty by the admin
        merged = merged.replace(public_base_url=default_public_base_url(merged.host,
                                                                        merged.port))
    return merged


def from_environment() -> Settings:
    """Defaults plus environment only: what app start-up knows before the database is open."""
    values = {}
    for name, raw in env_overrides().items():
        try:
            values[name] = parse_value(name, raw)
        except ValueError as exc:
            raise ValueError(f"{env_name(name)}: {exc}") from None
    return _merge(values)


def load(session: Session) -> Settings:
    known = declared()
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    # Rows of settings nobody declares (a module not registered in this process) are kept
    # in the database but not read.
    merged = {k: parse_value(k, v) for k, v in stored.items() if k in known}
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

    Raises ValidationError (setting name -> German message) if the result would be
    invalid."""
    locked = set(env_overrides()) | env_only()
    refused = sorted(set(changes) & locked)
    if refused:
        raise ValueError("Durch Umgebungsvariablen festgelegt: " + ", ".join(refused))
    candidate = load(session).replace(**changes)
    errors = validate(candidate)
    if errors:
        raise ValidationError(errors)
    for key, value in changes.items():
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        session.merge(Setting(key=key, value=text))
    # After the commit, not now: a reader between now and the commit would cache old values.
    event.listen(session, "after_commit", _saved, once=True)
    return candidate
