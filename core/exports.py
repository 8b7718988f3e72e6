"""The list exports a user can download: one table of formats, the same rows in each."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from core.csvexport import to_csv_bytes
from core.xlsxexport import to_xlsx_bytes


@dataclass(frozen=True)
class ExportFormat:
    key: str  # also the file extension
    label: str  # on the button
    media_type: str
    write: Callable[[Sequence[str], Iterable[Sequence[object]], str], bytes]


FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("csv", "CSV", "text/csv", to_csv_bytes),
    ExportFormat("xlsx", "Excel",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 to_xlsx_bytes),
)}


def export_format(key: str) -> ExportFormat:
    if key not in FORMATS:
        raise ValueError(f"Unbekanntes Exportformat „{key}“ (erlaubt: {', '.join(FORMATS)}).")
    return FORMATS[key]


def write(key: str, header: Sequence[str], rows: Iterable[Sequence[object]],
          timezone: str) -> bytes:
    """The file in format `key` (csv or xlsx)."""
    return export_format(key).write(header, rows, timezone)
