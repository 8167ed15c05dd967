"""The shipped 2022 友谊县 plan and its indicators, for tests that need them by key.

The indicators are declared in templates/考核细则.xlsx (指标设置); there is no Python list of them.
"""
from __future__ import annotations

from youyi_xl.plan import load_plan

PLAN = load_plan()
INDICATORS = PLAN.indicators
KEYS = tuple(i.key for i in INDICATORS)
BY_KEY = {i.key: i for i in INDICATORS}
SETTINGS = PLAN.settings
RULES = PLAN.rules


def summary_label(key: str) -> str:
    """The 指标 cell of an indicator's 指标汇总 row: 招商签约项目(个)."""
    return BY_KEY[key].summary_label
