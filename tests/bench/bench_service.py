"""Benchmark of the service module (plain script, not collected by pytest).

    .venv/bin/python tests/bench/bench_service.py [VEHICLES]

On the database KP_TEST_DATABASE names (see tests/bench/common.py). Writes DMS exports of
50,000 customers, 100,000 vehicles and 1,000,000 workshop orders (ten per vehicle), then:
- imports vehicles and orders through run_import (checks, batches, undo journal and every
  module's after-import step included), target >= 20,000 lines/s for the orders;
- recomputes every due date and planned invitation, target < 10 s;
- times the daily run's selection (core.service.run.due_steps: which invitation takes which
  step) against one hand-written SQL query over the indexed next_at column returning the same
  columns, target within 3x;
- times the follow-up list's first page (list_invitations, default order, capped count),
  target < 50 ms."""
from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import DATABASE, Verdict, analyze, bench_database, ms, raw_value, timed
from sqlalchemy import text

from core import settings as settings_store
from core.imports import run_import
from core.service import queries, recompute, run

VEHICLES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 100_000
CUSTOMERS = VEHICLES // 2
ORDERS_PER_VEHICLE = 10
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
MAKES = (("VW", "Golf", "Benzin"), ("Skoda", "Octavia", "Diesel"), ("VW", "ID.3", "Elektro"),
         ("Audi", "A4", "Diesel"), ("Toyota", "Yaris", "Hybrid"), ("Seat", "Leon", "Gas"))
TEXTS = ("Reifenwechsel inkl. Einlagerung", "Bremsen vorne erneuert", "Klimaservice")
SERVICES = ("Jahresservice", "Inspektion lt. Hersteller", "Ölservice", "Wartung",
            "Inspektion, Zahnriemen erneuert")
IMPORT_TARGET, RECOMPUTE_TARGET, SELECTION_TARGET, PAGE_TARGET = 20_000, 10.0, 3.0, 0.050


def write_files(folder: Path) -> tuple[Path, Path, Path]:
    rng = random.Random(7)
    customers = ["Kundennummer;Vorname;Nachname;E-Mail;Werbeeinwilligung"]
    customers += [f"K{i:06d};Eva;Huber;kunde{i}@example.at;{rng.choice(('ja', 'nein'))}"
                  for i in range(1, CUSTOMERS + 1)]
    vehicles = ["Fahrzeugnummer;Kundennummer;FIN;Kennzeichen;Marke;Modell;Kraftstoff;"
                "Erstzulassung;Kilometerstand;Kilometerstand am"]
    orders = ["Auftragsnummer;Fahrzeugnummer;Kundennummer;Datum;Auftragstext;Status;"
              "Kilometerstand;Betrag"]
    number = 0
    for v in range(1, VEHICLES + 1):
        make, model, fuel = rng.choice(MAKES)
        first = date(2012, 1, 1) + timedelta(days=rng.randint(0, 4800))
        per_day = rng.randint(15, 80)
        owner = f"K{rng.randint(1, CUSTOMERS):06d}"
        seen = date(2026, 10, 1)
        vehicles.append(f"F{v:07d};{owner};WVW{v:014d};W-{v}X;{make};{model};{fuel};"
                        f"{first:%d.%m.%Y};{(seen - first).days * per_day};{seen:%d.%m.%Y}")
        # A serviced fleet: visits up to the last months, most with the yearly service,
        # every other one with body and underbody checks, the HU when its age asks for it,
        # a tyre change or a repair in between; now and then one still open.
        last = date(2026, 11, 1) - timedelta(days=rng.randint(0, 300))
        span = (last - first).days
        for k in range(ORDERS_PER_VEHICLE):
            number += 1
            day = first + timedelta(days=span * (k + 1) // ORDERS_PER_VEHICLE)
            text = rng.choice(TEXTS[:3]) if k % 3 else rng.choice(SERVICES)
            if k % 2 == 0:
                text += ", Karosserie-Inspektion, Unterbodenschutz"
            if (day - first).days > 3 * 365 and k % 2:
                text += ", " + rng.choice(("§57a-Begutachtung", "HU/AU"))
            status = "offen" if k == ORDERS_PER_VEHICLE - 1 and rng.random() < 0.05 \
                else "abgeschlossen"
            orders.append(f"W{number:08d};F{v:07d};{owner};{day:%d.%m.%Y};{text};{status};"
                          f"{(day - first).days * per_day};{rng.randint(50, 2000)},00")
    paths = folder / "kunden.csv", folder / "fahrzeuge.csv", folder / "auftraege.csv"
    for path, lines in zip(paths, (customers, vehicles, orders), strict=True):
        path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return paths


def imported(db, kind: str, path: Path) -> float:
    started = time.perf_counter()
    result = run_import(db, kind, path.read_bytes(), now=NOW)
    assert result.committed, result.lines()
    return time.perf_counter() - started


# The same columns the run selects: which invitation, which step.
SELECTION_SQL = text("SELECT id, next_kind FROM service_invitations WHERE next_at <= :now "
                     "ORDER BY next_at, id")


def main() -> int:
    verdict = Verdict()
    folder = Path(tempfile.mkdtemp(prefix="kp-bench-service-"))
    try:
        customer_file, vehicle_file, order_file = write_files(folder)
        lines = VEHICLES * ORDERS_PER_VEHICLE
        print(f"== service on {DATABASE}: {CUSTOMERS:,} Kunden, {VEHICLES:,} Fahrzeuge, "
              f"{lines:,} Werkstattaufträge")
        with bench_database("service") as db:
            imported(db, "customers", customer_file)
            seconds = imported(db, "vehicles", vehicle_file)
            print(f"Fahrzeuge importiert:    {seconds:6.2f} s  {VEHICLES / seconds:,.0f} Zeilen/s")
            seconds = imported(db, "workshop_orders", order_file)
            rate = lines / seconds
            ok = verdict.check(f"Import >= {IMPORT_TARGET:,} Zeilen/s", rate >= IMPORT_TARGET)
            print(f"Aufträge importiert:     {seconds:6.2f} s  {rate:,.0f} Zeilen/s, mit "
                  f"Neuberechnung (Ziel >= {IMPORT_TARGET:,}: {ok})")
            analyze(db)
            with db.session() as session:
                settings = settings_store.load(session)
            started = time.perf_counter()
            with db.session(write=True) as session:
                recompute.recompute(session, settings, NOW)
            seconds = time.perf_counter() - started
            ok = verdict.check(f"Neuberechnung < {RECOMPUTE_TARGET:.0f} s",
                               seconds < RECOMPUTE_TARGET)
            print(f"Alle Fälligkeiten neu:   {seconds:6.2f} s  (Ziel < {RECOMPUTE_TARGET:.0f} s: "
                  f"{ok})")
            analyze(db)
            day = NOW + timedelta(days=1)  # one day's run
            with db.session() as session:
                ours, rows = timed(lambda: run.due_steps(session, day))
                hand, raw = timed(lambda: session.execute(SELECTION_SQL,
                                                          {"now": raw_value(day)}).all())
            assert len(rows) == len(raw), (len(rows), len(raw))
            ratio = ours / hand
            ok = verdict.check(f"Auswahl <= {SELECTION_TARGET:.0f}x SQL", ratio <= SELECTION_TARGET)
            print(f"Tageslauf-Auswahl:     {ms(ours)}  ({len(rows):,} fällig)  SQL {ms(hand)}  "
                  f"= {ratio:.2f}x (Ziel <= {SELECTION_TARGET:.0f}x: {ok})")
            with db.engine.begin() as conn:  # a year of invitations, as the run leaves them
                conn.execute(text("UPDATE service_invitations SET status = 'invited', "
                                  "invited_at = created_at, next_at = NULL WHERE id % 3 = 0"))
            analyze(db)
            with db.session() as session:
                seconds, (page, total) = timed(lambda: queries.list_invitations(session))
            ok = verdict.check(f"Nachverfolgen < {PAGE_TARGET * 1000:.0f} ms",
                               seconds < PAGE_TARGET)
            print(f"Nachverfolgen, Seite 1:{ms(seconds)}  ({len(page)} von {total:,}; Ziel < "
                  f"{PAGE_TARGET * 1000:.0f} ms: {ok})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return verdict.exit_code()


if __name__ == "__main__":
    sys.exit(main())
