"""The demo gives a first start a living win-back worklist: every tile has customers."""
from __future__ import annotations

from sqlalchemy import func, select

from core import clock
from core.models import OutboxMessage
from core.winback import demo, queries
from core.winback.detection import local_today
from core.winback.models import Company, OrderLine


def test_demo_fills_every_tile_deterministically(wdb, settings):
    with wdb.session(write=True) as session:
        assert demo.load_demo(session, settings, clock.now()) == 400
        assert demo.load_demo(session, settings, clock.now()) == 0  # only once
    with wdb.session() as session:
        counts = queries.tile_counts(session, local_today(settings, clock.now()))
        lines = session.scalar(select(func.count(OrderLine.id)))
        first_day = session.scalar(select(func.min(OrderLine.order_date)))
        vouchers = session.scalars(select(Company.voucher_template_key)).all()
        mails = session.scalar(select(func.count(OutboxMessage.id)))
    assert all(count > 0 for count in counts.values()), counts
    assert lines > 5000 and (clock.now().date() - first_day).days > 24 * 30
    assert len(vouchers) == 3 and sum(v is not None for v in vouchers) == 1
    assert mails == 0  # history only: starting the demo mails nobody


def test_demo_history_mails_nobody_who_objected_or_has_no_address(wdb, settings):
    """The demo's worked list reads like real work: no mail to a customer after an objection."""
    from core.models import Customer, Event

    with wdb.session(write=True) as session:
        demo.load_demo(session, settings, clock.now())
    with wdb.session() as session:
        mailed = session.execute(
            select(Customer.opted_out_at, Customer.email, Event.at)
            .join(Event, Event.customer_id == Customer.id)
            .where(Event.module == "winback", Event.text.contains("E-Mail"))).all()
    assert mailed
    assert all(email and (objected is None or objected > at) for objected, email, at in mailed)
