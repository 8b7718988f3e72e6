"""Service's DMS imports: vehicles (each owned by a known customer) and workshop orders (each
of a known vehicle). Same importer, same guarantees as customers and order lines: mapping
preview, a German reason per bad row, all-or-nothing, idempotent upsert."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.imports import parsers, writing
from core.imports.plans import CUSTOMERS, Plan, classify
from core.imports.specs import FieldSpec as F
from core.imports.specs import ImportSpec
from core.imports.validation import LINE, Report, RowError
from core.modules import ImportKind
from core.service.models import Vehicle, WorkshopOrder
from core.service.types import FUELS

VEHICLES_TABLE, ORDERS_TABLE = Vehicle.__table__, WorkshopOrder.__table__
UNKNOWN_CUSTOMER = "Kundennummer unbekannt – bitte zuerst die Kunden importieren"
UNKNOWN_VEHICLE = "Fahrzeugnummer unbekannt – bitte zuerst die Fahrzeuge importieren"
MAX_KM = 2_000_000
STATUS_WORDS = {"offen": "open", "open": "open", "abgeschlossen": "closed",
                "erledigt": "closed", "closed": "closed", "fakturiert": "closed"}
_t = parsers.text


def fuel(values: pd.Series) -> parsers.Parsed:
    """Benzin, Diesel, Hybrid, Elektro, Gas in their proper spelling; anything else is kept as
    written (the interval rules can still match it)."""
    known = {f.casefold(): f for f in FUELS}
    return values.map(lambda v: known.get(v.casefold(), v)), np.full(len(values), "", object)


def order_status(values: pd.Series) -> parsers.Parsed:
    mapped = values.str.casefold().map(STATUS_WORDS)
    reasons = np.where(mapped.isna(), "unbekannter Status (erlaubt: offen, abgeschlossen, "
                                      "erledigt)", "").astype(object)
    return mapped.fillna("open"), reasons


KM = parsers.whole_number(0, MAX_KM)
VEHICLES = ImportSpec("vehicles", "Fahrzeuge", (
    F("vehicle_number", "Fahrzeugnummer", "vehicle_number", "Fahrzeugnummer", True, _t(40),
      synonyms=("Fahrzeug-Nr", "Fahrzeugnr", "FzgNr", "Fzg-Nr")),
    F("customer_number", "Kundennummer", "customer_number", "Kundennummer", True, _t(40),
      synonyms=("Kunden-Nr", "Kundennr", "KdNr", "Kd-Nr")),
    F("vin", "FIN", "vin", "FIN (Fahrgestellnummer)", False, _t(40),
      synonyms=("Fahrgestellnummer", "VIN")),
    F("plate", "Kennzeichen", "plate", "Kennzeichen", False, _t(20),
      synonyms=("Amtliches Kennzeichen", "Kfz-Kennzeichen")),
    F("make", "Marke", "make", "Marke", False, _t(60), synonyms=("Hersteller",)),
    F("model", "Modell", "model", "Modell", False, _t(100), synonyms=("Typ",)),
    F("fuel", "Kraftstoff", "fuel", "Kraftstoff", False, fuel, synonyms=("Antrieb",)),
    F("first_registration", "Erstzulassung", "first_registration", "Erstzulassung", True,
      parsers.order_date, synonyms=("EZ", "Erstzulassungsdatum")),
    F("mileage", "Kilometerstand", "mileage", "Kilometerstand", False, KM, default=None,
      synonyms=("km-Stand", "KM", "Laufleistung")),
    F("mileage_on", "Kilometerstand am", "mileage_date", "Kilometerstand am (Datum)", False,
      parsers.order_date, default=None, synonyms=("km-Stand am", "Ablesedatum")),
), keys=("vehicle_number",), sample="fahrzeuge.csv")

ORDERS = ImportSpec("workshop_orders", "Werkstattaufträge", (
    F("order_number", "Auftragsnummer", "order_number", "Auftragsnummer", True, _t(40),
      synonyms=("Auftragsnr", "Auftrags-Nr", "Auftrag")),
    F("vehicle_number", "Fahrzeugnummer", "vehicle_number", "Fahrzeugnummer", True, _t(40),
      synonyms=("Fahrzeug-Nr", "Fahrzeugnr", "FzgNr", "Fzg-Nr")),
    F("customer_number", "Kundennummer", "customer_number", "Kundennummer", False, _t(40),
      synonyms=("Kunden-Nr", "Kundennr", "KdNr", "Kd-Nr")),
    F("order_date", "Datum", "date", "Datum", True, parsers.order_date,
      synonyms=("Auftragsdatum", "order_date")),
    F("order_text", "Auftragstext", "order_text", "Auftragstext", False, _t(1000),
      synonyms=("Text", "Arbeiten", "Beschreibung")),
    F("status", "Status", "status", "Status (offen/abgeschlossen)", True, order_status,
      synonyms=("Auftragsstatus",)),
    F("mileage", "Kilometerstand", "mileage", "Kilometerstand", False, KM, default=None,
      synonyms=("km-Stand", "KM")),
    F("amount_cents", "Betrag", "amount", "Betrag (€)", False, parsers.amount_cents, default=0,
      synonyms=("Summe", "Betrag netto", "Netto")),
), keys=("order_number",), sample="werkstattauftraege.csv")


def _canonical(column: pd.Series) -> pd.Series:
    """A column as comparable text: dates as ISO, numbers without ".0", empty as ""."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column.dt.strftime("%Y-%m-%d").fillna("")
    return column.map(lambda v: "" if v is None or v is pd.NaT or v != v
                      else str(int(v)) if isinstance(v, (int, float, np.integer, np.floating))
                      and not isinstance(v, bool) else str(v)[:10] if hasattr(v, "isoformat")
                      else str(v))


def _changed(incoming: pd.DataFrame, stored: pd.DataFrame, key: str,
             columns: list[str]) -> pd.Series:
    """Per incoming row: does any column differ from the stored row (nullable columns too)?"""
    if stored.empty:
        return pd.Series(np.zeros(len(incoming), dtype=bool))
    old = stored.set_index(stored[key].astype(str))
    result = np.zeros(len(incoming), dtype=bool)
    for name in columns:
        before = _canonical(old[name].reindex(incoming[key].astype(str)).reset_index(drop=True))
        result |= (_canonical(incoming[name].reset_index(drop=True)) != before).to_numpy()
    return pd.Series(result)


def _known(session: Session, report: Report, table, number: str, reason: str
           ) -> tuple[pd.Series, np.ndarray, list[RowError]]:
    """The ids of the numbers the file names in column `number`, the rows whose number is
    unknown, and their German errors."""
    frame = report.frame
    known = writing.existing(session, table, number, frame[number].unique(), [number, "id"])
    ids = frame[number].map(dict(zip(known[number], known["id"], strict=True)))
    unknown = ids.isna().to_numpy()
    header = report.mapping[number]
    errors = [RowError(int(line), header, value, reason) for line, value in
              zip(frame.loc[unknown, LINE], frame.loc[unknown, number], strict=True)]
    return ids, unknown, errors


def _plan(session: Session, report: Report, now: datetime, table, key: str,
          reference: tuple[object, str, str, str]) -> Plan:
    ref_table, ref_number, ref_column, reason = reference
    ids, unknown, errors = _known(session, report, ref_table, ref_number, reason)
    mapped = [n for n, header in report.mapping.items() if header is not None]
    incoming = report.frame.loc[~unknown, mapped].copy().reset_index(drop=True)
    incoming[ref_column] = ids[~unknown].astype("int64").to_numpy()
    compare = [c for c in incoming.columns if c != key]
    plan = Plan(table, (key,), incoming, update=compare, errors=errors)
    stored = writing.existing(session, table, key, incoming[key].unique(),
                              [key, *compare, "import_run_id"])
    merged = classify(plan, incoming, stored[[key, "import_run_id"]], [],
                      _changed(incoming, stored, key, compare))
    plan.rows = merged[list(incoming.columns)]
    plan.constants = {"created_at": now}
    return plan


def plan_vehicles(session: Session, report: Report, now: datetime) -> Plan:
    return _plan(session, report, now, VEHICLES_TABLE, "vehicle_number",
                 (CUSTOMERS, "customer_number", "customer_id", UNKNOWN_CUSTOMER))


def plan_orders(session: Session, report: Report, now: datetime) -> Plan:
    return _plan(session, report, now, ORDERS_TABLE, "order_number",
                 (VEHICLES_TABLE, "vehicle_number", "vehicle_id", UNKNOWN_VEHICLE))


VEHICLES_KIND = ImportKind(spec=VEHICLES, plan=plan_vehicles, table=VEHICLES_TABLE,
                           keys=VEHICLES.keys,
                           after_link=("Zu den Service-Erinnerungen →", "/service"))
ORDERS_KIND = ImportKind(spec=ORDERS, plan=plan_orders, table=ORDERS_TABLE, keys=ORDERS.keys,
                         after_link=("Zu den Service-Erinnerungen →", "/service"))
