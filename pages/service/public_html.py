"""The HTML of the service link pages (booking, call-back), in the look of the trade-in
booking page (its shell and icons): plain, no external resources, readable on a phone.
Every value from the database or the form is escaped here."""
from __future__ import annotations

from fastapi.responses import HTMLResponse

from core.service.booking import NOTE_MAX, WINDOWS, BookingView, Day
from core.service.responses import Wish
from pages.public_html import escape, icon
from pages.public_html import respond as public_page

# The shell styles date/time inputs; the service page picks its day from a list instead.
_SELECT_STYLE = """<style>
 select { width: 100%; font: inherit; padding: 10px 12px; border: 1px solid #b9c2cc;
          border-radius: 8px; background: #fff; color: var(--ink); }
 select:focus { outline: 2px solid var(--accent); outline-offset: 1px; }
 .alt { margin-top: 18px; text-align: center; font-size: .92rem; color: var(--muted); }
 .alt a { color: var(--accent); }
 form.inline button { margin-top: 12px; }
</style>"""


e = escape


def respond(title: str, dealer: str, body: str, marker: str, status: int = 200) -> HTMLResponse:
    """The kernel's public page, with the style of the day list."""
    return public_page(title, dealer, _SELECT_STYLE + body, marker, status)


def invalid() -> HTMLResponse:
    body = (f"<div class='notice'>{icon('link')}<div><h1>Link ungültig</h1>"
            "<p>Dieser Link ist ungültig, unvollständig oder gehört zu keiner Einladung mehr. "
            "Bitte öffnen Sie ihn direkt aus unserer E-Mail – oder antworten Sie einfach auf "
            "die E-Mail, dann vereinbaren wir den Termin gerne mit Ihnen.</p></div></div>")
    return respond("Link ungültig", "", body, "service-link-invalid", 404)


def failed() -> HTMLResponse:
    body = (f"<div class='notice'>{icon('info')}<div><h1>Das hat leider nicht geklappt</h1>"
            "<p>Ihre Anfrage konnte gerade nicht gespeichert werden. Bitte versuchen Sie es in "
            "ein paar Minuten noch einmal oder antworten Sie einfach auf unsere E-Mail.</p>"
            "</div></div>")
    return respond("Vorübergehender Fehler", "", body, "service-link-failed", 503)


def _vehicle(view: BookingView) -> str:
    facts = [("Kennzeichen", view.plate)] if view.plate else []
    facts += [("Fällig seit" if view.overdue else "Fällig ab", view.due_date),
              ("Arbeiten", view.services)]
    rows = "".join(f"<div><dt>{e(k)}</dt><dd>{e(v)}</dd></div>" for k, v in facts)
    return (f"<section class='vehicle' data-testid='service-booking-vehicle'>"
            f"<div class='car'>{icon('car')}<div><div class='label'>Ihr Fahrzeug</div>"
            f"<div class='name'>{e(view.vehicle)}</div></div></div><dl>{rows}</dl></section>")


def _error(errors: dict[str, str], field: str) -> str:
    message = errors.get(field)
    return (f"<p class='error' id='{field}-error' data-testid='service-booking-error-{field}'>"
            f"{e(message)}</p>") if message else ""


def _day_options(days: tuple[Day, ...], chosen: str) -> str:
    options = ["<option value=''>Bitte wählen …</option>"]
    for day in days:
        only = "" if len(day.windows) == len(WINDOWS) else f" (nur {day.windows[0].lower()}s)"
        selected = " selected" if day.iso == chosen else ""
        options.append(f"<option value='{e(day.iso)}'{selected}>{e(day.text + only)}</option>")
    return "".join(options)


def _windows(chosen: str) -> str:
    return "".join(
        f"<label class='choice'><input type='radio' name='window' value='{e(w)}'"
        f"{' checked' if w == chosen else ''}><span>{e(w)}</span></label>" for w in WINDOWS)


def _hours(view: BookingView) -> str:
    return " · ".join(f"<span class='nowrap'>{e(part.strip())}</span>"
                      for part in view.opening_hours.split("·"))


def booking_form(view: BookingView, values: dict[str, str], errors: dict[str, str],
                 callback_url: str) -> str:
    window = values.get("window") if values.get("window") in WINDOWS else WINDOWS[0]
    invalid_attr = {f: " aria-invalid='true'" if f in errors else ""
                    for f in ("day", "phone", "note")}
    summary = ("<div class='alert' role='alert' data-testid='service-booking-errors'>Bitte "
               "prüfen Sie die markierten Angaben.</div>") if errors else ""
    greeting = f"Guten Tag {e(view.full_name)}" if view.full_name else "Guten Tag"
    return f"""
<h1>Werkstatttermin vereinbaren</h1>
<p class="lead">{greeting}, für Ihr Fahrzeug steht ein Werkstattbesuch an. Nennen Sie uns
Ihren Wunschtag – wir bestätigen den Termin persönlich.</p>
{_vehicle(view)}
<form method="post" data-testid="service-booking-form" novalidate>
{summary}
<label for="day">Wunschtag</label>
<select id="day" name="day" required{invalid_attr['day']} data-testid="service-booking-day">
{_day_options(view.days, values.get('day', ''))}</select>
<p class="help">Öffnungszeiten: {_hours(view)}</p>
{_error(errors, 'day')}
<fieldset class="window"><legend>Tageszeit</legend>
<div class="choices">{_windows(window)}</div>
{_error(errors, 'window')}
</fieldset>
<label for="phone">Telefon für Rückfragen <span class="optional">(optional)</span></label>
<input type="tel" id="phone" name="phone" autocomplete="tel" maxlength="40"
 value="{e(values.get('phone', ''))}"{invalid_attr['phone']} data-testid="service-booking-phone">
{_error(errors, 'phone')}
<label for="note">Nachricht an die Werkstatt <span class="optional">(optional)</span></label>
<textarea id="note" name="note" rows="3" maxlength="{NOTE_MAX}"
 placeholder="z. B. Ersatzwagen gewünscht, Geräusch beim Bremsen …"{invalid_attr['note']}
 data-testid="service-booking-note">{e(values.get('note', ''))}</textarea>
{_error(errors, 'note')}
<button type="submit" data-testid="service-booking-submit">Terminwunsch senden</button>
<p class="fineprint">{icon('lock')} Ihre Angaben verwenden wir nur für diesen Termin.</p>
</form>
<p class="alt">Lieber persönlich besprechen?
<a href="{e(callback_url)}" data-testid="service-booking-callback-link">Rückruf anfordern</a></p>"""


def booking_thanks(view: BookingView, wish: Wish) -> HTMLResponse:
    phone = " oder rufen Sie kurz an" if wish.phone else ""
    body = (f"<div class='notice ok'>{icon('check')}<div>"
            "<h1>Vielen Dank – Ihr Terminwunsch ist angekommen</h1>"
            f"<p>Ihr Wunschtermin: <b data-testid='service-booking-wish'>"
            f"{e(wish.text())}</b></p>"
            f"<p>Wir prüfen den Termin für Ihren {e(view.vehicle)} und bestätigen ihn Ihnen per "
            f"E-Mail{phone}.</p></div></div>")
    return respond("Terminwunsch gesendet", view.dealer_name, body, "service-booking-done")


def answered(view: BookingView) -> HTMLResponse:
    """The customer had already booked or asked for a call: a friendly note, no form."""
    if view.state == "callback":
        body = (f"<div class='notice ok'>{icon('check')}<div><h1>Wir rufen Sie an</h1>"
                f"<p>Sie haben uns bereits um einen Rückruf zu Ihrem {e(view.vehicle)} "
                "gebeten. Unser Serviceteam meldet sich während der Öffnungszeiten bei Ihnen "
                f"({_hours(view)}).</p></div></div>")
        return respond("Rückruf angefragt", view.dealer_name, body, "service-state-callback")
    body = (f"<div class='notice ok'>{icon('check')}<div>"
            "<h1>Ihre Terminanfrage liegt uns schon vor</h1>"
            f"<p>Vielen Dank! Wir haben Ihre Anfrage für Ihren {e(view.vehicle)} erhalten und "
            "melden uns mit einer Bestätigung.</p><p>Möchten Sie etwas ändern? Antworten Sie "
            "einfach auf unsere E-Mail.</p></div></div>")
    return respond("Anfrage liegt vor", view.dealer_name, body, "service-state-booked")


def callback_confirm(view: BookingView, booking_url: str) -> HTMLResponse:
    missing = ("" if view.phone else " Wir haben noch keine Telefonnummer von Ihnen – bitte "
               "nennen Sie sie uns in einer kurzen Antwort auf unsere E-Mail.")
    greeting = f"Guten Tag {e(view.full_name)}" if view.full_name else "Guten Tag"
    body = f"""
<h1>Rückruf zum Werkstatttermin</h1>
<p class="lead">{greeting}, möchten Sie den Termin lieber am Telefon besprechen? Unser
Serviceteam ruft Sie während der Öffnungszeiten an.{missing}</p>
{_vehicle(view)}
<form method="post" class="inline" data-testid="service-callback-form">
<button type="submit" data-testid="service-callback-confirm">Ja, bitte rufen Sie mich an</button>
</form>
<p class="alt">Lieber selbst einen Tag wählen?
<a href="{e(booking_url)}" data-testid="service-callback-booking-link">Terminwunsch
senden</a></p>"""
    return respond("Rückruf anfordern", view.dealer_name, body, "service-callback-page")


def callback_thanks(view: BookingView) -> HTMLResponse:
    body = (f"<div class='notice ok'>{icon('check')}<div><h1>Danke – wir rufen Sie an</h1>"
            f"<p>Unser Serviceteam meldet sich zu Ihrem {e(view.vehicle)} während unserer "
            f"Öffnungszeiten bei Ihnen: {_hours(view)}.</p></div></div>")
    return respond("Rückruf angefragt", view.dealer_name, body, "service-callback-done")
