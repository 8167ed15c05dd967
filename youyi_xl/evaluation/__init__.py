"""Stage 4 — evaluation: indicators, 序时完成率, points, ranks; the history across periods."""
from __future__ import annotations

from .history import compare as compare_history
from .history import copy_history, unit_history
from .history import record as record_history
from .history import rerun as compare_rerun
from .scoring import Result, evaluate
from .views import behind, lag_reason, ranking_frame

__all__ = ["unit_history", "compare_history", "compare_rerun", "copy_history", "record_history", "Result", "evaluate", "behind",
           "lag_reason", "ranking_frame"]
