"""Due dates of the service reminders: factory intervals, km projection, HU (DE/AT), tyres."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.service import duedates as dd
from core.service import types as st
from core.service.duedates import LastDone, Reading, VehicleFacts

GOLF = VehicleFacts("VW", "Golf Variant", "Benzin", date(2020, 3, 10))
POLO = VehicleFacts("VW", "Polo", "Diesel", date(2020, 3, 10))
ID3 = VehicleFacts("VW", "ID.3", "Elektro", date(2020, 3, 10))
E_GOLF = VehicleFacts("VW", "e-Golf", "Elektro", date(2020, 3, 10))
LAST = date(2026, 5, 3)


def steady(km_per_day: int) -> dd.Projection:
    """Two readings a year apart, the later one 40.000 km on 03.05.2026."""
    readings = [Reading(LAST - timedelta(days=365), 40_000 - 365 * km_per_day),
                Reading(LAST, 40_000)]
    projection = dd.project(dd.checked_readings(readings))
    assert projection is not None and projection.km_per_day == km_per_day
    return projection


def due(service_type, vehicle, last, projection, rules=st.FACTORY_RULES):
    return dd.interval_due(dd.matching_rule(rules, service_type, vehicle), last, projection)


# --- 1. factory intervals ----------------------------------------------------------------------

@pytest.mark.parametrize(("service_type", "vehicle", "what", "km_per_day", "day", "basis"), [
    # 12 months / 15.000 km: 100 km a day reach 55.000 km after 150 days
    (st.INSPECTION, GOLF, "Inspektion", 100, date(2026, 9, 30), "km"),
    (st.INSPECTION, GOLF, "Inspektion", 10, date(2027, 5, 3), "time"),
    # Elektro: 24 months / 30.000 km (300 days at 100 km)
    (st.INSPECTION, ID3, "Inspektion", 100, date(2027, 2, 27), "km"),
    (st.INSPECTION, ID3, "Inspektion", 10, date(2028, 5, 3), "time"),
    # timing belt: 72 months / 120.000 km (1200 days at 100 km)
    (st.TIMING_BELT, POLO, "Zahnriemenwechsel", 100, date(2029, 8, 15), "km"),
    (st.TIMING_BELT, POLO, "Zahnriemenwechsel", 10, date(2032, 5, 3), "time"),
    # body and underbody: 24 months, no km even for a fast driver
    (st.BODY, GOLF, "Karosserie-Inspektion", 100, date(2028, 5, 3), "time"),
    (st.UNDERBODY, GOLF, "Unterbodenschutz", 100, date(2028, 5, 3), "time"),
])
def test_factory_interval(service_type, vehicle, what, km_per_day, day, basis):
    result = due(service_type, vehicle, LastDone(LAST, 40_000, what), steady(km_per_day))
    assert (result.due_date, result.basis) == (day, basis)


def test_factory_interval_values():
    def rule(service_type, vehicle):
        found = dd.matching_rule(st.FACTORY_RULES, service_type, vehicle)
        return found.months, found.km, found.none

    assert rule(st.INSPECTION, GOLF) == (12, 15_000, False)
    assert rule(st.INSPECTION, ID3) == (24, 30_000, False)
    assert rule(st.TIMING_BELT, POLO) == (72, 120_000, False)
    assert rule(st.BODY, ID3) == (24, None, False)
    assert rule(st.UNDERBODY, ID3) == (24, None, False)


def test_no_timing_belt_for_elektro():
    rule = dd.matching_rule(st.FACTORY_RULES, st.TIMING_BELT, ID3)
    assert rule is not None and rule.none and rule.fuel == "Elektro"
    assert dd.interval_due(rule, LastDone(LAST, 40_000, "Erstzulassung"), steady(100)) is None


GOLF_RULE = st.IntervalRule(st.INSPECTION, make="VW", model_prefix="Golf", months=18, km=20_000)


@pytest.mark.parametrize(("vehicle", "months"), [
    (GOLF, 18),          # make + model beat the generic row
    (VehicleFacts("vw", "golf", "Benzin", date(2020, 3, 10)), 18),  # case does not matter
    (E_GOLF, 24),        # "e-Golf" does not start with "Golf": the Elektro row
    (VehicleFacts("VW", "Golf", "Elektro", date(2020, 3, 10)), 18),  # 2 conditions beat 1
    (POLO, 12),
])
def test_most_specific_rule_wins(vehicle, months):
    rules = (*st.FACTORY_RULES, GOLF_RULE)
    assert dd.matching_rule(rules, st.INSPECTION, vehicle).months == months


@pytest.mark.parametrize(("year_from", "year_to", "months"), [
    (2021, None, 12), (None, 2019, 12), (2018, 2019, 12), (2020, 2020, 18), (2015, None, 18),
])
def test_rule_year_range(year_from, year_to, months):
    dated = st.IntervalRule(st.INSPECTION, make="VW", year_from=year_from, year_to=year_to,
                            months=18)
    rules = (*st.FACTORY_RULES, dated)
    assert dd.matching_rule(rules, st.INSPECTION, GOLF).months == months  # registered 2020


# --- 2. reason texts ---------------------------------------------------------------------------

def test_reason_time():
    result = due(st.INSPECTION, GOLF, LastDone(LAST, 40_000, "Inspektion"), steady(10))
    assert result.reason == "12 Monate nach Inspektion am 03.05.2026"


def test_reason_time_without_projection():
    result = due(st.BODY, GOLF, LastDone(date(2020, 3, 10), 0, "Erstzulassung"), None)
    assert result == dd.Due(date(2022, 3, 10), "time", "24 Monate nach Erstzulassung am 10.03.2020")


# --- 3. km projection with bad readings --------------------------------------------------------

BAD_READINGS = [  # out of order on purpose: checked_readings sorts them
    Reading(date(2026, 4, 11), 56_500, "Auftrag 4712"),
    Reading(date(2025, 1, 1), 10_000, "Fahrzeugdaten"),
    Reading(date(2025, 6, 1), 15_000, "Auftrag 4702"),   # lower than 20.000: goes backwards
    Reading(date(2025, 4, 11), 20_000, "Auftrag 4701"),
    Reading(date(2025, 8, 1), 400_000, "Auftrag 4705"),  # typo: 3.400 km a day
    Reading(date(2026, 1, 1), 46_500, "Auftrag 4711"),
]


def test_checked_readings_marks_bad_ones():
    checked = dd.checked_readings(BAD_READINGS)
    assert [(r.day, r.km, r.ignored) for r in checked] == [
        (date(2025, 1, 1), 10_000, ""),
        (date(2025, 4, 11), 20_000, ""),
        (date(2025, 6, 1), 15_000, dd.BACKWARDS),
        (date(2025, 8, 1), 400_000, dd.TOO_FAST),
        (date(2026, 1, 1), 46_500, ""),
        (date(2026, 4, 11), 56_500, ""),
    ]
    assert dd.BACKWARDS == "geht zurück"
    assert dd.TOO_FAST == "über 150.000 km im Jahr"


def test_project_uses_only_counted_readings():
    projection = dd.project(dd.checked_readings(BAD_READINGS))
    # 10.000 km on 01.01.2025 to 56.500 km on 11.04.2026: 46.500 km in 465 days
    assert projection.km_per_day == 100
    assert projection.count == 4
    assert projection.latest.km == 56_500 and projection.latest.day == date(2026, 4, 11)
    assert dd.km_on(projection, date(2026, 5, 1)) == 58_500


def test_km_reason_names_counted_readings():
    projection = dd.project(dd.checked_readings(BAD_READINGS))
    result = due(st.INSPECTION, GOLF, LastDone(date(2026, 1, 1), 46_500, "Inspektion"),
                 projection)
    assert result == dd.Due(date(2026, 5, 31), "km", "15.000 km nach Inspektion (bei 61.500 km), "
                                                     "hochgerechnet aus 4 Ständen")
    assert "hochgerechnet aus 4 Ständen" in result.reason


@pytest.mark.parametrize("readings", [
    [],
    [Reading(date(2025, 1, 1), 10_000)],
    [Reading(date(2025, 1, 1), 10_000), Reading(date(2025, 6, 1), 5_000)],   # backwards
    [Reading(date(2025, 1, 1), 10_000), Reading(date(2025, 1, 2), 11_000)],  # too fast
    [Reading(date(2025, 1, 1), 10_000), Reading(date(2025, 1, 1), 10_200)],  # same day
])
def test_fewer_than_two_counted_readings_falls_back_to_time(readings):
    projection = dd.project(dd.checked_readings(readings))
    assert projection is None
    result = due(st.INSPECTION, GOLF, LastDone(LAST, 40_000, "Inspektion"), projection)
    assert result == dd.Due(date(2027, 5, 3), "time", "12 Monate nach Inspektion am 03.05.2026")


# --- 4./5. HU Germany and §57a Austria ---------------------------------------------------------

@pytest.mark.parametrize(("done", "day", "reason"), [
    ([], date(2026, 5, 1), "36 Monate nach Erstzulassung am 17.05.2023"),
    ([date(2026, 4, 20)], date(2028, 4, 1), "24 Monate nach der HU am 20.04.2026"),
    ([date(2025, 11, 3)], date(2027, 11, 1), "24 Monate nach der HU am 03.11.2025"),
    ([date(2026, 5, 15), date(2026, 4, 20)], date(2028, 4, 1),  # HU + re-check: one HU
     "24 Monate nach der HU am 20.04.2026"),
])
def test_hu_germany(done, day, reason):
    assert dd.hu_due_de(date(2023, 5, 17), done) == dd.Due(day, "time", reason)


AT_REGISTERED = date(2020, 3, 10)


@pytest.mark.parametrize(("done", "day"), [
    ([], date(2023, 3, 1)),                                       # 3 years
    ([date(2023, 3, 14)], date(2025, 3, 1)),                      # then 2
    ([date(2023, 3, 14), date(2025, 4, 8)], date(2026, 3, 1)),    # then 1, month kept
    ([date(2023, 3, 14), date(2025, 3, 2), date(2026, 3, 20)], date(2027, 3, 1)),
    ([date(2023, 2, 20)], date(2025, 3, 1)),                      # month before: inside
    ([date(2023, 7, 31)], date(2025, 3, 1)),                      # 4th month after: inside
    ([date(2022, 10, 5)], date(2024, 10, 1)),                     # too early: October
    ([date(2023, 8, 10)], date(2025, 8, 1)),                      # 5 months late: August
    ([date(2022, 10, 5), date(2024, 10, 15)], date(2025, 10, 1)),
    ([date(2023, 3, 14), date(2023, 4, 20)], date(2025, 3, 1)),   # HU + re-check: one
    ([date(2023, 3, 14), date(2025, 3, 2), date(2025, 5, 28)], date(2026, 3, 1)),
])
def test_hu_austria_3_2_1(done, day):
    assert dd.hu_due_at(AT_REGISTERED, done).due_date == day


@pytest.mark.parametrize(("done", "reason"), [
    ([], "3 Jahre nach Erstzulassung am 10.03.2020"),
    ([date(2023, 2, 20)], "2 Jahre nach der Begutachtung am 20.02.2023 (Monat 03/2023 bleibt)"),
    ([date(2023, 3, 14), date(2025, 4, 8)],
     "1 Jahr nach der Begutachtung am 08.04.2025 (Monat 03/2025 bleibt)"),
    ([date(2023, 8, 10)],
     "2 Jahre nach der Begutachtung am 10.08.2023 (außerhalb der Frist: neuer Monat 08/2023)"),
])
def test_hu_austria_reason(done, reason):
    assert dd.hu_due_at(AT_REGISTERED, done).reason == reason


def test_hu_dispatch_by_country():
    done = [date(2023, 3, 14), date(2025, 4, 8)]
    assert dd.hu_due("AT", AT_REGISTERED, done).due_date == date(2026, 3, 1)
    assert dd.hu_due("DE", AT_REGISTERED, done).due_date == date(2027, 4, 1)
    assert st.label(st.HU, "AT") == "§57a-Begutachtung (Pickerl)"
    assert st.label(st.HU, "DE") == "Hauptuntersuchung (HU/AU)"


# --- 6. tyres ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("last_order", "today", "expected"), [
    (date(2026, 10, 20), date(2026, 12, 7),
     dd.Due(date(2027, 4, 15), "time",
            "Sommerreifen zum 15.04.2027 (letzter Reifenauftrag am 20.10.2026)")),
    (date(2026, 4, 10), date(2026, 5, 1),
     dd.Due(date(2026, 11, 1), "time",
            "Winterreifen zum 01.11.2026 (letzter Reifenauftrag am 10.04.2026)")),
    (date(2024, 11, 1), date(2026, 11, 1),  # exactly 24 months ago still counts; due today
     dd.Due(date(2026, 11, 1), "time",
            "Winterreifen zum 01.11.2026 (letzter Reifenauftrag am 01.11.2024)")),
    (date(2024, 12, 6), date(2026, 12, 7), None),  # no tyre order in 24 months
    (None, date(2026, 12, 7), None),
])
def test_tyre_due(last_order, today, expected):
    assert dd.tyre_due(last_order, today, 24) == expected


# --- 7. add_months -----------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 3, 31), 1, date(2026, 4, 30)),
    (date(2026, 5, 3), 12, date(2027, 5, 3)),
    (date(2026, 11, 15), 3, date(2027, 2, 15)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
])
def test_add_months_clamps(day, months, expected):
    assert dd.add_months(day, months) == expected


@pytest.mark.parametrize(("changed", "today", "expected"), [
    (date(2026, 10, 20), date(2026, 10, 25), date(2027, 4, 15)),  # winter tyres already on
    (date(2026, 4, 10), date(2026, 4, 12), date(2026, 11, 1)),  # summer tyres already on
])
def test_a_change_shortly_before_the_season_date_serves_that_season(changed, today, expected):
    assert dd.tyre_due(changed, today, 24).due_date == expected


def test_a_distance_already_driven_is_dated_between_the_readings_not_before_registration():
    # No inspection in the DMS; the car did 84,100 km in seven years but only 4,800 km in
    # the last one: 15,000 km were reached about 15 months after registration.
    readings = dd.checked_readings([Reading(date(2025, 12, 10), 84_100),
                                    Reading(date(2026, 11, 20), 88_900)])
    due = dd.interval_due(st.IntervalRule("inspection", km=15_000),  # distance only
                          LastDone(date(2018, 12, 5), 0, "Erstzulassung"),
                          dd.project(readings))
    assert due.basis == "km" and due.due_date == date(2020, 3, 6)


def test_at_an_inspection_first_seen_after_the_fourth_year_is_followed_yearly():
    # Registered 09/2019, the 3-year inspection happened elsewhere; ours in 09/2025 is at
    # least the second, so the next one is a year later, not two.
    due = dd.hu_due_at(date(2019, 9, 2), [date(2025, 9, 5)])
    assert due.due_date == date(2026, 9, 1) and due.reason.startswith("1 Jahr nach")
