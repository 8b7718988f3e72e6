"""Postausgang page: counts, filter, a mail's rendered view and error, retry and cancel."""
from __future__ import annotations

from sqlalchemy import select

from core import clock, modules, settings
from core.models import OutboxMessage
from core.tradein import service

PEOPLE = (("anton.fuchs@example.com", "Anton", "Fuchs"), ("berta.wolf@example.com", "Berta",
                                                           "Wolf"))


def _two_mails(db) -> tuple[int, int]:
    """One mail the server refused (failed) and one still waiting (queued)."""
    ids = []
    with db.session(write=True) as session:
        current = settings.load(session)
        for email, first, last in PEOPLE:
            case = service.create_valuation(session, current, {
                "email": email, "first_name": first, "last_name": last, "make": "Opel",
                "model": "Corsa", "build_year": 2017, "mileage_km": 90000, "fuel": "Benzin",
                "market_value_eur": 6500}, clock.now())
            service.perform(session, current, case.id, "send_market_value", now=clock.now())
        rows = list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        rows[0].status, rows[0].attempts = "failed", 1
        rows[0].last_error = "Mailserver hat abgelehnt: 550 5.1.1 mailbox unavailable"
        ids = [r.id for r in rows]
    return ids[0], ids[1]


def _status(db, message_id: int) -> str:
    with db.session() as session:
        return session.get(OutboxMessage, message_id).status


async def _open(web):
    web.add_user("sabine", "service")
    user = await web.login("sabine")
    await user.open("/postausgang")
    return user


async def test_counts_and_list(web):
    _two_mails(web.db)
    user = await _open(web)
    await user.should_see("fehlgeschlagen: 1", retries=20)
    await user.should_see("wartet: 1")
    table = next(iter(user.find(marker="outbox-table").elements))
    assert {r["to"] for r in table.rows} == {
        "Anton Fuchs <anton.fuchs@example.com>", "Berta Wolf <berta.wolf@example.com>"}


async def test_filter_by_status_and_search(web):
    _two_mails(web.db)
    user = await _open(web)
    await user.should_see("wartet: 1", retries=20)
    user.find(marker="outbox-count-failed").click()
    await user.should_see("1 E-Mail gefunden", retries=20)
    table = next(iter(user.find(marker="outbox-table").elements))
    assert [r["status"] for r in table.rows] == ["failed"]


async def test_failed_mail_shows_reason_and_can_be_retried(web):
    failed_id, _ = _two_mails(web.db)
    user = await _open(web)
    await user.should_see("wartet: 1", retries=20)
    user.find(marker="outbox-table").trigger("rowClick", [{}, {"id": failed_id}])
    await user.should_see(marker="outbox-dialog", retries=20)
    await user.should_see(marker="outbox-dialog-error")
    await user.should_see(marker="preview-html")
    with web.db.session() as session:  # the template by its German name, not its key
        template = session.get(OutboxMessage, failed_id).template_key
        name = modules.template_label(session, template)
    assert name != template
    await user.should_see(f"{name} (Version 1)")
    user.find(marker="outbox-retry").click()
    await user.should_see("Wird erneut gesendet.", retries=20)
    assert _status(web.db, failed_id) == "queued"


async def test_queued_mail_can_be_cancelled_but_not_retried(web):
    _, queued_id = _two_mails(web.db)
    user = await _open(web)
    await user.should_see("wartet: 1", retries=20)
    user.find(marker="outbox-table").trigger("rowClick", [{}, {"id": queued_id}])
    await user.should_see(marker="outbox-cancel", retries=20)
    await user.should_not_see(marker="outbox-retry")
    user.find(marker="outbox-cancel").click()
    await user.should_see("E-Mail storniert.", retries=20)
    assert _status(web.db, queued_id) == "cancelled"


async def test_sales_see_only_the_mails_they_queued_and_change_nothing(web):
    _two_mails(web.db)  # queued by the system, not by Sven
    web.add_user("sven", "sales")
    with web.db.session(write=True) as session:
        current = settings.load(session)
        case = service.create_valuation(session, current, {
            "email": "carla.berg@example.com", "first_name": "Carla", "last_name": "Berg",
            "make": "Opel", "model": "Astra", "build_year": 2018, "mileage_km": 70000,
            "fuel": "Benzin", "market_value_eur": 9500}, clock.now())
        service.perform(session, current, case.id, "send_market_value", actor="sven",
                        now=clock.now())
        own = session.scalar(select(OutboxMessage.id).where(OutboxMessage.queued_by == "sven"))
    user = await web.login("sven")
    await user.open("/postausgang")
    await user.should_see("Meine E-Mails", retries=20)
    await user.should_see("1 E-Mail gefunden", retries=20)
    table = next(iter(user.find(marker="outbox-table").elements))
    assert [r["id"] for r in table.rows] == [own]
    user.find(marker="outbox-table").trigger("rowClick", [{}, {"id": own}])
    await user.should_see(marker="outbox-dialog", retries=20)
    await user.should_not_see(marker="outbox-cancel")  # the service center acts, not sales
