"""The business calendar: opening hours, public holidays and closing days of the dealership.

Everything reasons in local business time (settings.timezone) and hands back aware UTC, so a
DST switch neither stretches nor shortens a working hour. Text formats (German):
  opening_hours  "Mo-Fr 08:00-18:00; Sa 09:00-12:00"  (several spans: "Mo-Fr 08:00-12:00,
                 13:00-17:00"; days not named are closed)
  closing_days   "24.12.; 31.12." recurring every year, "02.01.2027" that one day only
Public holidays come from the `holidays` package for holiday_country / holiday_region."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:  # core.settings imports this module for its validation
    from core.settings import Settings

WEEKDAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
LONG_WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                 "Sonntag")
# Far enough to cross any realistic run of holidays and closing days, short enough to stop.
MAX_SEARCH_DAYS = 400
Span = tuple[time, time]
_TIME = r"(\d{1,2}):(\d{2})"
_SPAN = re.compile(rf"^{_TIME}\s*-\s*{_TIME}$")
_RECURRING = re.compile(r"^(\d{1,2})\.(\d{1,2})\.?$")
_FULL_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class CalendarError(ValueError):
    """Opening hours, closing days or holiday region cannot be read; German message."""


# --- parsing ------------------------------------------------------------------------------

def _parse_time(hours: str, minutes: str, text: str) -> time:
    h, m = int(hours), int(minutes)
    if h == 24 and m == 0:
        return time.max  # "bis 24:00": open until midnight
    if h > 23 or m > 59:
        raise CalendarError(f"Öffnungszeiten: „{text}“ ist keine gültige Uhrzeit.")
    return time(h, m)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        names = [n.strip().capitalize() for n in part.split("-")]
        unknown = [n for n in names if n not in WEEKDAYS]
        if unknown or len(names) > 2:
            raise CalendarError(f"Öffnungszeiten: „{part.strip()}“ ist kein Wochentag "
                                f"(erlaubt: {' '.join(WEEKDAYS)}, z. B. „Mo-Fr“).")
        first, last = WEEKDAYS.index(names[0]), WEEKDAYS.index(names[-1])
        if last < first:
            raise CalendarError(f"Öffnungszeiten: „{part.strip()}“ – der erste Tag muss vor "
                                f"dem letzten liegen.")
        days.extend(range(first, last + 1))
    return days


def _parse_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            raise CalendarError(f"Öffnungszeiten: „{part.strip()}“ hat nicht die Form "
                                f"HH:MM-HH:MM.")
        start = _parse_time(*match.group(1, 2), part.strip())
        end = _parse_time(*match.group(3, 4), part.strip())
        if end <= start:
            raise CalendarError(f"Öffnungszeiten: in „{part.strip()}“ endet die Zeit vor "
                                f"ihrem Beginn.")
        spans.append((start, end))
    return sorted(spans)


@lru_cache(maxsize=32)
def parse_opening_hours(text: str) -> tuple[tuple[Span, ...], ...]:
    """Spans per weekday (index 0 = Monday); CalendarError (German) for text it cannot read."""
    week: list[list[Span]] = [[] for _ in WEEKDAYS]
    for segment in filter(None, (s.strip() for s in text.split(";"))):
        days_text, _, spans_text = segment.partition(" ")
        if not spans_text.strip():
            raise CalendarError(f"Öffnungszeiten: „{segment}“ – nach den Tagen fehlen die "
                                f"Uhrzeiten, z. B. „Mo-Fr 08:00-18:00“.")
        spans = _parse_spans(spans_text.replace(" ", ""))
        for day in _parse_days(days_text):
            week[day].extend(spans)
    for day, spans in enumerate(week):
        spans.sort()
        if any(a[1] > b[0] for a, b in zip(spans, spans[1:], strict=False)):
            raise CalendarError(f"Öffnungszeiten: am {WEEKDAYS[day]} überschneiden sich "
                                f"Zeiten.")
    if not any(week):
        raise CalendarError("Öffnungszeiten: mindestens ein Tag muss geöffnet sein, "
                            "z. B. „Mo-Fr 08:00-18:00“.")
    return tuple(tuple(spans) for spans in week)


@lru_cache(maxsize=32)
def parse_closing_days(text: str) -> tuple[frozenset[tuple[int, int]], frozenset[date]]:
    """(recurring (month, day) pairs, one-off dates); CalendarError for unreadable entries."""
    recurring: set[tuple[int, int]] = set()
    once: set[date] = set()
    for entry in filter(None, (e.strip() for e in re.split(r"[;\n]", text))):
        try:
            if match := _FULL_DATE.match(entry):
                day, month, year = map(int, match.groups())
                once.add(date(year, month, day))
            elif match := _RECURRING.match(entry):
                day, month = map(int, match.groups())
                date(2024, month, day)  # a leap year, so 29.02. is accepted
                recurring.add((month, day))
            else:
                raise ValueError
        except ValueError:
            raise CalendarError(f"Schließtage: „{entry}“ ist kein Datum (TT.MM. für jedes "
                                f"Jahr oder TT.MM.JJJJ).") from None
    return frozenset(recurring), frozenset(once)


@lru_cache(maxsize=16)
def _holidays(country: str, region: str) -> holidays.HolidayBase:
    country, region = country.strip().upper(), region.strip()
    if country not in holidays.list_supported_countries():
        raise CalendarError(f"Feiertage: Land „{country}“ wird nicht unterstützt "
                            f"(z. B. AT oder DE).")
    # Region codes are upper case ("BY", "9"); aliases like "Wien" keep their spelling.
    for subdiv in dict.fromkeys((region, region.upper())) if region else (None,):
        try:
            return holidays.country_holidays(country, subdiv=subdiv)
        except NotImplementedError:
            continue
    raise CalendarError(f"Feiertage: „{region}“ ist kein Bundesland von {country} "
                        f"(z. B. „9“ oder „Wien“ für AT, „BY“ für DE).")


def calendar_errors(settings: Settings) -> dict[str, str]:
    """German messages for calendar settings that cannot be read, per setting
    (core.settings.validate)."""
    errors = {}
    checks = (("opening_hours", lambda: parse_opening_hours(settings.opening_hours)),
              ("closing_days", lambda: parse_closing_days(settings.closing_days)),
              ("holiday_country", lambda: _holidays(settings.holiday_country, "")),
              ("holiday_region", lambda: _holidays(settings.holiday_country,
                                                   settings.holiday_region)))
    for field, check in checks:
        try:
            check()
        except CalendarError as exc:
            errors.setdefault(field, str(exc))
    if "holiday_country" in errors:
        errors.pop("holiday_region", None)  # the region of an unknown country says nothing
    return errors


# --- the calendar ---------------------------------------------------------------------------

class BusinessCalendar:
    """Answers "open now?", "when next?", "N working days/hours later?" for one dealership."""

    def __init__(self, settings: Settings) -> None:
        self.zone = ZoneInfo(settings.timezone)
        self.week = parse_opening_hours(settings.opening_hours)
        self.recurring, self.once = parse_closing_days(settings.closing_days)
        self.holidays = _holidays(settings.holiday_country, settings.holiday_region)

    def is_working_day(self, d: date) -> bool:
        """Open at some time that day: has opening hours, no public holiday, no closing day."""
        return (bool(self.week[d.weekday()]) and d not in self.holidays
                and (d.month, d.day) not in self.recurring and d not in self.once)

    def next_working_day(self, d: date) -> date:
        """`d` itself if it is a working day, else the first working day after it."""
        for offset in range(MAX_SEARCH_DAYS):
            candidate = d + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError("Im nächsten Jahr gibt es keinen Arbeitstag – bitte Öffnungszeiten "
                            "und Schließtage prüfen.")

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it for negative n); n=0 gives
        next_working_day(d)."""
        if n == 0:
            return self.next_working_day(d)
        step, left, current = (1 if n > 0 else -1), abs(n), d
        for _ in range(MAX_SEARCH_DAYS * max(1, left)):
            current += timedelta(days=step)
            if self.is_working_day(current):
                left -= 1
                if left == 0:
                    return current
        raise CalendarError("Es gibt nicht genug Arbeitstage – bitte Öffnungszeiten prüfen.")

    def _spans_utc(self, d: date) -> list[tuple[datetime, datetime]]:
        """That day's opening spans as UTC instants (empty on closed days)."""
        if not self.is_working_day(d):
            return []
        result = []
        for start, end in self.week[d.weekday()]:
            begin = datetime.combine(d, start, tzinfo=self.zone)
            finish = (datetime.combine(d + timedelta(days=1), time(0), tzinfo=self.zone)
                      if end == time.max else datetime.combine(d, end, tzinfo=self.zone))
            result.append((begin.astimezone(UTC), finish.astimezone(UTC)))
        return result

    def _spans_from(self, t: datetime):
        """Every opening span that ends after `t`, in order, starting with t's local day."""
        day = t.astimezone(self.zone).date()
        for offset in range(MAX_SEARCH_DAYS):
            for begin, end in self._spans_utc(day + timedelta(days=offset)):
                if end > t:
                    yield begin, end
        raise CalendarError("Im nächsten Jahr ist kein Tag geöffnet – bitte Öffnungszeiten "
                            "und Schließtage prüfen.")

    def is_open(self, t: datetime) -> bool:
        t = t.astimezone(UTC)
        local_day = t.astimezone(self.zone).date()
        return any(begin <= t < end for begin, end in self._spans_utc(local_day))

    def closed_reason(self, t: datetime) -> str | None:
        """Why the dealership is closed at `t` (German, local time), None when it is open."""
        if self.is_open(t):
            return None
        local = t.astimezone(self.zone)
        d, weekday = local.date(), LONG_WEEKDAYS[local.weekday()]
        if d in self.holidays:
            return f"Der {d:%d.%m.%Y} ist ein Feiertag."
        if (d.month, d.day) in self.recurring or d in self.once:
            return f"Der {d:%d.%m.%Y} ist ein Schließtag."
        spans = self.week[local.weekday()]
        if not spans:
            return f"{weekday}s ist geschlossen."
        hours = ", ".join(f"{start:%H:%M}–{'24:00' if end == time.max else f'{end:%H:%M}'}"
                          for start, end in spans)
        return f"Um {local:%H:%M} Uhr ist am {weekday} geschlossen (geöffnet {hours} Uhr)."

    def next_open(self, t: datetime) -> datetime:
        """`t` itself (as UTC) if open, else the start of the next opening span."""
        t = t.astimezone(UTC)
        begin, _end = next(self._spans_from(t))
        return max(begin, t)

    def add_working_time(self, t: datetime, duration: timedelta) -> datetime:
        """The instant when `duration` of opening time has passed after `t` (aware UTC).
        Time outside opening hours does not count; a zero duration gives next_open(t)."""
        t, left = t.astimezone(UTC), duration
        if left < timedelta(0):
            raise ValueError("duration must not be negative")
        for begin, end in self._spans_from(t):
            start = max(begin, t)
            if start + left <= end:
                return start + left
            left -= end - start
        raise AssertionError("unreachable: _spans_from raises when it runs out")
