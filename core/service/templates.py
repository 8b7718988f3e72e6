"""The service mails as the templates page sees them (core.mail.sources)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from core.errors import NotFound
from core.mail import outbox
from core.mail.sources import KINDS, Preview
from core.models import Customer
from core.service import mails
from core.service.models import ServiceInvitation, Vehicle
from core.service.timing import local_today


class ServiceTemplates:
    record_label = "Vorschau mit Einladung (Kennzeichen, Fahrzeug- oder Kundennummer)"
    variables = mails.VARIABLES

    def templates(self, session: Session) -> dict[str, str]:
        return dict(mails.LABELS)

    def meta(self, key: str) -> str:
        kind = mails.KINDS.get(key, "marketing")
        if kind == "staff":
            return "An: Service-Center · an Mitarbeiter"
        return (f"An: Kunde · {KINDS[kind]} · automatisch (nur mit Einwilligung oder als "
                f"Bestandskunde)")

    def sample(self, settings: Any, key: str) -> dict[str, Any]:
        return mails.sample_context(settings, key)

    def preview(self, session: Session, settings: Any, key: str, record_id: int | None,
                now: datetime) -> Preview:
        kind = mails.KINDS.get(key, "marketing")
        if record_id is None:
            context = outbox.mail_context(settings, self.sample(settings, key), None, kind)
            return Preview(context, "Beispieldaten")
        invitation = session.scalar(
            select(ServiceInvitation).options(joinedload(ServiceInvitation.vehicle),
                                              joinedload(ServiceInvitation.customer))
            .where(ServiceInvitation.id == record_id))
        if invitation is None or invitation.customer is None:
            raise NotFound(f"Einladung {record_id} gibt es nicht.")
        dues = mails.due_dates(session, (invitation.vehicle_id,))[invitation.vehicle_id]
        customer = invitation.customer
        context = mails.context(settings, invitation, invitation.vehicle, customer, dues,
                                local_today(settings, now))
        if kind == "staff":
            return Preview(outbox.mail_context(settings, context, None, kind),
                           f"Service-Center <{settings.service_center_email}>")
        return Preview(outbox.mail_context(settings, context, customer, kind),
                       f"{customer.full_name} <{customer.email}>")

    def records(self, session: Session, settings: Any, search: str,
                now: datetime) -> dict[int, str]:
        query = (select(ServiceInvitation.id, Vehicle.plate, Vehicle.make, Vehicle.model,
                        Customer.customer_number)
                 .join(Vehicle, Vehicle.id == ServiceInvitation.vehicle_id)
                 .join(Customer, Customer.id == ServiceInvitation.customer_id)
                 .order_by(ServiceInvitation.due_date).limit(15))
        if search.strip():
            like = f"%{search.strip()}%"
            query = query.where(or_(Vehicle.plate.ilike(like), Vehicle.vehicle_number.ilike(like),
                                    Customer.customer_number.ilike(like)))
        return {r.id: f"{r.plate or '–'} · {r.make} {r.model} · Kd. {r.customer_number}"
                for r in session.execute(query)}

    def bare_key(self, name: str) -> str | None:
        return None
