"""Realistic sample returns for the demo, the examples, the tests and the benchmarks."""
from __future__ import annotations

from .samples import write_sample_returns

__all__ = ["write_sample_returns"]
