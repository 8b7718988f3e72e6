"""The kernel's due engine with rules a future module might declare (lead escalation: a staff
mail to the supervisor), over the trade-in table as a stand-in record model."""
from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock, due, due_forecast, optout
from core.flows import AutoRule
from core.models import Customer
from core.tradein.models import TradeInCase
from tests.tradein.conftest import act, new_case

LABELS = {"escalate": "Eskalation an die Leitung", "nudge": "Erinnerung an den Kunden"}


def _spec(queued: list, mail: str) -> due.DueRules:
    def queue(session, settings, record, mail, key, actor, now):
        queued.append((record.id, mail, key))

    return due.DueRules("probe", TradeInCase, (AutoRule("late", 3, mail,
                                                        after=timedelta(days=1)),),
                        {3: "Termin angefragt"}, LABELS, lambda *args: None, queue,
                        mail_kinds={"escalate": "staff", "nudge": "marketing"})


@pytest.mark.parametrize("mail, goes", [("escalate", True), ("nudge", False)])
def test_an_opt_out_stops_customer_mails_but_not_staff_mails(tdb, settings, now, mail, goes):
    case_id = new_case(tdb, settings)
    act(tdb, settings, case_id, "request_appointment")  # status 3
    queued: list = []
    spec = _spec(queued, mail)
    with tdb.session(write=True) as session:
        case = session.get(TradeInCase, case_id)
        optout.opt_out(session, session.get(Customer, case.customer_id), now)
        due.arm(spec, case, settings)
        upcoming, why_none = due_forecast.upcoming(spec, case, case.customer, now, settings)
    assert [o.mail for o in upcoming] == ([mail] if goes else [])
    assert why_none == (None if goes else "Keine automatische Mail: Kunde hat sich abgemeldet")
    later = now + timedelta(days=2)
    clock.set_now(later)
    with tdb.session(write=True) as session:
        [outcome] = due.run_due(spec, session, later, settings)
    assert outcome.sent is goes
    assert queued == ([(case_id, mail, f"probe:{case_id}:{mail}")] if goes else [])


def test_two_rules_for_one_status_are_refused():
    rules = (AutoRule("a", 3, "x", after=timedelta(days=1)),
             AutoRule("b", 3, "y", after=timedelta(days=2)))
    with pytest.raises(ValueError, match="one automatic rule per status"):
        due.DueRules("probe", TradeInCase, rules, {}, {}, lambda *a: None, lambda *a: None)
