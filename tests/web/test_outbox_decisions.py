"""Late automatic mails and given-up mails as staff see them: dashboard counts linking to the
filtered Postausgang, and the decision "Trotzdem senden" / "Verwerfen"."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from core import clock, settings
from core.models import OutboxMessage
from core.tradein import rules, service

LATE = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)  # three days after the first nightly run


def _valuation(db, email: str) -> None:
    with db.session(write=True) as session:
        service.create_valuation(session, settings.load(session), {
            "email": email, "first_name": "Anton", "last_name": "Fuchs", "make": "Opel",
            "model": "Corsa", "build_year": 2017, "mileage_km": 90000, "fuel": "Benzin",
            "market_value_eur": 6500}, clock.now())


def _late_mails(db, *emails: str) -> list[int]:
    """Valuations whose nightly market-value mails fired three days late: held."""
    for email in emails:
        _valuation(db, email)
    clock.set_now(LATE)
    with db.session(write=True) as session:
        rules.run_due(session, LATE, settings.load(session))
        return list(session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))


def _late_and_given_up(db) -> tuple[int, int]:
    """One late mail awaiting a decision, one given up after the maximum age."""
    late_id, failed_id = _late_mails(db, "anton.fuchs@example.com", "berta.wolf@example.com")
    with db.session(write=True) as session:
        row = session.get(OutboxMessage, failed_id)
        row.status, row.reason_code, row.attempts = "failed", "gave_up", 40
        row.last_error = "Nach 72 Stunden aufgegeben: 451 4.3.0 Bitte später"
    return late_id, failed_id


def _status(db, message_id: int) -> tuple[str, str]:
    with db.session() as session:
        row = session.get(OutboxMessage, message_id)
        return row.status, row.reason_code


def _element(user, marker: str):
    return next(iter(user.find(marker=marker).elements))


async def _staff(web):
    web.add_user("sabine", "service")
    return await web.login("sabine")


async def test_dashboard_counts_late_and_given_up_mails_and_links_to_the_outbox(web, now):
    _late_and_given_up(web.db)
    user = await _staff(web)
    await user.open("/")
    await user.should_see(marker="mail-late", retries=30)
    await user.should_see("davon zu spät – Entscheidung offen")
    assert _element(user, "mail-late").text == "1"
    assert _element(user, "mail-gave_up").text == "1"
    assert _element(user, "mail-failed").text == "1"
    assert _element(user, "link-outbox-late").props["href"] == "/postausgang?status=late"
    assert _element(user, "link-outbox-gave_up").props["href"] == "/postausgang?status=gave_up"


async def test_outbox_opened_filtered_on_late_mails_shows_only_those(web, now):
    late_id, _ = _late_and_given_up(web.db)
    user = await _staff(web)
    await user.open("/postausgang?status=late")
    await user.should_see("1 E-Mail gefunden", retries=20)
    table = _element(user, "outbox-table")
    assert [r["id"] for r in table.rows] == [late_id]
    assert table.rows[0]["status_label"] == "zu spät – Entscheidung offen"
    assert "3 Tage zu spät – bitte entscheiden" in table.rows[0]["error"]
    await user.open("/postausgang?status=gave_up")
    await user.should_see("1 E-Mail gefunden", retries=20)
    assert _element(user, "outbox-table").rows[0]["status_label"] == "aufgegeben"


async def test_send_anyway_queues_the_late_mail(web, now):
    [late_id] = _late_mails(web.db, "anton.fuchs@example.com")
    user = await _staff(web)
    await user.open("/postausgang?status=late")
    await user.should_see("1 E-Mail gefunden", retries=20)
    user.find(marker="outbox-table").trigger("rowClick", [{}, {"id": late_id}])
    await user.should_see(marker="outbox-send-anyway", retries=20)
    await user.should_not_see(marker="outbox-retry")
    user.find(marker="outbox-send-anyway").click()
    await user.should_see("Wird trotz Verspätung gesendet.", retries=20)
    assert _status(web.db, late_id) == ("queued", "")


async def test_discard_cancels_the_late_mail(web, now):
    [late_id] = _late_mails(web.db, "anton.fuchs@example.com")
    user = await _staff(web)
    await user.open("/postausgang?status=late")
    await user.should_see("1 E-Mail gefunden", retries=20)
    user.find(marker="outbox-table").trigger("rowClick", [{}, {"id": late_id}])
    await user.should_see(marker="outbox-discard", retries=20)
    user.find(marker="outbox-discard").click()
    await user.should_see("E-Mail verworfen – sie wird nicht gesendet.", retries=20)
    assert _status(web.db, late_id) == ("cancelled", "late")


async def test_maximum_age_is_on_the_settings_page_validated_and_stored(web):
    web.add_user("chef", "admin", email="chef@autohaus.example")
    user = await web.login("chef")
    await user.open("/einstellungen")
    user.find(marker="settings-mail_max_age_hours").clear().type("0")
    user.find(marker="settings-save").click()
    await user.should_see("Zustellung aufgeben nach (Stunden) muss zwischen 1 und 720 liegen.",
                          retries=20)
    user.find(marker="settings-mail_max_age_hours").clear().type("48")
    user.find(marker="settings-save").click()
    await user.should_see("Einstellungen gespeichert.", retries=20)
    with web.db.session() as session:
        assert settings.load(session).mail_max_age_hours == 48
