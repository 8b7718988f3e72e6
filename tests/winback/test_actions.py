"""Every button of the process page: what changes, what is mailed (into a real SMTP server),
what lands on the timeline, and every refusal with its German reason."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from core import auth, clock
from core.auth import PermissionDenied
from core.errors import ActionNotAllowed, NotFound, ValidationError
from core.mail import templates
from core.winback import actions
from core.winback.flow import ACTIONS, REMINDER_DAYS
from core.winback.models import Company, WinbackEntry
from tests.winback.conftest import (
    act,
    add_customer,
    declining,
    detect,
    drain,
    entry,
    outbox_rows,
    set_entry,
    timeline,
)


@pytest.fixture
def customer(companies, settings) -> int:
    """A declining customer whose last order was with WIEN (voucher template, sender name)."""
    customer_id = declining(companies, "2001", first_name="Eva", last_name="Gruber")
    detect(companies, settings)
    return customer_id


def make_user(db, username: str, email: str = "", role: str = "sales"):
    with db.session(write=True) as session:
        return auth.create_user(session, username, "geheim-genug-1", role, username.title(),
                                email, now=clock.now())


def test_flow_table_and_core_agree_on_every_status(customer, companies, settings):
    data = {"create_offer": {"note": "x"}, "send_mail": {"template": "standard"},
            "remind": {"days": 10}, "remark": {"text": "x"}}
    for status in ("open", "mailed", "offer", "no_interest", "won_back"):
        for name, action in ACTIONS.items():
            set_entry(companies, customer, status=status)
            if status in action.allowed_from:
                act(companies, settings, customer, name, data.get(name))
            else:
                with pytest.raises(ActionNotAllowed, match="nicht möglich"):
                    act(companies, settings, customer, name, data.get(name))


def test_no_interest_and_reopen(customer, companies, settings):
    act(companies, settings, customer, "remind", {"days": 10})
    assert act(companies, settings, customer, "no_interest").status == "no_interest"
    assert entry(companies, customer).remind_on is None  # closed: no reminder left
    assert act(companies, settings, customer, "reopen").status == "open"
    assert timeline(companies, customer)[-2:] == [
        "Rückgewinnung: Kein Interesse – Status: Offen → Kein Interesse",
        "Rückgewinnung: Wieder aufnehmen – Status: Kein Interesse → Offen"]


def test_send_standard_mail_reaches_the_customer_with_unsubscribe(customer, companies,
                                                                  settings, smtp_sink):
    e = act(companies, settings, customer, "send_mail", {"template": "standard"})
    assert e.status == "mailed" and e.contacted_at == clock.now()
    [row] = outbox_rows(companies, customer)
    assert (row.template_key, row.kind, row.to_addr) == (
        "winback.standard", "marketing", "kunde2001@example.com")
    # Win-back records are keyed by customer: the mail points to ("winback", customer id).
    assert (row.module, row.record_id) == ("winback", customer)
    assert drain(companies, settings).sent == 1
    [mail] = smtp_sink.messages
    assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8080/abmelden/")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mail.get_body(("plain",)).get_content()
    assert "Guten Tag Eva Gruber" in text and "Autohaus Wien" in text
    assert "Ihr Team von Autohaus Wien Service" in text  # the company's sender name
    assert mail["From"].addresses[0].display_name == "Autohaus Wien Service"  # and From:
    assert "/abmelden/" in text
    assert "E-Mail „Standard“ an den Kunden – Status: Offen → E-Mail gesendet" in " ".join(
        timeline(companies, customer))


def test_a_company_known_only_by_its_code_is_never_shown_to_the_customer(companies,
                                                                         settings, smtp_sink):
    """The import names a new company by its code ("GRAZ"): until someone gives it a real
    name, the customer sees the dealer's name; replies go to the company's own address."""
    with companies.session(write=True) as session:
        session.add(Company(code="GRAZ", name="GRAZ", reply_to="graz@autohaus.example",
                            created_at=clock.now()))
    customer_id = declining(companies, "2009", company="GRAZ")
    detect(companies, settings)
    settings = replace(settings, dealer_legal_name="Autohaus Gruber GmbH")
    act(companies, settings, customer_id, "send_mail", {"template": "standard"})
    drain(companies, settings)
    [mail] = smtp_sink.messages
    text = mail.get_body(("plain",)).get_content()
    assert "GRAZ" not in text and "GRAZ" not in str(mail["Subject"])
    assert "Ihr Team von Autohaus Gruber GmbH" in text
    assert mail["From"].addresses[0].display_name == "Autohaus Gruber GmbH"
    assert mail["Reply-To"] == "graz@autohaus.example"


def test_voucher_mail_of_the_company_of_the_last_order(customer, companies, settings,
                                                       smtp_sink):
    with companies.session() as session:
        assert actions.available_templates(session, customer) == {
            "standard": "winback.standard", "voucher": "winback.voucher"}
    act(companies, settings, customer, "send_mail", {"template": "voucher"})
    drain(companies, settings)
    [mail] = smtp_sink.messages
    assert "Gutschein" in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()
    # The company's code and a real date: 90 days from Monday 23.11.2026.
    assert "Gutscheincode: WIEDERDA30" in text and "Gültig bis:    21.02.2027" in text


def test_company_without_voucher_template_refuses_the_voucher(companies, settings):
    customer_id = declining(companies, "2002", company="LINZ")
    detect(companies, settings)
    with companies.session() as session:
        assert actions.available_templates(session, customer_id)["voucher"] is None
    with pytest.raises(ActionNotAllowed, match="„Autohaus Linz“ hat keine Gutschein-Vorlage"):
        act(companies, settings, customer_id, "send_mail", {"template": "voucher"})
    assert entry(companies, customer_id).status == "open"
    assert act(companies, settings, customer_id, "send_mail").status == "mailed"  # standard


def refused(db, settings, customer_id: int, match: str) -> None:
    """The send is refused and - when the edge commits after catching - says why."""
    with db.session(write=True) as session, pytest.raises(ActionNotAllowed, match=match):
        actions.perform(session, settings, customer_id, "send_mail", {"template": "standard"},
                        now=clock.now())
    assert entry(db, customer_id).status == "open" and not outbox_rows(db, customer_id)
    assert timeline(db, customer_id)[-1].startswith("Rückgewinnung: E-Mail nicht gesendet")


def test_objection_blocks_the_mail(companies, settings):
    customer_id = declining(companies, "2003", opted_out_at=clock.now())
    detect(companies, settings)
    with companies.session() as session:
        assert "widersprochen" in actions.action_states(session, customer_id)["send_mail"]
        with pytest.raises(ActionNotAllowed, match="widersprochen"):
            actions.preview(session, settings, customer_id, "send_mail", now=clock.now())
    refused(companies, settings, customer_id, "widersprochen")


def test_existing_customer_exception_and_no_consent_without_orders(companies, settings):
    # No consent, but bought from us: the existing-customer exception allows the mail.
    buyer = declining(companies, "2004", marketing_consent=False)
    detect(companies, settings)
    assert act(companies, settings, buyer, "send_mail").status == "mailed"
    # No consent and no order lines (an entry left over after the orders were removed).
    stranger = add_customer(companies, "2005", marketing_consent=False)
    with companies.session(write=True) as session:
        session.add(WinbackEntry(customer_id=stranger, computed_at=clock.now(), status="open",
                                 top_product_group="", last_company_code="", remark="",
                                 won_back_cents=0))
    refused(companies, settings, stranger, "Keine Werbeeinwilligung")


def test_customer_without_address_is_refused(companies, settings):
    customer_id = declining(companies, "2006", email="")
    detect(companies, settings)
    refused(companies, settings, customer_id, "keine E-Mail-Adresse")


def test_create_offer_mails_the_note_to_the_logged_in_user(customer, companies, settings,
                                                           smtp_sink):
    user = make_user(companies, "eva.berger", "eva.berger@autohaus.example")
    with pytest.raises(ValidationError) as missing:
        act(companies, settings, customer, "create_offer", {"note": "  "}, user=user)
    assert "Vermerk" in missing.value.errors["note"]
    e = act(companies, settings, customer, "create_offer",
            {"note": "Winterreifen mit 10 % anbieten"}, user=user)
    assert e.status == "offer" and e.contacted_at == clock.now()
    drain(companies, settings)
    [mail] = smtp_sink.messages
    assert smtp_sink.envelopes[0][1] == ["eva.berger@autohaus.example"]
    assert str(mail["Subject"]) == "Angebot erstellen: Kunde 2001 – Eva Gruber"
    assert "List-Unsubscribe" not in mail  # a staff mail
    text = mail.get_body(("plain",)).get_content()
    assert "2001" in text and "Eva Gruber" in text and "Winterreifen mit 10 % anbieten" in text
    assert any(t.endswith("Status: Offen → Angebot angefragt") and "Winterreifen" in t
               for t in timeline(companies, customer))


def test_create_offer_needs_a_user_address(customer, companies, settings):
    user = make_user(companies, "ohne.mail")
    with companies.session() as session:  # the button says so before a note is typed
        reason = actions.action_states(session, customer, user)["create_offer"]
    assert reason == "Ihr Konto hat keine E-Mail-Adresse – bitte unter „Mein Konto“ eintragen."
    with pytest.raises(ActionNotAllowed, match="keine E-Mail-Adresse"):
        act(companies, settings, customer, "create_offer", {"note": "Angebot"}, user=user)
    assert entry(companies, customer).status == "open"


@pytest.mark.parametrize(("today", "days", "expected"), [
    (date(2026, 11, 23), 10, date(2026, 12, 3)),  # a Thursday: stays
    (date(2026, 11, 26), 3, date(2026, 11, 30)),  # Sunday -> Monday
    (date(2026, 12, 1), 7, date(2026, 12, 9)),  # 08.12. Mariä Empfängnis (AT) -> 09.12.
    # 24.12. closing day, 25./26.12. holidays, 27.12. Sunday -> Monday 28.12.
    (date(2026, 12, 14), 10, date(2026, 12, 28)),
])
def test_reminder_lands_on_a_working_day(customer, companies, settings, today, days,
                                         expected):
    clock.set_now(datetime(today.year, today.month, today.day, 9, tzinfo=UTC))
    e = act(companies, settings, customer, "remind", {"days": days})
    assert e.remind_on == expected and e.status == "open"
    assert f"am {expected:%d.%m.%Y}" in timeline(companies, customer)[-1]
    assert actions.reminder_date(settings, today, days) == expected


def test_reminder_periods_and_default(customer, companies, settings):
    assert act(companies, settings, customer, "remind").remind_on == date(2026, 12, 3)
    for wrong in (5, "zehn"):
        with pytest.raises(ValidationError, match="3, 7, 10, 14, 30"):
            act(companies, settings, customer, "remind", {"days": wrong})
    assert set(REMINDER_DAYS) >= {3, 7, 14, 30}


def test_remark_is_stored_and_on_the_timeline(customer, companies, settings):
    with pytest.raises(ValidationError):
        act(companies, settings, customer, "remark", {"text": ""})
    act(companies, settings, customer, "remark", {"text": "Ruft nächste Woche zurück"})
    assert entry(companies, customer).remark == "Ruft nächste Woche zurück"
    assert timeline(companies, customer)[-1] == "Rückgewinnung: Bemerkung: Ruft nächste Woche " \
                                                "zurück"


def test_preview_shows_the_mail_and_changes_nothing(customer, companies, settings):
    with companies.session() as session:
        at = clock.now()
        rendered = actions.preview(session, settings, customer, "send_mail",
                                   {"template": "standard"}, now=at)
        assert "Eva Gruber" in rendered.text and rendered.subject
        assert actions.preview(session, settings, customer, "remind", {"days": 3},
                               now=at) is None
        note = actions.preview(session, settings, customer, "create_offer", {"note": "Reifen"},
                               now=at)
        assert "Reifen" in note.text
    assert entry(companies, customer).status == "open" and not outbox_rows(companies, customer)


def test_unknown_customer_action_and_role(customer, companies, settings):
    with pytest.raises(NotFound):
        act(companies, settings, 99999, "no_interest")
    with pytest.raises(NotFound, match="Unbekannte Aktion"):
        act(companies, settings, customer, "delete")
    with pytest.raises(ValidationError, match="standard"):
        act(companies, settings, customer, "send_mail", {"template": "fancy"})
    user = make_user(companies, "inaktiv", "i@autohaus.example")
    user.active = False
    with pytest.raises(PermissionDenied):
        act(companies, settings, customer, "no_interest", user=user)


def test_every_factory_template_renders_with_the_sample_context(wdb, settings):
    from core.mail.render import validate
    from core.winback import mails

    with wdb.session() as session:
        for key in (mails.STANDARD_KEY, mails.VOUCHER_KEY, mails.OFFER_NOTE_KEY):
            t = templates.get(session, key)
            assert validate(t.subject, t.text_body, t.html_body,
                            mails.sample_context(settings)) == []
            # Empty DMS fields fall back to readable text, never to a hole or an error.
            empty = {k: "" for k in mails.VARIABLES} | {"unsubscribe_url": "x"}
            assert validate(t.subject, t.text_body, t.html_body, empty) == []
