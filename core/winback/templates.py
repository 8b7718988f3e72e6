"""The win-back mails as the templates page sees them (core.mail.sources). A company may use
its own template keys, so the list is read from the database."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.mail import outbox, templates
from core.mail.sources import Preview
from core.winback import detection, mails, queries

LABELS = {mails.STANDARD_KEY: "Standard (an Kunden)",
          mails.VOUCHER_KEY: "Gutschein (an Kunden)",
          mails.OFFER_NOTE_KEY: "Angebotsnotiz (an Mitarbeiter)"}


def kind(key: str) -> str:
    return "staff" if key == mails.OFFER_NOTE_KEY else "marketing"


class WinbackTemplates:
    record_label = "Vorschau mit Kunde (Kundennr. oder Name)"
    variables = mails.VARIABLES

    def templates(self, session: Session) -> dict[str, str]:
        return {t.key: LABELS.get(t.key, t.key.removeprefix("winback."))
                for t in templates.list_templates(session, "winback")}

    def meta(self, key: str) -> str:
        if kind(key) == "staff":
            return "An: angemeldeter Mitarbeiter · an Mitarbeiter"
        return "An: Kunde · Werbung (nur mit Einwilligung oder als Bestandskunde)"

    def sample(self, settings: Any, key: str) -> dict[str, Any]:
        return mails.sample_context(settings)

    def preview(self, session: Session, settings: Any, key: str, record_id: int | None,
                now: datetime) -> Preview:
        mail_kind = kind(key)
        who = "Mitarbeiter" if mail_kind == "staff" else "Kunde"
        if record_id is None:
            context = outbox.mail_context(settings, self.sample(settings, key), None, mail_kind)
            return Preview(context, f"{who} (Beispieldaten)")
        day = detection.local_today(settings, now)
        detail = queries.customer_detail(session, record_id, day)
        customer = detail.customer
        context = mails.context(settings, customer, detail.entry, detail.company, day)
        if mail_kind == "staff":  # the note and author only exist once staff type them
            sample = self.sample(settings, key)
            context |= {"note": sample["note"], "staff_name": sample["staff_name"]}
            return Preview(outbox.mail_context(settings, context, None, mail_kind),
                           "Mitarbeiter (angemeldeter Benutzer)")
        return Preview(outbox.mail_context(settings, context, customer, mail_kind),
                       f"{customer.full_name} <{customer.email}>")

    def records(self, session: Session, settings: Any, search: str,
                now: datetime) -> dict[int, str]:
        rows, _ = queries.list_entries(session, tile=None, search=search, sort="name",
                                       descending=False, page_size=15,
                                       today=detection.local_today(settings, now))
        return {r.customer_id: f"{r.customer_number} · {r.name}" for r in rows}

    def bare_key(self, name: str) -> str | None:
        return None
