"""When things happened in a demo case: a walk through the funnel at believable local times.

Customers act in the daytime (07:00-22:00, any day), staff in opening hours (Mon-Fri 08-18,
Sat 09-12), the market-value mail goes out at the nightly run, appointments sit on half-hour
slots. Every history ends before `now`; only a confirmed appointment may lie ahead."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.schedule import next_nightly_run
from core.settings import Settings
from core.tradein.booking import Wish

STAFF = ("sabine.egger", "martin.koller", "lena.huber")
WEB = "Kunde (Website)"
CUSTOMER_HOURS = (7 * 60, 22 * 60)  # minutes of the local day
STAFF_HOURS = {0: (480, 1080), 1: (480, 1080), 2: (480, 1080), 3: (480, 1080),
               4: (480, 1080), 5: (540, 720)}
APPOINTMENT_HOURS = {**{d: (480, 1020) for d in range(5)}, 5: (540, 690)}
WINDOW_HOURS = {"vormittag": (480, 690), "nachmittag": (780, 1020)}
# Days back the valuation of a case ending in each status may lie (requests and confirmed
# appointments are recent: nobody leaves a request unanswered for weeks).
START_DAYS = {2: (0.5, 42), 3: (1, 12), 4: (2, 14), 5: (9, 42), 6: (6, 42), 7: (8, 42),
              8: (8, 42)}
MARGIN = timedelta(minutes=10)


@dataclass
class Step:
    at: datetime
    status: int
    actor: str


@dataclass
class Story:
    """The (instant, status, actor) steps of one case and the facts along the way."""

    calculated_at: datetime
    steps: list[Step] = field(default_factory=list)
    wish: Wish | None = None  # set when the customer asked through the booking page
    appointment_at: datetime | None = None
    purchase_price_cents: int | None = None

    @property
    def last(self) -> Step:
        return self.steps[-1]


class Clock:
    """Local-time helpers for one settings time zone and one random stream."""

    def __init__(self, rng: random.Random, settings: Settings) -> None:
        self.rng, self.settings, self.zone = rng, settings, ZoneInfo(settings.timezone)

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.rng.uniform(low, high))

    def at_minute(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(minute // 60, minute % 60),
                                tzinfo=self.zone).astimezone(UTC)

    def slot(self, after: datetime, hours_of_day, step: int = 1) -> datetime:
        """A random minute (multiple of `step`) after `after` within the day's hours,
        on the first day that still has such a minute."""
        local = after.astimezone(self.zone)
        for offset in range(15):
            day = local.date() + timedelta(days=offset)
            window = hours_of_day(day.weekday())
            if not window:
                continue
            low, high = window
            if offset == 0:
                earliest = max(low, local.hour * 60 + local.minute + 1)
                # Only the rest of the day is left: take it in proportion, else a later day
                # (otherwise late-evening "after"s would pile up just before closing time).
                if earliest >= high or self.rng.random() > (high - earliest) / (high - low):
                    continue
                low = earliest
            low = -(-low // step) * step
            if low < high:
                return self.at_minute(day, self.rng.randrange(low, high, step))
        raise AssertionError("no open slot within two weeks")  # pragma: no cover

    def customer(self, after: datetime) -> datetime:
        return self.slot(after, lambda _day: CUSTOMER_HOURS)

    def staff(self, after: datetime) -> datetime:
        # Ends 5 minutes early: a follow-up click (dealer notice) still falls in opening hours.
        return self.slot(after, lambda day: STAFF_HOURS.get(day) and (
            STAFF_HOURS[day][0], STAFF_HOURS[day][1] - 5))

    def appointment(self, after: datetime) -> datetime:
        return self.slot(after, APPOINTMENT_HOURS.get, step=30)

    def local_midnight(self, instant: datetime) -> datetime:
        day = instant.astimezone(self.zone).date()
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)


def _valuation(clock: Clock, target: int, now: datetime, days_back: float | None) -> datetime:
    if target == 1:  # still waiting for tonight's run: valued since the last one
        last_run = next_nightly_run(now - timedelta(days=1), clock.settings)
        for _ in range(20):  # in the daytime, if the time since the last run has any
            at = clock.customer(last_run + (now - last_run) * clock.rng.uniform(0, 0.9))
            if at < now - timedelta(minutes=2):
                return at
        return last_run + (now - last_run) * clock.rng.uniform(0.05, 0.95)
    low, high = START_DAYS[target]
    days_back = days_back if days_back is not None else clock.rng.uniform(low, high)
    day = clock.local_midnight(now - timedelta(days=days_back))
    return clock.customer(day)


def _request(clock: Clock, story: Story, after: datetime, phone: str) -> Step:
    """Status 3: asked on the website (with a wish) or by phone with a staff member."""
    rng = clock.rng
    if rng.random() < 0.6:
        at = clock.customer(after)
        day = clock.appointment(at + timedelta(days=rng.uniform(1.5, 6))).astimezone(
            clock.zone).date()
        window = rng.choice(("vormittag", "nachmittag", "vormittag", "uhrzeit"))
        saturday = day.weekday() == 5  # open in the morning only: what the page accepts
        if saturday and window == "nachmittag":
            window = "vormittag"
        hours = (9, 10, 11) if saturday else (9, 10, 14, 15, 16)
        exact = time(rng.choice(hours), rng.choice((0, 30))) if window == "uhrzeit" else None
        note = rng.choice(("", "", "Serviceheft und Zweitschlüssel sind vorhanden.",
                           "Bitte vorher kurz anrufen.", "Kleiner Kratzer an der Stoßstange."))
        story.wish = Wish(day, window, exact, phone, note)
        return Step(at, 3, WEB)
    return Step(clock.staff(after), 3, rng.choice(STAFF))


def _appointment(clock: Clock, story: Story, confirmed: datetime) -> datetime:
    """The customer's wish when it still lies ahead, else the next free slot a few days on."""
    wish = story.wish
    if wish is not None and wish.day > confirmed.astimezone(clock.zone).date():
        low, high = WINDOW_HOURS.get(wish.window, (0, 0))
        if wish.exact_time is not None:
            minute = wish.exact_time.hour * 60 + wish.exact_time.minute
        else:
            minute = clock.rng.randrange(-(-low // 30) * 30, high, 30)
        open_from, open_until = APPOINTMENT_HOURS[wish.day.weekday()]
        if open_from <= minute < open_until:
            return clock.at_minute(wish.day, minute)
    return clock.appointment(confirmed + clock.hours(30, 24 * 6))


def walk(clock: Clock, target: int, now: datetime, value_cents: int, phone: str,
         days_back: float | None = None) -> Story:
    """One history ending in `target` (may end after `now`; story() retries then)."""
    start = _valuation(clock, target, now, days_back)
    story = Story(start, [Step(start, 1, "api")])
    if target == 1:
        return story
    t = next_nightly_run(start, clock.settings)
    story.steps.append(Step(t, 2, "system"))
    if target == 2:
        return story
    # Most ask within days; some only after the reminder a week later.
    gap = clock.hours(3, 24 * 4) if clock.rng.random() < 0.7 else clock.hours(24 * 7, 24 * 11)
    story.steps.append(_request(clock, story, t + gap, phone))
    if target == 3:
        return story
    confirmed = clock.staff(story.last.at + clock.hours(0.5, 26))
    story.steps.append(Step(confirmed, 4, clock.rng.choice(STAFF)))
    story.appointment_at = _appointment(clock, story, confirmed)
    if target == 4:
        if story.appointment_at <= now:  # a confirmed appointment still lies ahead
            story.appointment_at = clock.appointment(now + clock.hours(2, 24 * 5))
        return story
    after_visit = story.appointment_at + clock.hours(0.5, 26)
    if target == 5:
        story.steps.append(Step(clock.staff(after_visit), 5, clock.rng.choice(STAFF)))
        return story
    story.purchase_price_cents = int(round(value_cents * clock.rng.uniform(0.86, 0.99), -4))
    story.steps.append(Step(clock.staff(after_visit), 6, clock.rng.choice(STAFF)))
    if target >= 7:
        decided = clock.staff(story.last.at + clock.hours(4, 24 * 6))
        story.steps.append(Step(decided, target, clock.rng.choice(STAFF)))
    return story


def story(clock: Clock, target: int, now: datetime, value_cents: int, phone: str) -> Story:
    """A history that ends before `now`: walks again (starting elsewhere) until one fits."""
    for _ in range(12):
        result = walk(clock, target, now, value_cents, phone)
        if target == 1 or result.last.at <= now - MARGIN:
            return result
    # Rare: start early enough that even the longest walk (about 30 days) fits.
    return walk(clock, target, now, value_cents, phone, days_back=clock.rng.uniform(44, 48))
