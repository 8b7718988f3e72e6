"""Demo data: hundreds of consistent cases over every status, loaded only once."""
from __future__ import annotations

from sqlalchemy import func, select

from core import demo
from core.models import Customer, Event, TradeInCase
from core.tradein import queries, rules
from core.tradein.schedule import compute_due


def test_demo_covers_every_status_consistently_and_loads_once(tdb, settings, now):
    with tdb.session(write=True) as session:
        assert demo.load_demo(session, settings, now) == 300
    with tdb.session(write=True) as session:
        assert demo.load_demo(session, settings, now) == 0
        counts = queries.tile_counts(session)
        assert all(counts[f"status_{s}"] >= 5 for s in range(1, 9))
        cases = list(session.scalars(select(TradeInCase)))
        assert any(c.archived_at for c in cases)
        assert session.scalar(select(func.count(Customer.id))
                              .where(Customer.opted_out_at.is_not(None))) >= 3
        assert session.scalar(select(func.count(Event.id))) > 1000
        for case in cases:
            assert case.calculated_at <= case.status_changed_at <= now
            due = compute_due(case.status, case.status_changed_at,
                              case.archived_at is not None, settings)
            # Either still pending exactly as the rules would arm it, or already done.
            assert case.due_at is None or (due.rule, due.at) == (case.due_rule, case.due_at)
            assert case.due_at is None or case.due_at > now
        # Nothing overdue at start-up, and the forecast has work for the coming nights.
        assert rules.run_due(session, now, settings, dry_run=True) == []
        assert len(rules.forecast(session, now, settings)) > 10


def test_demo_is_deterministic(tdb, settings, now, tmp_path):
    from core.db import Database

    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    other.migrate()
    names = []
    for database in (tdb, other):
        with database.session(write=True) as session:
            demo.load_demo(session, settings, now, count=40)
            names.append(session.scalars(select(Customer.email).order_by(Customer.id)).all())
    other.engine.dispose()
    assert names[0] == names[1]
