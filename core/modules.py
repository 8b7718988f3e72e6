"""The module contract and the registry.

A module (Ankauf, Rückgewinnung, later Service, Anfragen, Automailer) is one package
`core/<key>/` that declares a single `Module` object, plus its pages in `pages/<key>/`. The
composition root registers each module in one line; the kernel (tick, dashboard, navigation,
settings, templates, API, demo loader, import, customer page) iterates `registered()` and
never names a module. Adding a module changes no kernel file.

The page side of a module lives in the package named by `Module.pages` (core never imports
it): `create()` registers its pages, optional `router` (a FastAPI APIRouter mounted under
/api/v1) and `customer_panel(customer_id, user)` renders its part of the customer page."""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

if TYPE_CHECKING:  # core.settings imports this module for the registry
    from core.settings import SettingsSection


@dataclass(frozen=True)
class NavEntry:
    """A link in the left navigation; `order` sorts the entries of every module together."""

    label: str
    path: str
    icon: str
    order: int = 50


@dataclass(frozen=True)
class Tile:
    """A dashboard tile: a count (key of `Module.tile_counts`) linking to a filtered list."""

    key: str
    label: str
    href: str
    icon: str | None = None
    color: str = "primary"
    hint: str = ""  # a short line under the count


@dataclass(frozen=True)
class TileGroup:
    """Tiles shown together under one heading; large ones are the "Handlungsbedarf" kind."""

    title: str
    tiles: tuple[Tile, ...]
    large: bool = False


@dataclass(frozen=True)
class News:
    """Something new since a user last looked (the bell in the header): a German label for
    the count ("neue Terminanfragen"), where to look, and the count since an instant."""

    label: str
    href: str
    count: Callable[[Session, datetime], int]  # (session, since) -> how many are new


@dataclass(frozen=True)
class ImportKind:
    """A CSV import a module brings (e.g. order lines): its column table, how a checked file
    becomes a write plan, and the table and upsert key an interrupted run is undone on.

    finish: (session, plan, now, dry_run) -> names of rows it created (or would create) that
    the rows refer to, e.g. new company codes; shown as "<created_label> angelegt: …" with
    `created_link` (label, path) to where staff complete them. after_link: (label, path)
    shown after a successful import."""

    spec: Any  # core.imports.specs.ImportSpec
    plan: Callable[..., Any]  # (session, report, now) -> core.imports.plans.Plan
    table: Any  # the SQLAlchemy Table the rows go to
    keys: tuple[str, ...]
    finish: Callable[..., list[str]] | None = None
    created_label: str = ""
    created_link: tuple[str, str] | None = None
    after_link: tuple[str, str] | None = None


@dataclass(frozen=True)
class Module:
    """Everything the kernel asks of a module. Only `key` and `label` are required; a part
    left empty means the module has none (no tiles, no settings, …)."""

    key: str  # identifier: template keys "<key>.<name>", events/outbox rows (module, record_id)
    label: str  # German, as staff read it
    record_label: str = "Nr."  # one record in console lines and links, e.g. "Fall"
    flow: Any = None  # its action flow (core.actions.Flow): the actions table and hooks
    models: tuple[type, ...] = ()
    # (session, now, settings) -> outcomes: the due rules, called by every tick.
    run_due: Callable[[Session, datetime, Any], list[Any]] | None = None
    # (session, now, settings, days) -> the automatic mails of the next days (dry run).
    forecast: Callable[[Session, datetime, Any, int], list[Any]] | None = None
    tiles: tuple[TileGroup, ...] = ()
    # (session, settings, now) -> {tile key: count}
    tile_counts: Callable[[Session, Any, datetime], dict[str, int]] | None = None
    news: tuple[News, ...] = ()  # counted in the header's bell since the user last looked
    templates: Any = None  # a core.mail.sources.TemplateSource
    settings: SettingsSection | None = None  # fields, defaults, help, validation
    # (session, settings, now) -> a console line about what was loaded, or None
    demo: Callable[[Session, Any, datetime], str | None] | None = None
    imports: tuple[ImportKind, ...] = ()
    # (db, now, progress) -> None: brings the module's figures up to date after an import of
    # one of the kinds in `after_import_of` (empty: of any kind)
    after_import: Callable[[Any, datetime, Callable[[float], None]], None] | None = None
    after_import_of: frozenset[str] = frozenset()
    nav: tuple[NavEntry, ...] = ()
    pages: str = ""  # dotted name of the page package (see the module docstring)
    # record id -> the page of that record (links from the timeline, outbox, forecast)
    record_url: Callable[[int], str] | None = None
    # (session, keep_id, drop_id) -> None: merging two customers (core.customers.merge) moves
    # every row pointing at customers.id to the kept one; a module whose table cannot simply
    # be re-pointed (customer_id as primary key: both may have a row) settles it here first.
    merge_customer: Callable[[Session, int, int], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


_registry: dict[str, Module] = {}


def register(module: Module) -> Module:
    """Add a module; registering the same key again replaces it (tests, reloads)."""
    _registry[module.key] = module
    return module


def unregister(key: str) -> None:
    _registry.pop(key, None)


def registered() -> tuple[Module, ...]:
    """Every module in registration order (the order of tick, navigation and dashboard)."""
    return tuple(_registry.values())


def import_kinds() -> list[ImportKind]:
    """The CSV imports the registered modules bring, in registration order."""
    return [kind for module in _registry.values() for kind in module.imports]


def get(key: str) -> Module | None:
    return _registry.get(key)


def record_url(module_key: str | None, record_id: int | None) -> str | None:
    """Where a row pointing to (module, record_id) links to, or None."""
    module = _registry.get(module_key or "")
    if module is None or module.record_url is None or record_id is None:
        return None
    return module.record_url(record_id)


def template_label(session: Session, template_key: str) -> str:
    """The German name of a template ("tradein.offer" → its module's label for it); the key
    itself for a template no registered module names."""
    module = get(template_key.split(".", 1)[0])
    if module is None or module.templates is None:
        return template_key
    return module.templates.templates(session).get(template_key, template_key)


def install(key: str) -> Module:
    """Register the module of package `core.<key>` (its `module.MODULE`): the composition
    root's one line per module."""
    module = importlib.import_module(f"core.{key}.module").MODULE
    if module.key != key:
        raise ValueError(f"core.{key} declares the module key „{module.key}“")
    return register(module)
