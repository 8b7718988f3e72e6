"""The trade-in mails as the templates page sees them (core.mail.sources)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.mail import outbox
from core.mail.sources import KINDS, RECIPIENTS, Preview
from core.tradein import KEY, mails, queries, service
from core.tradein.flow import MAILS


class TradeinTemplates:
    record_label = "Vorschau mit Fall (Nr., Name oder E-Mail)"
    variables = mails.VARIABLES

    def templates(self, session: Session) -> dict[str, str]:
        return {mails.template_key(k): m.label for k, m in MAILS.items()}

    def meta(self, key: str) -> str:
        spec = MAILS[key.removeprefix(KEY + ".")]
        return (f"An: {RECIPIENTS[spec.recipient]} · {KINDS[spec.kind]}"
                f"{' · automatisch' if spec.automatic else ''}")

    def sample(self, settings: Any, key: str) -> dict[str, Any]:
        return mails.sample_context(settings)

    def preview(self, session: Session, settings: Any, key: str, record_id: int | None,
                now: datetime) -> Preview:
        spec = MAILS[key.removeprefix(KEY + ".")]
        if record_id is None:
            context = outbox.mail_context(settings, self.sample(settings, key), None, spec.kind)
            return Preview(context, f"{RECIPIENTS[spec.recipient]} (Beispieldaten)")
        case = service.case_detail(session, record_id)
        context = mails.case_context(settings, case, case.customer)
        customer = case.customer if spec.recipient == "customer" else None
        address, name = mails.recipient(settings, spec, case.customer)
        return Preview(outbox.mail_context(settings, context, customer, spec.kind),
                       f"{name} <{address}>")

    def records(self, session: Session, settings: Any, search: str,
                now: datetime) -> dict[int, str]:
        rows, _ = queries.list_cases(session, search=search, page_size=15,
                                     include_archived=True)
        return {r.id: f"{r.id} · {r.customer_name} · {r.make} {r.model}" for r in rows}

    def bare_key(self, name: str) -> str | None:
        return mails.template_key(name) if name in MAILS else None
