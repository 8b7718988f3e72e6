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
