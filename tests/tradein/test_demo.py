"""Demo data: hundreds of consistent cases over every status, loaded only once, with a history
that looks as if the console had really been running for six weeks."""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from core.due import compute_due
from core.models import Customer, Event
from core.schedule import next_nightly_run
from core.tradein import demo, queries, rules
from core.tradein.demo_story import STAFF, STAFF_HOURS
from core.tradein.models import TradeInCase


@pytest.fixture
def loaded(tdb, settings, now):
    """The demo loaded once (timed), then every case and every event of it."""
    started = time.perf_counter()
    with tdb.session(write=True) as session:
        assert demo.load_demo(session, settings, now) == 300
    seconds = time.perf_counter() - started
    with tdb.session() as session:
        cases = {c.id: c for c in session.scalars(select(TradeInCase))}
        timeline = defaultdict(list)
        for event in session.scalars(select(Event).order_by(Event.at, Event.id)):
            timeline[event.record_id if event.module == "tradein" else None].append(event)
    return seconds, cases, timeline


def test_demo_covers_every_status_consistently_and_loads_once(tdb, settings, now, loaded):
    seconds, cases, _ = loaded
    assert seconds < 2.0
    with tdb.session(write=True) as session:
        assert demo.load_demo(session, settings, now) == 0
        counts = queries.tile_counts(session)
        assert all(counts[f"status_{s}"] >= 5 for s in range(1, 9))
        assert any(c.archived_at for c in cases.values())
        assert session.scalar(select(func.count(Customer.id))
                              .where(Customer.opted_out_at.is_not(None))) >= 3
        assert session.scalar(select(func.count(Event.id))) > 1000
        for case in cases.values():
            assert case.calculated_at <= case.status_changed_at <= now
            due = compute_due(rules.DUE, case.status, case.status_changed_at,
                              case.archived_at is not None, settings)
            # Either still pending exactly as the rules would arm it, or already done.
            assert case.due_at is None or (due.rule, due.at) == (case.due_rule, case.due_at)
            assert case.due_at is None or case.due_at > now
        # Nothing overdue at start-up, and the forecast has work for the coming nights.
        assert rules.run_due(session, now, settings, dry_run=True) == []
        assert len(rules.forecast(session, now, settings)) > 10


def test_status_since_is_spread_over_weeks_not_the_loading_moment(loaded, now):
    _, cases, timeline = loaded
    changed = sorted(c.status_changed_at for c in cases.values())
    assert changed[-1] - changed[0] >= timedelta(weeks=3)
    assert sum(now - at < timedelta(hours=1) for at in changed) < len(changed) * 0.1
    for case in cases.values():
        status_events = [e for e in timeline[case.id] if e.kind == "status"]
        last_change = status_events[-1].at if status_events else case.calculated_at
        assert case.status_changed_at == last_change
    assert all(e.at <= now for events in timeline.values() for e in events)


def test_mails_and_steps_happen_at_the_times_the_rules_and_people_keep(loaded, settings):
    _, cases, timeline = loaded
    zone = ZoneInfo(settings.timezone)
    reminders = 0
    for case in cases.values():
        events = timeline[case.id]
        valued = events[0].at.astimezone(zone)
        assert events[0].kind == "valuation"
        if case.status != 1:  # today's few may come from the early morning
            assert 7 <= valued.hour < 22, valued
        market = [e for e in events if (e.data or {}).get("template") == "tradein.market_value"]
        if case.status == 1:
            assert market == []
            continue
        # The market-value mail goes out at the first nightly run after the valuation.
        assert len(market) == 1 and market[0].at == next_nightly_run(case.calculated_at, settings)
        assert market[0].at.astimezone(zone).strftime("%H:%M") == settings.nightly_at
        for event in events:
            if (event.data or {}).get("rule") == "booking_reminder" or (
                    (event.data or {}).get("template") == "tradein.reminder"):
                assert event.at == market[0].at + timedelta(days=7)
                reminders += 1
            if event.actor in STAFF:  # staff work in opening hours, Monday to Saturday
                local = event.at.astimezone(zone)
                low, high = STAFF_HOURS[local.weekday()]
                assert low <= local.hour * 60 + local.minute < high, local
    assert reminders >= 20


def test_cases_waiting_in_2_got_their_reminder_or_have_it_armed(loaded, now):
    _, cases, timeline = loaded
    for case in cases.values():
        if case.status != 2 or case.archived_at:
            continue
        reminded = [e for e in timeline[case.id]
                    if (e.data or {}).get("template") == "tradein.reminder"
                    or (e.data or {}).get("rule") == "booking_reminder"]
        if now - case.status_changed_at >= timedelta(days=7):
            assert len(reminded) == 1 and case.due_at is None
        else:
            assert reminded == [] and case.due_rule == "booking_reminder"
            assert case.due_at == case.status_changed_at + timedelta(days=7)


def test_website_requests_leave_the_customers_wish(loaded):
    _, cases, timeline = loaded
    wishes = [e for events in timeline.values() for e in events if e.kind == "appointment_wish"]
    assert len(wishes) >= 20
    assert all(e.actor == "Kunde (Website)" and "Wunschtermin:" in e.text for e in wishes)


def test_demo_is_deterministic(tdb, settings, now, databases):
    from core.db import Database

    other = Database(databases.new_url("other"))
    other.migrate()
    histories = []
    for database in (tdb, other):
        with database.session(write=True) as session:
            demo.load_demo(session, settings, now, count=40)
            histories.append(session.execute(
                select(Customer.email, TradeInCase.status, TradeInCase.status_changed_at)
                .join(TradeInCase).order_by(Customer.id)).all())
    other.engine.dispose()
    assert histories[0] == histories[1]
