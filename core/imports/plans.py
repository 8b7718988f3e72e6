"""What an import would change: the valid rows compared with the database, split into new,
changed and unchanged rows, ready for one upsert. The customers' rules (consent, objection)
live here; a module's own import kinds plan their rows with the same helpers
(core.modules.ImportKind.plan)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.imports import writing
from core.imports.validation import Report, RowError
from core.models import Customer

CUSTOMERS = Customer.__table__


@dataclass
class Plan:
    """Rows to write (new and changed) and the counts; `errors` are problems only the
    database can reveal (unknown customer numbers), their rows are already left out."""

    table: object
    keys: tuple[str, ...]
    rows: pd.DataFrame
    update: list[str]
    keep_first: list[str] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Values other rows must exist for (win-back: the order lines' company codes); the kind's
    # finish step creates the missing ones (core.modules.ImportKind.finish).
    references: list[str] = field(default_factory=list)
    constants: dict[str, object] = field(default_factory=dict)  # same value in every row
    # The changed rows as they are stored now (keys, written columns, import_run_id): what an
    # unfinished import restores (core.imports.runs).
    undo: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def written(self) -> list[str]:
        return [*self.update, *self.keep_first]


def classify(plan: Plan, incoming: pd.DataFrame, stored: pd.DataFrame,
              compare: list[str], extra_change: pd.Series | None = None) -> pd.DataFrame:
    """Fill the counts; returns the merged frame restricted to new and changed rows."""
    keys = list(plan.keys)
    merged = incoming.merge(stored, on=keys, how="left", suffixes=("", "_db"),
                            indicator=True)
    new = (merged["_merge"] == "left_only").to_numpy()
    differs = np.array(writing.changed(merged, compare), dtype=bool)
    if extra_change is not None:
        differs |= np.array(extra_change, dtype=bool)
    differs &= ~new
    plan.inserted, plan.updated = int(new.sum()), int(differs.sum())
    plan.unchanged = len(merged) - plan.inserted - plan.updated
    plan.undo = _old_values(plan, merged[differs])
    return merged[new | differs]


NEW = "__new"  # suffix of the value the import writes, beside the old one in Plan.undo


def _old_values(plan: Plan, changed: pd.DataFrame) -> pd.DataFrame:
    """Keys, old and new value of every written column (a keep_first column keeps an old
    value that is set), and the old import_run_id, for each changed row."""
    columns = {key: changed[key] for key in plan.keys}
    for name in plan.written:
        old = changed[name + "_db"] if name + "_db" in changed else changed[name]
        new = changed[name]
        if name in plan.keep_first:
            new = old.where(old.notna(), new)
        columns[name], columns[name + NEW] = old, new
    columns["import_run_id"] = changed["import_run_id"]
    return pd.DataFrame(columns).reset_index(drop=True)


def customers(session: Session, report: Report, now: datetime) -> Plan:
    mapped = [name for name, header in report.mapping.items() if header is not None]
    values = [n for n in mapped if n not in ("customer_number", "marketing_consent")]
    incoming = report.frame[["customer_number", *values]].copy()
    plan = Plan(CUSTOMERS, ("customer_number",), incoming, update=list(values))
    consent = "marketing_consent" in mapped
    if consent:
        incoming["marketing_consent"] = (report.frame["marketing_consent"] == "yes").to_numpy()
        objected = (report.frame["marketing_consent"] == "objection").to_numpy()
        # An objection is kept with the date it first arrived; the import never lifts one
        # (only the customer's own new consent should, not a stale DMS field).
        incoming["opted_out_at"] = pd.Series(np.where(objected, now, None), dtype=object)
        plan.update.append("marketing_consent")
        plan.keep_first.append("opted_out_at")
    compare = [c for c in incoming.columns if c not in ("customer_number", "opted_out_at")]
    stored = writing.existing(session, CUSTOMERS, "customer_number",
                              incoming["customer_number"].unique(),
                              ["customer_number", *compare, "opted_out_at", "import_run_id"])
    extra = None
    if consent:
        extra = pd.Series(objected) & stored.set_index("customer_number")["opted_out_at"] \
            .reindex(incoming["customer_number"]).isna().reset_index(drop=True)
    merged = classify(plan, incoming, stored, compare, extra)
    plan.rows = merged[list(incoming.columns)]
    plan.constants = {"created_at": now}
    return plan
