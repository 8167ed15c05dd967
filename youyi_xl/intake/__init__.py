"""Stage 3 — intake: a folder of returned workbooks into one checked `Batch`.

`collect()` (`folder`) reads every return (`reading`, `rows`), runs the checks (`checks`)
and picks one return per unit; the `Batch` (`batch`) with its `ReturnData` and records
(`returndata`) is the one contract every later stage reads. `verdict` says when a batch cannot
be the period's at all (none found, another period's), so that nothing is written.
"""
from __future__ import annotations

from ..core import STATUS_LABELS
from .batch import Batch, row_columns
from .checks import RETURN_CHECKS, check_batch, check_return
from .folder import Progress, check_period, collect, find_files
from .reading import read_return
from .returndata import ReturnData, TableRead
from .rows import OTHER_CHAIN
from .verdict import period_outside_plan, refusal

__all__ = ["STATUS_LABELS", "Batch", "row_columns", "RETURN_CHECKS", "check_batch", "check_return",
           "Progress", "check_period", "collect", "find_files", "read_return", "ReturnData", "TableRead", "OTHER_CHAIN",
           "period_outside_plan", "refusal"]
