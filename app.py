"""Kundenpilot — composition root and command line.

    python app.py                      serve the console (KP_HOST / KP_PORT)
    python app.py tick [--at ISO]      run every due rule and drain the outbox as of an instant
    python app.py create-user          create a user (prompts, or --username/--role/--password)
    python app.py import KIND FILE     import a DMS export (customers|orders|vehicles|…) from CSV
    python app.py export optouts FILE  the opted-out customers as CSV for the DMS

Wires configuration, database, dev mailbox, scheduler, pages and API together; the domain
lives in core/, the HTTP edge in pages/, the ticker in scheduler/."""
from __future__ import annotations

import argparse
import getpass
import importlib
import logging
import secrets
import socket
import sys
from datetime import datetime

from core import auth, clock, modules
from core import settings as settings_mod
from core.db import Database
from core.models import User
from core.runtime import Runtime
from core.secrets import share_link_key

# The modules of this console, one line each (core.<key>, pages in pages/<key>/). Order is
# the order of the tick, the dashboard and the navigation.
MODULES = (
    "tradein",
    "winback",
    "service",
)
# The kernel's pages: each has create() (NiceGUI pages) and/or register(app) (plain routes).
KERNEL_PAGES = (
    "pages.login", "pages.dashboard", "pages.templates_page", "pages.imports", "pages.outbox",
    "pages.devmailbox", "pages.settings_page", "pages.unsubscribe", "pages.customer",
    "pages.users", "pages.account",
)
DEMO_ADMIN = "admin"
DEMO_ADMIN_EMAIL = "admin@autohaus.example"  # lands in the dev mailbox like every demo mail
# The imprint every demo customer mail shows in its footer (a made-up dealer).
DEMO_IDENTITY = {
    "dealer_legal_name": "Autohaus Demo GmbH", "dealer_address": "Musterstraße 12, 4020 Linz",
    "dealer_phone": "+43 732 000000", "dealer_website": "www.autohaus-demo.example",
    "dealer_register": "FN 000000a, Landesgericht Linz, UID ATU00000000",
}


def install_modules() -> None:
    """Register every module of MODULES (idempotent; tests and every command call it)."""
    for key in MODULES:
        modules.install(key)


def open_database(url: str = "") -> Database:
    """The database at `url` (default: data/kundenpilot.db), migrated, templates seeded and
    an API key generated if none is configured yet."""
    from core.imports.importer import recover
    from core.mail.templates import seed_defaults

    db = Database(url)
    db.migrate()
    share_link_key(db)  # consoles sharing this database sign customers' links alike
    try:
        recover(db, clock.now())  # an import cut off by a crash is undone, never half-kept
    except Exception:  # noqa: BLE001 - the console must start; the next import tries again
        logging.getLogger("kundenpilot").exception("Abgebrochener Import: Rücknahme fehlgeschlagen")
    with db.session(write=True) as session:
        seed_defaults(session, clock.now())
        current = settings_mod.load(session)
        if not current.api_key and "api_key" not in settings_mod.env_overrides():
            settings_mod.save(session, {"api_key": secrets.token_urlsafe(24)})
    return db


def build(runtime: Runtime) -> None:
    """Register every page and the API on the NiceGUI app (no server started here)."""
    from nicegui import app

    from pages import api, frame, http_errors, limits, web_security

    install_modules()
    frame.set_runtime(runtime)
    web_security.install(app, runtime)  # Host/Origin checks, Secure cookies
    limits.install(app)  # request bodies bounded; the API key is checked before the body
    for name in KERNEL_PAGES:
        page_module = importlib.import_module(name)
        if hasattr(page_module, "create"):
            page_module.create()
        if hasattr(page_module, "register"):  # plain FastAPI routes (login finish, unsubscribe)
            page_module.register(app)
    for module in modules.registered():
        pages = frame.module_pages(module)
        if pages is not None:
            pages.create()
    api.register(app)  # every module's router under /api/v1/<key>
    http_errors.register(app)  # last: German errors for every path registered above


def demo_password() -> str:
    """The demo admin's password: generated once into data/, the same on every start."""
    from core.secrets import secret

    return secret("demo_admin")[:16]


def prepare_demo(db: Database) -> list[str]:
    """Demo mode: the demo admin (if there is no user yet) and the demo data on first start.
    Returns console lines about what was done."""
    from core.mail.templates import seed_defaults

    lines, now = [], clock.now()
    with db.session(write=True) as session:
        if not auth.has_users(session):
            auth.create_user(session, DEMO_ADMIN, demo_password(), "admin", "Demo-Admin",
                             DEMO_ADMIN_EMAIL, now=now)
            lines.append("Demo-Administrator angelegt.")
        # A module's demo may tell a story with mails (the service run of past weeks): their
        # templates must exist even in a database nobody opened through open_database.
        seed_defaults(session, now)
        settings = settings_mod.load(session)
        if not settings.dealer_legal_name and "dealer_legal_name" not in \
                settings_mod.env_overrides():
            settings = settings_mod.save(session, DEMO_IDENTITY)
        for module in modules.registered():  # each loads only into a database without its data
            line = module.demo(session, settings, now) if module.demo else None
            if line:
                lines.append(line)
    return lines


def login_hint(db: Database, demo: bool) -> str:
    """How to log in, for the start-up message (never prints a password outside demo mode)."""
    with db.session() as session:
        if not auth.has_users(session):
            return ("Noch kein Benutzer: im Browser öffnen und den ersten Administrator anlegen "
                    "(oder: python app.py create-user).")
        admin = session.query(User).filter(User.username == DEMO_ADMIN).one_or_none()
        if demo and admin is not None:
            from argon2 import PasswordHasher
            from argon2.exceptions import VerificationError

            try:
                PasswordHasher().verify(admin.password_hash, demo_password())
                return f"Anmelden mit Benutzer „{DEMO_ADMIN}“ und Passwort „{demo_password()}“."
            except VerificationError:
                pass
    return "Mit Ihrem Benutzerkonto anmelden."


def ensure_port_free(host: str, port: int) -> None:
    """Stop with a clear message before anything starts if another program has the port
    (often a Kundenpilot still running); uvicorn would only fail after start-up began."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As uvicorn binds: a port left in TIME_WAIT by a restart is free, a listener is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(
                f"Port {port} auf {host} ist schon belegt ({exc.strerror}). Läuft Kundenpilot "
                f"bereits? Sonst mit einem anderen Port starten, z. B. KP_PORT=8081 ./run.sh"
            ) from None


def serve() -> None:
    from nicegui import app, ui

    # Our own messages (what each tick did) at INFO; libraries only when something is wrong.
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("kundenpilot").setLevel(logging.INFO)

    from core.secrets import secret
    from scheduler.ticker import Ticker

    env = settings_mod.from_environment()
    ensure_port_free(env.host, env.port)
    db = open_database(env.database_url)
    runtime = Runtime(db)
    notes = prepare_demo(db) if env.demo else []
    settings = runtime.settings()
    if settings.uses_dev_mailbox:
        port = runtime.start_dev_mailbox()
        notes.append(f"Kein SMTP-Server eingestellt: E-Mails landen im Dev-Postfach "
                     f"(SMTP auf 127.0.0.1:{port}).")
    build(runtime)
    ticker = Ticker(runtime)
    url = f"http://{env.host}:{env.port}"
    hint = login_hint(db, env.demo)

    def announce() -> None:
        ticker.start()
        for line in [*notes, f"Kundenpilot läuft: {url}", hint]:
            print(line, flush=True)

    app.on_startup(announce)
    app.on_shutdown(ticker.stop)
    app.on_shutdown(runtime.stop_dev_mailbox)
    ui.run(host=env.host, port=env.port, title="Kundenpilot", reload=False, show=False,
           storage_secret=secret("storage"), show_welcome_message=False, language="de",
           favicon="🚗", uvicorn_logging_level="warning")


def parse_instant(text: str) -> datetime:
    """ISO-8601 with a UTC offset; a time without zone is ambiguous and refused."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"„{text}“ ist kein ISO-Zeitpunkt") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("Zeitpunkt braucht eine Zeitzone, z. B. +01:00")
    return value


def tick(at: datetime | None) -> int:
    from core.tick import run_tick

    env = settings_mod.from_environment()
    db = open_database(env.database_url)
    if at is not None:
        clock.set_now(at)  # everything core does (events, sent_at) happens "at" that instant
    with db.session() as session:
        settings = settings_mod.load(session)
    try:
        report = run_tick(db, settings, clock.now())
    finally:
        db.engine.dispose()
    for line in report.lines(settings.timezone):
        print(line)
    return 0


def create_user(args: argparse.Namespace) -> int:
    interactive = sys.stdin.isatty()

    def ask(value: str | None, prompt: str, secret_input: bool = False) -> str:
        if value:
            return value
        if not interactive:
            raise SystemExit(f"Fehlt: {prompt} (ohne Terminal bitte als Option angeben)")
        return getpass.getpass(prompt + ": ") if secret_input else input(prompt + ": ")

    username = ask(args.username, "Benutzername")
    role = ask(args.role, f"Rolle ({', '.join(auth.ROLES)})")
    password = args.password
    if not password:
        password = ask(None, "Passwort", secret_input=True)
        if ask(None, "Passwort wiederholen", secret_input=True) != password:
            print("Die Passwörter stimmen nicht überein.", file=sys.stderr)
            return 1
    env = settings_mod.from_environment()
    db = open_database(env.database_url)
    try:
        with db.session(write=True) as session:
            user = auth.create_user(session, username, password, role,
                                    args.display_name or "", args.email or "", now=clock.now())
            print(f"Benutzer „{user.username}“ ({auth.ROLES[user.role]}) angelegt.")
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        db.engine.dispose()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="app.py", description="Kundenpilot")
    commands = root.add_subparsers(dest="command")
    commands.add_parser("serve", help="Konsole starten (Standard)")
    tick_cmd = commands.add_parser("tick", help="fällige Regeln ausführen und Postausgang senden")
    tick_cmd.add_argument("--at", type=parse_instant, default=None,
                          help="Zeitpunkt, z. B. 2026-12-02T03:45:00+01:00 (Standard: jetzt)")
    user_cmd = commands.add_parser("create-user", help="Benutzer anlegen")
    user_cmd.add_argument("--username")
    user_cmd.add_argument("--role", choices=sorted(auth.ROLES))
    user_cmd.add_argument("--password")
    user_cmd.add_argument("--display-name")
    user_cmd.add_argument("--email")
    import_cmd = commands.add_parser("import", help="DMS-Export (CSV) importieren")
    from core.imports import kinds  # every registered module's kinds (install_modules first)

    import_cmd.add_argument("kind", choices=tuple(kinds()), help=", ".join(
        f"{name} = {kind.spec.label}" for name, kind in kinds().items()))
    import_cmd.add_argument("file", help="CSV-Datei (; oder , – UTF-8 oder Windows-1252)")
    import_cmd.add_argument("--dry-run", action="store_true", help="nur prüfen, nichts speichern")
    import_cmd.add_argument("--valid-only", action="store_true",
                            help="fehlerhafte Zeilen überspringen statt alles abzulehnen")
    import_cmd.add_argument("--map", action="append", default=[], metavar="FELD=SPALTE",
                            help="Spalte der Datei einem Feld zuordnen (mehrfach möglich)")
    export_cmd = commands.add_parser("export", help="Daten als CSV exportieren")
    export_cmd.add_argument("kind", choices=("optouts",),
                            help="optouts = abgemeldete Kunden (Kundennummer;E-Mail;Abgemeldet am)")
    export_cmd.add_argument("file", help="Zieldatei (CSV, UTF-8 mit BOM, ;-getrennt)")
    return root


def export_csv(args: argparse.Namespace) -> int:
    """Write the opt-outs for the DMS; a German message instead of a traceback on failure."""
    from pathlib import Path

    from core import optout

    db = open_database(settings_mod.from_environment().database_url)
    try:
        with db.session() as session:
            data = optout.export_csv(session, settings_mod.load(session).timezone)
        Path(args.file).write_bytes(data)
    except OSError as exc:
        print(f"Datei „{args.file}“ konnte nicht geschrieben werden: {exc.strerror}.",
              file=sys.stderr)
        return 1
    finally:
        db.engine.dispose()
    lines = data.decode("utf-8-sig").count("\n") - 1
    print(f"{lines} Abmeldungen nach {args.file} geschrieben.")
    return 0


def import_csv(args: argparse.Namespace) -> int:
    from pathlib import Path

    from core.imports.cli import run_file

    db = open_database(settings_mod.from_environment().database_url)
    try:
        outcome = run_file(db, args.kind, Path(args.file), args.map, now=clock.now(),
                           dry_run=args.dry_run, valid_only=args.valid_only)
    finally:
        db.engine.dispose()
    for line in outcome.out:
        print(line)
    for line in outcome.err:
        print(line, file=sys.stderr)
    return outcome.code


def main(argv: list[str] | None = None) -> int:
    install_modules()  # before the parser: the import kinds come from the modules
    args = parser().parse_args(argv)
    if args.command == "tick":
        return tick(args.at)
    if args.command == "create-user":
        return create_user(args)
    if args.command == "import":
        return import_csv(args)
    if args.command == "export":
        return export_csv(args)
    serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
