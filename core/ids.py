"""Record ids that arrive from outside (URL paths, API bodies), bounded to what the database
can hold. The keys are INTEGER columns: 32 bits on PostgreSQL (binding a larger number fails
there with "integer out of range"), 64 on SQLite, where the sequence never gets near 2**31.
A larger id cannot name any record; lookups ask `in_range` first and treat anything else as
"not found"."""
from __future__ import annotations

MIN_ID = 1
MAX_ID = 2**31 - 1  # PostgreSQL INTEGER, the smaller of the two


def in_range(value: object) -> bool:
    """True for an int (not bool) that can be the primary key of a stored row."""
    return isinstance(value, int) and not isinstance(value, bool) and MIN_ID <= value <= MAX_ID
