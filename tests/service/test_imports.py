"""Vehicles and workshop orders through the importer: recognised columns, German reasons per
bad row, all-or-nothing, idempotent upsert, every mileage a reading."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core import clock
from core.imports.importer import run_import
from core.models import Event
from core.service.classify import Classifier
from core.service.models import Vehicle, VehicleReading, WorkshopOrder
from core.service.types import FACTORY_KEYWORDS
from core.winback.detection import RUN_EVENT
from tests.service.conftest import (
    ORDERS_HEAD,
    VEHICLES_HEAD,
    customer,
    due,
    load,
    order,
    vehicle,
)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def reasons(result) -> dict[int, str]:
    return {e.line: e.reason for e in result.errors}


def test_bad_vehicle_rows_get_a_german_reason_each_and_nothing_is_written(sdb):
    customer(sdb)
    rows = (VEHICLES_HEAD
            + "F1;1001;L-1AB;VW;Golf;Benzin;10.06.2025;12000;01.11.2026\n"
            + "F2;9999;L-2AB;VW;Golf;Diesel;10.06.2025;;\n"  # unknown owner
            + "F3;1001;L-3AB;VW;Golf;Diesel;31.02.2025;;\n"  # no such date
            + "F4;1001;L-4AB;VW;Golf;Diesel;;;\n"  # first registration missing
            + "F5;1001;L-5AB;VW;Golf;Diesel;10.06.2025;zwölftausend;\n")
    result = run_import(sdb, "vehicles", rows.encode(), now=clock.now())
    assert result.refused and count(sdb, Vehicle) == 0
    found = reasons(result)
    assert "Kundennummer unbekannt" in found[3]
    assert "kein gültiges Datum" in found[4]
    assert found[5] == "Pflichtfeld ist leer"
    assert found[6] == "keine ganze Zahl"
    assert 2 not in found
    valid_only = run_import(sdb, "vehicles", rows.encode(), now=clock.now(), valid_only=True)
    assert valid_only.inserted == 1 and count(sdb, Vehicle) == 1


def test_bad_order_rows_name_the_unknown_vehicle_and_the_status(sdb):
    customer(sdb)
    vehicle(sdb)
    rows = (ORDERS_HEAD + "A1;F1;;05.01.2026;Jahresservice;abgeschlossen;\n"
            + "A2;F9;;05.01.2026;Inspektion;offen;\n"
            + "A3;F1;;05.01.2026;Inspektion;storniert;\n")
    result = run_import(sdb, "workshop_orders", rows.encode(), now=clock.now())
    assert result.refused and count(sdb, WorkshopOrder) == 0
    found = reasons(result)
    assert "Fahrzeugnummer unbekannt" in found[3]
    assert "unbekannter Status" in found[4]


def test_a_second_import_of_the_same_file_changes_nothing(sdb):
    customer(sdb)
    line = "F1;1001;L-1AB;VW;Golf;elektro;10.06.2025;12000;01.11.2026"
    first = load(sdb, "vehicles", VEHICLES_HEAD, line)
    again = load(sdb, "vehicles", VEHICLES_HEAD, line)
    assert (first.inserted, again.inserted, again.updated, again.unchanged) == (1, 0, 0, 1)
    with sdb.session() as session:
        stored = session.scalar(select(Vehicle))
        assert stored.fuel == "Elektro"  # the proper spelling
        assert stored.first_registration == date(2025, 6, 10)


def test_every_mileage_becomes_a_reading_and_a_backwards_one_is_ignored(sdb):
    customer(sdb)
    load(sdb, "vehicles", VEHICLES_HEAD, "F1;1001;L-1AB;VW;Golf;Benzin;01.01.2024;10000;"
                                         "01.01.2025")
    load(sdb, "vehicles", VEHICLES_HEAD, "F1;1001;L-1AB;VW;Golf;Benzin;01.01.2024;60000;"
                                         "01.01.2026")
    order(sdb, "A1", "01.07.2025", "Ölservice", km="35000")
    order(sdb, "A2", "01.09.2025", "Bremsen", km="1500")  # a typo: goes backwards
    with sdb.session() as session:
        assert session.scalar(select(func.count(VehicleReading.id))) == 2  # both vehicle files
    # 50,000 km a year over the three counted readings: the 15,000 km after the service at
    # 35,000 km came long before its twelve months
    inspection = due(sdb, "inspection")
    assert inspection.basis == "km" and inspection.due_date < date(2026, 1, 1)
    assert inspection.reason == ("15.000 km nach Inspektion (bei 50.000 km), hochgerechnet "
                                 "aus 3 Ständen")


def test_order_texts_match_whole_words_case_and_umlaut_tolerant():
    classify = Classifier(FACTORY_KEYWORDS)
    assert classify.matches("HU/AU und RAEDER wechseln") == {"tyres": ("Räder",),
                                                           "hu": ("HU", "AU")}
    assert classify.matches("Serviceheft nachgetragen, Hubraum geprüft") == {}
    assert classify.types("Jahresservice inkl. Ölwechsel") == {"inspection"}
    assert classify.types("Zahnriemen + Inspektion") == {"inspection", "timing_belt"}


def test_only_the_modules_an_import_concerns_recompute(sdb):
    """Vehicles and workshop orders leave win-back's figures alone (a dealer group's order
    import would otherwise wait for a detection run over every customer); a customer file
    still brings them up to date."""
    def detection_runs() -> int:
        with sdb.session() as session:
            return session.scalar(select(func.count()).select_from(Event).where(
                Event.kind == RUN_EVENT))

    customer(sdb)
    after_customers = detection_runs()
    vehicle(sdb)
    order(sdb, "A1", "02.05.2026", "Jahresservice", km="15000")

    assert after_customers == 1
    assert detection_runs() == after_customers
    assert due(sdb, "inspection").reason.endswith("nach Inspektion am 02.05.2026")
