"""The 考评排名 words of the 通报: each group's ranking, its 先进 and 后进, and why.

- a 后进 unit is followed by its reason: the scored indicators below 序时进度 (worst first), or
  that it did not report; a unit 后进 or 未报送 in this period and the one before is named as
  连续两期 (from the history's comparison);
- a unit whose return had errors keeps a provisional rank (its faulty rows are left out): it is
  written 暂列第N名 … 名次待更正, never as final;
- the 附件 tables: one per group, 名次, 单位, 综合得分, 综合序时完成率, 评定.
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from ...core import is_missing
from ...evaluation import behind
from .. import numfmt as nf

GROUP_ORDER = ("乡镇", "部门")
BELOW_NAMED = 4            # indicators a reason spells out before 等N项指标
MISSING, ERRORS = "missing", "errors"


def groups(rows: list[dict[str, Any]], indicators: Sequence[Any], comparison: Any) -> list[dict[str, Any]]:
    """The groups (乡镇 first, then 部门, then any other), each with its ranking and sentence."""
    seen = list(dict.fromkeys(r.get("group") or "" for r in rows))
    ordered = sorted(seen, key=lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else 9, seen.index(g)))
    return [_group(name, [r for r in rows if (r.get("group") or "") == name], number_, indicators, comparison)
            for number_, name in enumerate(ordered, 1)]


def _group(name: str, rows: list[dict], n: int, indicators: Sequence[Any], comparison: Any) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: (nf.figure(r.get("rank")) or 1e9, nf.figure(r.get("order"))))
    ranking = [ranked(r, indicators, comparison) for r in rows]
    advanced = [u for u in ranking if u["advanced"]]
    lagging = [u for u in ranking if u["lagging"]]
    parts = []
    if advanced:
        parts.append(f"考评排名靠前的先进单位是{nf.names(u['label'] for u in advanced)}")
    if lagging:
        parts.append(f"排名靠后且低于序时进度的后进单位是{nf.names(u['label'] for u in lagging)}")
    else:
        parts.append("本组排名靠后的单位均达到序时进度，没有后进单位")
    sentence = "；".join(parts) + "。"
    if lagging:
        sentence += "其中，" + "；".join(f"{u['unit']}{u['reason']}" for u in lagging) + "。"
    return {"number": nf.subheading_number(n), "name": name, "size": len(rows),
            "ranking": ranking, "advanced": advanced, "lagging": lagging,
            "advanced_names": nf.names(u["unit"] for u in advanced),
            "lagging_names": nf.names(u["unit"] for u in lagging), "sentence": sentence}


def ranked(row: dict[str, Any], indicators: Sequence[Any], comparison: Any = None) -> dict[str, Any]:
    """One unit as the 通报 writes it: label 友谊镇（第1名，96.50分）, its reason, its marks."""
    rank_label = row.get("rank_label") or (f"第{int(row['rank'])}名" if row.get("rank") else "")
    status = row.get("status")
    provisional = bool(row.get("provisional", status == ERRORS and row.get("rank") is not None))
    score = nf.score(row.get("score"))
    behind = below_schedule(row, indicators)
    missed_twice, lagged_twice = _twice(row, comparison)
    twice = "连续两期未按时报送" if missed_twice else "连续两期排名后进" if lagged_twice else ""
    if provisional and rank_label:
        label = f"{row['unit']}（暂列{rank_label}，{score}，名次待更正）"
    elif rank_label:
        label = f"{row['unit']}（{rank_label}，{score}）"
    else:
        label = f"{row['unit']}（{score}）"
    return {"unit": row["unit"], "rank": row.get("rank"), "rank_label": rank_label,
            "score": row.get("score"), "score_text": score, "status": status,
            "time_rate": row.get("time_rate"), "time_rate_text": nf.percent(row.get("time_rate")),
            "advanced": bool(row.get("advanced")), "lagging": bool(row.get("lagging")),
            "provisional": provisional, "behind": behind, "twice": twice, "label": label,
            "missed_twice": missed_twice, "lagged_twice": lagged_twice,
            "errors": int(nf.figure(row.get("errors"))), "deduction": row.get("deduction"),
            "reason": reason(status, behind, twice, provisional)}


def below_schedule(row: dict[str, Any], indicators: Sequence[Any]) -> list[str]:
    """简称 of the scored indicators below 序时进度, the furthest behind first."""
    return [ind.short or ind.label for ind in behind(row, indicators)]


def reason(status: Any, behind: list[str], twice: str, provisional: bool) -> str:
    """未按时报送调度数据 / 签约项目、固定资产投资等5项指标低于序时进度, then 连续两期 and 待更正."""
    if status == MISSING:
        parts = ["未按时报送调度数据"]
    elif len(behind) > BELOW_NAMED:
        parts = [f"{nf.names(behind[:BELOW_NAMED])}等{len(behind)}项指标低于序时进度"]
    elif behind:
        parts = [f"{nf.names(behind)}低于序时进度"]
    else:
        parts = ["综合序时完成率低于序时进度"]
    if twice:
        parts.append(twice)
    if provisional:
        parts.append("报送数据有误，名次待更正")
    return "，".join(parts)


def _twice(row: dict[str, Any], comparison: Any) -> tuple[bool, bool]:
    """(未报送 in this period and the one before, 后进 in both); both False without history."""
    if comparison is None:
        return False, False
    unit = row["unit"]
    missed = row.get("status") == MISSING and comparison.previous_status.get(unit) == MISSING
    lagged = bool(row.get("lagging")) and bool(comparison.previous_lagging.get(unit))
    return missed, lagged


def consecutive(groups_: Iterable[dict[str, Any]], comparison: Any) -> dict[str, Any]:
    """Units 后进 or 未报送 in this period and the one before (the template's escalation sentence)."""
    units = [u for g in groups_ for u in g["ranking"] if u["twice"]]
    missing = [u["unit"] for u in units if u["missed_twice"]]
    lagging = [u["unit"] for u in units if u["lagged_twice"] and not u["missed_twice"]]
    text = "和".join(f"{what}的{nf.names(names)}" for what, names in
                    (("连续两期排名后进", lagging), ("连续两期未按时报送", missing)) if names)
    return {"previous": comparison.previous.dash_label if comparison is not None else "",
            "units": [u["unit"] for u in units], "names": nf.names(u["unit"] for u in units),
            "lagging": lagging, "missing": missing, "text": text}


def attachments(groups_: list[dict[str, Any]], period_name: str) -> list[dict[str, Any]]:
    """附件1, 附件2 …: each group's ranking table and a note on provisional and missing units."""
    several = len(groups_) > 1
    out = []
    for n, group in enumerate(groups_, 1):
        rows = [_table_row(u) for u in group["ranking"]]
        head = f"{period_name}{group['name']}"
        out.append({"number": n, "label": f"{n}." if several else "",
                    "heading": f"附件{n}" if several else "附件",
                    "title": f"{head}招商引资和项目建设考评排名",
                    "title_lines": f"{head}\n招商引资和项目建设考评排名",
                    "group": group["name"], "rows": rows, "note": _table_note(group["ranking"])})
    return out


def _table_row(unit: dict[str, Any]) -> dict[str, str]:
    verdict = "先进" if unit["advanced"] else "后进" if unit["lagging"] else ""
    mark = "未报送" if unit["status"] == MISSING else "待更正" if unit["provisional"] else ""
    return {"rank": unit["rank_label"] or "不参评", "unit": unit["unit"],
            "score": nf.fixed(unit["score"], 2) if not is_missing(unit["score"]) else nf.MISSING,
            "time_rate": unit["time_rate_text"], "verdict": "，".join(filter(None, (verdict, mark)))}


def _table_note(ranking: list[dict[str, Any]]) -> str:
    provisional = [u["unit"] for u in ranking if u["provisional"]]
    missing = [u["unit"] for u in ranking if u["status"] == MISSING]
    parts = []
    if missing:
        parts.append(f"{nf.names(missing)}未按时报送，按考核细则扣分后排名")
    if provisional:
        parts.append(f"{nf.names(provisional)}报送数据有误，有误部分暂未计入，名次为暂列，待更正后重新核定")
    return "注：" + "；".join(parts) + "。" if parts else ""
