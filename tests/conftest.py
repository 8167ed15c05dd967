"""Shared fixtures: the shipped plan, and a helper that writes a small return workbook.

`make_return(folder, unit, period, projects=[...], key_projects=[...], planned=[...],
summary={...}, plan=plan)` writes `folder/{unit}-{period}.xlsx` laid out like the
generated form (封面 + four tables, headers from youyi_xl.core.schema, via tests/builders.py).
Rows are dicts keyed by schema column keys. Nothing is written by default: a test
states every row it relies on. With `plan`, the 指标汇总 年度目标 cells hold the
plan's targets (so no target-changed warning unless `targets` says otherwise).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

import pytest

from builders import write_return
from shipped import KEYS
from youyi_xl.core.period import Period
from youyi_xl.plan.attachments import Plan, load_plan


@pytest.fixture(scope="session")
def plan() -> Plan:
    """The plan of the shipped attachment templates."""
    return load_plan()


def return_file(folder: str | Path, unit: str, period: str | Period = "2022-03", *,
                projects: Iterable[Mapping] = (), key_projects: Iterable[Mapping] = (),
                planned: Iterable[Mapping] = (), summary: Mapping[str, Any] | None = None,
                targets: Mapping[str, Any] | None = None, plan: Plan | None = None,
                name: str | None = None, **layout: Any) -> Path:
    """Write one return workbook; `layout` goes to builders.write_return (title_rows, order ...)."""
    period = Period.parse(period)
    written = dict(targets or {})
    if plan is not None and plan.unit(unit) is not None:
        canonical = plan.unit(unit).name
        written = {**{k: plan.target(canonical, k) for k in KEYS}, **written}
    path = Path(folder) / (name or f"{unit}-{period.key}.xlsx")
    return write_return(path, unit=unit, period=period.label, fill_date=period.end + dt.timedelta(days=5),
                        projects=list(projects), key_projects=list(key_projects), planned=list(planned),
                        summary=dict(summary or {}), targets=written, **layout)


@pytest.fixture
def make_return():
    """The `return_file` helper, as a fixture."""
    return return_file


@pytest.fixture(scope="session")
def examples_written(tmp_path_factory, worker_id) -> dict[str, list[Path]]:
    """The example returns as examples/make_examples.py writes them (seed 2022, both periods),
    generated once per test run — the first test worker writes them, the others wait — and
    shared, read-only, by the modules that check them."""
    import importlib.util
    import time

    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent
    target, lock, done = root / "examples-shared", root / "examples-shared.lock", root / "examples-shared.done"
    try:
        os.close(os.open(lock, os.O_CREAT | os.O_EXCL))
        script = Path(__file__).resolve().parents[1] / "examples" / "make_examples.py"
        spec = importlib.util.spec_from_file_location("make_examples", script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.make(target)
        done.touch()
    except FileExistsError:
        deadline = time.monotonic() + 600
        while not done.exists():
            assert time.monotonic() < deadline, "the examples were not written by the other worker"
            time.sleep(0.2)
    return {period.name: sorted(period.glob("*.xlsx")) for period in sorted(target.iterdir())}
