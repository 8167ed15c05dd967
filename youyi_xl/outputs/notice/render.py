"""Stage 6: the 通报 draft (.docx and .html) and the 催报 text (DOMAIN §7).

The context is built apart from the rendering: `notice_context(result)` turns a `Result`
(docs/architecture.md) into plain dicts and strings already written in the county's number
style (`numfmt`), and every template reads only that. The .docx is a Word document with
Jinja tags rendered by docxtpl, so a clerk edits the wording in Word or WPS; the .html is
the rendered .docx shown as a web page (one template, two views); the 催报 text is a
small Jinja text template. Every environment is StrictUndefined; the .docx and the .html
escape what they insert, and control characters from units' workbooks are dropped.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator

import jinja2
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.table import Table
from docxtpl import DocxTemplate
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ...core import BY_KEY, OutputError, Period, TemplateError, UsageError
from ...outputs import atomic_write
from .. import numfmt as nf

DOCX_TEMPLATE = "notice.docx"
HTML_TEMPLATE = "notice.html.j2"
REMINDER_TEMPLATE = "cuibao.txt.j2"

RECIPIENTS = "各乡（镇）人民政府，县政府直属和在县中、省直各有关单位："
ISSUER = "友谊县人民政府办公室"
CC = "县委办，县纪委办，县人武部，县人大办，县政协办，县法院，县检察院。"
REMINDER_SENDER = "友谊县发展和改革局"
REMINDER_DEADLINE = "收到本通知后2个工作日内"

# How a bulletin words each county indicator: (what was done, what the target is called).
_PROSE: dict[str, tuple[str, str]] = {
    "signed_projects": ("新签约招商引资项目", "年度目标"),
    "started_projects": ("落地开工招商引资项目", "年度目标"),
    "out_of_province_funds": ("实际利用省外资金", "年度目标"),
    "foreign_direct_investment": ("直接利用外资", "市定目标"),
    "provincial_new_projects": ("开工新建省级百大项目", "年度目标"),
    "provincial_plan_investment": ("省级百大项目完成投资", "年度计划投资"),
    "municipal_projects": ("开复工市级百大项目", "年度目标"),
    "municipal_new_projects": ("其中新建市级百大项目开工", "年度目标"),
    "municipal_plan_investment": ("市级百大项目完成投资", "年度计划投资"),
    "industrial_projects": ("开复工投资500万元以上产业项目", "年度目标"),
    "industrial_new_projects": ("其中新建500万元以上产业项目开工", "年度目标"),
    "industrial_plan_investment": ("500万元以上产业项目完成投资", "年度计划投资"),
    "planned_projects": ("新策划生成总投资5000万元以上产业项目", "年度目标"),
    "fixed_asset_investment": ("完成固定资产投资", "年度目标"),
}
_STARTED = frozenset({"已开工", "已竣工"})
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\r\n\f\v]")
_GROUP_ORDER = ("乡镇", "部门")

# Free fonts that stand in on Linux for the names GB/T 9704 uses (first installed one wins).
STAND_INS: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "Source Han Serif SC", "Noto Serif CJK SC",
                 "FandolSong", "AR PL UMing CN"),
    "仿宋_GB2312": ("FangSong", "FangSong_GB2312", "FandolFang", "Noto Serif CJK SC",
                  "AR PL UMing CN"),
    "黑体": ("SimHei", "Source Han Sans SC", "Noto Sans CJK SC", "FandolHei", "WenQuanYi Zen Hei"),
    "楷体_GB2312": ("KaiTi", "KaiTi_GB2312", "FandolKai", "AR PL UKai CN", "AR PL KaitiM GB",
                  "LXGW WenKai", "Noto Serif CJK SC"),
    "宋体": ("SimSun", "Source Han Serif SC", "Noto Serif CJK SC", "FandolSong", "AR PL UMing CN"),
}
# 小标宋 is a heavy Song: its stand-in is asked for in bold.
STAND_IN_WEIGHTS: dict[str, str] = {"方正小标宋简体": "bold"}


# ---------------------------------------------------------------- context

def notice_context(result: Any, date: dt.date | str | None = None, *, issuer: str = ISSUER,
                   recipients: str = RECIPIENTS, cc: str = CC) -> dict[str, Any]:
    """Every variable the templates use (docs/notice.md lists them), from a `Result`."""
    period = Period.parse(result.period)
    progress = float(result.time_progress)
    county = _county(result.county_table, progress)
    groups = _groups(result.unit_table)
    context = {**_period_fields(period), "recipients": _clean(recipients),
               "time_progress": progress, "time_progress_text": nf.percent(progress),
               "county": county, "indicators": list(county.values()),
               "reporting": _reporting(result.unit_table, len(groups) + 1), "groups": groups,
               "chains": _chains(result.chain_table, progress),
               "key_projects": _key_projects(result.key_project_table, progress),
               "change": _change(getattr(result, "comparison", None)),
               **_closing(period, _as_date(date), issuer, cc)}
    context["problems"] = _problems(context)
    return context


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UsageError(f"成文日期“{value}”无法识别，请写成 2022-04-06 这样的年-月-日格式") from exc


def _period_fields(period: Period) -> dict[str, Any]:
    name = f"{period.year}年{period.phase}"
    return {"year": period.year, "month": period.month, "phase": period.phase,
            "period_key": period.key, "period_name": name, "period_range": period.dash_label,
            "month_range": nf.month_range(period.month),
            "title": f"关于{name}全县招商引资和项目建设情况的通报"}


def _closing(period: Period, day: dt.date, issuer: str, cc: str) -> dict[str, Any]:
    issued = nf.cn_date(day)
    return {"attachment": f"{period.year}年{period.phase}全县招商引资和项目建设成绩单",
            "attachment_file": f"成绩单-{period.key}.xlsx", "issuer": _clean(issuer),
            "date": issued, "date_iso": day.isoformat(), "cc": _clean(cc),
            "printer": _clean(issuer), "print_date": f"{issued}印发"}


def _clean(value: Any) -> str:
    """Text for a template: characters XML forbids (\\x07 …) removed, line breaks and tabs
    turned into spaces (docxtpl would make them breaks and tabs), ends trimmed."""
    if nf.is_missing(value):
        return ""
    return _CONTROL.sub("", _BREAKS.sub(" ", str(value))).strip()


def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as dicts, NaN as None and text cleaned."""
    rows = []
    for row in frame.to_dict("records"):
        rows.append({key: (None if nf.is_missing(value) else _clean(value)
                           if isinstance(value, str) else value) for key, value in row.items()})
    return rows


def _number(value: Any) -> float:
    return 0.0 if nf.is_missing(value) else float(value)


def _county(table: Any, progress: float) -> dict[str, dict[str, Any]]:
    return {row["indicator"]: _indicator(row, progress) for row in _records(table)}


def _indicator(row: dict[str, Any], progress: float) -> dict[str, Any]:
    key = row["indicator"]
    known = BY_KEY.get(key)
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
    item["sentence"] = _indicator_sentence(item)
    return item


def _indicator_sentence(item: dict[str, Any]) -> str:
    """新签约招商引资项目9个，完成年度目标38个的23.7%，低于序时进度1.3个百分点"""
    what, noun = _PROSE.get(item["key"], (item["label"], "年度目标"))
    text = f"{what}{item['actual_text']}"
    if not item["has_target"]:
        return text
    verb = "完成" if item["unit"] == "个" else "占"
    return f"{text}，{verb}{noun}{item['target_text']}的{item['rate_text']}，{item['schedule_text']}"


def _reporting(units: Any, number: int) -> dict[str, Any]:
    rows = _records(units)
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
    rows = _records(units)
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


def _change(comparison: Any) -> dict[str, Any]:
    """较上期: newly signed projects and the biggest rank moves; an empty sentence without history."""
    if comparison is None:
        return {"previous": "", "new_signed": 0, "risers": [], "fallers": [], "sentence": ""}
    moves = sorted(comparison.rank_change.items(), key=lambda kv: (-kv[1], kv[0]))
    risers = [f"{u}（上升{c}位）" for u, c in moves if c > 0][:3]
    fallers = [f"{u}（下降{-c}位）" for u, c in reversed(moves) if c < 0][:3]
    new = comparison.county_new.get("signed_projects") or 0
    parts = [f"与上期（{comparison.previous.dash_label}）相比，全县新增签约项目{nf.amount(new, '个')}"]
    if risers:
        parts.append(f"排名上升较快的有{nf.names(risers)}")
    if fallers:
        parts.append(f"排名下降的有{nf.names(fallers)}")
    return {"previous": comparison.previous.dash_label, "new_signed": new, "risers": risers,
            "fallers": fallers, "sentence": "；".join(parts) + "。"}


def _chains(table: Any, progress: float) -> dict[str, Any]:
    rows = _records(table)
    signed, started = (sum(_number(r.get(k)) for r in rows) for k in ("signed_actual", "started_actual"))
    signed_target, started_target = (sum(_number(r.get(k)) for r in rows)
                                     for k in ("signed_target", "started_target"))
    ahead = [r["chain"] for r in rows if _number(r.get("signed_time_rate")) >= 1]
    empty = [r["chain"] for r in rows if not _number(r.get("signed_actual"))]
    info = {"count": len(rows), "signed": int(signed), "started": int(started),
            "signed_rate_text": nf.percent(signed / signed_target) if signed_target else nf.MISSING,
            "started_rate_text": nf.percent(started / started_target) if started_target else nf.MISSING,
            "ahead": ahead, "empty": empty, "rows": rows}
    info["sentence"] = _chain_sentence(info) if rows else "本期暂无产业链调度数据。"
    return info


def _chain_sentence(info: dict[str, Any]) -> str:
    text = (f"全县{info['count']}条产业链共签约总投资5000万元以上项目{info['signed']}个、落地开工项目"
            f"{info['started']}个，分别完成年度目标的{info['signed_rate_text']}和{info['started_rate_text']}")
    parts = []
    if info["ahead"]:
        parts.append(f"{nf.names_count(info['ahead'], '条产业链', limit=4)}签约项目达到序时进度")
    if info["empty"]:
        parts.append(f"{nf.names_count(info['empty'], '条产业链', limit=4)}尚无签约项目")
    return text + ("。其中，" + "；".join(parts) if parts else "") + "。"


def _key_projects(table: Any, progress: float) -> dict[str, Any]:
    rows = _records(table)
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


# ---------------------------------------------------------------- environments

def _filters(env: jinja2.Environment) -> jinja2.Environment:
    """Number-style filters a clerk may use in a template: {{ x | yi }}, {{ r | pct }}."""
    env.filters.update(yi=nf.yi, wan=nf.wan, money=nf.money, pct=nf.percent, names=nf.names,
                       names_count=nf.names_count, decimal=nf.decimal)
    return env


def _docx_env() -> jinja2.Environment:
    """Sandboxed: a template passed around by e-mail cannot reach Python internals."""
    return _filters(SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True))


def _package_env(autoescape: bool) -> jinja2.Environment:
    loader = jinja2.PackageLoader(__package__, ".")
    return _filters(SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                                         autoescape=autoescape, keep_trailing_newline=True,
                                         trim_blocks=True, lstrip_blocks=True))


# ---------------------------------------------------------------- the .docx

def notice_name(period: Period | str, suffix: str = ".docx") -> str:
    """通报-2022-03.docx (and .html), the names `youyi-xl run` writes."""
    return f"通报-{Period.parse(period).key}{suffix}"


def reminder_name(period: Period | str) -> str:
    """催报-2022-03.txt"""
    return f"催报-{Period.parse(period).key}.txt"


def render_notice(result: Any, path: str | os.PathLike, template: str | os.PathLike | None = None,
                  date: dt.date | str | None = None) -> tuple[Path, Path]:
    """Write the 通报 draft to `path` (.docx) and beside it the same text as .html.

    `path` may be a folder: the draft is then named 通报-2022-03.docx inside it.
    `template` is a clerk's .docx (a copy of the shipped one, edited in Word or WPS);
    `date` the 成文日期 (default today). Returns (docx path, html path).
    """
    context = notice_context(result, date)
    docx_path = Path(path)
    if docx_path.is_dir():
        docx_path = docx_path / notice_name(context["period_key"])
    document = render_docx(context, docx_path, template)
    html_path = docx_path.with_suffix(".html")
    atomic_write(html_path, notice_html(document, context).encode("utf-8"))
    return docx_path, html_path


def render_docx(context: dict[str, Any], path: str | os.PathLike,
                template: str | os.PathLike | None = None) -> Any:
    """Render a .docx template with `context` to `path`; returns the python-docx Document."""
    env = _docx_env()
    with _template_path(template) as source:
        tpl = _open_template(source)
        paragraphs = preflight(tpl, context, env)
        try:
            tpl.render(context, jinja_env=env, autoescape=True)
        except jinja2.UndefinedError as exc:
            raise TemplateError(_undefined_message(exc, paragraphs)) from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"通报模板无法套用：{exc}") from exc
        with atomic_write(path) as temp:
            tpl.save(temp)
    return tpl.docx


@contextlib.contextmanager
def _template_path(template: str | os.PathLike | None) -> Iterator[Path]:
    if template is None:
        with resources.as_file(resources.files(__package__) / DOCX_TEMPLATE) as shipped:
            yield shipped
        return
    path = Path(template)
    if not path.is_file():
        raise TemplateError(f"找不到通报模板“{path}”")
    if path.suffix.lower() != ".docx":
        raise TemplateError(f"通报模板“{path.name}”不是 .docx 文件，请在 Word 或 WPS 中"
                            "“另存为”Word 文档（*.docx）后再使用")
    yield path


def _open_template(path: Path) -> Any:
    tpl = DocxTemplate(str(path))
    try:
        tpl.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"通报模板“{path.name}”不是有效的 Word 文档，请用 Word 或 WPS 打开后"
                            "另存为 .docx 再试") from exc
    return tpl


def copy_template(dest: str | os.PathLike) -> Path:
    """Copy the shipped .docx template for a clerk to edit (refuses to overwrite)."""
    target = Path(dest)
    if target.is_dir():
        target = target / "通报模板.docx"
    if target.exists():
        raise OutputError(f"“{target}”已存在，未覆盖")
    with _template_path(None) as shipped:
        atomic_write(target, shipped.read_bytes())
    return target


# ---------------------------------------------------------------- pre-flight

_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN_CLOSE = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))
_DELIMITER = re.compile(r"[{｛][{｛%％#]|[%％#][}｝]|[}｝][}｝]")
_CURLY = "“”‘’"


def preflight(tpl: Any, context: dict[str, Any], env: jinja2.Environment) -> list[tuple[str, str]]:
    """Check a .docx template before rendering; TemplateError naming the paragraph if not usable.

    Catches what Word and Chinese input methods do to tags: curly quotes (“” ‘’), full-width
    braces (｛｛ ｝｝), a tag not closed in its paragraph, a tag split by a hyperlink, field or
    tracked change (docxtpl can only join plain runs), Jinja syntax errors, and variables
    the context does not have. Returns the paragraphs as (where, text), for later messages.
    """
    paragraphs = []
    for where, part in _parts(tpl):
        for element in part.iter(qn("w:p")):
            text = _paragraph_text(element)
            if text.strip():
                paragraphs.append((where, text))
                _check_paragraph(where, element, text)
    _check_jinja(tpl, context, env, paragraphs)
    return paragraphs


def _parts(tpl: Any) -> Iterator[tuple[str, Any]]:
    yield "正文", tpl.docx.element.body
    for uri, where in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        for _key, part in tpl.get_headers_footers(uri):
            yield where, parse_xml(part.blob)


def _texts(paragraph: Any) -> list[Any]:
    """The w:t elements of one paragraph, not those of paragraphs nested in it (text boxes)."""
    return [t for t in paragraph.iter(qn("w:t")) if _owner(t) is paragraph]


def _owner(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != qn("w:p"):
        parent = parent.getparent()
    return parent


def _paragraph_text(paragraph: Any) -> str:
    return "".join(t.text or "" for t in _texts(paragraph))


def _check_paragraph(where: str, paragraph: Any, text: str) -> None:
    place = f"{where}“{_snippet(text)}”"
    if any(set(m.group()) & set("｛｝％") for m in _DELIMITER.finditer(text)):
        raise TemplateError(f"通报模板{place}中的标签用了全角符号（｛ ｝ ％），请切换到英文输入法，"
                            "用半角的 {{ }} 或 {% %} 重新输入")
    _check_closed(place, text)
    for match in _TAG.finditer(text):
        tag = match.group(0)
        if any(ch in tag for ch in _CURLY):
            raise TemplateError(f"通报模板{place}中的标签“{tag}”含有中文弯引号（“” ‘’），请改用英文直引号"
                                "（可在 Word 的“自动更正选项”中关闭“直引号替换为弯引号”后重新输入）")
        _check_runs(place, paragraph, match.start(), match.end(), tag)


def _check_closed(place: str, text: str) -> None:
    for opening, closing in _OPEN_CLOSE:
        at = text.find(opening)
        while at >= 0:
            end = text.find(closing, at + 2)
            if end < 0:
                raise TemplateError(f"通报模板{place}中的标签“{text[at:at + 30]}”没有在同一段内结束"
                                    f"（缺少“{closing}”），标签不能跨段落")
            at = text.find(opening, end + 2)


def _check_runs(place: str, paragraph: Any, start: int, end: int, tag: str) -> None:
    """A tag may span runs (docxtpl joins them) but not a hyperlink, field or revision."""
    parents, position = set(), 0
    for t in _texts(paragraph):
        length = len(t.text or "")
        if position < end and position + length > start:
            parents.add(t.getparent().getparent())
        position += length
    if len(parents) > 1:
        raise TemplateError(f"通报模板{place}中的标签“{tag}”被超链接、域或修订记录隔断，请删除该标签"
                            "后用纯文本重新输入（并接受所有修订）")


def _check_jinja(tpl: Any, context: dict[str, Any], env: jinja2.Environment,
                 paragraphs: list[tuple[str, str]]) -> None:
    known = set(context) | set(env.globals)
    for xml in _patched_xml(tpl):
        try:
            ast = env.parse(xml)
        except jinja2.TemplateSyntaxError as exc:
            line = xml.splitlines()[exc.lineno - 1] if exc.lineno else ""
            near = _snippet(re.sub(r"<[^>]+>", "", line))
            raise TemplateError(f"通报模板的标签有语法错误（{exc.message}），位置在“{near}”附近") from exc
        unknown = sorted(meta.find_undeclared_variables(ast) - known)
        if unknown:
            raise TemplateError(_unknown_message(unknown[0], paragraphs, len(unknown)))


def _patched_xml(tpl: Any) -> Iterator[str]:
    """The XML docxtpl hands to Jinja, one paragraph per line (as docxtpl renders it)."""
    sources = [tpl.get_xml()]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        sources += [tpl.get_part_xml(part) for _key, part in tpl.get_headers_footers(uri)]
    for xml in sources:
        yield re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))


def _unknown_message(name: str, paragraphs: list[tuple[str, str]], count: int = 1) -> str:
    where = next((f"（见{w}“{_snippet(text)}”）" for w, text in paragraphs
                  if any(re.search(rf"\b{re.escape(name)}\b", tag) for tag in _TAG.findall(text))), "")
    more = f"等{count}个变量" if count > 1 else ""
    return (f"通报模板使用了未定义的变量“{name}”{more}{where}，请检查拼写，或对照 docs/notice.md "
            "的变量表改正")


def _undefined_message(exc: jinja2.UndefinedError, paragraphs: list[tuple[str, str]]) -> str:
    text = exc.message or str(exc)
    match = re.search(r"'([^']+)' is undefined", text) or re.search(r"has no attribute '([^']+)'", text)
    return _unknown_message(match.group(1) if match else text, paragraphs)


def _snippet(text: str, width: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width] + "…"


# ---------------------------------------------------------------- the .html

_HTML_CLASSES = {"公文标题": "title", "主送机关": "to", "一级标题": "h1", "附件说明": "attach",
                 "发文机关署名": "sign", "成文日期": "date", "版记": "record"}
_RUN_CLASSES = {"二级标题": "h2"}


def notice_html(document: Any, context: dict[str, Any]) -> str:
    """The rendered .docx as one HTML page (autoescaped), for a quick look in a browser."""
    blocks = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append({"kind": "table", "rows": [[_paragraph_block(p) for cell in row.cells
                                                      for p in cell.paragraphs] for row in item.rows]})
        else:
            blocks.append(_paragraph_block(item))
    template = _package_env(autoescape=True).get_template(HTML_TEMPLATE)
    return template.render(title=context["title"], blocks=blocks)


def _paragraph_block(paragraph: Any) -> dict[str, Any]:
    style = paragraph.style.name if paragraph.style is not None else ""
    css = _HTML_CLASSES.get(style, "body")
    align = paragraph.alignment
    if css == "body" and align is not None and int(align) in (1, 2):
        css = "center" if int(align) == 1 else "right"
    runs = [{"css": _RUN_CLASSES.get(run.style.name if run.style is not None else "", ""),
             "lines": [line.split("\t") for line in run.text.split("\n")]}
            for run in paragraph.runs if run.text]
    return {"kind": "p", "css": css, "runs": runs}


# ---------------------------------------------------------------- 催报

def reminder_context(result: Any, date: dt.date | str | None = None, *,
                     sender: str = REMINDER_SENDER, deadline: str = REMINDER_DEADLINE) -> dict:
    """Variables of the 催报 text: the units that have not reported, by group."""
    period = Period.parse(result.period)
    rows = _records(result.unit_table)
    missing = [r for r in rows if r.get("status") == "missing"]
    groups = list(dict.fromkeys(r.get("group") or "" for r in missing))
    return {**_period_fields(period), "date": nf.cn_date(_as_date(date)), "sender": _clean(sender),
            "deadline": _clean(deadline), "total": len(rows), "units": [r["unit"] for r in missing],
            "units_text": nf.names(r["unit"] for r in missing),
            "groups": [{"name": g, "units": [r["unit"] for r in missing if (r.get("group") or "") == g]}
                       for g in groups]}


def render_reminder(result: Any, date: dt.date | str | None = None,
                    template: str | os.PathLike | None = None) -> str:
    """The 催报 draft as plain text (Jinja, StrictUndefined); `template` a clerk's .j2 file."""
    context = reminder_context(result, date)
    try:
        if template is None:
            tpl = _package_env(autoescape=False).get_template(REMINDER_TEMPLATE)
        else:
            tpl = _package_env(autoescape=False).from_string(_read_text(template))
        return tpl.render(context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(_undefined_message(exc, [])) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"催报模板无法套用：{exc}") from exc


def _read_text(path: str | os.PathLike) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"催报模板“{path}”无法读取（须为 UTF-8 文本）：{exc}") from exc


def write_reminder(result: Any, path: str | os.PathLike, date: dt.date | str | None = None) -> Path:
    """Write the 催报 text (UTF-8 with BOM, CRLF: Notepad and WPS open it as it is)."""
    text = render_reminder(result, date).replace("\r\n", "\n").replace("\n", "\r\n")
    target = Path(path)
    if target.is_dir():
        target = target / reminder_name(result.period)
    return atomic_write(target, text.encode("utf-8-sig"))


# ---------------------------------------------------------------- PDF (LibreOffice)

def fontconfig_xml(stand_ins: dict[str, Iterable[str]] = STAND_INS,
                   weights: dict[str, str] = STAND_IN_WEIGHTS) -> str:
    """A fontconfig file that maps the standard's font names to free fonts (docs/notice.md)."""
    rules = []
    for name, families in stand_ins.items():
        prefer = "".join(f"<string>{family}</string>" for family in families)
        weight = (f'<edit name="weight" mode="assign" binding="strong"><const>{weights[name]}</const>'
                  "</edit>" if name in weights else "")
        rules.append(f'  <match target="pattern"><test name="family"><string>{name}</string></test>'
                     f'<edit name="family" mode="prepend" binding="strong">{prefer}</edit>{weight}</match>')
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            + "\n".join(rules) + "\n</fontconfig>\n")


def convert_to_pdf(docx: str | os.PathLike, out_dir: str | os.PathLike | None = None,
                   timeout: float = 180) -> Path:
    """Convert a .docx to PDF with LibreOffice (soffice), free CJK fonts standing in."""
    source = Path(docx).resolve()
    target_dir = Path(out_dir or source.parent).resolve()
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise OutputError("未找到 LibreOffice（soffice），无法转换为 PDF")
    with tempfile.TemporaryDirectory(prefix="youyi-soffice-") as scratch:
        fonts = Path(scratch) / "fonts.conf"
        fonts.write_text(fontconfig_xml(), encoding="utf-8")
        command = [soffice, f"-env:UserInstallation={Path(scratch, 'profile').as_uri()}",
                   "--headless", "--norestore", "--convert-to", "pdf", "--outdir", str(target_dir),
                   str(source)]
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts)}
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    pdf = target_dir / (source.stem + ".pdf")
    if done.returncode != 0 or not pdf.is_file():
        raise OutputError(f"LibreOffice 未能把“{source.name}”转换为 PDF：{done.stderr.strip()[:200]}")
    return pdf
