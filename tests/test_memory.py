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


def _recording(module, name, seen, monkeypatch):
    original = getattr(module, name)

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, spy)


def test_the_batch_stages_run_with_the_collector_paused(tmp_path, monkeypatch):
    """collect, load_plan and evaluate are the stages that build a whole batch."""
    from builders import write_return

    import youyi_xl.evaluation.scoring as scoring
    import youyi_xl.intake.folder as folder
    import youyi_xl.plan.attachments as attachments

    seen: list[bool] = []
    _recording(folder, "find_files", seen, monkeypatch)
    _recording(scoring, "county_records", seen, monkeypatch)
    _recording(attachments, "read_rulebook", seen, monkeypatch)
    plan = load_plan()
    write_return(tmp_path / "友谊镇.xlsx", unit="友谊镇")
    evaluate(collect(tmp_path, "2022-03", plan), plan)
    assert seen == [False, False, False] and gc.isenabled()


def test_the_outputs_are_written_with_the_collector_paused(tmp_path, monkeypatch):
    """The writers (成绩单, documents) run paused too, and the collector is back afterwards."""
    from builders import write_return

    import youyi_xl.outputs as outputs
    from youyi_xl import run

    seen: list[bool] = []
    _recording(outputs, "write_scorecard", seen, monkeypatch)
    _recording(outputs, "write_result_json", seen, monkeypatch)
    write_return(tmp_path / "in" / "友谊镇.xlsx", unit="友谊镇")
    run(tmp_path / "in", "2022-03", out=tmp_path / "out")
    assert seen == [False, False] and gc.isenabled()
