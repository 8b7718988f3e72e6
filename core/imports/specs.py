"""What each import kind expects, declared as data (customers here; a module declares its own
kinds with the same FieldSpec table): fields, the column names recognised
without mapping (German header, English alias, a few common DMS spellings), the parser and
whether the field is required. The UI, the CLI, the validation and the README read this."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from core.imports import parsers
from core.imports.parsers import Parser

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # identifier, also the key in parsed rows and in --map FIELD=HEADER
    header: str  # German column name recognised without mapping
    alias: str  # English column name recognised without mapping
    label: str  # German label in the UI
    required: bool
    parser: Parser
    default: object = ""  # value of an empty optional cell
    synonyms: tuple[str, ...] = ()  # further spellings seen in DMS exports

    def names(self) -> tuple[str, ...]:
        return (self.header, self.alias, self.name, *self.synonyms)


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    label: str  # German, plural
    fields: tuple[FieldSpec, ...]
    keys: tuple[str, ...]  # upsert key: one row per key value
    sample: str  # file name in data/samples/

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)


_t = parsers.text
F = FieldSpec
CUSTOMERS = ImportSpec("customers", "Kunden", (
    F("customer_number", "Kundennummer", "customer_number", "Kundennummer", True, _t(40),
      synonyms=("Kunden-Nr", "Kundennr", "KdNr", "Kd-Nr")),
    F("first_name", "Vorname", "first_name", "Vorname", False, _t(100)),
    F("last_name", "Nachname", "last_name", "Nachname", False, _t(100), synonyms=("Name",)),
    F("company_name", "Firmenname", "company_name", "Firmenname", False, _t(200)),
    F("email", "E-Mail", "email", "E-Mail", False, parsers.email,
      synonyms=("Mail", "E-Mail-Adresse", "Emailadresse")),
    F("phone", "Telefon", "phone", "Telefon", False, parsers.phone(50),
      synonyms=("Telefonnummer", "Tel")),
    F("city", "Ort", "city", "Ort", False, _t(100), synonyms=("Stadt", "Wohnort")),
    F("country", "Land", "country", "Land", False, _t(60)),
    F("customer_group", "Kundengruppe", "customer_group", "Kundengruppe", False, _t(60)),
    F("marketing_consent", "Werbeeinwilligung", "marketing_consent",
      "Werbeeinwilligung (ja/nein/Widerspruch)", False, parsers.consent, default="no",
      synonyms=("Einwilligung", "Werbung")),
    F("tracking_consent", "Trackingeinwilligung", "tracking_consent",
      "Tracking-Einwilligung (ja/nein)", False, parsers.yes_no, default=False,
      synonyms=("Tracking",)),
), keys=("customer_number",), sample="kunden.csv")

def kinds() -> dict[str, ImportSpec]:
    """Every import kind's columns: the kernel's customers, then each registered module's."""
    from core import modules  # at call time: modules register after this file is imported

    return {CUSTOMERS.kind: CUSTOMERS} | {k.spec.kind: k.spec for k in modules.import_kinds()}


def spec_for(kind: str) -> ImportSpec:
    known = kinds()
    if kind not in known:
        raise ValueError(f"Unbekannte Importart „{kind}“ ({' oder '.join(known)}).")
    return known[kind]


def normalise(header: str) -> str:
    """Compare column names ignoring case, BOM, spaces, '-', '_' and '.': "E-Mail", "email"
    and " E_Mail " are the same column."""
    return re.sub(r"[\s\-_.\ufeff]", "", header).casefold()


def auto_mapping(kind: str, headers: list[str]) -> dict[str, str | None]:
    """Field name -> the file's header that holds it (first match), None if not found."""
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(normalise(header), header)
    return {f.name: next((by_name[normalise(n)] for n in f.names() if normalise(n) in by_name),
                         None)
            for f in spec_for(kind).fields}


def sample_path(kind: str) -> Path | None:
    """The bundled example file of an import kind (README and import page link to it)."""
    spec = kinds().get(kind)
    return SAMPLES / spec.sample if spec else None
