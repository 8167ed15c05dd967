"""youyi-xl: collect, check, score and report the county's 招商引资和项目建设 returns."""
from __future__ import annotations

__version__ = "0.1.0"
