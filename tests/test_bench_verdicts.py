"""benchmarks/bench_intake.py judges its rows against issue 17's points: each point holds or
fails on the numbers given (a run is judged, never timed, here)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
bench = pytest.importorskip("bench_intake")


def _row(n, shape="own", floor=1.0, pandas=30.0, check=2.0, run=4.0, check_pss=100.0, run_pss=250.0):
    return {"n": n, "shape": shape, "floor": floor, "pandas": pandas, "check": check, "run": run,
            "check_mb": 0.0, "run_mb": 0.0, "check_pss": check_pss, "run_pss": run_pss}


def test_rows_that_meet_every_point_hold():
    rows = [_row(1000), _row(1000, "other"), _row(10000, floor=10.0, pandas=float("nan"), check=20.0, run=40.0,
                                                  check_pss=500.0, run_pss=900.0)]
    judged = bench.verdicts(rows)
    assert judged and all(held for _, held in judged)
    assert len(judged) == 2 + 2 + 3 + 4            # pandas not measured at 10,000: no run ÷ pandas there


@pytest.mark.parametrize("change, point", [
    ({"check": 2.6}, "own 1,000: check 2.60x"),
    ({"run": 5.1}, "own 1,000: run 0.170 of pandas"),
])
def test_a_slow_thousand_fails_its_point(change, point):
    judged = dict(bench.verdicts([_row(1000, **change)]))
    assert [p for p, held in judged.items() if not held] == [next(p for p in judged if p.startswith(point))]


@pytest.mark.parametrize("change, failed", [
    ({"check": 30.5}, ["check 30.5 s", "check grew 15.2x"]),
    ({"run": 61.0}, ["run 61.0 s", "run grew 15.2x"]),
    ({"run_pss": 954.0}, ["run PSS 954 MiB"]),
    ({"run_pss": 0.0}, ["run PSS 0 MiB"]),          # no PSS read: not shown to hold
    ({"check_pss": 1000.0}, ["check PSS grew 10.0x"]),
])
def test_ten_thousand_fails_on_time_memory_or_growth(change, failed):
    big = {"floor": 10.0, "pandas": float("nan"), "check": 20.0, "run": 40.0, "check_pss": 500.0, "run_pss": 900.0}
    judged = bench.verdicts([_row(1000, check=2.0, run=4.0), _row(10000, **{**big, **change})])
    failing = [point for point, held in judged if not held]
    assert len(failing) == len(failed)
    assert all(any(point.startswith(f"own 10,000: {words}") for point in failing) for words in failed)
