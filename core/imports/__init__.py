"""Importing DMS/ERP CSV exports (customers; each module's kinds, e.g. order lines): read ->
map columns -> validate -> upsert all-or-nothing (or valid rows only). The import page and
`python app.py import` call these functions; see README "DMS-Export importieren"."""
from core.imports.importer import ImportResult, kind_for, kinds, run_import
from core.imports.reading import Table, UnreadableFile, read_table
from core.imports.specs import FieldSpec, ImportSpec, auto_mapping, sample_path
from core.imports.validation import Report, RowError, validate

__all__ = [
    "FieldSpec", "ImportResult", "ImportSpec", "Report", "RowError", "Table", "UnreadableFile",
    "auto_mapping", "kind_for", "kinds", "read_table", "run_import", "sample_path", "validate",
]
