"""The 通报's words: `notice_context(result)` turns a `Result` into plain dicts and strings
already written in the county's number style (`numfmt`). Every template reads only this.

Control characters from units' workbooks are dropped here, before any template sees them.
The ranking words (reasons, 连续两期, provisional ranks, the 附件 tables) are in `ranking`.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable, Iterator, Sequence

from ...core import (
    CHOICE,
    IN,
    SOURCES,
    STARTED_STATUSES,
    SUM,
    Indicator,
    Period,
    UsageError,
    is_blank,
    is_missing,
    scorecard_name,
)
from .. import numfmt as nf
from . import ranking

_STARTED = frozenset(STARTED_STATUSES)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\r\n\f\v]")
DEADLINE_DAYS = 7          # corrected returns are due a week after the 成文日期 unless told
SLOW_PROJECT = 0.5         # a key project below half of 序时进度 (序时完成率 < 50%) is named
SLOW_NAMED = 5             # slow key projects spelled out before 等N个项目
PROBLEMS_NAMED = 4         # distinct 存在问题 texts of the returns quoted


def notice_context(result: Any, date: dt.date | str | None = None, *, issuer: str | None = None,
                   recipients: str | None = None, cc: str | None = None,
                   deadline: dt.date | str | None = None) -> dict[str, Any]:
    """Every variable the templates use (docs/notice.md lists them), from a `Result`. The
    county, the offices and every indicator's wording are the plan's (基本信息, 指标设置).
    `deadline` is the date corrected returns are due (default: a week after the 成文日期)."""
    period = Period.parse(result.period)
    plan, settings = result.plan, result.plan.settings
    progress = float(result.time_progress)
    declared = {i.key: i for i in plan.indicators}
    county = _county(result.county_table, progress, declared)
    comparison = getattr(result, "comparison", None)
    day = as_date(date)
    due = as_date(deadline) if deadline is not None else default_deadline(day)
    groups = ranking.groups(plain(_ranked_fields(result.unit_records, plan.indicators)), plan.indicators, comparison)
    context = {**period_fields(period), "county_name": clean(settings.county),
               "assessors": clean(settings.assessors()), "organisers": clean(settings.organisers),
               "assessors_duty": clean(settings.assessors(duty=True)),
               "recipients": clean(settings.recipients if recipients is None else recipients),
               "time_progress": progress, "time_progress_text": nf.percent(progress),
               "county": county, "indicators": list(county.values()),
               "categories": _categories(plan.indicators, county),
               "groups": groups, "consecutive": ranking.consecutive(groups, comparison),
               "reporting": _reporting(groups, len(groups) + 1, nf.cn_date(due)),
               "chains": _chains(result.chain_table, progress, settings.chain_min_investment),
               "key_projects": _key_projects(result.key_project_table, progress),
               "change": _change(comparison, declared, groups),
               "deadline": nf.cn_date(due), "deadline_iso": due.isoformat(),
               "attachments": ranking.attachments(groups, period_fields(period)["period_name"]),
               **_closing(period, day, settings.issuer if issuer is None else issuer,
                          settings.cc if cc is None else cc, settings.printer)}
    context["attachment_refs"] = _attachment_refs(context["attachments"])
    context["problems"] = _problems(context)
    return context


def default_deadline(day: dt.date) -> dt.date:
    """The date corrected returns are due when none is given: DEADLINE_DAYS after the 成文日期."""
    return day + dt.timedelta(days=DEADLINE_DAYS)


def _attachment_refs(attachments: list[dict[str, Any]]) -> str:
    """附件1、2 (or 附件) for “（详见附件1、2）”."""
    if len(attachments) == 1:
        return "附件"
    return "附件" + "、".join(str(a["number"]) for a in attachments)


def as_date(value: dt.date | str | None, what: str = "成文日期") -> dt.date:
    """A date given as a date or as 2022-04-06 (None: today); a UsageError naming `what` otherwise."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UsageError(f"{what}“{value}”无法识别，请写成 2022-04-06 这样的年-月-日格式") from exc


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
    if is_missing(value):
        return ""
    return _CONTROL.sub("", _BREAKS.sub(" ", str(value))).strip()


def records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as dicts, NaN as None and text cleaned."""
    return plain(frame.to_dict("records"))


def plain(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows (a result's unit records, say) as the templates take them: NaN as None, text cleaned.
    From the records themselves, a 通报 of 10,000 units builds no DataFrame in its process."""
    return [{key: (None if is_missing(value) else clean(value) if isinstance(value, str) else value)
             for key, value in row.items()} for row in rows]


RANKED_FIELDS = ("unit", "group", "order", "status", "time_rate", "deduction", "score", "rank", "rank_label",
                 "advanced", "lagging", "errors", "provisional")


def _ranked_fields(units: Iterable[dict[str, Any]], indicators: Sequence[Indicator]) -> Iterator[dict[str, Any]]:
    """Of each unit record, what the ranking words read (ranking.ranked, evaluation.behind): in a
    forked documents' process every value read is a page copied, and a unit has ~90."""
    keys = (*RANKED_FIELDS, *(f"{i.key}__{f}" for i in indicators for f in ("time_rate", "points")))
    for unit in units:
        yield {key: unit[key] for key in keys if key in unit}


def _county(table: Any, progress: float, declared: dict[str, Indicator]) -> dict[str, dict[str, Any]]:
    return {row["indicator"]: _indicator(row, progress, declared.get(row["indicator"]))
            for row in records(table)}


def _indicator(row: dict[str, Any], progress: float, known: Indicator | None) -> dict[str, Any]:
    key = row["indicator"]
    unit = row.get("unit") or (known.unit if known else "")
    target, actual, rate = row.get("target"), nf.figure(row.get("actual")), row.get("rate")
    has_target = not is_missing(target) and float(target) > 0
    if has_target and is_missing(rate):
        rate = actual / float(target)
    gap = nf.points_gap(rate, progress) if has_target else None
    item = {"key": key, "label": row.get("label") or (known.label if known else key), "unit": unit,
            "target": target, "actual": actual, "rate": rate if has_target else None,
            "time_rate": row.get("time_rate"), "colour": row.get("colour") or "grey",
            "has_target": has_target, "gap": gap, "behind": gap is not None and gap < 0,
            "target_text": nf.amount(target, unit), "actual_text": nf.amount(actual, unit),
            "rate_text": nf.percent(rate) if has_target else nf.MISSING,
            "schedule_text": nf.schedule(rate, progress) if has_target else ""}
    style = nf.money_style(target if has_target else None, actual)
    item.update(target_text=nf.amount(target, unit, style), actual_text=nf.amount(actual, unit, style))
    item["sentence"] = _indicator_sentence(item, known, style)
    return item


def _indicator_sentence(item: dict[str, Any], known: Indicator | None, style: Any) -> str:
    """新签约招商引资项目9个，完成年度目标38个的23.7%，低于序时进度1.3个百分点 (the words are the
    declaration's 通报用语 and 目标称谓); 万元 amounts written in `style` (numfmt.money_style)."""
    what, noun = (known.prose, known.target_noun) if known else (item["label"], "年度目标")
    text = f"{what}{nf.amount(item['actual'], item['unit'], style)}"
    if not item["has_target"]:
        return text
    verb = "完成" if item["unit"] == "个" else "占"
    target = nf.amount(item["target"], item["unit"], style)
    return f"{text}，{verb}{noun}{target}的{item['rate_text']}，{item['schedule_text']}"


def _categories(indicators: tuple[Indicator, ...], county: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The 总体情况 paragraphs: one per 分类 of 指标设置, in order, each its indicators' sentences."""
    grouped: dict[str, list[Indicator]] = {}
    for ind in indicators:
        grouped.setdefault(ind.category or "其他指标", []).append(ind)
    out = []
    for number, (name, members) in enumerate(grouped.items(), 1):
        items = [county[i.key] for i in members]
        style = nf.money_style(*(v for i in items if i["unit"] == "万元"
                                 for v in (i["actual"], i["target"] if i["has_target"] else None)))
        sentences = {i.key: _indicator_sentence(county[i.key], i, style) for i in members}
        parts = [sentences[members[0].key]]
        for before, ind in zip(members, members[1:]):
            parts.append(("，" if _continues(before, ind) else "；") + sentences[ind.key])
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


def _reporting(groups: list[dict[str, Any]], number: int, deadline: str) -> dict[str, Any]:
    units = [u for g in groups for u in g["ranking"]]
    missing = [u for u in units if u["status"] == "missing"]
    wrong = [u for u in units if u["status"] == "errors"]
    detail = [f"{u['unit']}（{u['errors']}处）" if u["errors"] else u["unit"] for u in wrong]
    total = len(units)
    summary = f"全县{total}个承标单位中，{total - len(missing)}个报送了调度数据" + (
        f"，{len(missing)}个未按时报送。" if missing else "，全部按时报送。")
    return {"number": nf.subheading_number(number), "total": total,
            "submitted": total - len(missing), "missing": [u["unit"] for u in missing],
            "errors": [u["unit"] for u in wrong], "errors_detail": detail,
            "provisional": [u["unit"] for u in wrong if u["provisional"]],
            "missing_text": nf.names(u["unit"] for u in missing), "errors_text": nf.names(detail),
            "summary": summary, "sentence": _reporting_sentence(missing, detail, wrong, deadline)}


def _reporting_sentence(missing: list[dict], detail: list[str], wrong: list[dict], deadline: str) -> str:
    """Who did not report (连续两期 named), whose data are wrong — left out, ranks provisional, to
    be corrected by the deadline: nothing claims the data were already corrected."""
    parts = []
    if missing:
        twice = [u["unit"] for u in missing if u["missed_twice"]]
        names = nf.names(u["unit"] for u in missing)
        if len(twice) == len(missing):
            text = f"{names}连续两期未按时报送调度数据"
        else:
            text = f"{names}未按时报送调度数据" + (f"（其中{nf.names(twice)}连续两期未按时报送）" if twice else "")
        parts.append(text + ("，已按考核细则扣分" if _deducted(missing) else ""))
    if wrong:
        provisional = any(u["provisional"] for u in wrong)
        parts.append(f"{nf.names(detail)}报送的数据有误，有误部分暂未计入统计"
                     + ("，名次为暂列、待更正后重新核定" if provisional else "")
                     + ("，已按考核细则扣分" if _deducted(wrong) else "")
                     + f"，请于{deadline}前按退回意见更正后重新报送")
    return "；".join(parts) + "。" if parts else "各承标单位均按时报送调度数据，经校验未发现数据错误。"


def _deducted(units: list[dict]) -> bool:
    return any(nf.figure(u.get("deduction")) > 0 for u in units)


def _change(comparison: Any, declared: dict[str, Indicator], groups: list[dict[str, Any]]) -> dict[str, Any]:
    """较上期: the growth of the plan's first indicator (new signings) and the biggest rank moves
    of units that reported in both periods (a rank that moved only because a return was missing
    is not a move); an empty sentence without history."""
    if comparison is None:
        return {"previous": "", "new_signed": 0, "risers": [], "fallers": [], "sentence": ""}
    status = {u["unit"]: u["status"] for g in groups for u in g["ranking"]}
    moves = sorted(((u, c) for u, c in comparison.rank_change.items()
                    if comparison.comparable(u, status.get(u))), key=lambda kv: (-kv[1], kv[0]))
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
    for row in rows:
        row["chain"] = nf.full_width(row.get("chain") or "")
    signed, started = (sum(nf.figure(r.get(k)) for r in rows) for k in ("signed_actual", "started_actual"))
    signed_target, started_target = (sum(nf.figure(r.get(k)) for r in rows)
                                     for k in ("signed_target", "started_target"))
    ahead = [r["chain"] for r in rows if nf.figure(r.get("signed_time_rate")) >= 1]
    empty = [r["chain"] for r in rows if not nf.figure(r.get("signed_actual"))]
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
    plan = sum(nf.figure(r.get("plan_investment")) for r in listed)
    done = sum(nf.figure(r.get("completed_investment")) for r in rows)
    rate = done / plan if plan else None
    style = nf.money_style(plan, done)
    slow = _slow_projects(listed)
    info = {"count": len(listed), "started": len(started), "not_started": waiting,
            "unreported": unreported, "plan_investment": plan, "completed_investment": done,
            "start_rate_text": nf.percent(len(started) / len(listed)) if listed else nf.MISSING,
            "plan_text": style(plan), "completed_text": style(done),
            "rate_text": nf.percent(rate), "schedule_text": nf.schedule(rate, progress),
            "slow": slow, "slow_sentence": _slow_sentence(slow),
            "unreported_detail": nf.names(f"{r['name']}（{r['unit']}）" for r in listed if not r.get("reported")),
            "reported_problems": _reported_problems(rows), "rows": rows}
    info["sentence"] = _key_project_sentence(info) if listed else "本期暂无纳入调度的重点项目。"
    return info


def _slow_projects(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Reported key projects whose 序时完成率 is below SLOW_PROJECT, the furthest behind first."""
    slow = [r for r in listed if r.get("reported") and not is_missing(r.get("time_rate"))
            and float(r["time_rate"]) < SLOW_PROJECT]
    return sorted(slow, key=lambda r: (float(r["time_rate"]), r["name"]))


def _slow_sentence(slow: list[dict[str, Any]]) -> str:
    """投资完成率不足序时进度一半的有：A项目（完成投资393.26万元，占年度计划投资的3.3%）…"""
    if not slow:
        return ""
    style = nf.money_style(*(r.get("completed_investment") for r in slow[:SLOW_NAMED]))
    named = [f"{r['name']}（{r['unit']}，完成投资{style(nf.figure(r.get('completed_investment')))}，"
             f"占年度计划投资的{nf.percent(r.get('rate'))}）" for r in slow[:SLOW_NAMED]]
    more = f"等{len(slow)}个项目" if len(slow) > SLOW_NAMED else ""
    return f"投资完成率不足序时进度一半的有{nf.names(named)}{more}。"


def _reported_problems(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The returns' 存在问题 column: each distinct text with the projects that report it, most first."""
    found: dict[str, list[str]] = {}
    for row in rows:
        text = clean(row.get("problems") or "").rstrip("。；;，,")
        if text and not is_blank(text):
            found.setdefault(text, []).append(row["name"])
    ordered = sorted(found.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return [{"text": text, "projects": names, "count": len(names)} for text, names in ordered]


def _key_project_sentence(info: dict[str, Any]) -> str:
    text = (f"纳入调度的省、市百大项目和500万元以上产业项目共{info['count']}个，已开复工"
            f"{info['started']}个，开复工率{info['start_rate_text']}；累计完成投资{info['completed_text']}")
    if info["plan_investment"]:
        text += f"，占年度计划投资{info['plan_text']}的{info['rate_text']}，{info['schedule_text']}"
    if info["not_started"]:
        text += f"。{nf.names_count(info['not_started'], '个项目', limit=3)}尚未开工"
    if info["unreported"]:
        text += f"；{info['unreported_detail'] if len(info['unreported']) <= 3 else nf.names_count(info['unreported'], '个项目', limit=3)}未报送进展情况"
    return text + "。" + info["slow_sentence"]


def _problems(context: dict[str, Any]) -> list[str]:
    """存在问题, each a sentence opening with 一是/二是, derived from the figures and the returns."""
    found = [text for text in (_behind_problem(context["indicators"]),
                               _lagging_problem(context["groups"]),
                               _reporting_problem(context["reporting"]),
                               _project_problem(context["key_projects"]),
                               _returns_problem(context["key_projects"]),
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
    lagging = [u for g in groups for u in g["lagging"]]
    if not lagging:
        return ""
    twice = [u["unit"] for u in lagging if u["lagged_twice"]]
    return (f"单位之间进展不平衡。{nf.names_count([u['unit'] for u in lagging], '个单位', limit=6)}考评排名靠后"
            "且低于序时进度" + (f"，其中{nf.names(twice)}连续两期排名靠后" if twice else "")
            + "，招商引资和项目建设工作亟待加力。")


def _reporting_problem(reporting: dict) -> str:
    parts = []
    if reporting["missing"]:
        parts.append(f"{nf.names_count(reporting['missing'], limit=6)}未按时报送调度数据")
    if reporting["errors"]:
        parts.append(f"{nf.names_count(reporting['errors'], limit=6)}报送的数据有误")
    return f"报送质量有待提高。{'，'.join(parts)}，影响全县调度的及时性和准确性。" if parts else ""


def _project_problem(projects: dict) -> str:
    waiting = len(projects["not_started"]) + len(projects["unreported"])
    slow = len(projects["slow"])
    if not waiting and not slow:
        return ""
    parts = []
    if waiting:
        parts.append(f"尚有{waiting}个未开工或未报送进展情况")
    if slow:
        parts.append(f"{slow}个项目投资完成率不足序时进度的一半")
    return f"部分重点项目推进缓慢。纳入调度的重点项目中{'，'.join(parts)}。"


def _returns_problem(projects: dict) -> str:
    """What the returns' 存在问题 column says, the most reported first."""
    problems = projects["reported_problems"]
    if not problems:
        return ""
    quoted = [f"“{p['text']}”的{p['count']}个" for p in problems[:PROBLEMS_NAMED]]
    more = "等" if len(problems) > PROBLEMS_NAMED else ""
    return f"项目建设要素制约仍较突出。各单位报送的重点项目中，反映{'、'.join(quoted)}{more}。"


def _chain_problem(chains: dict) -> str:
    if not chains["empty"]:
        return ""
    return f"产业链招商成效不均衡。{nf.names_count(chains['empty'], '条产业链', limit=4)}尚无签约项目。"
