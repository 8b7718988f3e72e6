"""Benchmark of the DMS import (plain script, not collected by pytest).

    .venv/bin/python tests/bench/bench_import.py [LINES]

Writes a German Excel-style export (cp1252, ';', decimal comma, dd.mm.yyyy) of 20,000
customers and 1,000,000 order lines into a temporary directory, imports the customers, then
times run_import of the order lines into a fresh SQLite file (win-back detection included),
and once more for the idempotent re-import of the same file. Target: >= 20,000 lines/s."""
from __future__ import annotations

import random
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import app  # noqa: E402
from core.db import Database  # noqa: E402
from core.imports import run_import  # noqa: E402

CUSTOMERS = 20_000
LINES = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
TARGET = 20_000  # lines per second
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


def main() -> None:
    app.install_modules()  # what every command of app.py does first
    folder = Path(tempfile.mkdtemp(prefix="kp-bench-import-"))
    try:
        customer_file, order_file = write_files(folder)
        size = order_file.stat().st_size / 1e6
        print(f"Export: {CUSTOMERS:,} Kunden, {LINES:,} Auftragspositionen ({size:.0f} MB)")
        db = Database(f"sqlite:///{folder / 'bench.db'}")
        db.migrate()
        seconds, result = timed(db, "customers", customer_file.read_bytes())
        print(f"Kunden:          {seconds:6.2f} s  ({result.inserted:,} neu)")
        data = order_file.read_bytes()
        seconds, result = timed(db, "orders", data)
        assert result.committed and result.inserted == LINES, result.lines()
        rate = LINES / seconds
        verdict = "OK" if rate >= TARGET else f"ZU LANGSAM (Ziel {TARGET:,}/s)"
        print(f"Auftragspositionen: {seconds:6.2f} s  {rate:,.0f} Zeilen/s  {verdict}")
        seconds, result = timed(db, "orders", data)
        assert result.committed and result.unchanged == LINES, result.lines()
        print(f"Re-Import (unverändert): {seconds:6.2f} s  {LINES / seconds:,.0f} Zeilen/s")
        db.engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
