"""The trade-in funnel (Ankauf) declared as data: statuses, actions, automatic rules, mails.

The UI enables buttons from ACTIONS, the API accepts exactly these action names, and the rules
engine (core.tradein.rules) reads AUTO_RULES. Change the funnel here, nowhere else.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

STATUS_LABELS: dict[int, str] = {
    1: "Marktwert berechnet",
    2: "Marktwertmail gesendet",
    3: "Termin angefragt",
    4: "Terminbestätigung gesendet",
    5: "Termin versäumt",
    6: "Händlerangebot gesendet",
    7: "Abgeschlossen: nicht gekauft",
    8: "Abgeschlossen: gekauft",
}
CLOSED = frozenset({7, 8})
ALL = frozenset(STATUS_LABELS)


@dataclass(frozen=True)
class MailSpec:
    """A mail of the funnel: its template, who receives it and how it is classified.

    kind: marketing (needs no objection; opt-out stops it), transactional (the customer asked
    for it), staff (to dealer / service center addresses)."""

    key: str
    label: str
    recipient: str  # customer | dealer | service_center
    kind: str
    automatic: bool = False


MAILS: dict[str, MailSpec] = {m.key: m for m in (
    MailSpec("market_value", "Marktwert-Mail", "customer", "marketing", automatic=True),
    MailSpec("reminder", "Erinnerung Terminvereinbarung", "customer", "marketing", automatic=True),
    MailSpec("appointment_customer", "Terminbestätigung an Kunden", "customer", "transactional"),
    MailSpec("appointment_dealer", "Terminbestätigung an Händler", "dealer", "staff"),
    MailSpec("missed", "Termin versäumt", "customer", "transactional"),
    MailSpec("missed_followup", "Termin versäumt – nach 7 Tagen", "customer", "marketing",
             automatic=True),
    MailSpec("offer", "Händlerangebot", "customer", "transactional"),
    MailSpec("decision", "Kundenentscheidung an Service-Center", "service_center", "staff",
             automatic=True),
    MailSpec("regret", "Bedauern (nicht gekauft)", "customer", "transactional"),
    MailSpec("thanks", "Dankeschön (gekauft)", "customer", "transactional"),
)}


@dataclass(frozen=True)
class Action:
    """A thing staff (or the website, via API) can do to a case.

    allowed_from: statuses in which it is possible; to_status: None keeps the status;
    mail: template key sent by the action (None: no mail; "closing" picks regret/thanks by
    status); requires: data the action needs (dialog fields / API body keys); optional:
    data it also accepts (e.g. why an appointment lies outside the opening hours)."""

    name: str
    label: str
    allowed_from: frozenset[int]
    to_status: int | None = None
    mail: str | None = None
    requires: tuple[str, ...] = ()
    roles: tuple[str, ...] = ("service", "supervisor")
    optional: tuple[str, ...] = ()


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("send_market_value", "Marktwert-Mail senden", frozenset({1, 2}), 2, "market_value"),
    # A customer may ask for an appointment at any open point; it stops every reminder.
    Action("request_appointment", "Termin angefragt", frozenset({1, 2, 4, 5, 6}), 3,
           roles=("service", "supervisor", "sales")),
    Action("confirm_appointment", "Termin an Kunden bestätigen", frozenset({3, 4}), 4,
           "appointment_customer", requires=("appointment_at",), optional=("override_reason",)),
    Action("notify_dealer", "Termin an Händler senden", frozenset({4}), None,
           "appointment_dealer"),
    Action("missed_appointment", "Termin versäumt", frozenset({4}), 5, "missed"),
    Action("send_offer", "Händlerangebot senden", frozenset({4, 6}), 6, "offer",
           requires=("purchase_price_eur",)),
    # The decision mail to the service center is sent automatically on entering 7 or 8.
    Action("set_not_bought", "Nicht gekauft", frozenset({2, 3, 4, 5, 6, 8}), 7,
           roles=("service", "supervisor", "sales")),
    Action("set_bought", "Gekauft", frozenset({4, 6, 7}), 8,
           roles=("service", "supervisor", "sales")),
    Action("send_closing_mail", "Bedauern/Danke senden", frozenset({7, 8}), None, "closing"),
    Action("archive", "Archivieren", ALL),
)}

# Mail sent automatically, in the same transaction, whenever a case enters these statuses.
ON_ENTER_MAIL: dict[int, str] = {7: "decision", 8: "decision"}
CLOSING_MAIL: dict[int, str] = {7: "regret", 8: "thanks"}


@dataclass(frozen=True)
class AutoRule:
    """An automatic step: when a case has been in `status` for `after` (or, with
    at_nightly_run, at the first nightly run after it entered), send `mail` once and move to
    `to_status` (None: stay). Each rule fires at most once per stay in the status.

    max_late: how late the mail may still go out on its own (machine off, mail stuck in the
    outbox). Later than that it is queued as "held" and staff decide: send or discard.
    None: no limit.
    follows: the mail this one follows up on; if staff discarded that one (or it still waits
    for their decision), this one is not sent either: a reminder about a mail the customer
    never got makes no sense."""

    name: str
    status: int
    mail: str
    after: timedelta | None = None
    at_nightly_run: bool = False
    to_status: int | None = None
    description: str = ""
    max_late: timedelta | None = None
    follows: str | None = None


# Lateness allowances (max_late):
# - market value, 1 day: the customer asked for it and expects it the next morning; until the
#   following nightly run it still answers the request. Later, the quoted value may be stale
#   or the customer may have called meanwhile – staff should look first.
# - reminder and missed-appointment follow-up, 2 days: a nudge a weekend late still reads
#   naturally ("a week ago"); later, the customer may have booked by phone and a reminder that
#   arrives out of the blue looks careless.
# The decision mail to the service center (ON_ENTER_MAIL) is queued at the status change
# itself, never late, and is internal: it has no allowance.
AUTO_RULES: tuple[AutoRule, ...] = (
    AutoRule("market_value_mail", 1, "market_value", at_nightly_run=True, to_status=2,
             description="Marktwert-Mail im ersten Nachtlauf nach der Bewertung",
             max_late=timedelta(days=1)),
    AutoRule("booking_reminder", 2, "reminder", after=timedelta(days=7),
             description="Erinnerung 7 Tage nach der Marktwert-Mail, solange kein Termin",
             max_late=timedelta(days=2), follows="market_value"),
    AutoRule("missed_followup", 5, "missed_followup", after=timedelta(days=7),
             description="Zweite Mail 7 Tage nach „Termin versäumt“, danach nichts mehr",
             max_late=timedelta(days=2)),
)
RULES_BY_STATUS: dict[int, AutoRule] = {r.status: r for r in AUTO_RULES}

# Dashboard tiles besides one per status: (key, label, statuses).
SPECIAL_TILES: tuple[tuple[str, str, frozenset[int]], ...] = (
    ("new_requests", "Neue Terminanfragen", frozenset({3})),
    ("missed", "Versäumte Termine", frozenset({5})),
    ("awaiting_decision", "Angebot offen – Entscheidung ausstehend", frozenset({6})),
)


def allowed_actions(status: int, archived: bool) -> dict[str, str | None]:
    """Every action with None if allowed now, else the German reason why not."""
    result: dict[str, str | None] = {}
    for action in ACTIONS.values():
        if archived:
            result[action.name] = "Der Fall ist archiviert."
        elif status not in action.allowed_from:
            possible = ", ".join(STATUS_LABELS[s] for s in sorted(action.allowed_from))
            result[action.name] = (
                f"Im Status „{STATUS_LABELS[status]}“ nicht möglich (möglich bei: {possible})."
            )
        else:
            result[action.name] = None
    return result
