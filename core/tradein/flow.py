"""The trade-in funnel (Ankauf) declared as data: statuses, actions, automatic rules, mails.

The UI enables buttons from ACTIONS, the API accepts exactly these action names, and the due
engine (core.due, via core.tradein.rules) reads AUTO_RULES. Change the funnel here, nowhere else.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from core import validation as fields
from core.actions import Action, Field
from core.flows import AutoRule, MailSpec
from core.settings import Settings
from core.tradein import validation

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
# Display colour (a Quasar colour name) per status: open work warm, waiting cool, closed
# muted/green.
STATUS_COLORS: dict[int, str] = {
    1: "blue-grey-6", 2: "light-blue-8", 3: "orange-8", 4: "indigo-6",
    5: "red-7", 6: "deep-purple-6", 7: "grey-7", 8: "green-7",
}
CLOSED = frozenset({7, 8})
ALL = frozenset(STATUS_LABELS)


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
    MailSpec("rebooked", "Terminänderung durch den Kunden – an Service-Center",
             "service_center", "staff"),
    MailSpec("regret", "Bedauern (nicht gekauft)", "customer", "transactional"),
    MailSpec("thanks", "Dankeschön (gekauft)", "customer", "transactional"),
)}


def _appointment(errors: dict, data: dict, settings: Settings, now: datetime) -> dict:
    at, reason = validation.clean_appointment(errors, data, settings, now)
    return {"appointment_at": at, "override_reason": reason} | (
        {"override": True} if reason else {})


def _purchase_price(errors: dict, data: dict, _settings: Settings, _now: datetime) -> dict:
    return {"purchase_price_cents": fields.clean_money(
        errors, data, "purchase_price_eur", "Ankaufspreis", PURCHASE_PRICE_MISSING)}


PURCHASE_PRICE_MISSING = "Bitte einen Ankaufspreis eingeben"
APPOINTMENT = Field("appointment_at", "Termin", kind="appointment", mark="appointment",
                    intro="Vom Händler bestätigter Termin (Ortszeit):", clean=_appointment)
# Read by _appointment (it is needed only for a slot outside the opening hours). Short
# label: a long one is cut off on a phone; the condition is the hint.
OVERRIDE = Field("override_reason", "Begründung für die Ausnahme", required=False,
                 mark="override-reason", placeholder="z. B. Sondertermin mit dem Verkaufsleiter",
                 hint="nur für Termine außerhalb der Öffnungszeiten")
PURCHASE_PRICE = Field("purchase_price_eur", "Ankaufspreis", kind="money",
                       mark="purchase-price", placeholder="z. B. 12.500,00",
                       intro="Ankaufspreis, den der Händler dem Kunden anbietet:",
                       clean=_purchase_price)
STAFF_AND_SALES = ("service", "supervisor", "sales")
DECISION_NOTE = ("Die Entscheidung geht automatisch per E-Mail an das Service-Center.",)

# mail "closing" picks regret or thanks by status (CLOSING_MAIL).
ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("send_market_value", "Marktwert-Mail senden", frozenset({1, 2}), 2, "market_value",
           icon="euro"),
    # A customer may ask for an appointment at any open point; it stops every reminder.
    Action("request_appointment", "Termin angefragt", frozenset({1, 2, 4, 5, 6}), 3,
           roles=STAFF_AND_SALES, icon="event",
           confirm=("Erinnerungsmails an den Kunden entfallen damit.",)),
    Action("confirm_appointment", "Termin an Kunden bestätigen", frozenset({3, 4}), 4,
           "appointment_customer", requires=(APPOINTMENT,), optional=(OVERRIDE,),
           icon="event_available"),
    Action("notify_dealer", "Termin an Händler senden", frozenset({4}), None,
           "appointment_dealer", icon="store"),
    Action("missed_appointment", "Termin versäumt", frozenset({4}), 5, "missed",
           icon="event_busy"),
    Action("send_offer", "Händlerangebot senden", frozenset({4, 6}), 6, "offer",
           requires=(PURCHASE_PRICE,), icon="local_offer"),
    # The decision mail to the service center is sent automatically on entering 7 or 8.
    Action("set_not_bought", "Nicht gekauft", frozenset({2, 3, 4, 5, 6, 8}), 7,
           roles=STAFF_AND_SALES, icon="thumb_down", confirm=DECISION_NOTE,
           done="Nicht gekauft: erledigt, die Mail an das Service-Center liegt im Postausgang."),
    Action("set_bought", "Gekauft", frozenset({4, 6, 7}), 8, roles=STAFF_AND_SALES,
           icon="thumb_up", confirm=DECISION_NOTE,
           done="Gekauft: erledigt, die Mail an das Service-Center liegt im Postausgang."),
    Action("send_closing_mail", "Bedauern/Danke senden", frozenset({7, 8}), None, "closing",
           icon="mail"),
    Action("archive", "Archivieren", ALL, icon="archive", confirm=(
        "Der Fall wird archiviert und erscheint nur noch mit „archivierte anzeigen“.",)),
)}

# Mail sent automatically, in the same transaction, whenever a case enters these statuses.
ON_ENTER_MAIL: dict[int, str] = {7: "decision", 8: "decision"}
CLOSING_MAIL: dict[int, str] = {7: "regret", 8: "thanks"}


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
    # Status 5 can be entered again (re-booked, missed again): one follow-up per miss.
    AutoRule("missed_followup", 5, "missed_followup", after=timedelta(days=7),
             description="Zweite Mail 7 Tage nach „Termin versäumt“, danach nichts mehr",
             max_late=timedelta(days=2), recurs=True),
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
