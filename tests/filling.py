"""Filling return forms in tests: the library's samples, plus an independent oracle.

`fill_form`, `sample_return` and the realistic generators live in `youyi_xl.demo.samples`
(the `youyi-xl demo` command needs them in an installed wheel); they are re-exported
here so tests keep importing them from one place.

`expected_summary()` stays a test helper on purpose: it counts the 指标汇总 figures from
rows exactly as DOMAIN §4.1 says, written again here without `youyi_xl.core.measure`, so a
test can check the library's counting (and the samples' own 指标汇总) against it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

from shipped import INDICATORS

PLANNED_PROJECT_MIN_INVESTMENT = 5000.0      # 万元: the 2022 plan's 新策划 threshold (its 条件)
from youyi_xl.demo import (MISTAKES, Mistake, expected_issues, fill_form,  # noqa: F401
                           make_large_plan, missing_units, realistic_returns, sample_return,
                           write_large_batch, write_sample_returns)
from youyi_xl.demo.samples import MISSING_UNITS  # noqa: F401

Row = Mapping[str, Any]


def expected_summary(projects: Iterable[Row], key_projects: Iterable[Row], planned: Iterable[Row],
                     end: dt.date) -> dict[str, float]:
    """The 指标汇总 figures the rows give (DOMAIN §4.1), without 固定资产投资.

    Key-project rows need 项目类别 and 建设性质 (for a pre-filled row, merge in the plan's values).
    """
    out = {ind.key: 0.0 for ind in INDICATORS if ind.key != "fixed_asset_investment"}
    in_period = lambda d: isinstance(d, dt.date) and d.year == end.year and d <= end  # noqa: E731
    for p in projects:
        if in_period(p.get("sign_date")):
            out["signed_projects"] += 1
            out["started_projects"] += bool(p.get("started") in (True, "是") and in_period(p.get("start_date")))
            out["out_of_province_funds"] += p.get("funds_out_of_province") or 0
            out["foreign_direct_investment"] += p.get("funds_foreign") or 0
    for k in key_projects:
        _count_key_project(out, k)
    out["planned_projects"] = float(sum(1 for p in planned if in_period(p.get("plan_date"))
                                        and (p.get("total_investment") or 0) >= PLANNED_PROJECT_MIN_INVESTMENT))
    return {k: round(v, 2) for k, v in out.items()}


_BY_CATEGORY = {"省级百大": ("provincial", False), "市级百大": ("municipal", True),
                "500万元以上产业项目": ("industrial", True)}


def _count_key_project(out: dict[str, float], row: Row) -> None:
    prefix, counts_all = _BY_CATEGORY[row["category"]]
    out[f"{prefix}_plan_investment"] += row.get("completed_investment") or 0
    if row.get("status") in ("已开工", "已竣工"):
        if counts_all:
            out[f"{prefix}_projects"] += 1
        if row["nature"] == "新建":
            out[f"{prefix}_new_projects"] += 1
