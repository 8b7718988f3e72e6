"""Where the templates page gets a module's templates, variables and preview data from.

One source per module ("Ankauf", "Rückgewinnung"): the page edits any template by its full
key ("tradein.offer", "winback.voucher") and asks the key's source for the label, the
variable list, a sample context and the context of a real record (case or customer)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from core import clock
from core.mail import outbox, templates
from core.tradein import mails as tradein_mails
from core.tradein import queries as tradein_queries
from core.tradein import service
from core.tradein.flow import MAILS
from core.winback import mails as winback_mails
from core.winback import queries as winback_queries
from pages.frame import runtime

RECIPIENTS = {"customer": "Kunde", "dealer": "Händler", "service_center": "Service-Center"}
KINDS = {"marketing": "Werbung/Erinnerung", "transactional": "vom Kunden erwartet",
         "staff": "an Mitarbeiter"}


@dataclass(frozen=True)
class Preview:
    context: dict[str, Any]
    recipient: str


class TradeinSource:
    module, label = "tradein", "Ankauf"
    record_label = "Vorschau mit Fall (Nr., Name oder E-Mail)"
    variables = tradein_mails.VARIABLES

    def templates(self) -> dict[str, str]:
        return {tradein_mails.template_key(k): m.label for k, m in MAILS.items()}

    def meta(self, key: str) -> str:
        spec = MAILS[key.removeprefix("tradein.")]
        return (f"An: {RECIPIENTS[spec.recipient]} · {KINDS[spec.kind]}"
                f"{' · automatisch' if spec.automatic else ''}")

    def sample(self, key: str) -> dict[str, Any]:
        return tradein_mails.sample_context(runtime().settings())

    def preview(self, key: str, record_id: int | None) -> Preview:
        settings, spec = runtime().settings(), MAILS[key.removeprefix("tradein.")]
        if record_id is None:
            context = outbox.mail_context(settings, self.sample(key), None, spec.kind)
            return Preview(context, f"{RECIPIENTS[spec.recipient]} (Beispieldaten)")
        with runtime().db.session() as session:
            case = service.case_detail(session, record_id)
            context = tradein_mails.case_context(settings, case, case.customer)
            customer = case.customer if spec.recipient == "customer" else None
            address, name = tradein_mails.recipient(settings, spec, case.customer)
            return Preview(outbox.mail_context(settings, context, customer, spec.kind),
                           f"{name} <{address}>")

    def records(self, search: str) -> dict[int, str]:
        with runtime().db.session() as session:
            rows, _ = tradein_queries.list_cases(session, search=search, page_size=15,
                                                 include_archived=True)
            return {r.id: f"{r.id} · {r.customer_name} · {r.make} {r.model}" for r in rows}


class WinbackSource:
    module, label = "winback", "Rückgewinnung"
    record_label = "Vorschau mit Kunde (Kundennr. oder Name)"
    variables = winback_mails.VARIABLES
    LABELS = {winback_mails.STANDARD_KEY: "Standard (an Kunden)",
              winback_mails.VOUCHER_KEY: "Gutschein (an Kunden)",
              winback_mails.OFFER_NOTE_KEY: "Angebotsnotiz (an Mitarbeiter)"}

    def templates(self) -> dict[str, str]:
        """Every stored win-back template (a company may use its own keys)."""
        with runtime().db.session() as session:
            rows = templates.list_templates(session, "winback")
            return {t.key: self.LABELS.get(t.key, t.key.removeprefix("winback."))
                    for t in rows}

    @staticmethod
    def kind(key: str) -> str:
        return "staff" if key == winback_mails.OFFER_NOTE_KEY else "marketing"

    def meta(self, key: str) -> str:
        if self.kind(key) == "staff":
            return "An: angemeldeter Mitarbeiter · an Mitarbeiter"
        return "An: Kunde · Werbung (nur mit Einwilligung oder als Bestandskunde)"

    def sample(self, key: str) -> dict[str, Any]:
        return winback_mails.sample_context(runtime().settings())

    def preview(self, key: str, record_id: int | None) -> Preview:
        settings, kind = runtime().settings(), self.kind(key)
        who = "Mitarbeiter" if kind == "staff" else "Kunde"
        if record_id is None:
            context = outbox.mail_context(settings, self.sample(key), None, kind)
            return Preview(context, f"{who} (Beispieldaten)")
        day = local_today()  # before the session: settings are not read inside one
        with runtime().db.session() as session:
            detail = winback_queries.customer_detail(session, record_id, day)
            customer = detail.customer
            context = winback_mails.context(settings, customer, detail.entry, detail.company,
                                            day)
            if kind == "staff":  # the note and author only exist once staff type them
                sample = self.sample(key)
                context |= {"note": sample["note"], "staff_name": sample["staff_name"]}
                return Preview(outbox.mail_context(settings, context, None, kind),
                               "Mitarbeiter (angemeldeter Benutzer)")
            return Preview(outbox.mail_context(settings, context, customer, kind),
                           f"{customer.full_name} <{customer.email}>")

    def records(self, search: str) -> dict[int, str]:
        day = local_today()
        with runtime().db.session() as session:
            rows, _ = winback_queries.list_entries(session, tile=None, search=search,
                                                   sort="name", descending=False,
                                                   page_size=15, today=day)
            return {r.customer_id: f"{r.customer_number} · {r.name}" for r in rows}


def local_today() -> date:
    return clock.now().astimezone(ZoneInfo(runtime().settings().timezone)).date()


SOURCES: dict[str, Any] = {s.module: s for s in (TradeinSource(), WinbackSource())}


def source_for(key: str) -> Any:
    return SOURCES[key.split(".", 1)[0]]


def resolve_key(wanted: str) -> str:
    """A template key from the URL: a full key, or a bare trade-in mail name (old links)."""
    if "." in wanted and wanted.split(".", 1)[0] in SOURCES:
        return wanted
    if wanted in MAILS:
        return tradein_mails.template_key(wanted)
    return tradein_mails.template_key(next(iter(MAILS)))
