"""The contact timeline of an invitation, as rules on plain values: which due dates become one
invitation, when it goes out, when the reminder and the call-list entry follow, and what
stops it. The recompute plans with it; the daily run (core.service.run) follows it."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from core.service.history import TypeDue
from core.service.types import COMBINE_DAYS, Timeline

# An order found now stops these (a call-back wish too: the customer came or booked by phone).
ACTIVE = frozenset({"invited", "reminded", "call_list", "callback"})
STATUS_LABELS = {
    "planned": "geplant", "invited": "eingeladen", "reminded": "erinnert",
    "call_list": "auf der Anrufliste", "booked": "Termin gebucht",
    "callback": "Rückruf gewünscht", "order_found": "Auftrag gefunden",
    "suppressed": "nicht gesendet", "done": "abgeschlossen",
}
STATUS_COLORS = {
    "planned": "blue-grey-5", "invited": "light-blue-8", "reminded": "indigo-6",
    "call_list": "orange-8", "booked": "green-7", "callback": "deep-purple-6",
    "order_found": "teal-7", "suppressed": "grey-7", "done": "grey-6",
}
NEXT_LABELS = {"invitation": "Einladung", "reminder": "Erinnerung", "call_list": "Anrufliste"}


class Planned(NamedTuple):
    """An invitation still to come: its types (due order), the first due date and the day
    the invitation goes out."""

    types: tuple[str, ...]
    due_date: date
    invite_on: date


def plan(type_dues: list[TypeDue], covered: set[tuple[str, date]],
         timelines: dict[str, Timeline]) -> list[Planned]:
    """The invitations to plan: every due date without an exclusion and not yet covered by
    an invitation that went out (or was held back); types due within COMBINE_DAYS of the
    first of a group go out together."""
    groups: list[tuple[date, list[str]]] = []  # first due date, the types
    for service_type, due, excluded in sorted(type_dues, key=_due_date):
        day = due.due_date
        if excluded or (covered and (service_type, day) in covered):
            continue
        if groups and (day - groups[-1][0]).days <= COMBINE_DAYS:
            groups[-1][1].append(service_type)
        else:
            groups.append((day, [service_type]))
    return [Planned(tuple(types), day,
                    day - timedelta(days=timelines[types[0]].invite_days_before))
            for day, types in groups]


def _due_date(due: TypeDue) -> date:
    return due.due.due_date


def reminder_day(invited_on: date, timeline: Timeline) -> date | None:
    """The reminder's day, None when the type sends none (0 days)."""
    if timeline.reminder_after_days <= 0:
        return None
    return invited_on + timedelta(days=timeline.reminder_after_days)


def first_order_after(orders: list[tuple[str, date, frozenset[str]]], types: list[str],
                      invited_at: datetime | None, invited_on: date | None
                      ) -> tuple[str, date, str] | None:
    """An order of one of the invitation's types dated on or after the invitation day:
    (order number, day, the type) - the customer came (or booked) on their own."""
    if invited_at is None or invited_on is None:
        return None
    for number, day, found in orders:
        hit = next((t for t in types if t in found), None)
        if hit and day >= invited_on:
            return number, day, hit
    return None
