"""The 通报's words: `notice_context(result)` turns a `Result` into plain dicts and strings
already written in the county's number style (`numfmt`). Every template reads only this.

Control characters from units' workbooks are dropped here, before any template sees them.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ...core import CHOICE, IN, SOURCES, STARTED_STATUSES, SUM, Indicator, Period, UsageError, scorecard_name
from .. import numfmt as nf

_STARTED = frozenset(STARTED_STATUSES)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\r\n\f\v]")
_GROUP_ORDER = ("乡镇", "部门")


def notice_context(result: Any, date: dt.date | str | None = None, *, issuer: str | None = None,
                   recipients: str | None = None, cc: str | None = None) -> dict[str, Any]:
    """Every variable the templates use (docs/notice.md lists them), from a `Result`. The
    county, the offices and every indicator's wording are the plan's (基本信息, 指标设置)."""
    period = Period.parse(result.period)
    plan, settings = result.plan, result.plan.settings
    progress = float(result.time_progress)
    declared = {i.key: i for i in plan.indicators}
    county = _county(result.county_table, progress, declared)
    groups = _groups(result.unit_table)
    context = {**period_fields(period), "county_name": clean(settings.county),
               "assessors": clean(settings.assessors()), "assessors_duty": clean(settings.assessors(duty=True)),
               "recipients": clean(settings.recipients if recipients is None else recipients),
               "time_progress": progress, "time_progress_text": nf.percent(progress),
               "county": county, "indicators": list(county.values()),
               "categories": _categories(plan.indicators, county),
               "reporting": _reporting(result.unit_table, len(groups) + 1), "groups": groups,
               "chains": _chains(result.chain_table, progress, settings.chain_min_investment),
               "key_projects": _key_projects(result.key_project_table, progress),
               "change": _change(getattr(result, "comparison", None), declared),
               **_closing(period, as_date(date), settings.issuer if issuer is None else issuer,
                          settings.cc if cc is None else cc, settings.printer)}
    context["problems"] = _problems(context)
    return context


def as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UsageError(f"成文日期“{value}”无法识别，请写成 2022-04-06 这样的年-月-日格式") from exc


def period_fields(period: Period) -> dict[str, Any]:
    name = f"{period.year}年{period.phase}"
    return {"year": period.year, "month": period.month, "phase": period.phase,
            "period_key": period.key, "period_name": name, "period_range": period.dash_label,
            "month_range": nf.month_range(period.month),
            "title": f"关于{name}全县招商引资和项目建设情况的通报"}


def _closing(period: Period, day: dt.date, issuer: str, cc: str, printer: str) -> dict[str, Any]:
    issued = nf.cn_date(day)
    return {"attachment": f"{period.year}年{period.phase}全县招商引资和项目建设成绩单",
            "attachment_file": scorecard_name(period), "issuer": clean(issuer),
            "date": issued, "date_iso": day.isoformat(), "cc": clean(cc),
            "printer": clean(printer or issuer), "print_date": f"{issued}印发"}


def clean(value: Any) -> str:
    """Text for a template: characters XML forbids (\\x07 …) removed, line breaks and tabs
    turned into spaces (docxtpl would make them breaks and tabs), ends trimmed."""
    if nf.is_missing(value):
        return ""
    return _CONTROL.sub("", _BREAKS.sub(" ", str(value))).strip()


def records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as dicts, NaN as None and text cleaned."""
    rows = []
    for row in frame.to_dict("records"):
        rows.append({key: (None if nf.is_missing(value) else clean(value)
                           if isinstance(value, str) else value) for key, value in row.items()})
    return rows


def _number(value: Any) -> float:
    return 0.0 if nf.is_missing(value) else float(value)


def _county(table: Any, progress: float, declared: dict[str, Indicator]) -> dict[str, dict[str, Any]]:
    return {row["indicator"]: _indicator(row, progress, declared.get(row["indicator"]))
            for row in records(table)}


def _indicator(row: dict[str, Any], progress: float, known: Indicator | None) -> dict[str, Any]:
    key = row["indicator"]
    unit = row.get("unit") or (known.unit if known else "")
    target, actual, rate = row.get("target"), _number(row.get("actual")), row.get("rate")
    has_target = not nf.is_missing(target) and float(target) > 0
    if has_target and nf.is_missing(rate):
        rate = actual / float(target)
    gap = nf.points_gap(rate, progress) if has_target else None
    item = {"key": key, "label": row.get("label") or (known.label if known else key), "unit": unit,
            "target": target, "actual": actual, "rate": rate if has_target else None,
            "time_rate": row.get("time_rate"), "colour": row.get("colour") or "grey",
            "has_target": has_target, "gap": gap, "behind": gap is not None and gap < 0,
            "target_text": nf.amount(target, unit), "actual_text": nf.amount(actual, unit),
            "rate_text": nf.percent(rate) if has_target else nf.MISSING,
            "schedule_text": nf.schedule(rate, progress) if has_target else ""}
    item["sentence"] = _indicator_sentence(item, known)
    return item


def _indicator_sentence(item: dict[str, Any], known: Indicator | None) -> str:
    """新签约招商引资项目9个，完成年度目标38个的23.7%，低于序时进度1.3个百分点 (the words are the
    declaration's 通报用语 and 目标称谓)."""
    what, noun = (known.prose, known.target_noun) if known else (item["label"], "年度目标")
    text = f"{what}{item['actual_text']}"
    if not item["has_target"]:
        return text
    verb = "完成" if item["unit"] == "个" else "占"
    return f"{text}，{verb}{noun}{item['target_text']}的{item['rate_text']}，{item['schedule_text']}"


def _categories(indicators: tuple[Indicator, ...], county: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The 总体情况 paragraphs: one per 分类 of 指标设置, in order, each its indicators' sentences."""
    grouped: dict[str, list[Indicator]] = {}
    for ind in indicators:
        grouped.setdefault(ind.category or "其他指标", []).append(ind)
    out = []
    for number, (name, members) in enumerate(grouped.items(), 1):
        parts = [county[members[0].key]["sentence"]]
        for before, ind in zip(members, members[1:]):
            parts.append(("，" if _continues(before, ind) else "；") + county[ind.key]["sentence"])
        out.append({"number": nf.subheading_number(number), "name": name, "sentence": "".join(parts),
                    "indicators": [county[i.key] for i in members]})
    return out


def _continues(before: Indicator, ind: Indicator) -> bool:
    """Whether `ind` continues the sentence of `before` with a comma: its 其中 part, or the
    investment of the same kind of project (a 求和 over the same table sharing a 项目类别-like
    condition); a new subject starts after a semicolon (docs/decisions.md)."""
    if ind.label.startswith("其中"):
        return True
    if ind.method != SUM or ind.source != before.source:
        return False
    table = next(t for t in SOURCES if t.key == ind.source)
    shared = {(c.field, c.values) for c in ind.conditions
              if c.op == IN and table.column(c.field).kind == CHOICE}
    return bool(shared & {(c.field, c.values) for c in before.conditions if c.op == IN})


def _reporting(units: Any, number: int) -> dict[str, Any]:
    rows = records(units)
    missing = [r for r in rows if r.get("status") == "missing"]
    wrong = [r for r in rows if r.get("status") == "errors"]
    detail = [f"{r['unit']}（{int(_number(r.get('errors')))}处）" if _number(r.get("errors"))
              else r["unit"] for r in wrong]
    total = len(rows)
    summary = f"全县{total}个承标单位中，{total - len(missing)}个报送了调度数据" + (
        f"，{len(missing)}个未按时报送。" if missing else "，全部按时报送。")
    return {"number": nf.subheading_number(number), "total": total,
            "submitted": total - len(missing), "missing": [r["unit"] for r in missing],
            "errors": [r["unit"] for r in wrong], "errors_detail": detail,
            "missing_text": nf.names(r["unit"] for r in missing), "errors_text": nf.names(detail),
            "summary": summary, "sentence": _reporting_sentence(missing, detail, wrong)}


def _reporting_sentence(missing: list[dict], detail: list[str], wrong: list[dict]) -> str:
    parts = []
    if missing:
        parts.append(f"{nf.names(r['unit'] for r in missing)}未按时报送调度数据"
                     + ("，已按考核细则扣分" if _deducted(missing) else ""))
    if wrong:
        parts.append(f"{nf.names(detail)}报送的数据有误，已逐一退回核实更正"
                     + ("，并按考核细则扣分" if _deducted(wrong) else ""))
    return "；".join(parts) + "。" if parts else "各承标单位均按时报送调度数据，经校验未发现数据错误。"


def _deducted(rows: list[dict]) -> bool:
    return any(_number(r.get("deduction")) > 0 for r in rows)


def _groups(units: Any) -> list[dict[str, Any]]:
    rows = records(units)
    seen = list(dict.fromkeys(r.get("group") or "" for r in rows))
    ordered = sorted(seen, key=lambda g: (_GROUP_ORDER.index(g) if g in _GROUP_ORDER else 9,
                                          seen.index(g)))
    return [_group(name, [r for r in rows if (r.get("group") or "") == name], number)
            for number, name in enumerate(ordered, 1)]


def _group(name: str, rows: list[dict], number: int) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: (_number(r.get("rank")) or 1e9, _number(r.get("order"))))
    ranking = [_ranked(r) for r in rows]
    advanced = [u for u, r in zip(ranking, rows) if r.get("advanced")]
    lagging = [u for u, r in zip(ranking, rows) if r.get("lagging")]
    parts = []
    if advanced:
        parts.append(f"考评排名靠前的先进单位是{nf.names(u['label'] for u in advanced)}")
    if lagging:
        parts.append(f"排名靠后且低于序时进度的后进单位是{nf.names(u['label'] for u in lagging)}")
    else:
        parts.append("本组排名靠后的单位均达到序时进度，没有后进单位")
    return {"number": nf.subheading_number(number), "name": name, "size": len(rows),
            "ranking": ranking, "advanced": advanced, "lagging": lagging,
            "advanced_names": nf.names(u["unit"] for u in advanced),
            "lagging_names": nf.names(u["unit"] for u in lagging), "sentence": "；".join(parts) + "。"}


def _ranked(row: dict[str, Any]) -> dict[str, Any]:
    rank_label = row.get("rank_label") or (f"第{int(row['rank'])}名" if row.get("rank") else "")
    score = nf.score(row.get("score"))
    return {"unit": row["unit"], "rank": row.get("rank"), "rank_label": rank_label,
            "score": row.get("score"), "score_text": score, "status": row.get("status"),
            "time_rate": row.get("time_rate"), "time_rate_text": nf.percent(row.get("time_rate")),
            "label": f"{row['unit']}（{rank_label}，{score}）" if rank_label else f"{row['unit']}（{score}）"}


def _change(comparison: Any, declared: dict[str, Indicator]) -> dict[str, Any]:
    """较上期: the growth of the plan's first indicator (new signings) and the biggest rank moves;
    an empty sentence without history."""
    if comparison is None:
        return {"previous": "", "new_signed": 0, "risers": [], "fallers": [], "sentence": ""}
    moves = sorted(comparison.rank_change.items(), key=lambda kv: (-kv[1], kv[0]))
    risers = [f"{u}（上升{c}位）" for u, c in moves if c > 0][:3]
    fallers = [f"{u}（下降{-c}位）" for u, c in reversed(moves) if c < 0][:3]
    headline = declared[comparison.headline]
    new = comparison.county_new.get(headline.key) or 0
    parts = [f"与上期（{comparison.previous.dash_label}）相比，全县新增{headline.short}{nf.amount(new, headline.unit)}"]
    if risers:
        parts.append(f"排名上升较快的有{nf.names(risers)}")
    if fallers:
        parts.append(f"排名下降的有{nf.names(fallers)}")
    return {"previous": comparison.previous.dash_label, "new_signed": new, "risers": risers,
            "fallers": fallers, "sentence": "；".join(parts) + "。"}


def _chains(table: Any, progress: float, floor: float) -> dict[str, Any]:
    rows = records(table)
    signed, started = (sum(_number(r.get(k)) for r in rows) for k in ("signed_actual", "started_actual"))
    signed_target, started_target = (sum(_number(r.get(k)) for r in rows)
                                     for k in ("signed_target", "started_target"))
    ahead = [r["chain"] for r in rows if _number(r.get("signed_time_rate")) >= 1]
    empty = [r["chain"] for r in rows if not _number(r.get("signed_actual"))]
    info = {"count": len(rows), "signed": int(signed), "started": int(started),
            "signed_rate_text": nf.percent(signed / signed_target) if signed_target else nf.MISSING,
            "started_rate_text": nf.percent(started / started_target) if started_target else nf.MISSING,
            "ahead": ahead, "empty": empty, "rows": rows, "floor": floor}
    info["sentence"] = _chain_sentence(info) if rows else "本期暂无产业链调度数据。"
    return info


def _chain_sentence(info: dict[str, Any]) -> str:
    text = (f"全县{info['count']}条产业链共签约总投资{info['floor']:g}万元以上项目{info['signed']}个、落地开工项目"
            f"{info['started']}个，分别完成年度目标的{info['signed_rate_text']}和{info['started_rate_text']}")
    parts = []
    if info["ahead"]:
        parts.append(f"{nf.names_count(info['ahead'], '条产业链', limit=4)}签约项目达到序时进度")
    if info["empty"]:
        parts.append(f"{nf.names_count(info['empty'], '条产业链', limit=4)}尚无签约项目")
    return text + ("。其中，" + "；".join(parts) if parts else "") + "。"


def _key_projects(table: Any, progress: float) -> dict[str, Any]:
    rows = records(table)
    listed = [r for r in rows if r.get("listed")]
    started = [r for r in listed if r.get("status") in _STARTED]
    unreported = [r["name"] for r in listed if not r.get("reported")]
    waiting = [r["name"] for r in listed if r.get("reported") and r.get("status") not in _STARTED]
    plan = sum(_number(r.get("plan_investment")) for r in listed)
    done = sum(_number(r.get("completed_investment")) for r in rows)
    rate = done / plan if plan else None
    info = {"count": len(listed), "started": len(started), "not_started": waiting,
            "unreported": unreported, "plan_investment": plan, "completed_investment": done,
            "start_rate_text": nf.percent(len(started) / len(listed)) if listed else nf.MISSING,
            "plan_text": nf.money(plan), "completed_text": nf.money(done),
            "rate_text": nf.percent(rate), "schedule_text": nf.schedule(rate, progress),
            "rows": rows}
    info["sentence"] = _key_project_sentence(info) if listed else "本期暂无纳入调度的重点项目。"
    return info


def _key_project_sentence(info: dict[str, Any]) -> str:
    text = (f"纳入调度的省、市百大项目和500万元以上产业项目共{info['count']}个，已开复工"
            f"{info['started']}个，开复工率{info['start_rate_text']}；累计完成投资{info['completed_text']}")
    if info["plan_investment"]:
        text += f"，占年度计划投资{info['plan_text']}的{info['rate_text']}，{info['schedule_text']}"
    if info["not_started"]:
        text += f"。{nf.names_count(info['not_started'], '个项目', limit=3)}尚未开工"
    if info["unreported"]:
        text += f"；{nf.names_count(info['unreported'], '个项目', limit=3)}未报送进展情况"
    return text + "。"


def _problems(context: dict[str, Any]) -> list[str]:
    """存在问题, each a sentence opening with 一是/二是, derived from the figures."""
    found = [text for text in (_behind_problem(context["indicators"]),
                               _lagging_problem(context["groups"]),
                               _reporting_problem(context["reporting"]),
                               _project_problem(context["key_projects"]),
                               _chain_problem(context["chains"])) if text]
    if not found:
        return ["各项指标总体达到序时进度，各承标单位按时报送，未发现突出问题。"]
    return [nf.point_number(n) + text for n, text in enumerate(found, 1)]


def _behind_problem(indicators: list[dict]) -> str:
    behind = [i for i in indicators if i["behind"]]
    if not behind:
        return ""
    worst = min(behind, key=lambda i: i["gap"])
    labels = [i["label"].removeprefix("其中") for i in behind]
    return (f"部分指标进度滞后。{nf.names_count(labels, '项指标', limit=4)}低于序时进度，其中"
            f"{worst['label'].removeprefix('其中')}完成率仅为{worst['rate_text']}，"
            f"{worst['schedule_text']}。")


def _lagging_problem(groups: list[dict]) -> str:
    lagging = [u["unit"] for g in groups for u in g["lagging"]]
    if not lagging:
        return ""
    return (f"单位之间进展不平衡。{nf.names_count(lagging, '个单位', limit=6)}考评排名靠后且低于序时进度，"
            "招商引资和项目建设工作亟待加力。")


def _reporting_problem(reporting: dict) -> str:
    parts = []
    if reporting["missing"]:
        parts.append(f"{nf.names_count(reporting['missing'], limit=6)}未按时报送调度数据")
    if reporting["errors"]:
        parts.append(f"{nf.names_count(reporting['errors'], limit=6)}报送的数据有误")
    return f"报送质量有待提高。{'，'.join(parts)}，影响全县调度的及时性和准确性。" if parts else ""


def _project_problem(projects: dict) -> str:
    waiting = len(projects["not_started"]) + len(projects["unreported"])
    if not waiting:
        return ""
    return f"部分重点项目推进缓慢。纳入调度的重点项目中尚有{waiting}个未开工或未报送进展情况。"


def _chain_problem(chains: dict) -> str:
    if not chains["empty"]:
        return ""
    return f"产业链招商成效不均衡。{nf.names_count(chains['empty'], '条产业链', limit=4)}尚无签约项目。"
