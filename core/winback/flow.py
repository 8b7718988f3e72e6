"""Win-back (Rückgewinnung) declared as data: worklist statuses, the staff actions on the
customer process page, and the six tiles. The pages enable buttons from ACTIONS; core's
actions (core.winback.actions) check the same table."""
from __future__ import annotations

from dataclasses import dataclass

STATUS_LABELS: dict[str, str] = {
    "open": "Offen",
    "mailed": "E-Mail gesendet",
    "offer": "Angebot angefragt",
    "no_interest": "Kein Interesse",
    "won_back": "Zurückgewonnen",
}
# Once here, the customer leaves the daily work (reminders included).
CLOSED = frozenset({"no_interest", "won_back"})
WORKABLE = frozenset(STATUS_LABELS) - CLOSED

REMINDER_DAYS = (3, 7, 10, 14, 30)
DEFAULT_REMINDER_DAYS = 10


@dataclass(frozen=True)
class Action:
    """A button on the process page. to_status None keeps the status; requires lists the
    data the action needs (dialog fields / API body keys)."""

    name: str
    label: str
    allowed_from: frozenset[str]
    to_status: str | None = None
    requires: tuple[str, ...] = ()
    sends_mail: bool = False
    roles: tuple[str, ...] = ("sales", "service", "supervisor")


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("no_interest", "Kein Interesse", WORKABLE, "no_interest"),
    # The note goes by mail to the logged-in user, with customer number and name.
    Action("create_offer", "Angebot erstellen", WORKABLE, "offer", requires=("note",),
           sends_mail=True),
    # template: "standard" or "voucher" of the company of the last order.
    Action("send_mail", "E-Mail senden", WORKABLE, "mailed", requires=("template",),
           sends_mail=True),
    Action("remind", "Erinnerung", WORKABLE, requires=("days",)),
    Action("remark", "Bemerkung", frozenset(STATUS_LABELS), requires=("text",)),
    Action("reopen", "Wieder aufnehmen", frozenset({"no_interest"}), "open"),
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


def allowed_actions(status: str) -> dict[str, str | None]:
    """Every action with None if allowed now, else the German reason why not."""
    return {
        a.name: None if status in a.allowed_from else
        f"Im Status „{STATUS_LABELS[status]}“ nicht möglich."
        for a in ACTIONS.values()
    }
