"""The links in service mails: booking page (built-in or the dealer's own behind a recorded
redirect), call-back request, open pixel - no login, plain HTML."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from core import clock
from core import settings as settings_mod
from core.calendar import BusinessCalendar
from core.models import Customer, Event, OutboxMessage
from core.service import links
from core.service.models import ServiceInvitation, Vehicle

# The `now` fixture pins Monday 23.11.2026, 10:00 in Vienna.
WISH = {"day": "2026-11-25", "window": "Nachmittag", "phone": "+43 664 9998877",
        "note": "Bitte einen Ersatzwagen.\nDanke!"}
EXTERNAL = "https://www.autohaus.example/werkstatt-termin"


def _invitation(db, *, delivered: datetime | None = None, consent: bool = False,
                number: str = "100") -> int:
    now = clock.now()
    with db.session(write=True) as session:
        customer = Customer(email=f"anna.berger{number}@example.at", first_name="Anna",
                            last_name="Berger", phone="+43 664 1234567",
                            customer_number=f"K{number}",
                            marketing_consent=True, tracking_consent=consent, created_at=now)
        session.add(customer)
        session.flush()
        vehicle = Vehicle(vehicle_number=f"F-{number}", customer_number=f"K{number}",
                          customer_id=customer.id, plate="L-123AB", make="VW", model="Golf",
                          fuel="Benzin", first_registration=date(2020, 3, 1), created_at=now)
        session.add(vehicle)
        session.flush()
        invitation = ServiceInvitation(vehicle_id=vehicle.id, customer_id=customer.id,
                                       service_types="inspection,hu", due_date=date(2027, 1, 11),
                                       status="invited", invited_at=now, automated_clicks=0,
                                       outcome="", created_at=now)
        session.add(invitation)
        session.flush()
        if delivered is not None:  # the invitation mail as the sender left it
            session.add(OutboxMessage(
                idempotency_key=f"service:{invitation.id}:invitation", message_id="<x@test>",
                kind="marketing", to_addr=customer.email, template_key="service.invitation",
                template_version=1, subject="Einladung", text_body="", html_body="",
                status="sent", next_attempt_at=delivered, sent_at=delivered, created_at=now,
                customer_id=customer.id, module="service", record_id=invitation.id))
        return invitation.id


def _state(db, invitation_id: int) -> ServiceInvitation:
    with db.session() as session:
        invitation = session.get(ServiceInvitation, invitation_id)
        session.expunge(invitation)
        return invitation


def _staff_mails(db, invitation_id: int) -> list[OutboxMessage]:
    with db.session() as session:
        rows = list(session.scalars(select(OutboxMessage).where(
            OutboxMessage.module == "service", OutboxMessage.record_id == invitation_id,
            OutboxMessage.kind == "staff")))
        for row in rows:
            session.expunge(row)
        return rows


def _save_settings(db, **changes) -> None:
    with db.session(write=True) as session:
        settings_mod.save(session, changes)


def _url(purpose: str, invitation_id: int) -> str:
    suffix = ".gif" if purpose == "open" else ""
    return links.PATHS[purpose] + links.token(purpose, invitation_id) + suffix


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def test_booking_page_offers_working_days_only(web, now):
    invitation_id = _invitation(web.db)
    response = await web.api.get(_url("booking", invitation_id))
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="service-booking-page"' in page
    assert "VW Golf" in page and "L-123AB" in page
    assert "<dt>Fällig ab</dt><dd>11.01.2027</dd>" in page
    offered = re.findall(r"<option value='(\d{4}-\d\d-\d\d)'", page)
    assert offered[0] == "2026-11-24"  # from tomorrow
    days = [date.fromisoformat(d) for d in offered]
    assert all(d.weekday() != 6 for d in days)  # no Sunday
    for closed in ("2026-11-23", "2026-12-08", "2026-12-24", "2026-12-25", "2027-01-06"):
        assert closed not in offered  # today, Mariä Empfängnis, closing day, holidays
    assert max(days) <= date(2026, 11, 23) + timedelta(days=60)
    assert "Samstag, 28.11.2026 (nur vormittags)" in page
    assert 'value="+43 664 1234567"' in page  # the number we know, to confirm or change


async def test_valid_request_books_and_tells_the_service_center_when_it_opens(web, now):
    invitation_id = _invitation(web.db)
    evening = datetime(2026, 11, 23, 19, 30, tzinfo=UTC)  # 20:30 in Vienna: closed
    clock.set_now(evening)
    response = await web.api.post(_url("booking", invitation_id), data=WISH)
    assert response.status_code == 200
    assert 'data-testid="service-booking-done"' in response.text
    assert "25.11.2026, Nachmittag" in response.text
    invitation = _state(web.db, invitation_id)
    assert invitation.status == "booked" and invitation.next_at is None
    assert "25.11.2026, Nachmittag" in invitation.outcome
    [mail] = _staff_mails(web.db, invitation_id)
    assert mail.template_key == "service.booking"
    assert mail.to_addr == "servicecenter@autohaus.example"
    with web.db.session() as session:
        calendar = BusinessCalendar(settings_mod.load(session))
    opens = calendar.next_open(evening)
    assert opens == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # Tuesday 08:00 in Vienna
    assert _utc(mail.next_attempt_at) == opens
    assert "+43 664 9998877" in mail.text_body and "Bitte einen Ersatzwagen" in mail.text_body

    again = await web.api.get(_url("booking", invitation_id))
    assert 'data-testid="service-state-booked"' in again.text  # no second form


async def test_bad_day_and_phone_are_refused_in_german_and_the_note_stays(web, now):
    invitation_id = _invitation(web.db)
    wish = WISH | {"day": "2026-11-29", "phone": "=HYPERLINK(1)", "note": "Mein Text <b>"}
    response = await web.api.post(_url("booking", invitation_id), data=wish)
    assert response.status_code == 422
    page = response.text
    assert "data-testid='service-booking-errors'" in page
    assert "Am 29.11.2026 können wir Ihnen keinen Termin anbieten" in page
    assert "Telefonnummer: nur Ziffern, Leerzeichen und + / ( ) - erlaubt." in _text(page)
    assert "Mein Text &lt;b&gt;</textarea>" in page  # kept, and escaped
    assert "=HYPERLINK(1)" in page  # what was typed stays in the field
    assert _state(web.db, invitation_id).status == "invited"
    assert _staff_mails(web.db, invitation_id) == []

    response = await web.api.post(_url("booking", invitation_id),
                                  data=WISH | {"day": "31.02.2026"})
    assert response.status_code == 422
    assert "„31.02.2026“ ist kein gültiges Datum" in response.text
    saturday = await web.api.post(_url("booking", invitation_id),
                                  data=WISH | {"day": "2026-11-28", "window": "Nachmittag"})
    assert saturday.status_code == 422 and "nur vormittags geöffnet" in saturday.text
    assert _state(web.db, invitation_id).status == "invited"


async def test_external_booking_page_redirects_and_books(web, now):
    _save_settings(web.db, service_booking_url=EXTERNAL)
    invitation_id = _invitation(web.db, delivered=now - timedelta(hours=2))
    response = await web.api.get(_url("booking", invitation_id))
    assert response.status_code in (302, 303)
    assert response.headers["location"] == EXTERNAL
    invitation = _state(web.db, invitation_id)
    assert invitation.status == "booked" and invitation.automated_clicks == 0
    assert _staff_mails(web.db, invitation_id) == []  # the booking happens over there


async def test_link_scanners_only_count_as_automated_clicks(web, now):
    _save_settings(web.db, service_booking_url=EXTERNAL)
    scanned = _invitation(web.db, delivered=now - timedelta(hours=2))
    head = await web.api.head(_url("booking", scanned))
    assert head.status_code in (302, 303) and head.headers["location"] == EXTERNAL
    prefetch = await web.api.get(_url("booking", scanned), headers={"Sec-Purpose": "prefetch"})
    assert prefetch.status_code in (302, 303)
    invitation = _state(web.db, scanned)
    assert invitation.status == "invited" and invitation.automated_clicks == 2

    fresh = _invitation(web.db, delivered=now - timedelta(seconds=30), number="101")
    response = await web.api.get(_url("booking", fresh))  # 30 s after delivery: a scanner
    assert response.status_code in (302, 303)
    invitation = _state(web.db, fresh)
    assert invitation.status == "invited" and invitation.automated_clicks == 1


async def test_callback_get_changes_nothing_and_post_asks_for_a_call(web, now):
    invitation_id = _invitation(web.db)
    with web.db.session() as session:
        events_before = session.scalar(select(func.count(Event.id)))
    page = await web.api.get(_url("callback", invitation_id))
    assert page.status_code == 200
    assert 'data-testid="service-callback-page"' in page.text
    assert "Ja, bitte rufen Sie mich an" in page.text
    assert _state(web.db, invitation_id).status == "invited"
    with web.db.session() as session:
        assert session.scalar(select(func.count(Event.id))) == events_before
    assert _staff_mails(web.db, invitation_id) == []

    done = await web.api.post(_url("callback", invitation_id))
    assert done.status_code == 200
    assert 'data-testid="service-callback-done"' in done.text
    assert "Öffnungszeiten" in done.text
    invitation = _state(web.db, invitation_id)
    assert invitation.status == "callback" and invitation.callback_at is not None
    [mail] = _staff_mails(web.db, invitation_id)
    assert mail.template_key == "service.callback"
    assert mail.to_addr == "servicecenter@autohaus.example"

    booking = await web.api.get(_url("booking", invitation_id))
    assert 'data-testid="service-state-callback"' in booking.text


async def test_forged_or_foreign_tokens_get_the_german_invalid_page(web, now):
    invitation_id = _invitation(web.db)
    callback_token = links.token("callback", invitation_id)
    for method, url in (("GET", "/service/buchen/gefaelscht"),
                        ("POST", "/service/buchen/gefaelscht"),
                        ("GET", f"/service/buchen/{callback_token}"),  # other purpose
                        ("GET", "/service/rueckruf/" + "x" * 600),
                        ("POST", "/service/rueckruf/gefaelscht"),
                        ("GET", _url("booking", 999_999))):  # signed, but no invitation
        response = await web.api.request(method, url)
        assert response.status_code == 404, url
        assert "Link ungültig" in response.text
        assert 'data-testid="service-link-invalid"' in response.text
    assert _state(web.db, invitation_id).status == "invited"


async def test_open_pixel_is_a_gif_always_and_records_with_consent(web, now):
    forged = await web.api.get("/service/o/gefaelscht.gif")
    assert forged.status_code == 200
    assert forged.headers["content-type"] == "image/gif"
    assert forged.content.startswith(b"GIF89a")
    assert "no-store" in forged.headers["cache-control"]

    _save_settings(web.db, tracking=True)
    invitation_id = _invitation(web.db, consent=True)
    response = await web.api.get(_url("open", invitation_id))
    assert response.status_code == 200 and response.headers["content-type"] == "image/gif"
    assert _state(web.db, invitation_id).opened_at is not None
