"""Record ids that arrive from outside (URL paths, API bodies), bounded to what the database
can hold. SQLite and PostgreSQL keep integer keys in 64 bits; a larger id cannot name any
record, and binding it raises OverflowError deep in the driver. Lookups ask `in_range` first
and treat anything else as "not found"."""
from __future__ import annotations

MIN_ID = 1
MAX_ID = 2**63 - 1  # signed 64-bit: SQLite INTEGER, PostgreSQL BIGINT


def in_range(value: object) -> bool:
    """True for an int (not bool) that can be the primary key of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_ID <= value <= MAX_ID
