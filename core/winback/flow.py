"""Win-back (Rückgewinnung) declared as data: worklist statuses, the staff actions on the
customer process page, and the six tiles. The pages enable buttons from ACTIONS; core's
actions (core.winback.actions) check the same table."""
from __future__ import annotations

from core.actions import Action, Field
from core.flows import MailSpec

STATUS_LABELS: dict[str, str] = {
    "open": "Offen",
    "mailed": "E-Mail gesendet",
    "offer": "Angebot angefragt",
    "no_interest": "Kein Interesse",
    "won_back": "Zurückgewonnen",
}
# Display colour (a Quasar colour name) per win-back status.
STATUS_COLORS: dict[str, str] = {
    "open": "orange-8", "mailed": "light-blue-8", "offer": "deep-purple-6",
    "no_interest": "grey-7", "won_back": "green-7",
}
# Once here, the customer leaves the daily work (reminders included).
CLOSED = frozenset({"no_interest", "won_back"})
WORKABLE = frozenset(STATUS_LABELS) - CLOSED

REMINDER_DAYS = (3, 7, 10, 14, 30)
DEFAULT_REMINDER_DAYS = 10


SALES_AND_SERVICE = ("sales", "service", "supervisor")
# The note goes by mail to the logged-in user, with customer number and name.
NOTE = Field("note", "Notiz für das Angebot (geht mit Kundennummer und Name per E-Mail an Sie)",
             kind="note", missing="Bitte einen Vermerk für das Angebot eingeben.")
REMARK = Field("text", "Bemerkung zum Kunden", kind="note", mark="remark",
               missing="Bitte eine Bemerkung eingeben.")
# "standard" or "voucher" of the company of the last order (the flow offers only those the
# company has).
TEMPLATE = Field("template", "Vorlage", kind="choice", mark="mail", default="standard",
                 choices=(("standard", "Standardvorlage"), ("voucher", "Gutschein-Vorlage")),
                 invalid="Vorlage muss „standard“ oder „voucher“ sein.")
DAYS = Field("days", "Erinnerung in", kind="choice", mark="remind",
             default=DEFAULT_REMINDER_DAYS, button="Erinnerung in {value} Tagen",
             choices=tuple((d, f"in {d} Tagen") for d in REMINDER_DAYS),
             invalid="Erinnerung nur in " + ", ".join(str(d) for d in REMINDER_DAYS)
             + " Tagen möglich.")

ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("send_mail", "E-Mail senden", WORKABLE, "mailed", mail="standard",
           requires=(TEMPLATE,), roles=SALES_AND_SERVICE, icon="mail"),
    Action("create_offer", "Angebot erstellen", WORKABLE, "offer", mail="offer_note",
           requires=(NOTE,), roles=SALES_AND_SERVICE, icon="request_quote"),
    Action("remind", "Erinnerung", WORKABLE, requires=(DAYS,), roles=SALES_AND_SERVICE,
           icon="alarm", done="Erinnerung am {remind_on} gesetzt."),
    Action("remark", "Bemerkung", frozenset(STATUS_LABELS), requires=(REMARK,),
           roles=SALES_AND_SERVICE, icon="chat"),
    Action("no_interest", "Kein Interesse", WORKABLE, "no_interest", roles=SALES_AND_SERVICE,
           icon="block", confirm=("Der Kunde verlässt die Arbeitsliste; eine offene "
                                  "Erinnerung entfällt. „Wieder aufnehmen“ macht das "
                                  "rückgängig.",)),
    Action("reopen", "Wieder aufnehmen", frozenset({"no_interest"}), "open",
           roles=SALES_AND_SERVICE, icon="undo", only_when_possible=True),
)}
MAILS: dict[str, MailSpec] = {m.key: m for m in (
    MailSpec("standard", "Rückgewinnung – Standardvorlage", "customer", "marketing"),
    MailSpec("voucher", "Rückgewinnung – Gutschein-Vorlage", "customer", "marketing"),
    MailSpec("offer_note", "Angebotsvermerk an den Mitarbeiter", "user", "staff"),
)}

# The six tiles, in display order: (key, label, explanation).
TILES: tuple[tuple[str, str, str], ...] = (
    ("decline", "Kunden mit Umsatzrückgang", "offen, noch nicht bearbeitet"),
    ("due", "Erinnerungen fällig", "Wiedervorlage heute oder früher"),
    ("mailed", "E-Mail gesendet", "warten auf Reaktion"),
    ("offer", "Angebot angefragt", "Angebot in Arbeit"),
    ("no_interest", "Kein Interesse", "abgeschlossen"),
    ("won_back", "Zurückgewonnen", "nach dem Kontakt wieder bestellt"),
)
TILE_KEYS = tuple(key for key, _label, _hint in TILES)
TILE_STYLE = {  # key -> (icon, display colour of the tile's stripe)
    "decline": ("trending_down", "orange-8"), "due": ("alarm", "red-7"),
    "mailed": ("mail", "light-blue-8"), "offer": ("request_quote", "deep-purple-6"),
    "no_interest": ("block", "grey-7"), "won_back": ("emoji_events", "green-7"),
}

