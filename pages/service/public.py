"""The links in service mails, opened by customers without logging in:

- /service/buchen/{token}: the dealer's own booking page behind a recorded redirect (when
  configured), else the built-in page: a working day, morning or afternoon, phone, note.
- /service/rueckruf/{token}: "please call me back" - GET only asks, the button (POST) does
  it, because link scanners fetch every URL in a mail.
- /service/o/{token}.gif: the open-tracking pixel; always a GIF, recording only for a valid
  token (consent is core's to check).

The signed token names one invitation (core.service.links). Each handler reads the clock
once, does its database work in one session in a thread, and renders plain HTML
(pages.service.public_html). Like the trade-in booking form, the POSTs need no CSRF token:
the unguessable link is the key, and a forged request could only do what the customer's own
link does."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core import clock
from core.errors import NotFound, ValidationError
from core.service import booking, links, responses
from core.service.booking import BookingView
from pages.frame import runtime
from pages.http_errors import request_method
from pages.service import public_html as page

router = APIRouter()
log = logging.getLogger(__name__)
VALUE_MAX = 4000  # longer than any field allows; the checks then say "too long"
# The smallest transparent GIF (1x1 pixel).
PIXEL = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00"
         b"\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
# Every open must reach us: no browser, proxy or mail client may keep a copy.
NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0",
            "Pragma": "no-cache", "Expires": "0"}


def _headers(request: Request) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


async def _form(request: Request) -> dict[str, str]:
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - a malformed body is bad input: the checks say what
        return {}
    return {f: str(form.get(f, ""))[:VALUE_MAX] for f in booking.FIELDS}


# --- work in a thread: one session per request -----------------------------------------------

def _open_booking(invitation_id: int, method: str, headers: dict[str, str],
                  now: datetime) -> tuple[str, Any] | None:
    """("redirect", url) or ("page", view); None for an unknown invitation. A link scanner
    (HEAD, prefetch, within a minute of delivery) only counts as an automated click."""
    settings = runtime().settings()  # before the session: one connection per request
    external = str(settings.service_booking_url).strip()
    with runtime().db.session(write=True) as session:
        try:
            invitation = responses.load(session, invitation_id)
        except NotFound:
            return None
        automated = responses.is_automated(session, invitation_id, now, method, headers)
        responses.record_click(session, settings, invitation, now, automated)
        if external:
            if not automated:
                responses.book(session, settings, invitation_id, None, now)
            return "redirect", external
        return "page", booking.view(session, settings, invitation_id, now)


def _submit(invitation_id: int, data: dict[str, str], now: datetime
            ) -> tuple[BookingView, responses.Wish | None, dict[str, str]] | None:
    """(view after the request, wish if booked now, errors); None for an unknown one."""
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        try:
            _invitation, wish = booking.book(session, settings, invitation_id, data, now)
            errors: dict[str, str] = {}
        except NotFound:
            return None
        except ValidationError as exc:  # checked before anything was written
            wish, errors = None, exc.errors
        return booking.view(session, settings, invitation_id, now), wish, errors


def _view(invitation_id: int, now: datetime) -> BookingView | None:
    settings = runtime().settings()
    with runtime().db.session() as session:
        try:
            return booking.view(session, settings, invitation_id, now)
        except NotFound:
            return None


def _call_back(invitation_id: int, now: datetime) -> tuple[BookingView, bool] | None:
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        try:
            done = booking.call_back(session, settings, invitation_id, now)
        except NotFound:
            return None
        return booking.view(session, settings, invitation_id, now), done


def _record_open(invitation_id: int, now: datetime) -> None:
    settings = runtime().settings()
    with runtime().db.session(write=True) as session:
        try:
            invitation = responses.load(session, invitation_id)
        except NotFound:
            return
        responses.record_open(session, settings, invitation, now)


# --- routes ------------------------------------------------------------------------------------

def _links(invitation_id: int) -> tuple[str, str]:
    """Same-site paths of the invitation's booking and call-back pages."""
    return (links.PATHS["booking"] + links.token("booking", invitation_id),
            links.PATHS["callback"] + links.token("callback", invitation_id))


@router.api_route("/service/buchen/{token}", methods=["GET", "HEAD"], include_in_schema=False)
async def booking_page(token: str, request: Request) -> Response:
    now = clock.now()  # once: the click, the scanner check and the offered days agree
    invitation_id = links.read_token("booking", token)
    if invitation_id is None:
        return page.invalid()
    try:
        found = await run_in_threadpool(_open_booking, invitation_id,
                                        request_method(request.scope), _headers(request), now)
    except Exception:  # noqa: BLE001 - the customer gets a page, the log the details
        log.exception("service booking link %s failed", invitation_id)
        return page.failed()
    if found is None:
        return page.invalid()
    kind, detail = found
    if kind == "redirect":
        return RedirectResponse(detail, status_code=303, headers={"Cache-Control": "no-store"})
    view: BookingView = detail
    if view.state != "open":
        return page.answered(view)
    body = page.booking_form(view, {"phone": view.phone}, {}, _links(invitation_id)[1])
    return page.respond("Werkstatttermin", view.dealer_name, body, "service-booking-page")


@router.post("/service/buchen/{token}", include_in_schema=False)
async def booking_submit(token: str, request: Request) -> Response:
    invitation_id = links.read_token("booking", token)
    if invitation_id is None:
        return page.invalid()
    data = await _form(request)
    now = clock.now()
    try:
        result = await run_in_threadpool(_submit, invitation_id, data, now)
    except Exception:  # noqa: BLE001 - nothing was stored; the customer may try again
        log.exception("service booking %s failed", invitation_id)
        return page.failed()
    if result is None:
        return page.invalid()
    view, wish, errors = result
    if wish is not None:
        return page.booking_thanks(view, wish)
    if not errors:
        return page.answered(view)
    body = page.booking_form(view, data, errors, _links(invitation_id)[1])
    return page.respond("Werkstatttermin", view.dealer_name, body, "service-booking-page", 422)


@router.api_route("/service/rueckruf/{token}", methods=["GET", "HEAD"],
                  include_in_schema=False)
async def callback_page(token: str) -> Response:
    invitation_id = links.read_token("callback", token)
    if invitation_id is None:
        return page.invalid()
    view = await run_in_threadpool(_view, invitation_id, clock.now())
    if view is None:
        return page.invalid()
    if view.state != "open":
        return page.answered(view)
    return page.callback_confirm(view, _links(invitation_id)[0])


@router.post("/service/rueckruf/{token}", include_in_schema=False)
async def callback_submit(token: str) -> Response:
    invitation_id = links.read_token("callback", token)
    if invitation_id is None:
        return page.invalid()
    try:
        result = await run_in_threadpool(_call_back, invitation_id, clock.now())
    except Exception:  # noqa: BLE001 - nothing was stored; the customer may try again
        log.exception("service call-back %s failed", invitation_id)
        return page.failed()
    if result is None:
        return page.invalid()
    view, done = result
    return page.callback_thanks(view) if done else page.answered(view)


@router.get("/service/o/{token}.gif", include_in_schema=False)
async def open_pixel(token: str) -> Response:
    invitation_id = links.read_token("open", token)
    if invitation_id is not None:
        try:
            await run_in_threadpool(_record_open, invitation_id, clock.now())
        except Exception:  # noqa: BLE001 - a mail client gets its image whatever happens
            log.exception("service open pixel %s failed", invitation_id)
    return Response(PIXEL, media_type="image/gif", headers=NO_CACHE)
