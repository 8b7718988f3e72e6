"""Benchmark of the DMS import (plain script, not collected by pytest).

    .venv/bin/python tests/bench/bench_import.py [LINES]

On the database KP_TEST_DATABASE names (see tests/bench/common.py). Writes a German
Excel-style export (cp1252, ';', decimal comma, dd.mm.yyyy) of 20,000 customers and
1,000,000 order lines, imports the customers, then times run_import of the order lines
(checks, batches with undo journal, win-back detection included) against the baseline: a
minimal loader (csv module, the same conversions, one executemany) into a copy of the same
database, in the same run; then the idempotent re-import. Target: >= 0.8x the loader."""
from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from common import DATABASE, Verdict, bench_database, copy_of
from sqlalchemy import select

from core.db import Database
from core.imports import run_import
from core.models import Customer

CUSTOMERS = 20_000
LINES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
TARGET = 0.8  # of the minimal loader's lines per second
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
FIRST = ("Anna", "Lukas", "Maria", "Florian", "Katharina", "Stefan", "Julia", "Thomas")
LAST = ("Gruber", "Huber", "Bauer", "Wagner", "Müller", "Pichler", "Steiner", "Moser")
COMPANIES = ("WIEN", "GRAZ", "LINZ", "SALZBURG")
GROUPS = ("Service", "Ersatzteile", "Reifen", "Zubehör", "Karosserie", "Öl & Schmierstoffe")


def german_amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", ".") + f",{rest:02d}"


def write_files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(11)
    customers = ["Kundennummer;Vorname;Nachname;Firmenname;E-Mail;Telefon;Ort;Land;"
                 "Kundengruppe;Werbeeinwilligung"]
    for i in range(1, CUSTOMERS + 1):
        customers.append(f"K{i:06d};{rng.choice(FIRST)};{rng.choice(LAST)};;kunde{i}@example.at;"
                         f"+43 1 {i:07d};Wien;Österreich;{rng.choice(('Privat', 'Gewerbe'))};"
                         f"{rng.choice(('ja', 'nein', ''))}")
    orders = ["Auftragsnummer;Position;Kundennummer;Datum;Firma;Warengruppe;Nettobetrag"]
    start = date(2024, 11, 1)
    order, position = 100_000, 0
    for _ in range(LINES):
        if position == 0 or rng.random() < 0.4:  # ~2.5 lines per order
            order, position = order + 1, 0
            customer = f"K{rng.randint(1, CUSTOMERS):06d}"
            day = start + timedelta(days=rng.randint(0, 750))
            company = rng.choice(COMPANIES)
        position += 1
        cents = rng.randint(500, 250_000) * (-1 if rng.random() < 0.02 else 1)
        orders.append(f"A{order};{position};{customer};{day:%d.%m.%Y};{company};"
                      f"{rng.choice(GROUPS)};{german_amount(cents)}")
    customer_file, order_file = folder / "kunden.csv", folder / "auftraege.csv"
    customer_file.write_bytes(("\r\n".join(customers) + "\r\n").encode("cp1252"))
    order_file.write_bytes(("\r\n".join(orders) + "\r\n").encode("cp1252"))
    return customer_file, order_file


def timed(db: Database, kind: str, data: bytes) -> tuple[float, object]:
    started = time.perf_counter()
    result = run_import(db, kind, data, now=NOW)
    return time.perf_counter() - started, result


LOADER_SQL = ("INSERT INTO order_lines (order_number, line, customer_number, customer_id, "
              "order_date, company_code, product_group, net_cents) VALUES ({})")


def minimal_loader(db: Database, data: bytes) -> float:
    """The baseline: parse with the csv module, convert date and amount, look the customer
    up, one executemany through the raw driver, one commit. No checks, no undo, no detection."""
    started = time.perf_counter()
    with db.engine.begin() as conn:
        ids = dict(conn.execute(select(Customer.customer_number, Customer.id)).all())
        reader = csv.reader(io.StringIO(data.decode("cp1252")), delimiter=";")
        next(reader)
        rows = []
        for order, line, number, day, company, group, amount in reader:
            d, m, y = day.split(".")
            cents = round(float(amount.replace(".", "").replace(",", ".")) * 100)
            rows.append((order, int(line), number, ids.get(number), date(int(y), int(m), int(d)),
                         company, group, cents))
        raw = conn.connection.driver_connection
        marks = ", ".join(["%s" if DATABASE == "PostgreSQL" else "?"] * 8)
        raw.cursor().executemany(LOADER_SQL.format(marks), rows)
    return time.perf_counter() - started


def main() -> int:
    verdict = Verdict()
    folder = Path(tempfile.mkdtemp(prefix="kp-bench-import-"))
    try:
        customer_file, order_file = write_files(folder)
        size = order_file.stat().st_size / 1e6
        print(f"== import on {DATABASE}: {CUSTOMERS:,} Kunden, {LINES:,} Auftragspositionen "
              f"({size:.0f} MB)")
        with bench_database("import") as db:
            seconds, result = timed(db, "customers", customer_file.read_bytes())
            print(f"Kunden:                  {seconds:6.2f} s  ({result.inserted:,} neu)")
            data = order_file.read_bytes()
            baseline = copy_of(db, "loader")
            loader = minimal_loader(baseline, data)
            baseline.engine.dispose()
            print(f"Minimaler Lader:         {loader:6.2f} s  {LINES / loader:,.0f} Zeilen/s")
            seconds, result = timed(db, "orders", data)
            assert result.committed and result.inserted == LINES, result.lines()
            ratio = loader / seconds
            ok = verdict.check(f"Import >= {TARGET}x Lader", ratio >= TARGET)
            print(f"Auftragspositionen:      {seconds:6.2f} s  {LINES / seconds:,.0f} Zeilen/s "
                  f"= {ratio:.2f}x Lader (Ziel >= {TARGET}x: {ok})")
            seconds, result = timed(db, "orders", data)
            assert result.committed and result.unchanged == LINES, result.lines()
            print(f"Re-Import (unverändert): {seconds:6.2f} s  {LINES / seconds:,.0f} Zeilen/s")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return verdict.exit_code()


if __name__ == "__main__":
    sys.exit(main())
