"""Realistic sample returns for the demo, the examples, the tests and the benchmarks.

* `filling` — typing values into a generated form, as a unit would (`fill_form`);
* `values` — what units type: one unit's varied values, or a plausible year for every unit;
* `mistakes` — the deliberate mistakes, each with the issue code it must give;
* `samples` — writing a period's folder of returns (`write_sample_returns`), and big batches;
* `large` — a large plan for the benchmarks.
"""
from __future__ import annotations

from .filling import fill_form
from .large import make_large_plan
from .mistakes import MISTAKES, Mistake
from .samples import expected_issues, missing_units, write_large_batch, write_sample_returns
from .values import own_summary, realistic_returns, sample_return

__all__ = ["fill_form", "make_large_plan", "MISTAKES", "Mistake", "expected_issues", "missing_units",
           "write_large_batch", "write_sample_returns", "own_summary", "realistic_returns",
           "sample_return"]
