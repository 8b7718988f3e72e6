"""Appointment requests customers send from the public booking page (/termin/{token}).

The page only shows `booking_page(...)` and hands the form to `request_appointment(...)`;
the status change itself is the flow's "request_appointment" action through service.perform,
so the website, the API and the staff button move a case the same way. The customer's wish
(day, time window, phone, note) is stored on the timeline for staff to confirm."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core import events, flows
from core.calendar import BusinessCalendar
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.formatting import format_date, format_datetime, format_eur
from core.mail import identity
from core.settings import Settings
from core.tradein import KEY, mails, service, wishes
from core.tradein.flow import CLOSED, allowed_actions
from core.tradein.links import read_booking_token
from core.tradein.models import TradeInCase
from core.validation import PHONE, PHONE_RULE, clean_message

ACTOR = "Kunde (Website)"
ACTION = "request_appointment"
EVENT_KIND = wishes.EVENT_KIND
WINDOWS = {"vormittag": "Vormittag", "nachmittag": "Nachmittag", "uhrzeit": "Uhrzeit"}
MAX_DAYS_AHEAD = 90
NOON = time(12, 0)  # where "Vormittag" ends and "Nachmittag" begins
NOTE_MAX = 1000
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
INVALID_LINK = "Dieser Terminlink ist ungültig oder unvollständig."
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


@dataclass(frozen=True)
class BookingPage:
    """What the public page shows. state: open (form) | requested (a request is waiting for
    the dealer) | closed (decided or archived: only a phone call helps now)."""

    state: str
    dealer_name: str
    full_name: str
    phone: str
    vehicle: str
    build_year: int
    mileage: str
    fuel: str
    market_value: str
    calculated_on: str
    appointment: str  # a confirmed appointment the customer may want to move; "" if none
    last_wish: str  # the request already sent, for the "requested" page
    earliest: date
    latest: date
    unavailable: dict[str, str]  # ISO day -> why not, for the date picker's own check
    opening_hours: str  # e.g. "Mo–Fr 08:00–18:00 · Sa 09:00–12:00"


@dataclass(frozen=True)
class Wish:
    """A validated appointment wish."""

    day: date
    window: str  # key of WINDOWS
    exact_time: time | None
    phone: str
    note: str

    def describe(self) -> str:
        """e.g. "Dienstag, 01.12.2026, Vormittag" or "..., 14:30 Uhr"."""
        when = (f"{self.exact_time:%H:%M} Uhr" if self.exact_time is not None
                else WINDOWS[self.window])
        return f"{WEEKDAYS[self.day.weekday()]}, {self.day:%d.%m.%Y}, {when}"


def _case(session: Session, token: str) -> TradeInCase:
    case_id = read_booking_token(token)
    if case_id is None:
        raise NotFound(INVALID_LINK)
    try:
        return service.case_detail(session, case_id)
    except NotFound:
        raise NotFound(INVALID_LINK) from None  # never tell a visitor which ids exist


def _state(case: TradeInCase) -> str:
    if allowed_actions(case.status, case.archived_at is not None)[ACTION] is None:
        return "open"
    return "closed" if case.archived_at is not None or case.status in CLOSED else "requested"


def _today(settings: Settings, now: datetime) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


def _last_wish(session: Session, case_id: int) -> str:
    return (wishes.last_wish(session, case_id) or {}).get("wish", "")


def booking_page(session: Session, settings: Settings, token: str,
                 now: datetime) -> BookingPage:
    """Everything the page shows for this link at `now`; NotFound for a forged or unknown
    token."""
    case = _case(session, token)
    customer, tz, today = case.customer, settings.timezone, _today(settings, now)
    state = _state(case)
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    return BookingPage(
        state=state, dealer_name=identity.dealer_name(settings), full_name=customer.full_name,
        phone=customer.phone or "", vehicle=f"{case.make} {case.model}".strip(),
        build_year=case.build_year, mileage=f"{case.mileage_km:,} km".replace(",", "."),
        fuel=case.fuel, market_value=format_eur(case.market_value_cents),
        calculated_on=format_date(case.calculated_at, tz),
        appointment=format_datetime(case.appointment_at, tz) if case.status == 4 else "",
        last_wish=_last_wish(session, case.id) if state == "requested" else "",
        earliest=next_bookable_day(today + timedelta(days=1), settings), latest=latest,
        unavailable=_unavailable(today, latest, settings) if state == "open" else {},
        opening_hours=settings.opening_hours.strip().replace("-", "–").replace(";", " ·"),
    )


def _unavailable(today: date, latest: date, settings: Settings) -> dict[str, str]:
    days = (today + timedelta(days=n) for n in range(1, (latest - today).days + 1))
    return {day.isoformat(): problem for day in days
            if (problem := day_problem(day, settings, today))}


# --- which days can be asked for ------------------------------------------------------------

def day_problem(day: date, settings: Settings, today: date) -> str | None:
    """Why `day` cannot be asked for (German), None if it can: a future working day of the
    business calendar (opening hours, public holidays, closing days), within MAX_DAYS_AHEAD
    from `today` (the business-local date)."""
    if day <= today:
        # No "tomorrow" here: tomorrow may be a holiday; the form names the earliest day.
        return "Bitte wählen Sie einen Tag in der Zukunft."
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        return f"Bitte wählen Sie einen Tag innerhalb der nächsten {MAX_DAYS_AHEAD} Tage."
    calendar = BusinessCalendar(settings)
    if not calendar.week[day.weekday()]:
        return f"{WEEKDAYS[day.weekday()]}s haben wir geschlossen – bitte wählen Sie einen " \
               "anderen Tag."
    if day in calendar.holidays:
        return f"Der {day:%d.%m.%Y} ist ein Feiertag – bitte wählen Sie einen anderen Tag."
    if not calendar.is_working_day(day):
        return f"Am {day:%d.%m.%Y} haben wir geschlossen – bitte wählen Sie einen anderen Tag."
    return None


def _hours_problem(day: date, window: str, exact: time | None,
                   settings: Settings) -> tuple[str, str] | None:
    """(field, German message) when the time of day lies outside that day's opening hours."""
    spans = BusinessCalendar(settings).week[day.weekday()]
    weekday = WEEKDAYS[day.weekday()]
    if window == "vormittag" and not any(start < NOON for start, _ in spans):
        return "window", f"{weekday}s haben wir vormittags geschlossen – bitte Nachmittag wählen."
    if window == "nachmittag" and not any(end > NOON for _, end in spans):
        return "window", f"{weekday}s haben wir nachmittags geschlossen – bitte Vormittag wählen."
    if exact is not None and not any(start <= exact < end for start, end in spans):
        hours = ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in spans)
        return "time", (f"Um {exact:%H:%M} Uhr haben wir am {weekday} geschlossen (geöffnet "
                        f"{hours} Uhr).")
    return None


def next_bookable_day(day: date, settings: Settings) -> date:
    """`day` or the first day after it that can be asked for (used as the picker's minimum)."""
    today = day - timedelta(days=1)  # judge `day` as if it were tomorrow: only its kind counts
    for offset in range(14):
        candidate = day + timedelta(days=offset)
        if day_problem(candidate, settings, today) is None:
            return candidate
    return day


# --- the request ----------------------------------------------------------------------------

def _parse_day(text: str) -> date | None:
    """ISO (what a date picker sends) or German dd.mm.yyyy (what a person types)."""
    match = _GERMAN_DATE.match(text)
    try:
        if match:
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        return None


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    return value.strip() if isinstance(value, str) else ""


def _clean_day(errors: dict[str, str], data: dict[str, Any], settings: Settings,
               today: date) -> date | None:
    raw = _text(data, "day")
    if not raw:
        errors["day"] = "Bitte wählen Sie einen Wunschtag."
        return None
    day = _parse_day(raw)
    if day is None:
        errors["day"] = f"„{raw[:20]}“ ist kein gültiges Datum (TT.MM.JJJJ)."
        return None
    problem = day_problem(day, settings, today)
    if problem:
        errors["day"] = problem
        return None
    return day


def _clean_time(errors: dict[str, str], data: dict[str, Any], window: str) -> time | None:
    if window != "uhrzeit":
        return None
    raw = _text(data, "time")
    try:
        chosen = time.fromisoformat(raw) if raw else None
    except ValueError:
        chosen = None
    if chosen is None:
        errors["time"] = "Bitte geben Sie die gewünschte Uhrzeit an (HH:MM)."
        return None
    return chosen.replace(second=0, microsecond=0, tzinfo=None)


def validate_wish(data: dict[str, Any], settings: Settings, now: datetime) -> Wish:
    """The form's values as a Wish (days judged from `now`); ValidationError with a German
    message per field."""
    errors: dict[str, str] = {}
    data = data if isinstance(data, dict) else {}
    day = _clean_day(errors, data, settings, _today(settings, now))
    window = _text(data, "window") or "vormittag"
    if window not in WINDOWS:
        errors["window"] = "Bitte wählen Sie Vormittag, Nachmittag oder eine genaue Uhrzeit."
    exact = _clean_time(errors, data, window)
    if day is not None and window in WINDOWS and "time" not in errors:
        problem = _hours_problem(day, window, exact, settings)
        if problem:
            errors[problem[0]] = problem[1]
    phone = _text(data, "phone")
    if phone and (not PHONE.fullmatch(phone) or len(phone) > 40):
        errors["phone"] = (f"Bitte geben Sie eine gültige Telefonnummer an ({PHONE_RULE}, "
                           f"höchstens 40 Zeichen).")
    note = clean_message(errors, data, "note", NOTE_MAX)
    if errors:
        raise ValidationError(errors)
    return Wish(day, window, exact, phone, note)  # type: ignore[arg-type]


def request_appointment(session: Session, settings: Settings, token: str,
                        data: dict[str, Any], now: datetime) -> Wish:
    """The customer asks for an appointment: validate, move the case to "Termin angefragt"
    (flow action, actor "Kunde (Website)") and put the wish on the timeline.

    Raises NotFound (bad link), ActionNotAllowed (already requested / closed: nothing is
    validated then, the page explains the state) or ValidationError; nothing is stored then.
    An opted-out customer may still ask: it is their own request, and no mail is sent."""
    case = _case(session, token)
    reason = allowed_actions(case.status, case.archived_at is not None)[ACTION]
    if reason:
        raise ActionNotAllowed(reason)
    wish = validate_wish(data, settings, now)
    confirmed_before = format_datetime(case.appointment_at, settings.timezone) \
        if case.status == 4 else ""
    service.perform(session, settings, case.id, ACTION, actor=ACTOR, now=now)
    customer = case.customer
    old_phone = customer.phone
    if wish.phone and wish.phone != old_phone:
        customer.phone = wish.phone  # the customer's own, current number
    event = events.record(session, now, EVENT_KIND, wish_event_text(wish),
                          customer_id=customer.id, module=KEY, record_id=case.id, actor=ACTOR,
                          data=wish_event_data(wish, old_phone))
    session.flush()
    if confirmed_before:
        _tell_service_center(session, settings, case, wish, confirmed_before, event.id, now)
    return wish


def _tell_service_center(session: Session, settings: Settings, case: TradeInCase, wish: Wish,
                         confirmed_before: str, event_id: int, now: datetime) -> None:
    """A customer moved a confirmed appointment: the service center hears of it by mail,
    sent when the dealership is open (a request at night waits for the morning)."""
    mails.queue(session, settings, case, case.customer, "rebooked",
                flows.idempotency_key(KEY, case.id, "rebooked", event_id), ACTOR, now,
                extra={"wish": wish.describe(), "appointment": confirmed_before},
                not_before=BusinessCalendar(settings).next_open(now))


def wish_event_text(wish: Wish) -> str:
    """The timeline line staff read (also written by the demo data)."""
    details = [f"Wunschtermin: {wish.describe()}"]
    if wish.phone:
        details.append(f"Telefon: {wish.phone}")
    if wish.note:
        details.append(f"Nachricht: „{wish.note}“")
    return "Terminwunsch über die Website – " + " · ".join(details)


def wish_event_data(wish: Wish, previous_phone: str = "") -> dict[str, Any]:
    return {"wish": wish.describe(), "day": wish.day.isoformat(), "window": wish.window,
            "time": wish.exact_time.strftime("%H:%M") if wish.exact_time else None,
            "phone": wish.phone, "previous_phone": previous_phone, "note": wish.note}

