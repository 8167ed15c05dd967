"""Stage 3 — intake: a folder of returned workbooks into one checked `Batch`.

`collect()` reads every return (`reading`), runs the checks (`checks`) and picks one
return per unit; the `Batch` is the one contract every later stage reads.
"""
from __future__ import annotations

from .folder import STATUS_LABELS, Batch, Progress, collect, source_rows
from .reading import OTHER_CHAIN, ReturnData

__all__ = ["STATUS_LABELS", "Batch", "Progress", "collect", "source_rows", "OTHER_CHAIN",
           "ReturnData"]
