"""Unsubscribe links from customer mails: /abmelden/{token}.

GET shows a confirmation page with one button (link checkers and mail scanners fetch URLs, so
a GET must never opt anyone out); POST opts the customer out at once — the RFC 8058 one-click
request a mail client sends for `List-Unsubscribe-Post`. No login, no JavaScript, no redirect:
plain HTML served by FastAPI."""
from __future__ import annotations

import html

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from core import clock, optout
from core.errors import NotFound
from pages.frame import ACCENT, runtime

router = APIRouter()

PAGE = """<!doctype html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title}</title>
<style>
 body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background:#f5f6f8;
        color:#1f2933; margin:0; display:flex; min-height:100vh; align-items:center;
        justify-content:center; }}
 main {{ background:#fff; border:1px solid #dde2e8; border-radius:8px; padding:32px;
        max-width:460px; margin:16px; }}
 h1 {{ font-size:1.3rem; margin:0 0 12px; }}
 p {{ line-height:1.5; }}
 button {{ background:{accent}; color:#fff; border:0; border-radius:4px; padding:10px 18px;
          font-size:1rem; cursor:pointer; }}
</style></head>
<body><main data-testid="{marker}"><h1>{title}</h1>{body}</main></body></html>"""


def _page(title: str, body: str, marker: str, status: int = 200) -> HTMLResponse:
    text = PAGE.format(title=html.escape(title), body=body, marker=marker, accent=ACCENT)
    return HTMLResponse(text, status_code=status)


def _invalid() -> HTMLResponse:
    return _page("Link ungültig",
                 "<p>Dieser Abmeldelink ist ungültig oder unvollständig. Bitte verwenden Sie den "
                 "Link aus der letzten E-Mail oder antworten Sie einfach auf diese E-Mail – wir "
                 "tragen Sie dann gerne aus.</p>", "unsubscribe-invalid", 404)


def _mask(email: str) -> str:
    """Show enough of the address to recognise it, not the whole of it."""
    local, _, domain = email.partition("@")
    return f"{local[:2]}…@{domain}" if domain else "…"


def _lookup(token: str) -> tuple[str, bool] | None:
    with runtime().db.session() as session:
        try:
            customer = optout.customer_for_token(session, token)
        except NotFound:
            return None
        return customer.email, customer.opted_out_at is not None


def _opt_out(token: str) -> bool | None:
    with runtime().db.session(write=True) as session:
        try:
            customer = optout.customer_for_token(session, token)
        except NotFound:
            return None
        optout.opt_out(session, customer, clock.now())
        return True


@router.get("/abmelden/{token}", response_class=HTMLResponse, include_in_schema=False)
async def confirm_page(token: str) -> HTMLResponse:
    found = await run_in_threadpool(_lookup, token)  # oversized tokens: core refuses them
    if found is None:
        return _invalid()
    email, already = found
    if already:
        return _page("Bereits abgemeldet",
                     f"<p>Die Adresse {html.escape(_mask(email))} erhält von uns keine "
                     "automatischen E-Mails mehr.</p>", "unsubscribe-done")
    body = (f"<p>Möchten Sie an {html.escape(_mask(email))} keine weiteren E-Mails wie "
            "Erinnerungen und Angebote von uns erhalten?</p>"
            '<form method="post"><button type="submit" data-testid="unsubscribe-confirm">'
            "Ja, abmelden</button></form>")
    return _page("Vom E-Mail-Versand abmelden", body, "unsubscribe-confirm-page")


@router.post("/abmelden/{token}", response_class=HTMLResponse, include_in_schema=False)
async def one_click(token: str) -> HTMLResponse:
    done = await run_in_threadpool(_opt_out, token)
    if done is None:
        return _invalid()
    return _page("Abgemeldet",
                 "<p>Sie sind abgemeldet und erhalten ab sofort keine automatischen E-Mails "
                 "mehr von uns. Mails zu einem Termin, den Sie selbst vereinbaren, senden wir "
                 "Ihnen weiterhin.</p>", "unsubscribe-done")


def register(app: FastAPI) -> None:
    app.include_router(router)
