"""How each indicator is counted from the records of a return (DOMAIN §4.1), in one place.

Used by the intake (to compare a unit's self-reported 指标汇总 with its rows) and by the
evaluation (per unit and for the county). Rows are records of the schema's return tables
(`PROJECTS.record` …), already parsed; callers pass only rows that count. Every date
window is the period's own year (the year of `end`).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from .indicators import KEYS, PLANNED_PROJECT_MIN_INVESTMENT
from .schema import STARTED_STATUSES

_CATEGORY_KEYS = {
    # category: (started count, started-and-new count, completed investment sum)
    "省级百大": (None, "provincial_new_projects", "provincial_plan_investment"),
    "市级百大": ("municipal_projects", "municipal_new_projects", "municipal_plan_investment"),
    "500万元以上产业项目": ("industrial_projects", "industrial_new_projects",
                        "industrial_plan_investment"),
}


def in_window(date: object, end: dt.date) -> bool:
    """A date in the period's year, on or before the period end."""
    return isinstance(date, dt.date) and date.year == end.year and date <= end


def is_signed(row: Any, end: dt.date) -> bool:
    return in_window(row.sign_date, end)


def is_started(row: Any, end: dt.date) -> bool:
    return row.started is True and in_window(row.start_date, end)


def is_key_started(row: Any) -> bool:
    return row.status in STARTED_STATUSES


def is_planned(row: Any, end: dt.date) -> bool:
    total = row.total_investment
    return (isinstance(total, (int, float)) and total >= PLANNED_PROJECT_MIN_INVESTMENT
            and in_window(row.plan_date, end))


def _num(value: object) -> float:
    """A number to add up; None, NaN and booleans count as 0."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == value:
        return float(value)
    return 0.0


def project_key(row: Any) -> tuple:
    """The identity of a 招商引资项目 across units: normalised 项目名称 + 投资方 (the
    record's `identity`, computed by the intake in the worker that read the file)."""
    return row.identity


def measure(projects: Iterable[Any], key_projects: Iterable[Any], planned: Iterable[Any],
            end: dt.date, fixed_asset: float | None = None) -> dict[str, float | None]:
    """Every indicator of one unit (or of any set of rows), cumulative to `end`."""
    values: dict[str, float | None] = {k: 0.0 for k in KEYS}
    for row in projects:
        if not is_signed(row, end):
            continue
        values["signed_projects"] += 1
        values["started_projects"] += is_started(row, end)
        values["out_of_province_funds"] += _num(row.funds_out_of_province)
        values["foreign_direct_investment"] += _num(row.funds_foreign)
    for row in key_projects:
        _add_key_project(values, row)
    values["planned_projects"] = float(sum(1 for row in planned if is_planned(row, end)))
    values["fixed_asset_investment"] = fixed_asset
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in values.items()}


def _add_key_project(values: dict, row: Any) -> None:
    keys = _CATEGORY_KEYS.get(row.category)
    if keys is None:
        return
    started_key, new_key, money_key = keys
    values[money_key] += _num(row.completed_investment)
    if not is_key_started(row):
        return
    if started_key:
        values[started_key] += 1
    if row.nature == "新建":
        values[new_key] += 1
