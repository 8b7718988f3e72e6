"""`python app.py import customers|orders FILE [--dry-run] [--valid-only] [--map FIELD=HEADER]`:
the import as an operator runs it from a script. app.py parses the arguments, reads the clock
(`now`) and prints."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from core.db import Database
from core.imports.importer import run_import
from core.imports.specs import normalise, spec_for

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2


@dataclass
class Outcome:
    code: int
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def parse_map(kind: str, items: list[str]) -> dict[str, str]:
    """["Kundennummer=KdNr", "net_amount=Betrag"] -> field name -> header. The left side may
    be the field name, its German header or its English alias. ValueError (German) if not."""
    spec = spec_for(kind)
    names = {normalise(n): f.name for f in spec.fields for n in (f.name, f.header, f.alias)}
    mapping: dict[str, str] = {}
    for item in items:
        left, sep, header = item.partition("=")
        if not sep or not left.strip() or not header.strip():
            raise ValueError(f"--map „{item}“: bitte als FELD=SPALTE angeben.")
        name = names.get(normalise(left))
        if name is None:
            raise ValueError(f"--map „{item}“: Feld „{left.strip()}“ gibt es nicht; möglich: "
                             + ", ".join(f.name for f in spec.fields))
        mapping[name] = header.strip()
    return mapping


def run_file(db: Database, kind: str, path: Path, map_items: list[str], *,
             now: datetime, dry_run: bool = False, valid_only: bool = False,
             actor: str = "cli") -> Outcome:
    """Import `path` and describe the outcome in German; exit code 0 when the file was
    imported (or a dry run found no errors), 1 when rows were refused and nothing imported."""
    try:
        mapping = parse_map(kind, map_items)
    except ValueError as exc:
        return Outcome(EXIT_USAGE, err=[str(exc)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        return Outcome(EXIT_REFUSED, err=[f"Datei kann nicht gelesen werden: {path} "
                                          f"({exc.strerror or exc})"])
    try:
        result = run_import(db, kind, data, mapping=mapping, dry_run=dry_run,
                            valid_only=valid_only, actor=actor, now=now)
    except ValueError as exc:  # unreadable file (UnreadableFile) or unusable mapping
        return Outcome(EXIT_REFUSED, err=[str(exc)])
    out = result.lines()
    if result.errors:
        out.append(f"Fehler ({len(result.errors)}):")
        out.extend("  " + error.text for error in result.errors)
    if result.mapping_problem:
        out.append("Spalten mit anderem Namen so zuordnen: --map FELD=SPALTE, z. B. "
                   "--map Kundennummer=KdNr")
    elif result.refused and not result.dry_run:
        out.append("Fehler beheben und erneut importieren – oder mit --valid-only nur die "
                   "gültigen Zeilen übernehmen.")
    return Outcome(EXIT_REFUSED if result.refused else EXIT_OK, out=out)
