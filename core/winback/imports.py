"""Win-back's DMS import: order lines (invoice positions). Each line must name a known
customer number; the companies ("Firma") it names are created on the fly (name = code)."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from core.imports import parsers, writing
from core.imports.plans import CUSTOMERS, Plan, classify
from core.imports.specs import FieldSpec as F
from core.imports.specs import ImportSpec
from core.imports.validation import LINE, Report, RowError
from core.modules import ImportKind
from core.winback import companies
from core.winback.models import OrderLine

ORDER_LINES = OrderLine.__table__
UNKNOWN_CUSTOMER = "Kundennummer unbekannt – bitte zuerst die Kunden importieren"
_t = parsers.text

ORDERS = ImportSpec("orders", "Auftragspositionen", (
    F("order_number", "Auftragsnummer", "order_number", "Auftragsnummer", True, _t(40),
      synonyms=("Auftragsnr", "Auftrags-Nr", "Auftrag", "Belegnummer")),
    F("line", "Position", "line", "Position", True, parsers.whole_number(0, 999_999_999),
      default=0, synonyms=("Pos", "Positionsnummer")),
    F("customer_number", "Kundennummer", "customer_number", "Kundennummer", True, _t(40),
      synonyms=("Kunden-Nr", "Kundennr", "KdNr", "Kd-Nr")),
    F("order_date", "Datum", "date", "Datum", True, parsers.order_date,
      synonyms=("Auftragsdatum", "Rechnungsdatum", "Belegdatum", "order_date")),
    F("company_code", "Firma", "company", "Firma (Betrieb/Filiale)", True, _t(60),
      synonyms=("Filiale", "Betrieb", "company_code")),
    F("product_group", "Warengruppe", "product_group", "Warengruppe", False, _t(100),
      synonyms=("Produktgruppe",)),
    F("net_cents", "Nettobetrag", "net_amount", "Nettobetrag (€, Gutschrift negativ)", True,
      parsers.amount_cents, default=0, synonyms=("Netto", "Betrag netto", "Umsatz netto")),
), keys=("order_number", "line"), sample="auftraege.csv")


def plan_orders(session: Session, report: Report, _now: datetime) -> Plan:
    """New, changed and unchanged lines; a line of an unknown customer is a bad row."""
    customer_header = report.mapping["customer_number"]
    frame = report.frame
    known = writing.existing(session, CUSTOMERS, "customer_number",
                             frame["customer_number"].unique(), ["customer_number", "id"])
    ids = frame["customer_number"].map(dict(zip(known["customer_number"], known["id"],
                                                strict=True)))
    unknown = ids.isna().to_numpy()
    errors = [RowError(int(line), customer_header, number, UNKNOWN_CUSTOMER)
              for line, number in zip(frame.loc[unknown, LINE],
                                      frame.loc[unknown, "customer_number"], strict=True)]
    mapped = [n for n, header in report.mapping.items() if header is not None]
    incoming = frame.loc[~unknown, [n for n in mapped]].copy()
    incoming["customer_id"] = ids[~unknown].astype("int64")
    keys = ("order_number", "line")
    compare = [c for c in incoming.columns if c not in keys]
    plan = Plan(ORDER_LINES, keys, incoming, update=compare, errors=errors)
    stored = writing.existing(session, ORDER_LINES, "order_number",
                              incoming["order_number"].unique(),
                              [*keys, *compare, "import_run_id"])
    stored["order_date"] = pd.to_datetime(stored["order_date"].astype(str), format="%Y-%m-%d")
    stored["line"] = stored["line"].astype("int64")
    merged = classify(plan, incoming, stored, compare)
    # Writing in (customer, date) order keeps two of the table's three indexes appending
    # instead of jumping around: a large import is about a third faster on SQLite.
    plan.rows = merged[list(incoming.columns)].sort_values(["customer_id", "order_date"],
                                                          kind="stable")
    plan.references = sorted(incoming["company_code"].unique().tolist())
    return plan


def ensure_companies(session: Session, plan: Plan, now: datetime, dry_run: bool) -> list[str]:
    return companies.ensure_codes(session, plan.references, now, dry_run=dry_run)


ORDERS_KIND = ImportKind(
    spec=ORDERS, plan=plan_orders, table=ORDER_LINES, keys=ORDERS.keys,
    finish=ensure_companies, created_label="Neue Firmen", created_link=("Firmen", "/firmen"),
    after_link=("Zur Rückgewinnung (neu berechnet) →", "/rueckgewinnung"))
