"""The service booking and call-back pages customers open from their invitation mails
(pages.service.public renders them): what the page shows for an invitation, which days can
be asked for, and the form's checks. The booking itself is core.service.responses.book."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from core.calendar import BusinessCalendar
from core.errors import ValidationError
from core.mail import identity
from core.service import responses
from core.service.duedates import de_date
from core.service.models import ServiceInvitation
from core.service.timing import local_today
from core.service.types import joined_labels
from core.settings import Settings
from core.validation import clean_message, clean_phone

DAYS_AHEAD = 60
WINDOWS = ("Vormittag", "Nachmittag")
NOON = time(12, 0)  # where the morning ends
NOTE_MAX = 500
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
FIELDS = ("day", "window", "phone", "note")


@dataclass(frozen=True)
class Day:
    """A day the customer may pick, and which halves of it the workshop is open."""

    iso: str
    text: str  # "Dienstag, 24.11.2026"
    windows: tuple[str, ...]


@dataclass(frozen=True)
class BookingView:
    """What the public pages show. state: open (the form) | booked | callback (the customer
    already answered: a friendly note instead of the form)."""

    state: str
    dealer_name: str
    full_name: str
    phone: str
    vehicle: str
    plate: str
    services: str
    due_date: str
    overdue: bool  # the due date lies in the past: "fällig seit", not "fällig ab"
    outcome: str
    days: tuple[Day, ...]
    opening_hours: str


def day_text(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {de_date(day)}"


def bookable_days(settings: Settings, now: datetime) -> tuple[Day, ...]:
    """Working days of the business calendar from tomorrow on, within DAYS_AHEAD days."""
    calendar = BusinessCalendar(settings)
    today = local_today(settings, now)
    days = []
    for offset in range(1, DAYS_AHEAD + 1):
        day = today + timedelta(days=offset)
        if not calendar.is_working_day(day):
            continue
        spans = calendar.week[day.weekday()]
        windows = tuple(w for w, is_open in (
            ("Vormittag", any(start < NOON for start, _ in spans)),
            ("Nachmittag", any(end > NOON for _, end in spans))) if is_open)
        days.append(Day(day.isoformat(), day_text(day), windows))
    return tuple(days)


def _state(invitation: ServiceInvitation) -> str:
    return invitation.status if invitation.status in responses.STOPPED else "open"


def view(session: Session, settings: Settings, invitation_id: int | None,
         now: datetime) -> BookingView:
    """The page for this invitation at `now`; NotFound (German) for an unknown one."""
    invitation = responses.load(session, invitation_id)
    customer, vehicle = invitation.customer, invitation.vehicle
    state = _state(invitation)
    return BookingView(
        state=state, dealer_name=identity.dealer_name(settings),
        full_name=customer.full_name if customer is not None else "",
        phone=(customer.phone if customer is not None else "") or "",
        vehicle=vehicle.name, plate=vehicle.plate,
        services=joined_labels(invitation.types, settings.holiday_country),
        due_date=de_date(invitation.due_date),
        overdue=invitation.due_date < local_today(settings, now), outcome=invitation.outcome,
        days=bookable_days(settings, now) if state == "open" else (),
        opening_hours=settings.opening_hours.strip().replace("-", "–").replace(";", " ·"))


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    return value.strip() if isinstance(value, str) else ""


def _parse_day(text: str) -> date | None:
    """ISO (what the form sends) or dd.mm.yyyy (what a person types into an old browser)."""
    try:
        if "." in text:
            day, month, year = (int(part) for part in text.split("."))
            return date(year, month, day)
        return date.fromisoformat(text)
    except (ValueError, OverflowError):
        return None


def _clean_day(errors: dict[str, str], raw: str, days: tuple[Day, ...]) -> Day | None:
    if not raw:
        errors["day"] = "Bitte wählen Sie einen Wunschtag."
        return None
    day = _parse_day(raw[:20])
    if day is None:
        errors["day"] = f"„{raw[:20]}“ ist kein gültiges Datum (TT.MM.JJJJ)."
        return None
    found = next((d for d in days if d.iso == day.isoformat()), None)
    if found is None:
        errors["day"] = (f"Am {de_date(day)} können wir Ihnen keinen Termin anbieten – bitte "
                         f"wählen Sie einen Arbeitstag in den nächsten {DAYS_AHEAD} Tagen.")
    return found


def validate_wish(data: dict[str, Any], settings: Settings, now: datetime) -> responses.Wish:
    """The form as a Wish; ValidationError with a German message per field (day, window,
    phone, note)."""
    errors: dict[str, str] = {}
    day = _clean_day(errors, _text(data, "day"), bookable_days(settings, now))
    window = _text(data, "window")
    if window not in WINDOWS:
        errors["window"] = "Bitte wählen Sie Vormittag oder Nachmittag."
    elif day is not None and window not in day.windows:
        errors["window"] = (f"Am {day.text} haben wir nur {day.windows[0].lower()}s geöffnet "
                            f"– bitte {day.windows[0]} wählen.")
    phone = clean_phone(errors, data, "phone", "Telefonnummer", max_len=40)
    note = clean_message(errors, data, "note", NOTE_MAX)
    if errors or day is None:
        raise ValidationError(errors)
    return responses.Wish(date.fromisoformat(day.iso), window, phone, note)


def book(session: Session, settings: Settings, invitation_id: int | None,
         data: dict[str, Any], now: datetime) -> tuple[ServiceInvitation, responses.Wish | None]:
    """The built-in page's form: (invitation, wish) once booked; (invitation, None) when the
    customer had already answered (nothing is checked or stored then). NotFound for a bad
    link, ValidationError for bad input (nothing stored)."""
    invitation = responses.load(session, invitation_id)
    if invitation.status in responses.STOPPED:
        return invitation, None
    wish = validate_wish(data, settings, now)
    return responses.book(session, settings, invitation.id, wish, now), wish


def call_back(session: Session, settings: Settings, invitation_id: int | None,
              now: datetime) -> bool:
    """The customer pressed "please call me": True once recorded, False when they had
    already booked or asked before (nothing changes then). NotFound for a bad link."""
    invitation = responses.load(session, invitation_id)
    if invitation.status in responses.STOPPED:
        return False
    # A pressed button is a person, never a link scanner: the click counts (if consented).
    responses.record_click(session, settings, invitation, now, automated=False)
    responses.request_callback(session, settings, invitation.id, now)
    return True
