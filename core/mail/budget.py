"""The budget of one template render: time, loop iterations, calls and sizes.

Kept apart from the sandbox (core.mail.sandbox) that charges it: this part knows nothing of
Jinja. The budget of the running render lives in a ContextVar, so renders in different
threads never share one; an exceeded budget raises BudgetExceeded with a German sentence."""
from __future__ import annotations

import math
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from itertools import chain
from typing import Any

from jinja2.utils import Namespace

MAX_SECONDS = 2.0  # per template part
MAX_ITERATIONS = 100_000
MAX_CALLS = 20_000  # macros, functions, methods; a mail needs a few dozen
MAX_CHARS = 1024 * 1024  # output of one part, and any single value
MAX_ITEMS = 100_000  # entries of any list or dict a template builds
MAX_PRODUCED = 16 * MAX_CHARS  # everything one render builds, together
MAX_INT_DIGITS = 10_000
_MAX_INT_BITS = int(MAX_INT_DIGITS * math.log2(10))
SLACK_PER_FIELD = 400  # a formatted number never needs more characters than this



class BudgetExceeded(Exception):
    """A template needs more than one render may use; the message is one German sentence."""


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def too_complex(what: str) -> BudgetExceeded:
    return BudgetExceeded(f"Die Vorlage ist zu aufwendig: {what}.")


def _too_large() -> BudgetExceeded:
    return BudgetExceeded(f"Die Ausgabe wäre größer als {_number(MAX_CHARS // 1024)} KB.")


@dataclass
class Budget:
    """What the running render has used so far."""

    seconds: float
    deadline: float
    iterations: int = 0
    calls: int = 0
    produced: int = 0
    output: int = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            seconds = f"{self.seconds:g}".replace(".", ",")
            raise too_complex(f"die Berechnung dauert länger als {seconds} Sekunden")

    def step(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise too_complex(f"mehr als {_number(MAX_ITERATIONS)} Schleifendurchläufe")
        self.tick()

    def call(self) -> None:
        self.calls += 1
        if self.calls > MAX_CALLS:
            raise too_complex(f"mehr als {_number(MAX_CALLS)} Aufrufe von Makros oder "
                               f"Funktionen")
        self.tick()

    def produce(self, size: int) -> None:
        self.produced += size
        if self.produced > MAX_PRODUCED:
            raise too_complex(f"sie erzeugt insgesamt mehr als "
                               f"{_number(MAX_PRODUCED // 1024)} KB Text")

    def emit(self, size: int) -> None:
        self.output += size
        if self.output > MAX_CHARS:
            raise _too_large()
        self.tick()


_current: ContextVar[Budget | None] = ContextVar("kundenpilot_template_budget", default=None)


@contextmanager
def budget(seconds: float | None = None) -> Iterator[Budget]:
    """A fresh budget for the renders (and compiles) inside the block."""
    limit = MAX_SECONDS if seconds is None else seconds
    token = _current.set(Budget(seconds=limit, deadline=time.monotonic() + limit))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_budget() -> Budget:
    current = _current.get()
    if current is None:  # compile-time constant folding lands here and is simply not folded
        raise RuntimeError("templates render only inside core.mail.sandbox.budget()")
    return current


def checked_output(text: str) -> str:
    """`text` if it is within the output limit (after escaping, which can make it longer)."""
    if len(text) > MAX_CHARS:
        raise _too_large()
    return text


# --- sizes -----------------------------------------------------------------------------------

def weight(value: Any, limit: int = MAX_CHARS) -> int:
    """About how many characters str(value) has; stops counting once beyond `limit`
    (a list of many references to one long string is small in memory, huge as text)."""
    if isinstance(value, str | bytes | bytearray):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 5
    if isinstance(value, int):
        return value.bit_length() // 3 + 1
    if isinstance(value, Namespace):
        value = object.__getattribute__(value, "_Namespace__attrs")
    if isinstance(value, dict):
        items: Iterable[Any] = chain.from_iterable(value.items())
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return 64  # numbers, dates, ranges, Jinja objects: a short text
    total = 2
    for item in items:
        total += 2 + weight(item, limit - total)
        if total > limit:
            break
    return total


def limit_chars(size: int) -> None:
    if size > MAX_CHARS:
        raise _too_large()


def limit_items(count: int) -> None:
    if count > MAX_ITEMS:
        raise too_complex(f"eine Liste hätte mehr als {_number(MAX_ITEMS)} Einträge")


def limit_int(bits: float) -> None:
    if bits > _MAX_INT_BITS:
        raise too_complex(f"eine Zahl hätte mehr als {_number(MAX_INT_DIGITS)} Stellen")


def checked(value: Any) -> Any:
    """`value` if it is within the size limits; its size counts as produced."""
    if isinstance(value, int) and not isinstance(value, bool):
        limit_int(value.bit_length())
        size = value.bit_length() // 3
    elif isinstance(value, list | tuple | dict | set | frozenset):
        limit_items(len(value))
        size = weight(value, MAX_CHARS + 1)
    else:
        size = weight(value, MAX_CHARS + 1) if isinstance(value, str | bytes | bytearray) else 0
    limit_chars(size)
    current_budget().produce(size)
    return value


def materialized(value: Any) -> Any:
    """A lazy sequence (map, select, batch) as a list, counting its entries on the way."""
    if not isinstance(value, Iterator):
        return value
    items = []
    for item in value:
        items.append(item)
        limit_items(len(items))
    return items


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- operators -------------------------------------------------------------------------------
