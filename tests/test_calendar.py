"""The business calendar: opening hours, Austrian/German holidays, closing days, DST."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import settings as settings_store
from core.calendar import (
    BusinessCalendar,
    CalendarError,
    calendar_errors,
    parse_closing_days,
    parse_opening_hours,
)
from core.settings import Settings

VIENNA = ZoneInfo("Europe/Vienna")


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIENNA)


@pytest.fixture
def cal() -> BusinessCalendar:
    """Defaults: Mo-Fr 08-18, Sa 09-12, Austrian holidays, closed 24.12. and 31.12."""
    return BusinessCalendar(Settings())


def test_opening_hours_text():
    week = parse_opening_hours("Mo-Fr 08:00-12:00, 13:00-17:00; sa 09:00-12:00")
    assert len(week[0]) == 2 and week[5] and not week[6]
    assert parse_opening_hours("Mo,Mi,Fr 08:00-24:00")[2][0][1].hour == 23  # until midnight
    for bad, message in [("Mx-Fr 08:00-18:00", "kein Wochentag"),
                         ("Mo-Fr 8-18", "HH:MM-HH:MM"),
                         ("Mo-Fr 18:00-08:00", "vor ihrem Beginn"),
                         ("Mo-Fr", "fehlen die Uhrzeiten"),
                         ("Fr-Mo 08:00-12:00", "vor dem letzten"),
                         ("Mo 08:00-12:00; Mo 11:00-13:00", "überschneiden"),
                         ("", "mindestens ein Tag"),
                         ("Mo 25:00-26:00", "keine gültige Uhrzeit")]:
        with pytest.raises(CalendarError, match=message):
            parse_opening_hours(bad)


def test_closing_days_text():
    recurring, once = parse_closing_days("24.12.; 31.12.;02.01.2027; 29.02.")
    assert recurring == {(12, 24), (12, 31), (2, 29)} and once == {date(2027, 1, 2)}
    with pytest.raises(CalendarError, match="„32.12.“ ist kein Datum"):
        parse_closing_days("32.12.")


def test_settings_validation_reports_calendar_errors():
    bad = replace(Settings(), opening_hours="Montag 8 bis 18", closing_days="Weihnachten",
                  holiday_country="XX")
    errors = settings_store.validate(bad)
    # Each message belongs to the field that is wrong (the settings page marks it).
    assert set(calendar_errors(bad)) == {"opening_hours", "closing_days", "holiday_country"}
    assert calendar_errors(bad).items() <= errors.items()
    assert "Bundesland" in calendar_errors(
        replace(Settings(), holiday_region="Mars"))["holiday_region"]
    assert calendar_errors(replace(Settings(), holiday_country="DE", holiday_region="BY")) == {}
    assert calendar_errors(replace(Settings(), holiday_region="Wien")) == {}


def test_working_days_weekends_holidays_and_closing_days(cal):
    assert cal.is_working_day(date(2026, 12, 7))  # Monday
    assert cal.is_working_day(date(2026, 12, 5))  # Saturday, open in the morning
    assert not cal.is_working_day(date(2026, 12, 6))  # Sunday
    assert not cal.is_working_day(date(2026, 12, 8))  # Mariä Empfängnis (AT)
    assert not cal.is_working_day(date(2026, 12, 24))  # closing day
    assert cal.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert cal.next_working_day(date(2026, 12, 7)) == date(2026, 12, 7)
    assert cal.add_working_days(date(2026, 12, 4), 2) == date(2026, 12, 7)  # Fr -> Sa, Mo
    assert cal.add_working_days(date(2026, 12, 7), 1) == date(2026, 12, 9)  # skips 08.12.
    assert cal.add_working_days(date(2026, 12, 9), -1) == date(2026, 12, 7)
    assert cal.add_working_days(date(2026, 12, 6), 0) == date(2026, 12, 7)


def test_regions_and_one_off_closing_days():
    bavaria = BusinessCalendar(replace(Settings(), holiday_country="DE", holiday_region="BY",
                                       closing_days="02.01.2027"))
    assert not bavaria.is_working_day(date(2026, 1, 6))  # Heilige Drei Könige in Bayern
    assert not bavaria.is_working_day(date(2027, 1, 2))
    assert bavaria.is_working_day(date(2026, 12, 8))  # not a holiday in Germany
    berlin = BusinessCalendar(replace(Settings(), holiday_country="DE", holiday_region="BE"))
    assert berlin.is_working_day(date(2026, 1, 6))


def test_is_open_and_next_open(cal):
    assert cal.is_open(local("2026-12-07T08:00"))
    assert not cal.is_open(local("2026-12-07T18:00"))  # closing time is already closed
    assert not cal.is_open(local("2026-12-05T12:30"))  # Saturday afternoon
    assert cal.next_open(local("2026-12-07T10:00")) == local("2026-12-07T10:00")
    assert cal.next_open(local("2026-12-05T12:30")) == local("2026-12-07T08:00")
    # Monday evening, then the holiday: next open Wednesday morning.
    assert cal.next_open(local("2026-12-07T19:00")) == local("2026-12-09T08:00")
    assert cal.next_open(local("2026-12-07T19:00")).tzinfo == UTC


def test_add_working_time(cal):
    assert cal.add_working_time(local("2026-12-07T16:00"), timedelta(hours=4)) == local(
        "2026-12-09T10:00")  # 2 h Monday, holiday, 2 h Wednesday
    assert cal.add_working_time(local("2026-12-04T17:00"), timedelta(hours=3)) == local(
        "2026-12-05T11:00")  # 1 h Friday, 2 h Saturday morning
    assert cal.add_working_time(local("2026-12-06T12:00"), timedelta(0)) == local(
        "2026-12-07T08:00")
    split = BusinessCalendar(replace(Settings(), opening_hours="Mo-Fr 08:00-12:00, 13:00-17:00"))
    assert split.add_working_time(local("2026-12-09T11:00"), timedelta(hours=2)) == local(
        "2026-12-09T14:00")  # the lunch break does not count


def test_dst_changes_keep_working_hours_exact():
    # A 24-hour workshop line crossing the spring-forward night (29.03.2026, 02:00 -> 03:00).
    always = BusinessCalendar(replace(Settings(), opening_hours="Mo-So 00:00-24:00",
                                      closing_days=""))
    start = local("2026-03-28T22:00")
    end = always.add_working_time(start, timedelta(hours=5))
    assert end - start == timedelta(hours=5)
    assert end.astimezone(VIENNA).hour == 4  # wall clock moved 6 hours for 5 real ones
    # Autumn (25.10.2026, 03:00 -> 02:00): 5 real hours are 4 on the wall clock.
    start = local("2026-10-24T22:00")
    assert always.add_working_time(start, timedelta(hours=5)).astimezone(VIENNA).hour == 2
    # Normal opening hours: 08:00 local is 07:00 UTC in winter and 06:00 UTC in summer.
    cal = BusinessCalendar(Settings())
    assert cal.next_open(local("2026-03-27T20:00")) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert cal.next_open(local("2026-03-28T20:00")) == datetime(2026, 3, 30, 6, tzinfo=UTC)
    friday_to_monday = cal.add_working_time(local("2026-03-27T17:00"), timedelta(hours=5))
    assert friday_to_monday == local("2026-03-30T09:00")  # 1 h Fr, 3 h Sa, 1 h Mo
