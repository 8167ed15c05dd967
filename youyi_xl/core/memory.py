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
