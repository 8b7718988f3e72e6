"""What customers do with a service mail: book a visit (built-in page or the dealer's own
booking page behind a recorded redirect), ask to be called back, open the mail, click. A
booking or call-back request stops the invitation's timeline; staff hear about it by mail
during opening hours. Link scanners (HEAD/prefetch requests, clicks within a minute of
delivery) are counted apart and change nothing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core import events
from core.calendar import BusinessCalendar
from core.errors import NotFound
from core.mail import outbox
from core.models import OutboxMessage
from core.service import KEY, mails
from core.service.duedates import de_date
from core.service.models import ServiceInvitation
from core.service.timing import local_today
from core.settings import Settings

ACTOR = "Kunde (E-Mail-Link)"
SCANNER_WINDOW = timedelta(seconds=60)
ANSWERABLE = frozenset({"invited", "reminded", "call_list", "done", "order_found"})
STOPPED = frozenset({"booked", "callback"})
INVALID = "Dieser Link ist ungültig oder gehört zu keiner Einladung."


@dataclass(frozen=True)
class Wish:
    """A visit the customer asked for on the built-in booking page."""

    day: date
    window: str  # Vormittag | Nachmittag
    phone: str = ""
    note: str = ""

    def text(self) -> str:
        return f"{de_date(self.day)}, {self.window}" + (f" – „{self.note}“" if self.note else "")


def load(session: Session, invitation_id: int | None) -> ServiceInvitation:
    invitation = None if invitation_id is None else session.scalar(
        select(ServiceInvitation).options(joinedload(ServiceInvitation.vehicle),
                                          joinedload(ServiceInvitation.customer))
        .where(ServiceInvitation.id == invitation_id))
    if invitation is None or invitation.status in ("planned", "suppressed"):
        raise NotFound(INVALID)
    return invitation


def delivered_at(session: Session, invitation_id: int) -> datetime | None:
    """When the newest mail of the invitation left the outbox."""
    return session.scalar(select(OutboxMessage.sent_at).where(
        OutboxMessage.module == KEY, OutboxMessage.record_id == invitation_id,
        OutboxMessage.sent_at.is_not(None)).order_by(OutboxMessage.sent_at.desc()).limit(1))


def is_automated(session: Session, invitation_id: int, now: datetime, method: str,
                 headers: dict[str, str]) -> bool:
    """A link scanner rather than the customer: HEAD, a prefetch, or within a minute of
    delivery (no person reads and clicks that fast)."""
    purpose = (headers.get("purpose", "") + headers.get("sec-purpose", "")).lower()
    if method.upper() == "HEAD" or "prefetch" in purpose or "preview" in purpose:
        return True
    sent = delivered_at(session, invitation_id)
    return sent is not None and now - sent < SCANNER_WINDOW


def record_click(session: Session, settings: Settings, invitation: ServiceInvitation,
                 now: datetime, automated: bool) -> None:
    if automated:
        invitation.automated_clicks += 1
    elif tracking_allowed(settings, invitation) and invitation.clicked_at is None:
        invitation.clicked_at = now


def record_open(session: Session, settings: Settings, invitation: ServiceInvitation,
                now: datetime) -> None:
    if tracking_allowed(settings, invitation) and invitation.opened_at is None:
        invitation.opened_at = now


def tracking_allowed(settings: Settings, invitation: ServiceInvitation) -> bool:
    customer = invitation.customer
    return bool(settings.tracking) and customer is not None and customer.tracking_consent


def _stop(invitation: ServiceInvitation, status: str, outcome: str) -> None:
    invitation.status, invitation.outcome = status, outcome
    invitation.next_kind = invitation.next_at = None


def _tell_staff(session: Session, settings: Settings, invitation: ServiceInvitation,
                what: str, now: datetime, phone: str = "") -> None:
    """The staff mail (call-back request or booking wish), held until the dealership opens."""
    customer, vehicle = invitation.customer, invitation.vehicle
    dues = mails.due_dates(session, (vehicle.id,))[vehicle.id]
    context = mails.context(settings, invitation, vehicle, customer, dues,
                            local_today(settings, now)) | {"wish": what}
    if phone:  # the number the customer typed on the booking page is the one to call
        context["customer_phone"] = phone
    opens = BusinessCalendar(settings).next_open(now)
    template = mails.CALLBACK if invitation.status == "callback" else mails.BOOKING
    outbox.enqueue(session, settings, now,
                   idempotency_key=f"{KEY}:{invitation.id}:{invitation.status}",
                   template_key=template, context=context,
                   to_addr=settings.service_center_email, to_name="Service-Center",
                   kind="staff", module=KEY, record_id=invitation.id, actor=ACTOR,
                   not_before=opens)


def request_callback(session: Session, settings: Settings, invitation_id: int | None,
                     now: datetime) -> ServiceInvitation:
    """The customer asks to be called: on the call list at once, the advisor gets a mail."""
    invitation = load(session, invitation_id)
    if invitation.status in STOPPED:
        return invitation
    invitation.callback_at = now
    _stop(invitation, "callback", "Kunde bittet um Rückruf.")
    events.record(session, now, "service_callback", "Service: Kunde bittet um Rückruf.",
                  customer_id=invitation.customer_id, module=KEY, record_id=invitation.id,
                  actor=ACTOR)
    _tell_staff(session, settings, invitation, "Rückruf", now)
    return invitation


def book(session: Session, settings: Settings, invitation_id: int | None, wish: Wish | None,
         now: datetime) -> ServiceInvitation:
    """The customer booked: through the built-in page (`wish`) or the dealer's own booking
    page (None: the link was followed, the booking itself happens there)."""
    invitation = load(session, invitation_id)
    if invitation.status in STOPPED:
        return invitation
    invitation.booked_at = now
    text = (f"Terminwunsch: {wish.text()}" if wish is not None
            else "Buchungsseite des Autohauses geöffnet")
    _stop(invitation, "booked", text + ".")
    events.record(session, now, "service_booked", f"Service: {text}.",
                  customer_id=invitation.customer_id, module=KEY, record_id=invitation.id,
                  actor=ACTOR, data={"phone": wish.phone} if wish and wish.phone else None)
    if wish is not None:
        _tell_staff(session, settings, invitation, text, now, wish.phone)
    return invitation
