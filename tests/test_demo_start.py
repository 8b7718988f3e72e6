"""A first start in demo mode: the demo admin, demo data of every registered module, and a
customer known to two modules, so the customer page and its merge have something to show."""
from __future__ import annotations

from sqlalchemy import func, select

import app
from core import modules
from core import settings as settings_mod
from core.customers import duplicates, merge
from core.customers.profile import timeline
from core.models import Customer, Event, User
from core.tradein.models import TradeInCase
from core.winback.models import WinbackEntry


def test_first_demo_start_fills_every_module_and_shows_a_duplicate(db, now):
    lines = app.prepare_demo(db)
    assert lines[0] == "Demo-Administrator angelegt."
    assert len(lines) == 1 + sum(1 for m in modules.registered() if m.demo is not None)
    assert app.prepare_demo(db) == []  # the second start loads nothing again
    with db.session() as session:  # demo mails show a (made-up) imprint and can be answered
        current = settings_mod.load(session)
        admin = session.scalar(select(User).where(User.username == app.DEMO_ADMIN))
    assert current.dealer_legal_name == app.DEMO_IDENTITY["dealer_legal_name"]
    assert admin.email == app.DEMO_ADMIN_EMAIL  # "Angebot erstellen" works in the demo

    with db.session() as session:
        pairs = duplicates.suggested_duplicates(session)
        assert len(pairs) == 3
        pair = pairs[0]
        website_case = session.scalar(select(TradeInCase.id).where(
            TradeInCase.customer_id == pair.drop_id))
    assert website_case is not None  # the website side came through a valuation

    with db.session(write=True) as session:
        merge.merge(session, pair.keep_id, pair.drop_id, user=None, now=now)
    with db.session() as session:
        assert session.get(Customer, pair.drop_id) is None
        assert session.get(TradeInCase, website_case).customer_id == pair.keep_id
        assert session.get(WinbackEntry, pair.keep_id) is not None  # both modules' records
        labels = {e.module_label for e in timeline(session, pair.keep_id)}
        assert "Ankauf" in labels  # the website customer's history is on the kept record
        assert session.scalar(select(func.count(Event.id)).where(
            Event.customer_id == pair.drop_id)) == 0
        assert len(duplicates.suggested_duplicates(session)) == 2
