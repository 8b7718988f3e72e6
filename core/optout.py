"""Customer opt-out (unsubscribe link, RFC 8058 one-click): effective at once, for every module."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import consent, events
from core.csvexport import to_csv_bytes
from core.errors import NotFound
from core.mail.tokens import read_unsubscribe_token
from core.models import Customer, OutboxMessage

PENDING = ("queued", "retry", "held")


def customer_for_token(session: Session, token: str) -> Customer:
    """The customer a signed unsubscribe token names; NotFound for a forged/unknown token."""
    customer_id = read_unsubscribe_token(token)
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    if customer is None:
        raise NotFound("Dieser Abmeldelink ist ungültig oder abgelaufen.")
    return customer


def opt_out(session: Session, customer: Customer, now: datetime, actor: str = "Kunde") -> bool:
    """Mark the customer as opted out and cancel their pending marketing mails.

    Returns False if they had already opted out (a second click changes nothing)."""
    if customer.opted_out_at is not None:
        return False
    customer.opted_out_at = now
    cancelled = cancel_waiting_marketing(session, customer.id)
    text = "Kunde hat sich von allen automatischen E-Mails abgemeldet"
    if cancelled:
        text += f" ({cancelled} wartende E-Mail(s) storniert)"
    events.record(session, now, "opted_out", text, customer_id=customer.id, actor=actor)
    return True


def cancel_waiting_marketing(session: Session, customer_id: int) -> int:
    """Cancel the customer's marketing mails that have not gone out yet (an objection stops
    them); returns how many."""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.customer_id == customer_id, OutboxMessage.kind == "marketing",
               OutboxMessage.status.in_(PENDING))
        .values(status="cancelled", last_error=consent.OPTED_OUT)).rowcount


OPTOUT_HEADER = ("Kundennummer", "E-Mail", "Abgemeldet am")


def export_csv(session: Session, timezone: str) -> bytes:
    """Every opted-out customer as CSV for the DMS (Kundennummer;E-Mail;Abgemeldet am), oldest
    opt-out first, so the DMS can set its own flag."""
    rows = session.execute(select(Customer.customer_number, Customer.email,
                                  Customer.opted_out_at)
                           .where(Customer.opted_out_at.is_not(None))
                           .order_by(Customer.opted_out_at, Customer.id))
    zone = ZoneInfo(timezone)
    return to_csv_bytes(OPTOUT_HEADER, ((number or "", email, at.astimezone(zone).date())
                                        for number, email, at in rows), timezone)
