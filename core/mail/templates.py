"""Stored mail templates: factory defaults from templates/<module>/ files, staff edits in the DB.

A template's key is "<module>.<name>", e.g. "tradein.market_value" for the files
templates/tradein/market_value.subject.txt, market_value.txt and market_value.html.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.events import record
from core.mail.render import STANDARD_VARS, TemplateError, validate
from core.models import MailTemplate

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent.parent / "templates"
_SUBJECT_SUFFIX = ".subject.txt"


def default_sources(root: Path = TEMPLATE_ROOT) -> dict[str, tuple[str, str, str]]:
    """Every factory template as key -> (subject, text, html), read from the files."""
    found: dict[str, tuple[str, str, str]] = {}
    for subject_file in sorted(root.glob(f"*/*{_SUBJECT_SUFFIX}")):
        name = subject_file.name.removesuffix(_SUBJECT_SUFFIX)
        folder = subject_file.parent
        key = f"{folder.name}.{name}"
        found[key] = (
            subject_file.read_text(encoding="utf-8").strip(),
            _read(folder / f"{name}.txt"),
            _read(folder / f"{name}.html"),
        )
    return found


def _read(path: Path) -> str:
    if not path.exists():
        raise FileNotFoundError(f"Vorlage unvollständig, es fehlt {path}")
    return path.read_text(encoding="utf-8")


def seed_defaults(session: Session, now: datetime, root: Path = TEMPLATE_ROOT) -> int:
    """Insert factory templates whose key is not stored yet; returns how many were added."""
    existing = set(session.scalars(select(MailTemplate.key)))
    added = 0
    for key, (subject, text, html) in default_sources(root).items():
        if key in existing:
            continue
        session.add(MailTemplate(key=key, version=1, subject=subject, text_body=text,
                                 html_body=html, updated_at=now, updated_by="system"))
        added += 1
    session.flush()
    return added


def get(session: Session, key: str) -> MailTemplate:
    # Remembered for the session: a nightly run renders the same few templates hundreds of
    # times. An edit in the same session changes this very object (identity map).
    known = session.info.setdefault("mail_templates", {})
    template = known.get(key)
    if template is None:
        template = session.scalar(select(MailTemplate).where(MailTemplate.key == key))
    if template is None:
        raise NotFound(f"Mailvorlage „{key}“ gibt es nicht.")
    known[key] = template
    return template


def list_templates(session: Session, module: str | None = None) -> list[MailTemplate]:
    query = select(MailTemplate).order_by(MailTemplate.key)
    if module:
        query = query.where(MailTemplate.key.startswith(f"{module}."))
    return list(session.scalars(query))


def save(session: Session, key: str, subject: str, text: str, html: str, actor: str,
         sample_context: dict, now: datetime) -> MailTemplate:
    """Store an edit after rendering it against `sample_context`; TemplateError if it fails."""
    template = get(session, key)
    errors = validate(subject, text, html, _with_standard_vars(sample_context))
    if errors:
        raise TemplateError(errors)
    return _store(session, template, subject, text, html, actor, "gespeichert", now)


def reset_to_default(session: Session, key: str, actor: str, now: datetime,
                     root: Path = TEMPLATE_ROOT) -> MailTemplate:
    """Put the factory text back (as a new version, so the history stays readable)."""
    template = get(session, key)
    defaults = default_sources(root).get(key)
    if defaults is None:
        raise NotFound(f"Für „{key}“ gibt es keine Werksvorlage.")
    return _store(session, template, *defaults, actor, "auf Werksvorlage zurückgesetzt", now)


def _store(session: Session, template: MailTemplate, subject: str, text: str, html: str,
           actor: str, verb: str, now: datetime) -> MailTemplate:
    template.subject, template.text_body, template.html_body = subject.strip(), text, html
    template.version += 1
    template.updated_at = now
    template.updated_by = actor
    record(session, now, "template_saved",
           f"Mailvorlage „{template.key}“ {verb} (Version {template.version}).",
           actor=actor, data={"key": template.key, "version": template.version})
    session.flush()
    return template


def _with_standard_vars(context: dict) -> dict:
    # The outbox adds these at enqueue; validation must not call them unknown.
    placeholders = {"dealer_name": "Autohaus", "unsubscribe_url": "https://example.com/abmelden/x"}
    return {name: placeholders[name] for name in STANDARD_VARS} | context
