"""The stages that build a whole batch pause the cyclic garbage collector, and always resume it."""
from __future__ import annotations

import gc

import pytest

from youyi_xl import collect, evaluate, load_plan
from youyi_xl.core import without_cyclic_gc


def test_paused_inside_resumed_after_even_on_an_error():
    seen = []

    @without_cyclic_gc
    def inner():
        seen.append(gc.isenabled())

    @without_cyclic_gc
    def outer(fail):
        inner()
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("boom")

    assert gc.isenabled()
    outer(False)
    with pytest.raises(ValueError):
        outer(True)
    assert seen == [False, False, False, False] and gc.isenabled()


def test_a_collector_paused_by_the_caller_stays_paused():
    gc.disable()
    try:
        without_cyclic_gc(lambda: None)()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("stage", [collect, evaluate, load_plan])
def test_the_batch_stages_are_the_paused_ones(stage):
    assert stage.__wrapped__ is not None        # functools.wraps of without_cyclic_gc
