"""The daily service run: every invitation whose next step is due (one indexed query over
`next_at`) takes that step once - the invitation mail, the reminder, or the call-list entry -
and moves `next_at` on. A tick at any later instant catches up once; a second tick finds
nothing. Invitations and reminders are marketing: the consent rule decides, and a refused one
records why."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, contains_eager

from core import consent, events
from core.calendar import BusinessCalendar
from core.db import driver_rows, in_lists
from core.due import Outcome
from core.mail import outbox
from core.models import UTCDateTime
from core.service import KEY, config, mails, timeline
from core.service.models import ServiceInvitation
from core.service.timing import local_today, send_instant
from core.service.types import joined_labels
from core.settings import Settings

DONE_TEXT = "Keine Reaktion nach Einladung und Erinnerung – nichts mehr für diesen Termin."


def due_steps(session: Session, now: datetime) -> list[tuple[int, str]]:
    """The selection: (invitation id, step) of everything due at `now`, oldest first - one
    query over the indexed next_at, plain rows (this runs every minute)."""
    return [(row[0], row[1]) for row in driver_rows(session.connection(), _DUE, {"now": now})]


_DUE = (select(ServiceInvitation.id, ServiceInvitation.next_kind)
        .where(ServiceInvitation.next_at <= bindparam("now", type_=UTCDateTime()))
        .order_by(ServiceInvitation.next_at, ServiceInvitation.id))


def _load(session: Session, ids: list[int]) -> dict[int, ServiceInvitation]:
    """The due invitations with vehicle and customer (the mails need both), by id."""
    found: dict[int, ServiceInvitation] = {}
    for part in in_lists(ids):
        query = (select(ServiceInvitation)
                 .join(ServiceInvitation.vehicle).outerjoin(ServiceInvitation.customer)
                 .options(contains_eager(ServiceInvitation.vehicle),
                          contains_eager(ServiceInvitation.customer))
                 .where(ServiceInvitation.id.in_(part)))
        found.update((i.id, i) for i in session.scalars(query))
    return found


def run_due(session: Session, now: datetime, settings: Settings) -> list[Outcome]:
    """Take every due step; one outcome (the kernel's, as the tick reports it) per step."""
    due = due_steps(session, now)
    if not due:
        return []
    invitations = _load(session, [invitation_id for invitation_id, _step in due])
    # What the mails and the consent rule ask of every due invitation, in two queries.
    known = mails.existing_customers(session, (i.customer_id for i in invitations.values()
                                               if i.customer_id is not None))
    dues = mails.due_dates(session, (i.vehicle_id for i in invitations.values()))
    timelines = config.load(session).timelines
    calendar = BusinessCalendar(settings)
    outcomes = []
    for invitation_id, step in due:
        invitation, step = invitations[invitation_id], step or "invitation"
        refused = None
        if step == "call_list":
            _to_call_list(session, invitation, now)
        else:
            refused = _send(session, settings, calendar, timelines, invitation,
                            step == "reminder", now, invitation.customer_id in known,
                            dues[invitation.vehicle_id])
        customer = invitation.customer
        outcomes.append(Outcome(KEY, invitation.id, step, step, timeline.NEXT_LABELS[step], now,
                                refused is None, refused,
                                customer.full_name if customer is not None else ""))
    session.flush()
    return outcomes


def _send(session: Session, settings: Settings, calendar: BusinessCalendar, timelines: dict,
          invitation: ServiceInvitation, reminder: bool, now: datetime,
          existing_customer: bool, dues: dict) -> str | None:
    """Queue the invitation or reminder and plan the next step; the refusal, if any."""
    customer = invitation.customer
    refused = consent.NO_ADDRESS if customer is None else consent.may_send(
        customer, "marketing", existing_customer=existing_customer)
    what = "Erinnerung" if reminder else "Einladung"
    if refused is not None:
        invitation.status, invitation.next_kind, invitation.next_at = "suppressed", None, None
        invitation.outcome = f"{what} nicht gesendet: {refused}"
        services = joined_labels(invitation.types, settings.holiday_country)
        events.record(session, now, "mail_suppressed",
                      f"Service-{what} ({services}) nicht gesendet: {consent.sentence(refused)}",
                      customer_id=invitation.customer_id, module=KEY, record_id=invitation.id,
                      data={"reason": "opted_out" if refused == consent.OPTED_OUT else
                            "not_allowed"})
        return refused
    _queue(session, settings, invitation, reminder, dues, now)
    first = timelines[invitation.types[0]]
    today = local_today(settings, now)
    if reminder:
        invitation.status, invitation.reminded_at = "reminded", now
        _after_reminder(settings, calendar, first, invitation, now)
        return None
    invitation.status, invitation.invited_at = "invited", now
    day = timeline.reminder_day(today, first)
    if day is not None:
        invitation.next_kind, invitation.next_at = "reminder", send_instant(settings, calendar, day)
    else:
        _after_reminder(settings, calendar, first, invitation, now)
    return None


def _after_reminder(settings: Settings, calendar: BusinessCalendar, first, invitation:
                    ServiceInvitation, now: datetime) -> None:
    if first.call_list:
        at = max(send_instant(settings, calendar, invitation.due_date), now)
        invitation.next_kind, invitation.next_at = "call_list", at
    else:
        invitation.next_kind = invitation.next_at = None
        invitation.outcome = DONE_TEXT


def _to_call_list(session: Session, invitation: ServiceInvitation, now: datetime) -> None:
    invitation.status, invitation.call_listed_at = "call_list", now
    invitation.next_kind = invitation.next_at = None
    invitation.outcome = "Auf der Anrufliste: keine Reaktion bis zum Fälligkeitstag."
    events.record(session, now, "service_call_list",
                  "Service: auf die Anrufliste gesetzt (keine Reaktion bis zur Fälligkeit).",
                  customer_id=invitation.customer_id, module=KEY, record_id=invitation.id)


def _queue(session: Session, settings: Settings, invitation: ServiceInvitation, reminder: bool,
           dues: dict, now: datetime) -> None:
    customer, vehicle = invitation.customer, invitation.vehicle
    key = mails.template_for(invitation.types, reminder)
    name = "reminder" if reminder else "invitation"
    outbox.enqueue(session, settings, now, idempotency_key=f"{KEY}:{invitation.id}:{name}",
                   template_key=key, context=mails.context(settings, invitation, vehicle,
                                                           customer, dues,
                                                           local_today(settings, now)),
                   to_addr=customer.email, to_name=customer.full_name, kind="marketing",
                   customer=customer, module=KEY, record_id=invitation.id)
