"""Checking a read table against an import kind: every bad cell becomes a RowError with the
file's line number, the column as written in the file, the value and a German reason."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.imports.parsers import CONTROL
from core.imports.reading import Table
from core.imports.specs import FieldSpec, ImportSpec, auto_mapping, spec_for

HEADER_LINE = 1
LINE = "_line"  # column of the parsed frame holding the file line number


@dataclass(frozen=True)
class RowError:
    line: int  # line in the file, header = 1
    column: str  # header as written in the file (or the expected header if unmapped)
    value: str
    reason: str  # German

    @property
    def text(self) -> str:
        """One line for the console: control characters in the value made visible."""
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "…"
        shown = re.sub(CONTROL, lambda m: repr(m.group())[1:-1], shown)
        return f"Zeile {self.line}, Spalte {self.column}, Wert '{shown}': {self.reason}"


@dataclass
class Report:
    """The outcome of `validate`: `frame` holds the valid rows, parsed, plus their line."""

    kind: str
    rows_total: int
    mapping: dict[str, str | None]
    frame: pd.DataFrame
    errors: list[RowError] = field(default_factory=list)
    fatal: bool = False  # a mapping problem: no row can be imported

    @property
    def valid_count(self) -> int:
        return len(self.frame)

    @property
    def invalid_count(self) -> int:
        return self.rows_total - self.valid_count

    @property
    def valid_rows(self) -> list[dict]:
        """The valid rows as dicts of field name -> parsed value (dates as datetime.date)."""
        frame = self.frame.drop(columns=[LINE])
        columns = {name: _python_values(frame[name]) for name in frame.columns}
        return [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(),
                                                                         strict=True)]


def _python_values(column: pd.Series) -> list:
    if pd.api.types.is_datetime64_any_dtype(column):
        return list(column.dt.date)
    return column.tolist()


def _mapping_errors(spec: ImportSpec, table: Table,
                    mapping: dict[str, str | None]) -> list[RowError]:
    errors = []
    for f in spec.fields:
        header = mapping.get(f.name)
        if header is None and f.required:
            errors.append(RowError(HEADER_LINE, f.header, "", f"Pflichtspalte „{f.label}“ "
                                   "fehlt – bitte einer Spalte der Datei zuordnen"))
        elif header is not None and header not in table.headers:
            errors.append(RowError(HEADER_LINE, header, "", f"Spalte gibt es in der Datei nicht "
                                   f"(zugeordnet für „{f.label}“)"))
    return errors


def _parse_column(f: FieldSpec, raw: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse one column via its distinct values (a DMS export repeats dates, branches and
    customer numbers a lot), then spread values and reasons back over the rows."""
    codes, uniques = pd.factorize(raw, sort=False)
    stripped = pd.Series(uniques, dtype=object).str.strip()
    empty = (stripped == "").to_numpy(dtype=bool)
    values, reasons = f.parser(stripped.where(~empty, "0").astype(str))
    if f.required:
        reasons = np.where(empty, "Pflichtfeld ist leer", reasons)
    else:
        values = values.astype(object).where(~empty, f.default)
        reasons = np.where(empty, "", reasons)
    return values.take(codes).reset_index(drop=True), reasons[codes]


def _duplicates(spec: ImportSpec, table: Table, mapping: dict[str, str | None],
                frame: pd.DataFrame, ok: np.ndarray) -> list[RowError]:
    """A key seen earlier in the file: the later line is the error."""
    keys = list(spec.keys)
    candidates = frame.loc[ok, keys + [LINE]]
    later = candidates.duplicated(subset=keys, keep="first")
    if not later.any():
        return []
    first = candidates.groupby(keys, sort=False)[LINE].transform("first")
    column = mapping[keys[-1]]
    raw = table.column(column)
    label = " / ".join(spec.field(k).label for k in keys)
    return [RowError(int(line), column, str(raw.iloc[pos]),
                     f"{label} kommt in der Datei mehrfach vor (zuerst in Zeile {int(seen)})")
            for pos, line, seen in zip(np.flatnonzero(ok)[later.to_numpy()],
                                       candidates.loc[later, LINE], first[later], strict=True)]


def validate(kind: str, table: Table, mapping: dict[str, str | None] | None = None) -> Report:
    """Parse and check every mapped column; `mapping` (field -> header, None = not imported)
    defaults to the automatic one. Raises ValueError for unknown field names."""
    spec = spec_for(kind)
    mapping = dict(auto_mapping(kind, table.headers) if mapping is None else mapping)
    unknown = sorted(set(mapping) - {f.name for f in spec.fields})
    if unknown:
        raise ValueError("Unbekannte Felder in der Zuordnung: " + ", ".join(unknown)
                         + " (erlaubt: " + ", ".join(f.name for f in spec.fields) + ")")
    mapping = {f.name: mapping.get(f.name) or None for f in spec.fields}
    total = len(table.frame)
    errors = _mapping_errors(spec, table, mapping)
    lines = table.lines
    if errors:
        empty = pd.DataFrame({LINE: pd.Series([], dtype="int64")})
        return Report(kind, total, mapping, empty, errors, fatal=True)
    columns: dict[str, pd.Series] = {LINE: pd.Series(lines, dtype="int64")}
    bad = np.zeros(total, dtype=bool)
    for line, count in table.ragged:
        errors.append(RowError(int(line), "", "", f"{count} Felder statt {len(table.headers)} "
                               "– Trennzeichen im Text? Solche Felder in Anführungszeichen "
                               "setzen"))
    bad |= np.isin(lines, [line for line, _count in table.ragged])
    for f in spec.fields:
        header = mapping[f.name]
        if header is None:
            continue
        raw = table.column(header)
        values, reasons = _parse_column(f, raw)
        failed = reasons != ""
        bad |= failed
        errors.extend(RowError(int(lines[i]), header, str(raw.iloc[i]), str(reasons[i]))
                      for i in np.flatnonzero(failed))
        columns[f.name] = values
    frame = pd.DataFrame(columns)
    duplicates = _duplicates(spec, table, mapping, frame, ~bad)
    if duplicates:
        bad |= np.isin(lines, [e.line for e in duplicates])
        errors.extend(duplicates)
    errors.sort(key=lambda e: e.line)  # stable: columns stay in field order within a line
    return Report(kind, total, mapping, frame[~bad].reset_index(drop=True), errors)
