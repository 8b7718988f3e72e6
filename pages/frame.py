"""The shared page frame: login check, role check, header, navigation, content area.

Every page module's `create()` registers its pages with `page(path, title, roles)(fn)`; the
function receives the logged-in user (fresh from the database for each request) and its path
parameters, and renders into the content area. The navigation is the kernel's entries plus
every registered module's (core.modules)."""
from __future__ import annotations

import functools
import hmac
import importlib
import inspect
import secrets
from collections.abc import Callable
from types import ModuleType
from typing import Any
from urllib.parse import quote

from fastapi.responses import RedirectResponse
from nicegui import app, ui

from core import modules
from core.auth import ROLES, safe_next  # noqa: F401 (safe_next: used by pages via frame)
from core.errors import NotFound
from core.models import User
from core.modules import Module, NavEntry
from core.runtime import Runtime
from pages.news_bell import header_bell
from pages.search import header_search

ACCENT = "#1d5c8c"  # the one accent colour (calm dealership blue)
USER_KEY = "user_id"  # app.storage.user key holding the logged-in user's id
NOTICE_KEY = "notice"  # a notice waiting for the next page (notify_on_next_page)
# The session token: new on every login, kept both in app.storage.user (server side, keyed
# by NiceGUI's browser id) and in the signed session cookie (app.storage.browser). Only a
# browser holding the token of the login is logged in, so a browser id planted before the
# login (session fixation) or an old cookie replayed after the logout gets nothing.
TOKEN_KEY = "session_token"

_runtime: Runtime | None = None
PAGE_ROLES: dict[str, tuple[str, ...]] = {}  # path -> roles, so the navigation hides the rest


def set_runtime(value: Runtime) -> None:
    """Called once by the composition root before the first request."""
    global _runtime
    _runtime = value


def runtime() -> Runtime:
    """The app-wide Runtime (database, fresh settings, dev mailbox port)."""
    if _runtime is None:
        raise RuntimeError("Runtime not set; app.build() must run first")
    return _runtime


def current_user() -> User | None:
    """The logged-in, active user of this browser session (detached), or None."""
    user_id = app.storage.user.get(USER_KEY)
    if user_id is None or not _token_matches():
        return None
    with runtime().db.session() as session:
        user = session.get(User, user_id)
        if user is None or not user.active:
            app.storage.user.pop(USER_KEY, None)  # deleted or deactivated: log out
            return None
        session.expunge(user)
        return user


def _token_matches() -> bool:
    stored, sent = app.storage.user.get(TOKEN_KEY), app.storage.browser.get(TOKEN_KEY)
    return isinstance(stored, str) and isinstance(sent, str) and hmac.compare_digest(stored,
                                                                                     sent)


def log_in(user_id: int) -> None:
    """Start a session (only inside an HTTP request: it sets the cookie). A fresh token."""
    token = secrets.token_urlsafe(32)
    app.storage.user.clear()
    app.storage.user.update({USER_KEY: user_id, TOKEN_KEY: token})
    app.storage.browser[TOKEN_KEY] = token


def log_out() -> None:
    """End the session (inside an HTTP request): the token is gone on both sides."""
    app.storage.user.clear()
    app.storage.browser.pop(TOKEN_KEY, None)


def may_open(user: User, path: str) -> bool:
    roles = PAGE_ROLES.get(path, ())
    return user.role == "admin" or not roles or user.role in roles


# The kernel's own entries; modules add theirs (Module.nav) and `order` interleaves them.
KERNEL_NAV = (
    NavEntry("Übersicht", "/", "dashboard", order=0),
    NavEntry("Import", "/import", "upload_file", order=60),
    NavEntry("Vorlagen", "/vorlagen", "article", order=70),
    NavEntry("Postausgang", "/postausgang", "outbox", order=80),
    NavEntry("Benutzer", "/benutzer", "group", order=90),
    NavEntry("Einstellungen", "/einstellungen", "settings", order=95),
    NavEntry("Mein Konto", "/konto", "account_circle", order=97),
)
DEV_MAILBOX_NAV = NavEntry("Dev-Postfach", "/dev-postfach", "inbox", order=85)


def module_pages(module: Module) -> ModuleType | None:
    """The page package of `module` (Module.pages), or None for a module without pages."""
    return importlib.import_module(module.pages) if module.pages else None


def nav_items(user: User, uses_dev_mailbox: bool) -> list[tuple[str, str, str]]:
    """(label, path, icon) of the left navigation this user sees."""
    entries = [*KERNEL_NAV, *(DEV_MAILBOX_NAV,) * uses_dev_mailbox]
    entries += [entry for module in modules.registered() for entry in module.nav]
    entries.sort(key=lambda entry: entry.order)
    return [(e.label, e.path, e.icon) for e in entries if may_open(user, e.path)]


def apply_theme() -> None:
    """Colours and typography shared by every page, the login page included."""
    ui.colors(primary=ACCENT, secondary="#5b6b7a", accent=ACCENT, positive="#2e7d32",
              negative="#c62828", warning="#ed6c02", info="#0277bd")
    ui.query("body").classes("bg-grey-1 text-grey-10")
    ui.button.default_props("no-caps")  # sentence-case labels everywhere, as German UIs read


def _frame(user: User, path: str) -> ui.column:
    """Header, navigation drawer and the content column the page renders into."""
    apply_theme()
    with ui.header(elevated=False).classes("bg-white text-grey-9 border-b items-center px-4 py-2"):
        ui.button(icon="menu", on_click=lambda: drawer.toggle()).props(
            "flat round dense color=grey-8").mark("nav-toggle")
        ui.icon("directions_car", size="sm").classes("text-primary")
        ui.label("Kundenpilot").classes("text-lg font-semibold tracking-wide").mark("app-title")
        ui.space()
        header_search(runtime())  # customer search: a box, on a phone an icon and a dialog
        header_bell(runtime(), user)  # what is new since the user last looked
        with ui.row().classes("items-center gap-2"):
            with ui.link(target="/konto").classes(
                    "row items-center gap-1 no-underline text-grey-9").tooltip("Mein Konto"):
                ui.icon("person", size="xs").classes("text-grey-7")
                ui.label(user.display_name).classes("text-sm").mark("current-user")
            ui.label(ROLES.get(user.role, user.role)).classes("text-xs text-grey-6 gt-xs")
            ui.button("Abmelden", icon="logout", on_click=lambda: ui.navigate.to("/logout")).props(
                "flat dense no-caps color=grey-8").mark("logout")
    settings = runtime().settings()
    # Open on wide screens, closed on a phone or tablet: Quasar's show-if-above opens it on
    # load above 1023 px and reports that back. (value=None would do the same but asks the
    # browser for the state on every connect, which fails noisily on a quick navigation.)
    with ui.left_drawer(value=False, bordered=True).props("width=220 show-if-above").classes(
            "bg-white q-pa-none") as drawer, ui.list().classes("w-full pt-2"):
        for label, target, icon in nav_items(user, settings.uses_dev_mailbox):
            active = target == path or (target != "/" and path.startswith(target + "/"))
            item = ui.item(on_click=lambda t=target: ui.navigate.to(t)).props(
                "clickable" + (" active" if active else "")).classes(
                "rounded-r-full mr-2" + (" text-primary bg-blue-1" if active else " text-grey-9"))
            with item:
                with ui.item_section().props("avatar"):
                    ui.icon(icon, size="sm")
                ui.item_section(label)
            item.mark("nav-" + target.strip("/").replace("/", "-") if target != "/" else "nav-home")
    return ui.column().classes("w-full max-w-[1400px] mx-auto p-3 sm:p-6 gap-4").mark("content")


def _page_signature(fn: Callable[..., Any]) -> inspect.Signature:
    """fn's signature minus the leading `user`: what FastAPI sees (path/query params)."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    return inspect.Signature(params)


def page(path: str, title: str, roles: tuple[str, ...] = ()) -> Callable:
    """Register a login-protected page; `roles` empty means every logged-in user.

    Admins are always allowed. The page function is called as `fn(user, **path_params)`."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        async def wrapper(**params: Any) -> Any:
            user = current_user()
            request_path = ui.context.client.request.url.path
            if user is None:
                url = ui.context.client.request.url
                target = url.path + (f"?{url.query}" if url.query else "")
                return RedirectResponse(f"/login?next={quote(target, safe='')}", 303)
            content = _frame(user, request_path)
            notice = app.storage.user.pop(NOTICE_KEY, None)
            if notice:
                ui.notify(notice, type="positive")
            with content:
                if not may_open(user, path):
                    ui.context.client.status_code = 403
                    _denied(user)
                    return None
                try:
                    result = fn(user, **params)
                    if inspect.isawaitable(result):
                        result = await result
                except NotFound as exc:  # e.g. /ankauf/999: a friendly page, not a 500
                    ui.context.client.status_code = 404
                    _message("Nicht gefunden", str(exc) or "Diese Seite gibt es nicht.",
                             "not-found")
                    return None
            return result

        wrapper.__signature__ = _page_signature(fn)  # type: ignore[attr-defined]
        PAGE_ROLES[path] = roles
        ui.page(path, title=f"{title} · Kundenpilot")(wrapper)
        return fn

    return decorator


def notify_on_next_page(message: str) -> None:
    """A success notice for the page the user is sent to next: a plain ui.notify would vanish
    with the page it was shown on."""
    app.storage.user[NOTICE_KEY] = message


def _message(title: str, text: str, marker: str) -> None:
    with ui.card().props("flat bordered").classes("p-6 gap-2").mark(marker):
        ui.label(title).classes("text-lg font-medium")
        ui.label(text).classes("text-grey-8")


def not_found_page(request: Any) -> Any:
    """The German "page not found" answer (HTTP 404) for an unknown path: in the frame for a
    logged-in user, with the way back; else a plain card that leads to the login."""
    from nicegui import Client
    from nicegui.page import page as nicegui_page

    with Client(nicegui_page(""), request=request) as client:
        user = current_user()
        if user is not None:
            with _frame(user, request.url.path):
                _not_found_card("/", "Zur Übersicht")
        else:
            apply_theme()
            with ui.column().classes("w-full min-h-screen items-center justify-center p-4"):
                _not_found_card("/login", "Zur Anmeldung")
    return client.build_response(request, 404)


def _not_found_card(target: str, label: str) -> None:
    with ui.card().props("flat bordered").classes("p-6 gap-3 max-w-[560px]").mark("not-found"):
        with ui.row().classes("items-center gap-2"):
            ui.icon("search_off", size="md").classes("text-grey-7")
            ui.label("Seite nicht gefunden").classes("text-lg font-medium")
        ui.label("Diese Adresse gibt es im Kundenpiloten nicht. Vielleicht war der Link "
                 "unvollständig oder die Seite wurde verschoben.").classes("text-grey-8")
        ui.button(label, icon="arrow_back", on_click=lambda: ui.navigate.to(target)).props(
            "unelevated no-caps")


def _denied(user: User) -> None:
    _message("Keine Berechtigung", f"Ihre Rolle ({ROLES.get(user.role, user.role)}) darf diese "
             "Seite nicht öffnen. Bitte wenden Sie sich an die Administration.", "access-denied")
