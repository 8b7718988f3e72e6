"""Login, logout and the first-run page that creates the first administrator."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from nicegui import run, ui

from core import auth, clock
from core.models import User
from pages.frame import apply_theme, current_user, log_in, log_out, runtime, safe_next

FINISH_PATH = "/login/weiter"  # where a login ticket becomes a session (an HTTP request)
THROTTLE = auth.LoginThrottle()
TICKETS = auth.LoginTickets()


def _has_users() -> bool:
    with runtime().db.session() as session:
        return auth.has_users(session)


def _authenticate(username: str, password: str, address: str,
                  now: datetime) -> auth.LoginResult:
    # A write transaction: the attempt is recorded and an outdated hash upgraded.
    with runtime().db.session(write=True) as session:
        return auth.attempt_login(session, THROTTLE, username, password, address, now)


def _browser_id(request: Request) -> str:
    """NiceGUI's browser id from the signed session cookie ("" before the first request)."""
    return str(request.session.get("id", ""))


def _finish_login(user_id: int, target: str) -> None:
    """From a page event (websocket): hand the login to an HTTP request that sets the
    session cookie, via a one-time ticket bound to this browser."""
    ticket = TICKETS.issue(user_id, _browser_id(ui.context.client.request), clock.now())
    ui.navigate.to(f"{FINISH_PATH}?{urlencode({'ticket': ticket, 'next': target})}")


async def finish_login(request: Request, ticket: str = "", next: str = "/") -> RedirectResponse:
    """Redeem a login ticket: a new session token in cookie and storage, then on to `next`."""
    user_id = TICKETS.redeem(ticket, _browser_id(request), clock.now())
    if user_id is None:
        return RedirectResponse("/login", 303)
    log_in(user_id)
    return RedirectResponse(safe_next(next), 303)


def register(app: FastAPI) -> None:
    app.add_api_route(FINISH_PATH, finish_login, methods=["GET"], include_in_schema=False)


def _create_first_admin(username: str, display_name: str, email: str, password: str) -> User:
    with runtime().db.session(write=True) as session:
        # Checked again under the write lock: two first-run pages must not both succeed.
        if auth.has_users(session):
            raise ValueError("Es gibt bereits Benutzer. Bitte melden Sie sich an.")
        return auth.create_user(session, username, password, "admin", display_name, email,
                                now=clock.now())


def _card(title: str, subtitle: str) -> ui.card:
    apply_theme()
    with ui.column().classes("w-full min-h-screen items-center justify-center p-4"):
        card = ui.card().props("flat bordered").classes("w-[400px] max-w-full p-8 gap-4")
        with card:
            with ui.row().classes("items-center gap-2"):
                ui.icon("directions_car", size="md").classes("text-primary")
                ui.label("Kundenpilot").classes("text-xl font-semibold")
            ui.label(title).classes("text-lg font-medium mt-2")
            if subtitle:
                ui.label(subtitle).classes("text-sm text-grey-7")
    return card


async def login_page(next: str = "/") -> RedirectResponse | None:
    target = safe_next(next)
    if not await run.io_bound(_has_users):
        return RedirectResponse("/einrichtung", 303)
    if current_user() is not None:
        return RedirectResponse(target, 303)

    with _card("Anmelden", "Bitte melden Sie sich mit Ihrem Benutzerkonto an."):
        username = ui.input("Benutzername").props("outlined autofocus").classes("w-full").mark(
            "login-username")
        password = ui.input("Passwort", password=True, password_toggle_button=True).props(
            "outlined").classes("w-full").mark("login-password")
        error = ui.label("").classes("text-negative text-sm").mark("login-error")
        error.set_visibility(False)

        async def submit() -> None:
            if not username.value or not password.value:
                error.text = "Bitte Benutzername und Passwort eingeben."
                error.set_visibility(True)
                return
            request = ui.context.client.request
            address = request.client.host if request.client else ""
            result = await run.io_bound(_authenticate, username.value, password.value,
                                        address, clock.now())
            if result is None:  # the server is shutting down
                return
            if result.user is None:
                error.text = result.error
                error.set_visibility(True)
                password.value = ""
                return
            _finish_login(result.user.id, target)

        password.on("keydown.enter", submit)
        ui.button("Anmelden", on_click=submit).props("unelevated").classes("w-full").mark(
            "login-submit")
    return None


def logout_page() -> RedirectResponse:
    log_out()
    return RedirectResponse("/login", 303)


async def setup_page() -> RedirectResponse | None:
    if await run.io_bound(_has_users):
        return RedirectResponse("/login", 303)

    with _card("Ersteinrichtung", "Legen Sie das erste Administrator-Konto an. Weitere "
               "Benutzer können danach angelegt werden."):
        username = ui.input("Benutzername", value="admin").props("outlined").classes(
            "w-full").mark("setup-username")
        display_name = ui.input("Anzeigename").props("outlined").classes("w-full").mark(
            "setup-display-name")
        email = ui.input("E-Mail (für Testmails)").props("outlined").classes("w-full").mark(
            "setup-email")
        password = ui.input(f"Passwort (mind. {auth.MIN_PASSWORD_LENGTH} Zeichen)",
                            password=True).props("outlined").classes("w-full").mark(
            "setup-password")
        repeat = ui.input("Passwort wiederholen", password=True).props("outlined").classes(
            "w-full").mark("setup-password-repeat")
        error = ui.label("").classes("text-negative text-sm").mark("setup-error")
        error.set_visibility(False)

        async def submit() -> None:
            if password.value != repeat.value:
                error.text = "Die Passwörter stimmen nicht überein."
                error.set_visibility(True)
                return
            try:
                user = await run.io_bound(_create_first_admin, username.value or "",
                                          display_name.value or "", email.value or "",
                                          password.value or "")
            except ValueError as exc:
                error.text = str(exc)
                error.set_visibility(True)
                return
            if user is None:  # the server is shutting down
                return
            _finish_login(user.id, "/")

        ui.button("Administrator anlegen", on_click=submit).props("unelevated").classes(
            "w-full").mark("setup-submit")
    return None


def create() -> None:
    """Register this module's pages (called by the composition root)."""
    ui.page("/login", title="Anmelden · Kundenpilot")(login_page)
    ui.page("/logout", title="Abmelden · Kundenpilot")(logout_page)
    ui.page("/einrichtung", title="Einrichtung · Kundenpilot")(setup_page)
