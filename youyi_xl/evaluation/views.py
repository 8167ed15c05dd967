"""The compact, Chinese views of a `Result` an analyst looks at: the ranking with the reason
behind each 后进, and the short text/HTML summaries a notebook shows for a result.

`behind()` and `lag_reason()` are the one place that says which indicators hold a unit back;
the ranking view and the notebook use them.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..core import STATUS_LABELS, Indicator, chinese_frame, is_missing, summary_html, summary_repr

ON_SCHEDULE = 1.0
RANKING_LABELS = {"group": "类别", "rank_label": "名次", "unit": "单位", "status": "报送状态",
                  "score": "综合得分", "time_rate": "综合序时完成率", "verdict": "评定",
                  "behind": "滞后指标", "reason": "后进原因"}


def behind(record: Mapping[str, Any], indicators: Iterable[Indicator]) -> list[Indicator]:
    """The scored indicators of a unit below 序时进度 (those with a target and points), the
    furthest behind first (plan order among equals). The 通报's reasons and the ranking view
    both take them from here."""
    found = []
    for position, ind in enumerate(indicators):
        rate, points = record.get(f"{ind.key}__time_rate"), record.get(f"{ind.key}__points")
        if not is_missing(points) and not is_missing(rate) and float(rate) < ON_SCHEDULE:
            found.append((float(rate), position, ind))
    return [ind for _, _, ind in sorted(found, key=lambda f: f[:2])]


def lag_reason(record: Mapping[str, Any], indicators: Iterable[Indicator]) -> str:
    """Why a unit stands where it does, in a clerk's words: 未报送, 数据有误, and the indicators
    below 序时进度 ("签约项目、固投低于序时进度"); empty for a unit on schedule everywhere."""
    parts = []
    if record.get("status") == "missing":
        parts.append(f"未报送（扣{_points(record.get('deduction'))}分）")
    elif record.get("status") == "errors":
        parts.append(f"数据有误{int(record.get('errors') or 0)}处，有误数据未计入")
    lagging = behind(record, indicators)
    if lagging and record.get("status") != "missing":
        parts.append("、".join(i.short or i.label for i in lagging) + "低于序时进度")
    return "；".join(parts)


def verdict(record: Mapping[str, Any]) -> str:
    if record.get("rank") is None:
        return "不参评"
    if record.get("advanced"):
        return "先进"
    if record.get("lagging"):
        return "后进"
    return ""


def ranking_frame(result: Any):
    """One row per unit, 乡镇 then 部门, by rank: 类别, 名次, 单位, 报送状态, 综合得分,
    综合序时完成率, 评定, 滞后指标, 后进原因 — the one-line answer to "who is 后进, and why"."""
    import pandas as pd

    indicators = result.plan.indicators
    groups = {g: i for i, g in enumerate(dict.fromkeys(u.group for u in result.plan.units))}
    records = sorted(result.unit_records,
                     key=lambda r: (groups.get(r["group"], 99), r["rank"] is None, r["rank"] or 0, r["order"]))
    rows = [{"group": r["group"], "rank_label": r["rank_label"], "unit": r["unit"],
             "status": STATUS_LABELS.get(r["status"], r["status"]), "score": r["score"],
             "time_rate": r["time_rate"], "verdict": verdict(r),
             "behind": "、".join(i.short or i.label for i in behind(r, indicators)),
             "reason": lag_reason(r, indicators) if r.get("lagging") else ""} for r in records]
    frame = pd.DataFrame(rows, columns=list(RANKING_LABELS))
    return chinese_frame(frame, RANKING_LABELS, keep=("status",))


def result_repr(result: Any) -> str:
    records = result.unit_records
    ranked = [r for r in records if r["rank"] is not None]
    county = {r["indicator"]: r for r in result.county_records}
    head = result.plan.indicators[0] if result.plan.indicators else None
    headline = ""
    if head is not None and head.key in county:
        c = county[head.key]
        headline = f"全县{head.short or head.label}{_number(c['actual'])}/{_number(c['target'])}{head.unit}"
    return summary_repr("Result", f"{result.period.dash_label}，序时进度{result.time_progress:.1%}", [
        f"{len(ranked)}个单位参评",
        f"先进{sum(bool(r['advanced']) for r in records)}个", f"后进{sum(bool(r['lagging']) for r in records)}个",
        headline, "result.ranking 查看排名"])


def result_html(result: Any) -> str:
    c = result.batch.counts
    facts = [("报送期", result.period.dash_label), ("序时进度", f"{result.time_progress:.1%}"),
             ("报送", f"{c['submitted']}个单位，未报送{c['missing']}个，数据有误{c['errors_units']}个"),
             ("问题", f"错误{c['error']}条，警告{c['warning']}条")]
    return summary_html(f"考评结果（{result.plan.county}{result.period.dash_label}）", facts,
                        ranking_frame(result), "排名（result.ranking）：", max_rows=60)


def _number(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _points(value: Any) -> str:
    return "0" if value is None else f"{float(value):g}"
