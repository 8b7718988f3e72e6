"""The whole funnel as a service center lives it, with every mail arriving in a real SMTP
server after the sender drained the outbox."""
from __future__ import annotations

from datetime import UTC, datetime

from core import clock
from core.tradein.links import booking_token
from tests.tradein.conftest import act, drain, load, mails_of, new_case, tick

TONIGHT = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def only(sink, subject_part: str):
    found = sink.by_subject(subject_part)
    assert len(found) == 1, [str(m["Subject"]) for m in sink.messages]
    return found[0]


def test_bought_funnel_from_valuation_to_thank_you(tdb, settings, now, smtp_sink):
    case_id = new_case(tdb, settings)
    tick(tdb, settings, TONIGHT)
    assert drain(tdb, settings).sent == 1
    market = only(smtp_sink, "Ihr Marktwert")
    assert market["To"].addresses[0].addr_spec == "maria.muster@example.at"
    assert "15.490,00 €" in str(market["Subject"])
    assert f"/termin/{booking_token(case_id)}" in text_of(market)  # opaque, no case number
    assert market["List-Unsubscribe"] and "One-Click" in market["List-Unsubscribe-Post"]

    clock.set_now(datetime(2026, 11, 25, 8, 0, tzinfo=UTC))
    act(tdb, settings, case_id, "request_appointment")
    act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": "02.12.2026 14:30"})
    act(tdb, settings, case_id, "notify_dealer")
    assert drain(tdb, settings).sent == 2
    confirmation = only(smtp_sink, "Terminbestätigung")
    assert "02.12.2026 14:30" in str(confirmation["Subject"])
    assert "Zulassungsschein" in text_of(confirmation)
    dealer = only(smtp_sink, "Bestätigter Besichtigungstermin")
    assert dealer["To"].addresses[0].addr_spec == settings.dealer_email
    assert "+43 660 1234567" in text_of(dealer)
    assert "List-Unsubscribe" not in dealer  # staff mail: nothing to unsubscribe from

    clock.set_now(datetime(2026, 12, 2, 16, 0, tzinfo=UTC))
    act(tdb, settings, case_id, "send_offer", {"purchase_price_eur": "14.800,00"})
    act(tdb, settings, case_id, "set_bought")
    act(tdb, settings, case_id, "send_closing_mail")
    assert drain(tdb, settings).sent == 3
    offer = only(smtp_sink, "Unser Angebot")
    assert "14.800,00 €" in text_of(offer) and "Verkaufstermin vereinbaren" in text_of(offer)
    assert "14.800,00 €" in html_of(offer)
    decision = only(smtp_sink, "Kundenentscheidung")
    assert decision["To"].addresses[0].addr_spec == settings.service_center_email
    assert "gekauft – Maria Muster" in str(decision["Subject"])
    assert "Dankesmail" in text_of(decision)
    thanks = only(smtp_sink, "Herzlichen Dank")
    assert thanks["To"].addresses[0].addr_spec == "maria.muster@example.at"

    case = load(tdb, case_id)
    assert case.status == 8 and case.due_at is None
    assert mails_of(tdb, case_id) == ["market_value", "appointment_customer",
                                      "appointment_dealer", "offer", "decision", "thanks"]
    assert drain(tdb, settings).sent == 0  # nothing twice


def test_not_bought_gets_regret_and_each_decision_change_informs_the_service_center(
        tdb, settings, now, smtp_sink):
    case_id = new_case(tdb, settings)
    act(tdb, settings, case_id, "request_appointment")
    act(tdb, settings, case_id, "confirm_appointment", {"appointment_at": "26.11.2026 09:00"})
    act(tdb, settings, case_id, "send_offer", {"purchase_price_eur": 12000})
    act(tdb, settings, case_id, "set_not_bought")
    act(tdb, settings, case_id, "send_closing_mail")
    act(tdb, settings, case_id, "set_bought")  # the customer changed their mind
    act(tdb, settings, case_id, "set_not_bought")  # ... and back again
    drain(tdb, settings)
    decisions = smtp_sink.by_subject("Kundenentscheidung")
    assert [("nicht gekauft" in str(m["Subject"])) for m in decisions] == [True, False, True]
    assert "Bedauernsmail" in text_of(decisions[0]) and "Dankesmail" in text_of(decisions[1])
    regret = only(smtp_sink, "Tür bleibt für Sie offen")
    assert "nicht an uns zu verkaufen" in text_of(regret)
    keys = [m for m in mails_of(tdb, case_id) if m == "decision"]
    assert len(keys) == 3
