"""`python app.py import …` as an operator runs it: real processes, a real SQLite file."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

import app as kundenpilot
from core.models import Customer
from core.winback.models import OrderLine
from tests.imports.conftest import ORDER_HEADER, excel_csv

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"


def _run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env["KP_DATABASE_URL"] = url
    return subprocess.run([sys.executable, str(ROOT / "app.py"), "import", *args], env=env,
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def _count(url: str, column) -> int:
    db = kundenpilot.open_database(url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count(column)))
    finally:
        db.engine.dispose()


def test_sample_files_import_with_dry_run_first_and_exit_codes(databases):
    url = databases.new_url("cli")
    customers, orders = str(SAMPLES / "kunden.csv"), str(SAMPLES / "auftraege.csv")

    refused = _run(url, "orders", orders)  # no customers yet: every line refused
    assert refused.returncode == 1, refused.stderr
    assert "Nicht importiert" in refused.stdout
    assert ("Zeile 2, Spalte Kundennummer, Wert '10009': Kundennummer unbekannt – bitte "
            "zuerst die Kunden importieren") in refused.stdout

    dry = _run(url, "customers", customers, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "Probelauf – nichts gespeichert. Der Import ergäbe: 12 neu" in dry.stdout
    assert _count(url, Customer.id) == 0

    done = _run(url, "customers", customers)
    assert done.returncode == 0 and "Importiert: 12 neu, 0 geändert, 0 unverändert." in done.stdout
    assert "Zeichensatz Windows-1252" in done.stdout
    lines = _run(url, "orders", orders)
    assert lines.returncode == 0, lines.stdout + lines.stderr
    assert "Neue Firmen angelegt" in lines.stdout
    assert _count(url, OrderLine.id) == 113
    again = _run(url, "orders", orders)
    assert "Importiert: 0 neu, 0 geändert, 113 unverändert." in again.stdout


def test_bad_rows_are_listed_and_map_and_valid_only_work(tmp_path, databases):
    url = databases.new_url("cli")
    customers = tmp_path / "kunden.csv"
    customers.write_bytes(excel_csv("Debitor;E-Mail", "10001;anna@example.at",
                                    "10002;kein-at-zeichen"))

    unmapped = _run(url, "customers", str(customers))
    assert unmapped.returncode == 1
    assert "Pflichtspalte „Kundennummer“ fehlt" in unmapped.stdout
    assert "--map FELD=SPALTE" in unmapped.stdout

    refused = _run(url, "customers", str(customers), "--map", "Kundennummer=Debitor")
    assert refused.returncode == 1
    assert ("Zeile 3, Spalte E-Mail, Wert 'kein-at-zeichen': keine gültige E-Mail-Adresse"
            in refused.stdout)
    assert _count(url, Customer.id) == 0

    partial = _run(url, "customers", str(customers), "--map", "customer_number=Debitor",
                   "--valid-only")
    assert partial.returncode == 0, partial.stdout
    assert "1 fehlerhafte Zeile(n) übersprungen." in partial.stdout
    assert _count(url, Customer.id) == 1

    orders = tmp_path / "auftraege.csv"
    orders.write_bytes(excel_csv(ORDER_HEADER, "A1;1;10001;31.12.2025;WIEN;;1,00"))
    wrong_map = _run(url, "orders", str(orders), "--map", "Betrag=Nettobetrag")
    assert wrong_map.returncode == 2 and "Feld „Betrag“ gibt es nicht" in wrong_map.stderr
    missing = _run(url, "orders", str(tmp_path / "fehlt.csv"))
    assert missing.returncode == 1 and "Datei kann nicht gelesen werden" in missing.stderr
