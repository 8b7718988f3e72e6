"""Counting a list's matches without counting a million rows.

A list shows how many rows match its filter. Counting every match of "all cases" at
1,000,000 cases scans the whole table on every page view; nobody pages past a thousand rows
(they search or filter instead). So lists count up to COUNT_CAP and say "mehr als 1.000"
beyond it: the count stops after COUNT_CAP + 1 matches, wherever they are."""
from __future__ import annotations

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

COUNT_CAP = 1000


def capped_count(session: Session, matching: Select) -> int:
    """How many rows `matching` (a SELECT with the list's FROM and WHERE) finds, but at most
    COUNT_CAP + 1, which means "more than COUNT_CAP"."""
    limited = matching.with_only_columns(literal(1)).order_by(None).limit(COUNT_CAP + 1)
    return session.scalar(select(func.count()).select_from(limited.subquery())) or 0


def count_label(total: int, one: str, many: str) -> str:
    """"1 Fall", "25 Fälle", "mehr als 1.000 Fälle" (German thousands separator)."""
    if total == 1:
        return f"1 {one}"
    if total > COUNT_CAP:
        return f"mehr als {COUNT_CAP:,} {many}".replace(",", ".")
    return f"{total:,} {many}".replace(",", ".")
