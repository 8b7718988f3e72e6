"""Suggested duplicates and the merge: every referencing row moves to the kept DMS record,
the stricter opt-out wins, nothing is lost, and a refused merge changes nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.auth import PermissionDenied
from core.customers import duplicates, merge
from core.customers.merge import customer_references
from core.errors import ActionNotAllowed
from core.models import Customer, Event, OutboxMessage, User
from core.settings import Settings
from core.tradein import service
from core.tradein.models import TradeInCase
from core.winback.models import OrderLine, WinbackEntry
from tests.customers.conftest import add_dms, add_orders, add_valuation

SETTINGS = Settings()


def staff(role: str = "service") -> User:
    return User(username=f"{role}1", display_name=role, role=role, active=True,
                password_hash="x")


@pytest.fixture
def pair(cdb, now):
    """A website customer (valuation, market-value mail queued, a phone) and, imported later,
    a DMS customer with the same address in other case, order lines and a win-back entry."""
    with cdb.session(write=True) as session:
        case_id, web_id = add_valuation(session, SETTINGS, "Maria.Huber@Example.AT", now,
                                        phone="+43 664 1234567")
        service.perform(session, SETTINGS, case_id, "send_market_value", now=now)
        dms_id = add_dms(session, "K1001", "Maria", "Huber-Berger", "MARIA.HUBER@example.at",
                         now + timedelta(days=1), city="Linz", marketing_consent=False)
        add_orders(session, SETTINGS, dms_id, "K1001", now)
    return {"case": case_id, "web": web_id, "dms": dms_id}


def waiting_mail(customer_id: int, kind: str, now) -> OutboxMessage:
    return OutboxMessage(idempotency_key=f"test:{customer_id}:{kind}", message_id="<t@x>",
                         kind=kind, to_addr="maria.huber@example.at", template_key="t",
                         template_version=1, subject="s", text_body="t", html_body="h",
                         next_attempt_at=now, created_at=now, customer_id=customer_id)


def do_merge(db, pair, now, user: User | None = None) -> merge.MergeResult:
    with db.session(write=True) as session:
        return merge.merge(session, pair["dms"], pair["web"], user=user or staff(), now=now)


def counts(db, customer_id: int) -> dict[str, int]:
    """How many rows of each referencing table point at the customer."""
    with db.session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)
                                           .where(table.c[column] == customer_id))
                for table, column, _keyed in customer_references()}


def test_same_address_in_other_case_is_suggested_from_both_sides(cdb, pair):
    with cdb.session() as session:
        listed = duplicates.suggested_duplicates(session, 10)
        assert [(d.keep_id, d.drop_id) for d in listed] == [(pair["dms"], pair["web"])]
        assert listed[0].keep_number == "K1001"
        for side in ("web", "dms"):
            assert [d.drop_id for d in duplicates.duplicates_of(session, pair[side])] == \
                [pair["web"]]
        assert duplicates.count_suggested(session) == 1


def test_two_dms_customers_or_different_addresses_are_no_suggestion(cdb, now):
    with cdb.session(write=True) as session:
        add_dms(session, "K1", "Anna", "A", "same@example.at", now)
        add_dms(session, "K2", "Berta", "B", "same@example.at", now)  # a shared DMS address
        add_valuation(session, SETTINGS, "other@example.at", now)
    with cdb.session() as session:
        assert duplicates.suggested_duplicates(session, 10) == []


def test_every_referencing_row_moves_to_the_kept_customer(cdb, pair, now):
    before_web, before_dms = counts(cdb, pair["web"]), counts(cdb, pair["dms"])
    assert before_web["tradein_cases"] == 1 and before_web["outbox"] == 1
    assert before_web["events"] >= 2 and before_dms["order_lines"] == 2

    result = do_merge(cdb, pair, now)

    after = counts(cdb, pair["dms"])
    assert {"tradein_cases", "events", "outbox", "order_lines", "winback_entries"} <= set(after)
    assert counts(cdb, pair["web"]) == dict.fromkeys(after, 0)
    for table in ("tradein_cases", "outbox", "order_lines", "winback_entries"):
        assert after[table] == before_web[table] + before_dms[table], table
    # the moved events plus the one about the merge
    assert after["events"] == before_web["events"] + before_dms["events"] + 1
    assert result.moved["tradein_cases"] == 1
    with cdb.session() as session:
        assert session.get(Customer, pair["web"]) is None
        assert session.get(TradeInCase, pair["case"]).customer_id == pair["dms"]
        merged = session.scalars(select(Event).where(Event.kind == merge.MERGED_EVENT)).one()
        assert merged.customer_id == pair["dms"] and merged.actor == "service1"
        assert "Kunde zusammengeführt" in merged.text and "Telefon" in merged.text


def test_kept_record_keeps_its_data_and_gets_the_missing_fields(cdb, pair, now):
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        kept = session.get(Customer, pair["dms"])
        assert (kept.customer_number, kept.last_name, kept.city) == ("K1001", "Huber-Berger",
                                                                     "Linz")
        assert kept.phone == "+43 664 1234567"  # only the website knew it
        assert kept.created_at == now  # known to the dealer since the valuation


def test_the_earliest_opt_out_of_either_record_wins(cdb, pair, now):
    with cdb.session(write=True) as session:
        web = session.get(Customer, pair["web"])
        web.opted_out_at = now - timedelta(days=3)
        later = now - timedelta(days=1)
        session.get(Customer, pair["dms"]).opted_out_at = later
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        kept = session.get(Customer, pair["dms"])
        assert kept.opted_out_at == now - timedelta(days=3)  # the earliest objection
        assert kept.marketing_consent is False


@pytest.mark.parametrize(("keep_consent", "drop_consent", "drop_opted_out", "expected"), [
    (True, False, False, True),  # the kept record's consent stays
    (False, True, False, True),  # the website's consent counts when nobody objected
    (False, True, True, False),  # ... but not when the website customer opted out
])
def test_marketing_consent_rule(cdb, pair, now, keep_consent, drop_consent, drop_opted_out,
                                expected):
    with cdb.session(write=True) as session:
        session.get(Customer, pair["dms"]).marketing_consent = keep_consent
        web = session.get(Customer, pair["web"])
        web.marketing_consent = drop_consent
        web.opted_out_at = now if drop_opted_out else None
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        assert session.get(Customer, pair["dms"]).marketing_consent is expected


def test_waiting_marketing_mail_of_the_other_record_is_cancelled_when_kept_one_objected(
        cdb, pair, now):
    with cdb.session(write=True) as session:
        session.get(Customer, pair["dms"]).opted_out_at = now
        mail = waiting_mail(pair["web"], "marketing", now)
        receipt = waiting_mail(pair["web"], "transactional", now)
        session.add_all([mail, receipt])
        session.flush()
        mail_id, receipt_id = mail.id, receipt.id
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        row = session.get(OutboxMessage, mail_id)
        assert (row.customer_id, row.status) == (pair["dms"], "cancelled")
        # a mail the customer asked for is no marketing: it still goes out
        assert session.get(OutboxMessage, receipt_id).status == "queued"


def test_winback_entry_of_the_kept_customer_stays_when_both_have_one(cdb, pair, now):
    with cdb.session(write=True) as session:
        session.add(WinbackEntry(customer_id=pair["web"], status="offer", computed_at=now))
        session.add(OrderLine(order_number="W-1", line=1, customer_number="", order_date=now
                              .date(), customer_id=pair["web"], net_cents=100))
        kept_status = session.get(WinbackEntry, pair["dms"]).status
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        assert session.get(WinbackEntry, pair["web"]) is None
        assert session.get(WinbackEntry, pair["dms"]).status == kept_status
        assert session.scalar(select(func.count(OrderLine.id)).where(
            OrderLine.customer_id == pair["dms"])) == 3


def test_winback_entry_moves_over_when_only_the_other_has_one(cdb, pair, now):
    with cdb.session(write=True) as session:
        session.delete(session.get(WinbackEntry, pair["dms"]))
        session.add(WinbackEntry(customer_id=pair["web"], status="mailed", computed_at=now,
                                 remark="angerufen"))
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        moved = session.get(WinbackEntry, pair["dms"])
        assert (moved.status, moved.remark) == ("mailed", "angerufen")


def test_winback_timeline_and_mails_of_the_other_record_point_to_the_kept_one(cdb, pair, now):
    """Win-back records are keyed by customer: its events and mails name the customer id as
    their record, so they must name the kept customer after a merge (else the timeline and
    the outbox link to a page that no longer exists)."""
    with cdb.session(write=True) as session:
        session.add(WinbackEntry(customer_id=pair["web"], status="mailed", computed_at=now))
        session.add(Event(at=now, customer_id=pair["web"], module="winback",
                          record_id=pair["web"], kind="action", text="Rückgewinnung: Mail"))
        mail = waiting_mail(pair["web"], "marketing", now)
        mail.module, mail.record_id = "winback", pair["web"]
        session.add(mail)
    do_merge(cdb, pair, now)
    with cdb.session() as session:
        for model in (Event, OutboxMessage):
            records = set(session.scalars(select(model.record_id).where(
                model.module == "winback", model.record_id.is_not(None))))
            assert records == {pair["dms"]}, model.__tablename__
        # Trade-in records keep their own ids: only the customer link moved.
        assert set(session.scalars(select(Event.record_id).where(
            Event.module == "tradein"))) == {pair["case"]}


def test_sales_may_not_merge_and_nothing_changes(cdb, pair, now):
    before = counts(cdb, pair["web"])
    with pytest.raises(PermissionDenied):
        do_merge(cdb, pair, now, user=staff("sales"))
    assert counts(cdb, pair["web"]) == before
    with cdb.session() as session:
        assert session.get(Customer, pair["web"]) is not None


def test_two_customers_that_are_no_suggested_pair_are_refused(cdb, pair, now):
    with cdb.session(write=True) as session:
        stranger = add_dms(session, "K9", "Otto", "Fremd", "otto@example.at", now)
    with pytest.raises(ActionNotAllowed), cdb.session(write=True) as session:
        merge.merge(session, stranger, pair["web"], user=staff(), now=now)
    with pytest.raises(ActionNotAllowed), cdb.session(write=True) as session:
        merge.merge(session, pair["web"], pair["dms"], user=staff(), now=now)  # wrong way round
    with cdb.session() as session:
        assert session.get(Customer, pair["web"]) is not None


def test_merging_twice_says_it_is_done_already(cdb, pair, now):
    do_merge(cdb, pair, now)
    with pytest.raises(ActionNotAllowed, match="nicht mehr"):
        do_merge(cdb, pair, now)
