"""The one consent / opt-out rule every module, the outbox and the due engine ask.

Marketing mails (and every automatic reminder, which is marketing) need that the customer did
not object and has an address; without explicit consent they need a legal basis the module
knows – an existing customer relationship (a valuation the customer asked for, an earlier
purchase). Transactional mails the customer asked for need only an address; staff mails go to
staff addresses and are never held back by a customer's choice."""
from __future__ import annotations

from typing import Any

OPTED_OUT = "Kunde hat sich abgemeldet"
NO_ADDRESS = "Für den Kunden ist keine E-Mail-Adresse hinterlegt"
NO_BASIS = ("Keine Werbeeinwilligung, und der Kunde hat noch nichts bei uns gekauft "
            "(keine Bestandskundenausnahme)")


def may_send(customer: Any, kind: str, *, existing_customer: bool = True) -> str | None:
    """None if a mail of `kind` (marketing | transactional | staff) may go to `customer`,
    else the German reason why not. `existing_customer`: the module's answer whether a
    customer relationship allows marketing without explicit consent."""
    if kind == "staff" or customer is None:
        return None
    if kind == "marketing" and customer.opted_out_at is not None:
        return OPTED_OUT
    if not (customer.email or "").strip():
        return NO_ADDRESS
    if kind == "marketing" and not customer.marketing_consent and not existing_customer:
        return NO_BASIS
    return None


OPTED_OUT_SENTENCE = ("Der Kunde hat sich abgemeldet (der Werbung widersprochen): keine Werbe- "
                      "und keine automatischen Mails.")


def sentence(reason: str) -> str:
    """A reason of may_send as a sentence for buttons and dialogs."""
    if reason == OPTED_OUT:
        return OPTED_OUT_SENTENCE
    return reason if reason.endswith(".") else reason + "."
