"""Detection: who counts as declining, what is stored, and who is won back after a contact."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core import clock
from core import settings as settings_store
from core.tick import run_rules
from core.winback import detection, queries
from tests.winback.conftest import (
    CURRENT,
    PREVIOUS,
    act,
    add_customer,
    add_lines,
    declining,
    detect,
    entry,
    set_entry,
    timeline,
)

TODAY = date(2026, 11, 23)


def test_windows_are_half_open_and_of_equal_length():
    w = detection.windows(TODAY, 12)
    assert (w.previous_start, w.current_start, w.today) == (
        date(2024, 11, 23), date(2025, 11, 23), TODAY)
    # Month ends are clamped, not overflowed into the next month.
    assert detection.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert detection.add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)


def test_declining_customer_is_found_with_all_figures(wdb, settings):
    customer_id = add_customer(wdb, "1001")
    add_lines(wdb, customer_id, (PREVIOUS, 1500, "Reifen"), (PREVIOUS, 500, "Werkstatt"),
              (CURRENT, 120, "Teile", "LINZ", "B-1"), (CURRENT, 80, "Zubehör", "LINZ", "B-1"))
    report = detect(wdb, settings)
    assert (report.customers, report.declines, report.won_back) == (1, 1, 0)
    e = entry(wdb, customer_id)
    assert (e.previous_cents, e.current_cents) == (200000, 20000)
    assert e.decline_percent == pytest.approx(90.0)
    assert e.is_decline and e.status == "open"
    assert e.last_order_date == CURRENT
    # The product group with the largest amount of the last order, and its company.
    assert (e.top_product_group, e.last_company_code) == ("Teile", "LINZ")
    assert e.computed_at == clock.now()


def test_new_customer_without_previous_window_is_no_decline(wdb, settings):
    customer_id = add_customer(wdb, "1002")
    add_lines(wdb, customer_id, (CURRENT, 50))
    detect(wdb, settings)
    e = entry(wdb, customer_id)
    assert (e.previous_cents, e.current_cents, e.decline_percent) == (0, 5000, None)
    assert not e.is_decline


def test_credit_notes_reduce_revenue(wdb, settings):
    # Previous 1.000 €, current 900 € minus a 400 € credit note = 500 €: a 50 % decline.
    falling = add_customer(wdb, "1003")
    add_lines(wdb, falling, (PREVIOUS, 1000), (CURRENT, 900), (CURRENT, -400))
    # A credit note in the previous window pushes its revenue below the 500 € minimum.
    credited = add_customer(wdb, "1004")
    add_lines(wdb, credited, (PREVIOUS, 900), (PREVIOUS, -450), (CURRENT, 10))
    detect(wdb, settings)
    assert entry(wdb, falling).current_cents == 50000
    assert entry(wdb, falling).is_decline
    assert entry(wdb, credited).previous_cents == 45000
    assert not entry(wdb, credited).is_decline


def test_exactly_at_the_threshold_counts(wdb, settings):
    at = add_customer(wdb, "1005")
    add_lines(wdb, at, (PREVIOUS, 1000), (CURRENT, 700))  # exactly 30 %
    below = add_customer(wdb, "1006")
    add_lines(wdb, below, (PREVIOUS, 1000), (CURRENT, 700.01))  # 29.999 %
    detect(wdb, settings)
    assert entry(wdb, at).is_decline and entry(wdb, at).decline_percent == pytest.approx(30)
    assert not entry(wdb, below).is_decline


def test_minimum_previous_revenue(wdb, settings):
    small = add_customer(wdb, "1007")
    add_lines(wdb, small, (PREVIOUS, 499.99))
    enough = add_customer(wdb, "1008")
    add_lines(wdb, enough, (PREVIOUS, 500))
    detect(wdb, settings)
    assert not entry(wdb, small).is_decline
    assert entry(wdb, enough).is_decline and entry(wdb, enough).decline_percent == 100


def test_only_included_customer_groups_are_declines(wdb, settings):
    private = declining(wdb, "1009", customer_group="Endkunde")
    business = declining(wdb, "1010", customer_group="Gewerbe")
    detect(wdb, settings, winback_groups="endkunde, Flotte")
    assert entry(wdb, private).is_decline
    excluded = entry(wdb, business)
    assert not excluded.is_decline and excluded.decline_percent == pytest.approx(90)
    detect(wdb, settings, winback_groups="")  # empty: every group
    assert entry(wdb, business).is_decline


def test_window_boundaries(wdb, settings):
    customer_id = add_customer(wdb, "1011")
    add_lines(wdb, customer_id, (date(2024, 11, 22), 9999),  # before both windows
              (date(2024, 11, 23), 1000),  # first day of the previous window
              (date(2025, 11, 22), 1000),  # last day of the previous window
              (date(2025, 11, 23), 300),  # first day of the current window
              (TODAY, 5000))  # today is not part of the current window yet
    detect(wdb, settings)
    e = entry(wdb, customer_id)
    assert (e.previous_cents, e.current_cents) == (200000, 30000)
    assert e.last_order_date == TODAY


def test_window_follows_local_business_date(wdb, settings):
    # 23:30 UTC on 22.11. is already 23.11. in Vienna: the windows move with the local day.
    clock.set_now(datetime.fromisoformat("2026-11-22T23:30:00+00:00"))
    customer_id = add_customer(wdb, "1012")
    add_lines(wdb, customer_id, (date(2025, 11, 22), 1000), (date(2026, 11, 22), 100))
    detect(wdb, settings)
    assert (entry(wdb, customer_id).previous_cents, entry(wdb, customer_id).current_cents) == (
        100000, 10000)


def test_status_is_kept_and_a_recovered_customer_leaves_the_decline_tile(wdb, settings):
    mailed = declining(wdb, "1013")
    recovered = declining(wdb, "1014")
    detect(wdb, settings)
    set_entry(wdb, mailed, status="mailed")
    add_lines(wdb, recovered, (CURRENT, 5000))  # ordered a lot after all
    detect(wdb, settings)
    assert entry(wdb, mailed).status == "mailed"
    assert not entry(wdb, recovered).is_decline and entry(wdb, recovered).status == "open"
    with wdb.session() as session:
        assert queries.tile_counts(session, TODAY)["decline"] == 0


def test_won_back_after_a_new_order_import(companies, settings):
    customer_id = declining(companies, "1015")
    detect(companies, settings)
    act(companies, settings, customer_id, "send_mail", {"template": "standard"})
    # An order the same day may predate the call: not yet won back.
    add_lines(companies, customer_id, (TODAY, 80))
    assert detect(companies, settings).won_back == 0
    assert entry(companies, customer_id).status == "mailed"
    # Two days later the DMS export brings a new order; the import runs the detection.
    clock.set_now(clock.now() + timedelta(days=2))
    add_lines(companies, customer_id, (TODAY + timedelta(days=1), 350, "Reifen"),
              (TODAY + timedelta(days=1), -50, "Reifen"))
    report = detect(companies, settings)
    assert report.won_back == 1
    e = entry(companies, customer_id)
    assert (e.status, e.won_back_cents, e.won_back_at) == ("won_back", 30000, clock.now())
    assert "Bestellung vom 24.11.2026 nach dem Kontakt am 23.11.2026" in timeline(
        companies, customer_id)[-1]
    # Revenue since the contact keeps growing with later orders; no second event.
    add_lines(companies, customer_id, (TODAY + timedelta(days=2), 100))
    assert detect(companies, settings).won_back == 0
    assert entry(companies, customer_id).won_back_cents == 40000
    with companies.session() as session:
        assert queries.tile_counts(session, TODAY)["won_back"] == 1


def test_customer_never_contacted_is_not_won_back(wdb, settings):
    customer_id = declining(wdb, "1016")
    add_lines(wdb, customer_id, (TODAY, 100))
    detect(wdb, settings)
    assert entry(wdb, customer_id).status == "open"


def test_tick_brings_detection_up_to_date_and_skips_when_nothing_changed(wdb, settings):
    customer_id = declining(wdb, "1017")
    run_rules(wdb, settings, clock.now())
    first = entry(wdb, customer_id).computed_at
    assert entry(wdb, customer_id).is_decline and first == clock.now()
    clock.set_now(clock.now() + timedelta(minutes=1))
    run_rules(wdb, settings, clock.now())
    assert entry(wdb, customer_id).computed_at == first  # same day, same data: skipped
    add_lines(wdb, customer_id, (CURRENT, 5000))  # new order lines change the result
    run_rules(wdb, settings, clock.now())
    assert not entry(wdb, customer_id).is_decline
    clock.set_now(clock.now() + timedelta(days=1))  # a new day moves the windows
    run_rules(wdb, settings, clock.now())
    with wdb.session() as session:
        assert queries.last_run(session) == clock.now()


def test_progress_is_reported(wdb, settings):
    declining(wdb, "1018")
    seen = []
    with wdb.session(write=True) as session:
        detection.run(session, settings, clock.now(), progress=lambda f, t: seen.append(f))
    assert seen[0] == 0 and seen[-1] == 1 and seen == sorted(seen)


def test_win_back_settings_are_validated(wdb, settings):
    bad = settings.replace(winback_window_months=0, winback_threshold_percent=120,
                           winback_min_previous_eur=-1)
    errors = settings_store.validate(bad)  # each message on its own field
    assert "Zeitraum" in errors["winback_window_months"]
    assert "Rückgangsschwelle" in errors["winback_threshold_percent"]
    assert "Mindestumsatz" in errors["winback_min_previous_eur"]
