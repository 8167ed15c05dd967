"""Work on many long-lived objects without Python's cyclic garbage collector in the way."""
from __future__ import annotations

import functools
import gc
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def without_cyclic_gc(function: F) -> F:
    """Run `function` with the cyclic collector paused. A stage that builds a batch of 10,000
    returns (millions of records, strings and tuples, none of them garbage) triggered full
    collections that each walked every object made so far, which made collect, load_plan and
    evaluate super-linear in the number of returns. Everything these stages drop is freed by
    reference counting; the collector runs again when the outermost call returns."""

    @functools.wraps(function)
    def paused(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused  # type: ignore[return-value]


def frozen_cyclic_gc(function: F) -> F:
    """Run `function` with the cyclic collector paused and every object made so far frozen
    (`gc.freeze`): `collect_new()` inside it then walks only the objects made since — cheap
    beside a batch of millions — and a forked child that collects never writes the collector's
    header of an object it shares with its parent (which would copy the object's page into it).
    Writers whose objects form cycles (xlsxwriter's workbook, python-docx's document: freed only
    by the collector) call `collect_new()` when they are done. Unfrozen when `function` returns —
    unless the caller had frozen objects already (a server that freezes before it forks): unfreezing
    would thaw theirs too, so they stay frozen with what was made here."""

    @functools.wraps(function)
    def frozen(*args: Any, **kwargs: Any) -> Any:
        enabled, earlier = gc.isenabled(), gc.get_freeze_count()
        gc.disable()
        gc.freeze()
        try:
            return function(*args, **kwargs)
        finally:
            if not earlier:
                gc.unfreeze()
            if enabled:
                gc.enable()

    return frozen  # type: ignore[return-value]


def collect_new() -> None:
    """Free the cyclic garbage made since the objects were frozen (`frozen_cyclic_gc`); with the
    collector running as usual, nothing to do (it frees cycles itself)."""
    if not gc.isenabled() and gc.get_freeze_count():
        gc.collect()


def release_free_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`); False where there
    is no such call (Windows, macOS, musl): nothing is done there, and nothing depends on it.
    Called before a fork: a free page the parent keeps is shared with the child, and whichever of
    the two allocates in it first copies it while the other keeps the original — two pages where
    one taken fresh is one. At 10,000 returns 24 MB before the ledgers' fork."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)             # 1 when pages went back, 0 when there were none to give
    return True


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (no C library found, or one without it)."""
    import ctypes
    import ctypes.util

    try:
        name = ctypes.util.find_library("c")
        return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except (OSError, AttributeError, TypeError, ValueError):
        return None
