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
# An automatic mail is classified like marketing: an objection stops every one of them.
AUTOMATIC = "marketing"
NO_BASIS = ("Keine Werbeeinwilligung, und der Kunde hat noch nichts bei uns gekauft "
            "(keine Bestandskundenausnahme)")


def may_send(customer: Any, kind: str, *, existing_customer: bool = True) -> str | None:
    """None if a mail of `kind` (marketing | transactional | staff) may go to `customer`,
    else the German reason why not. `existing_customer`: the module's answer whether a
    customer relationship allows marketing without explicit consent."""
    if kind == "staff" or customer is None:
        return None
    return refusal(kind, opted_out=customer.opted_out_at is not None,
                   has_address=bool((customer.email or "").strip()),
                   consent=bool(customer.marketing_consent),
                   existing_customer=existing_customer)


def refusal(kind: str, *, opted_out: bool, has_address: bool, consent: bool = False,
            existing_customer: bool = True) -> str | None:
    """The rule itself, on plain facts: what may_send answers for a loaded customer, and what
    the due engine asks for the thousands of due records it reads as plain rows. Automatic
    mails ask as AUTOMATIC."""
    if kind == "staff":
        return None
    if kind == "marketing" and opted_out:
        return OPTED_OUT
    if not has_address:
        return NO_ADDRESS
    if kind == "marketing" and not consent and not existing_customer:
        return NO_BASIS
    return None


OPTED_OUT_SENTENCE = ("Der Kunde hat sich abgemeldet (der Werbung widersprochen): keine Werbe- "
                      "und keine automatischen Mails.")


def sentence(reason: str) -> str:
    """A reason of may_send as a sentence for buttons and dialogs."""
    if reason == OPTED_OUT:
        return OPTED_OUT_SENTENCE
    return reason if reason.endswith(".") else reason + "."
