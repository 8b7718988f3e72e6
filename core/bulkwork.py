"""Bulk work without the cyclic garbage collector: a recompute, an import or a detection run
builds millions of small tuples, none of which form reference cycles, and the collector would
walk the growing heap again and again while they pile up (measured: a third of the time a
recompute spends reading its rows). Reference counting still frees everything; the collector
runs again afterwards."""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector for the block (if another thread's block ends first, it
    simply runs again sooner: only speed depends on it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
