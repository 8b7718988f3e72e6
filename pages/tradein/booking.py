"""The public booking page customers reach from their trade-in mails: /termin/{token}.

No login: the signed token in the link is the customer's key to exactly one case. Plain HTML
served by FastAPI (like the unsubscribe page), so it loads fast on any phone and works without
JavaScript; the few lines of script only make the date picker refuse closed days early.
Every decision is made in core.tradein.booking; this module only renders."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from core import clock
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.tradein import booking
from core.tradein.booking import WINDOWS, BookingPage, Wish
from pages.frame import runtime
from pages.public_html import escape, icon, respond

router = APIRouter()
FORM_FIELDS = ("day", "window", "time", "phone", "note")


def _invalid() -> HTMLResponse:
    body = (f"<div class='notice'>{icon('link')}<div><h1>Link ungültig</h1>"
            "<p>Dieser Terminlink ist ungültig oder unvollständig. Bitte öffnen Sie den Link "
            "direkt aus unserer E-Mail – oder antworten Sie einfach auf die E-Mail, dann "
            "vereinbaren wir den Termin gerne mit Ihnen.</p></div></div>")
    return respond("Link ungültig", "", body, "booking-invalid", 404)


def _vehicle(view: BookingPage) -> str:
    facts = (("Baujahr", view.build_year), ("Kilometerstand", view.mileage),
             ("Kraftstoff", view.fuel))
    rows = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>" for k, v in facts)
    return (f"<section class='vehicle' data-testid='booking-vehicle'>"
            f"<div class='car'>{icon('car')}<div><div class='label'>Ihr Fahrzeug</div>"
            f"<div class='name'>{escape(view.vehicle)}</div></div></div><dl>{rows}</dl>"
            f"<div class='value'><div class='label'>Ermittelter Marktwert</div>"
            f"<div class='amount' data-testid='booking-market-value'>{escape(view.market_value)}"
            f"</div><div class='hint'>berechnet am {escape(view.calculated_on)}</div></div>"
            "</section>")


def _field_error(errors: dict[str, str], field: str) -> str:
    message = errors.get(field)
    return (f"<p class='error' id='{field}-error' data-testid='booking-error-{field}'>"
            f"{escape(message)}</p>") if message else ""


def _window_choices(chosen: str) -> str:
    return "".join(
        f"<label class='choice'><input type='radio' name='window' value='{key}'"
        f"{' checked' if key == chosen else ''}><span>{escape(label)}</span></label>"
        for key, label in WINDOWS.items())


def _hours(view: BookingPage) -> str:
    """Opening hours, each day group kept on one line."""
    return " · ".join(f"<span class='nowrap'>{escape(part.strip())}</span>"
                      for part in view.opening_hours.split("·"))


def _form(view: BookingPage, values: dict[str, str], errors: dict[str, str]) -> str:
    window = values.get("window") if values.get("window") in WINDOWS else "vormittag"
    summary = ("<div class='alert' role='alert' data-testid='booking-errors'>Bitte prüfen Sie "
               "die markierten Angaben.</div>") if errors else ""
    moved = (f"<p class='info'>Ihr bestätigter Termin: <b>{escape(view.appointment)}</b>. Passt er "
             "nicht mehr? Nennen Sie uns hier einfach einen neuen Wunschtermin.</p>"
             if view.appointment else "")
    invalid = {f: " aria-invalid='true'" if f in errors else "" for f in FORM_FIELDS}
    return f"""
<h1>Besichtigungstermin vereinbaren</h1>
<p class="lead">Guten Tag {escape(view.full_name)}, schön, dass Sie Ihr Fahrzeug bei uns
begutachten lassen möchten. Nennen Sie uns Ihren Wunschtermin – wir bestätigen ihn Ihnen
persönlich.</p>
{moved}{_vehicle(view)}
<form method="post" data-testid="booking-form" novalidate>
{summary}
<label for="day">Wunschtag</label>
<input type="date" id="day" name="day" required value="{escape(values.get('day', ''))}"
 min="{view.earliest.isoformat()}" max="{view.latest.isoformat()}"{invalid['day']}
 data-unavailable='{escape(json.dumps(view.unavailable))}' data-testid="booking-day">
<p class="help">Frühestens am {view.earliest:%d.%m.%Y}.<br>Öffnungszeiten: {_hours(view)}</p>
{_field_error(errors, 'day')}
<fieldset class="window"><legend>Tageszeit</legend>
<div class="choices">{_window_choices(window)}</div>
<div class="exact"><label for="time">Gewünschte Uhrzeit</label>
<input type="time" id="time" name="time" step="900" value="{escape(values.get('time', ''))}"
 {invalid['time']} data-testid="booking-time"></div>
{_field_error(errors, 'time')}{_field_error(errors, 'window')}
</fieldset>
<label for="phone">Telefon für Rückfragen <span class="optional">(optional)</span></label>
<input type="tel" id="phone" name="phone" autocomplete="tel"
 value="{escape(values.get('phone', ''))}"
 {invalid['phone']} data-testid="booking-phone">
{_field_error(errors, 'phone')}
<label for="note">Nachricht an uns <span class="optional">(optional)</span></label>
<textarea id="note" name="note" rows="3" maxlength="{booking.NOTE_MAX}"
 placeholder="z. B. Zweitschlüssel vorhanden, Serviceheft liegt bei …"{invalid['note']}
 data-testid="booking-note">{escape(values.get('note', ''))}</textarea>
{_field_error(errors, 'note')}
<button type="submit" data-testid="booking-submit">Terminwunsch senden</button>
<p class="fineprint">{icon('lock')} Ihre Angaben verwenden wir nur für diesen Termin.</p>
</form>"""


def _state_page(view: BookingPage) -> HTMLResponse:
    """Friendly words for a case that cannot take a request (never an error page)."""
    if view.state == "requested":
        wish = (f"<p>Ihr Wunschtermin: <b data-testid='booking-wish'>{escape(view.last_wish)}</b>"
                "</p>") if view.last_wish else ""
        body = (f"<div class='notice ok'>{icon('check')}<div>"
                "<h1>Ihre Anfrage liegt uns schon vor</h1>"
                f"<p>Vielen Dank, {escape(view.full_name)}! Wir haben Ihren Terminwunsch für Ihren "
                f"{escape(view.vehicle)} erhalten und melden uns in Kürze mit einer Bestätigung."
                f"</p>{wish}<p>Möchten Sie etwas ändern? Antworten Sie einfach auf unsere "
                "E-Mail.</p></div></div>")
        return respond("Anfrage liegt vor", view.dealer_name, body, "booking-already")
    body = (f"<div class='notice'>{icon('info')}<div>"
            "<h1>Dieser Vorgang ist abgeschlossen</h1>"
            f"<p>Die Bewertung Ihres {escape(view.vehicle)} ist bei uns bereits abgeschlossen, "
            "deshalb können Sie hier keinen Termin mehr anfragen.</p>"
            "<p>Möchten Sie trotzdem vorbeikommen? Bitte rufen Sie uns an oder antworten Sie "
            "auf unsere E-Mail – wir finden gerne einen Termin.</p></div></div>")
    return respond("Vorgang abgeschlossen", view.dealer_name, body, "booking-closed")


def _thanks(view: BookingPage, wish: Wish) -> HTMLResponse:
    body = (f"<div class='notice ok'>{icon('check')}<div>"
            "<h1>Vielen Dank – Ihr Terminwunsch ist angekommen</h1>"
            f"<p>Ihr Wunschtermin: <b data-testid='booking-wish'>{escape(wish.describe())}</b></p>"
            f"<p>Wir prüfen den Termin für Ihren {escape(view.vehicle)} und senden Ihnen eine "
            "Bestätigung per E-Mail"
            + (" oder rufen Sie kurz an" if wish.phone else "") + ".</p>"
            "<p>Bitte bringen Sie zum Termin den Zulassungsschein, alle Schlüssel und – "
            "falls vorhanden – das Serviceheft mit.</p></div></div>")
    return respond("Terminwunsch gesendet", view.dealer_name, body, "booking-done")


# --- data access (threads: SQLite work stays off the event loop) ---------------------------

def _load(token: str, now: datetime) -> BookingPage | None:
    settings = runtime().settings()  # before the session: one connection per request
    with runtime().db.session() as session:
        try:
            return booking.booking_page(session, settings, token, now)
        except NotFound:
            return None


def _submit(token: str, data: dict[str, str], now: datetime) -> tuple[str, Any]:
    """("done", Wish) | ("invalid", errors) | ("state", None) | ("not_found", None)."""
    settings = runtime().settings()
    try:
        with runtime().db.session(write=True) as session:
            return "done", booking.request_appointment(session, settings, token, data, now)
    except ValidationError as exc:
        return "invalid", exc.errors
    except ActionNotAllowed:
        return "state", None
    except NotFound:
        return "not_found", None


@router.get("/termin", response_class=HTMLResponse, include_in_schema=False)
async def no_token() -> HTMLResponse:
    return _invalid()  # e.g. an old "?fall=" link: the case number alone opens nothing


@router.get("/termin/{token}", response_class=HTMLResponse, include_in_schema=False)
async def show(token: str) -> HTMLResponse:
    view = await run_in_threadpool(_load, token, clock.now())
    if view is None:
        return _invalid()
    if view.state != "open":
        return _state_page(view)
    body = _form(view, {"phone": view.phone}, {})
    return respond("Termin vereinbaren", view.dealer_name, body, "booking-page")


@router.post("/termin/{token}", response_class=HTMLResponse, include_in_schema=False)
async def submit(token: str, request: Request) -> HTMLResponse:
    form = await request.form()
    data = {f: str(form.get(f, ""))[:4000] for f in FORM_FIELDS}
    now = clock.now()  # once per request: the request and the page after it agree on "today"
    outcome, detail = await run_in_threadpool(_submit, token, data, now)
    view = await run_in_threadpool(_load, token, now)
    if outcome == "not_found" or view is None:
        return _invalid()
    if outcome == "done":
        return _thanks(view, detail)
    if outcome == "state":
        return _state_page(view)
    body = _form(view, data, detail)
    return respond("Termin vereinbaren", view.dealer_name, body, "booking-page", 422)


def register(app: FastAPI) -> None:
    app.include_router(router)
