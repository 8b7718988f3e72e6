"""Where the templates page gets a template's source: the registered module named by the
key's prefix ("tradein.offer" → the trade-in module's Module.templates). The functions here
open the one session of a request and pass settings and `now` to the source."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from core import modules
from core.errors import NotFound
from core.mail.sources import Preview, TemplateSource
from pages.frame import runtime


def sources() -> dict[str, TemplateSource]:
    """module key -> its template source, in registration order."""
    return {m.key: m.templates for m in modules.registered() if m.templates is not None}


def labels() -> dict[str, str]:
    """module key -> German label, for the module toggle."""
    return {m.key: m.label for m in modules.registered() if m.templates is not None}


def module_of(key: str) -> str:
    return key.split(".", 1)[0]


def source_for(key: str) -> TemplateSource:
    source = sources().get(module_of(key))
    if source is None:
        raise NotFound(f"Unbekannte Vorlage „{key}“.")
    return source


def template_options() -> dict[str, dict[str, str]]:
    """module -> {template key: label}, for the grouped template picker."""
    with runtime().db.session() as session:
        return {key: source.templates(session) for key, source in sources().items()}


def preview(key: str, record_id: int | None, now: datetime) -> Preview:
    settings = runtime().settings()  # before the session: one connection per request
    with runtime().db.session() as session:
        return source_for(key).preview(session, settings, key, record_id, now)


def records(key: str, search: str, now: datetime) -> dict[int, str]:
    settings = runtime().settings()
    with runtime().db.session() as session:
        return source_for(key).records(session, settings, search, now)


def sample(key: str) -> dict[str, Any]:
    return source_for(key).sample(runtime().settings(), key)


def resolve_key(wanted: str, options: dict[str, dict[str, str]]) -> str:
    """A template key from the URL: a full key, a bare name of an old link ("offer"), else
    the first template of the first module."""
    if module_of(wanted) in options and "." in wanted:
        return wanted
    for source in sources().values():
        full = source.bare_key(wanted) if wanted else None
        if full is not None:
            return full
    return next(key for group in options.values() for key in group)
