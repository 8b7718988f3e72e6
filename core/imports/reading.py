"""Reading a CSV export into a table of strings, the way German Excel and DMS systems write it.

Encoding: UTF-8 (with or without BOM), UTF-16 (Excel "Unicode-Text") or cp1252 – strict UTF-8
is tried first because cp1252 accepts almost any byte sequence. Separator: ';', ',' or TAB,
sniffed on the header line. Every row keeps its line number in the file (header = line 1),
so the validation report points at the line the user sees in an editor."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import ValidationError

DELIMITERS = (";", ",", "\t")
_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


class UnreadableFile(ValidationError):
    """The bytes are no CSV table we can read; str(exc) is the German message."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


class Rows(Sequence):
    """The data rows as lists of strings, materialised only when asked for: a million-line
    export stays one DataFrame, while `table.rows[:5]` gives a cheap preview."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def __len__(self) -> int:
        return len(self._frame)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [list(row) for row in self._frame.iloc[index].itertuples(index=False)]
        return list(self._frame.iloc[index])

    def __iter__(self) -> Iterator[list[str]]:
        for row in self._frame.itertuples(index=False):
            yield list(row)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)


@dataclass
class Table:
    """A CSV file as strings. `frame` has one column per header position (0, 1, …) so that
    duplicate header names stay apart; `lines` holds each row's line number in the file;
    `ragged` lists (line, field count) of rows with more fields than the header."""

    headers: list[str]
    frame: pd.DataFrame
    encoding: str
    delimiter: str
    lines: np.ndarray
    ragged: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rows(self) -> Rows:
        return Rows(self.frame)

    def column(self, header: str) -> pd.Series | None:
        """The first column with this header (as written in the file), None if absent."""
        try:
            return self.frame[self.headers.index(header)]
        except ValueError:
            return None


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding that read it; UnreadableFile when none does."""
    if not data.strip():
        raise UnreadableFile("Die Datei ist leer.")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).lstrip("\ufeff"), encoding
            except UnicodeDecodeError:
                raise UnreadableFile(f"Die Datei ist als {encoding} gekennzeichnet, enthält "
                                     "aber ungültige Zeichen.") from None
    if b"\x00" in data:
        raise UnreadableFile("Das ist keine CSV-Datei (Binärdaten, z. B. eine Excel-Mappe). "
                             "Bitte in Excel „Speichern unter → CSV (Trennzeichen-getrennt)“ "
                             "wählen.")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("Die Zeichenkodierung der Datei ist unbekannt (erwartet UTF-8 oder "
                         "Windows-1252).")


def sniff_delimiter(text: str) -> str:
    """The separator used most often in the header line (';' when there is none)."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _physical_lines(text: str) -> int:
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    return breaks + (0 if text.endswith(("\n", "\r")) else 1)


def _fast(text: str, delimiter: str) -> pd.DataFrame | None:
    """pandas' C parser; None when a row has extra fields or a quoted field spans lines,
    because then its record numbers are no longer the file's line numbers."""
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                            na_filter=False, skip_blank_lines=False, quotechar='"',
                            engine="c")
    except pd.errors.ParserError:
        return None
    return frame if len(frame) == _physical_lines(text) else None


def _exact(text: str, delimiter: str) -> tuple[list[list[str]], list[int], list[tuple[int, int]]]:
    """The slow, exact path (csv module): line numbers of multi-line records and rows with
    more fields than the header, which pandas can only refuse as a whole."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records, starts, ragged = [], [], []
    start = 1
    for record in reader:
        records.append(record)
        starts.append(start)
        start = reader.line_num + 1
    width = len(records[0]) if records else 0
    rows = []
    for record, line in zip(records, starts, strict=True):
        if len(record) > width:
            ragged.append((line, len(record)))
        rows.append((record + [""] * width)[:width])
    return rows, starts, ragged


def read_table(data: bytes) -> Table:
    """Parse an uploaded/exported CSV file. Blank rows (also ';;;;' rows Excel leaves at the
    end) are dropped; the remaining rows keep their file line numbers."""
    text, encoding = decode(data)
    delimiter = sniff_delimiter(text)
    frame = _fast(text, delimiter)
    ragged: list[tuple[int, int]] = []
    if frame is not None:
        lines = np.arange(1, len(frame) + 1)
    else:
        rows, starts, ragged = _exact(text, delimiter)
        frame = pd.DataFrame(rows, dtype=str) if rows else pd.DataFrame()
        lines = np.asarray(starts)
    if frame.empty or frame.shape[1] == 0:
        raise UnreadableFile("Die Datei ist leer.")
    headers = [str(h).strip().lstrip("\ufeff").strip() for h in frame.iloc[0]]
    body = frame.iloc[1:].reset_index(drop=True)
    body.columns = range(body.shape[1])
    lines = lines[1:]
    filled = (body != "").any(axis=1).to_numpy()
    ragged_lines = {line for line, _count in ragged}
    keep = filled | np.isin(lines, list(ragged_lines))
    return Table(headers=headers, frame=body[keep].reset_index(drop=True), encoding=encoding,
                 delimiter=delimiter, lines=lines[keep], ragged=ragged)
