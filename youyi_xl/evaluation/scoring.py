"""Stage 4 — evaluation: indicators, 序时完成率, points, ranks, chains, key projects, county.

`evaluate(batch, plan, rules)` turns a collected `Batch` into a `Result`
(DOMAIN §4.1, §6, §8; the contract is docs/architecture.md, the rules docs/scoring.md).
Every indicator is the plan's declaration (`plan.indicators`), counted by `core.measure` over
the rows without errors; a project claimed by two units counts for each unit and once for the
county and the chains.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterable, Iterator

from ..core import (
    COLOUR_LABELS,
    PROJECTS,
    REPORTED,
    ROW_TABLES,
    Indicator,
    Issue,
    Period,
    ProjectIndex,
    chinese_frame,
    compact,
    is_signed,
    is_started,
    issues_frame,
    measure,
    without_cyclic_gc,
)
from ..intake import Batch
from ..plan import (
    Chain,
    IndicatorRule,
    KeyProject,
    Plan,
    Rules,
    rules_error_for_unit,
)
from .views import ranking_frame, result_html, result_repr

ON_SCHEDULE = 1.0          # 序时完成率 at 序时进度: a unit at or above it is never 后进
NOT_RANKED = "不参评"       # rank_label of a unit with no scored target at all
INDICATOR_FIELDS = ("target", "actual", "rate", "time_rate", "colour", "points")

# --------------------------------------------------------------------------
# column keys and their Chinese labels (declared once; the views rename with them)
# --------------------------------------------------------------------------

FIELD_LABELS = {"target": "年度目标", "actual": "累计完成", "rate": "完成率", "time_rate": "序时完成率",
                "colour": "颜色", "points": "得分"}
UNIT_HEAD = {"unit": "单位", "group": "类别", "order": "序号", "status": "报送状态", "file": "来源文件"}
UNIT_TAIL = {
    "time_rate": "综合序时完成率", "points": "指标得分", "deduction": "扣分", "score": "综合得分",
    "rank": "排名", "rank_label": "名次", "colour": "综合颜色", "advanced": "先进", "lagging": "后进",
    "errors": "错误数", "warnings": "警告数", "vetoed": "一票否决", "provisional": "名次待更正",
}


def unit_labels(indicators: Iterable[Indicator]) -> dict[str, str]:
    """The columns of result.unit_table (per indicator k: k__target … k__points) and their labels."""
    per_indicator = {f"{ind.key}__{f}": f"{ind.label}·{FIELD_LABELS[f]}" for ind in indicators
                     for f in INDICATOR_FIELDS}
    return {**UNIT_HEAD, **per_indicator, **UNIT_TAIL}


def chain_labels(min_investment: float) -> dict[str, str]:
    """The columns of result.chain_table and their labels (the signed projects' investment floor
    is the plan's: 产业链项目投资下限)."""
    signed = f"签约{min_investment:g}万元以上项目"
    return {"chain": "产业链", "leader": "链长", "lead_unit": "牵头单位", "partners": "配合单位",
            **{f"signed_{f}": f"{signed}·{FIELD_LABELS.get(f, '完成')}" for f in ("target", "actual", "rate",
                                                                              "time_rate", "colour")},
            **{f"started_{f}": f"落地开工项目·{FIELD_LABELS.get(f, '完成')}" for f in ("target", "actual", "rate",
                                                                                 "time_rate", "colour")},
            "projects": "计入项目", "units": "报送单位"}


CHAIN_LABELS = chain_labels(5000)        # the column keys (the labels follow the plan: Result.chains)
KEY_PROJECT_LABELS: dict[str, str] = {
    "name": "项目名称", "category": "项目类别", "nature": "建设性质", "unit": "责任单位",
    "chain": "所属产业链", "leader": "包保县级领导", "listed": "清单内项目", "reported": "已填报",
    "plan_investment": "年度计划投资(万元)", "completed_investment": "本年累计完成投资(万元)", "rate": "完成率",
    "time_rate": "序时完成率", "colour": "颜色", "status": "开工状态", "start_date": "开工日期",
    "progress": "形象进度", "problems": "存在问题", "file": "来源文件", "row": "来源行",
}
COUNTY_LABELS: dict[str, str] = {
    "indicator": "指标代码", "label": "指标", "unit": "计量单位", "target": "全县目标",
    "actual": "全县累计完成", "rate": "完成率", "time_rate": "序时完成率", "colour": "颜色",
}
CHAIN_COLUMNS = tuple(CHAIN_LABELS)
KEY_PROJECT_COLUMNS = tuple(KEY_PROJECT_LABELS)
COUNTY_COLUMNS = tuple(COUNTY_LABELS)
JSON_UNIT_EXTRAS = ("rank_label", "time_rate", "colour", "points", "advanced", "lagging", "vetoed",
                    "provisional", "errors", "warnings")


# --------------------------------------------------------------------------
# the result
# --------------------------------------------------------------------------

@dataclass
class Result:
    """One period evaluated. Records are plain dicts; the DataFrames are built on first access."""

    period: Period
    time_progress: float
    plan: Plan
    batch: Batch
    rules: Rules
    unit_records: list[dict[str, Any]]
    chain_records: list[dict[str, Any]]
    key_project_records: list[dict[str, Any]]
    county_records: list[dict[str, Any]]
    issue_list: list[Issue] = field(default_factory=list)
    comparison: Any = None     # history.Comparison with the previous period, when one is recorded
    rerun: Any = None          # history.Rerun: the same period as last recorded, when run again

    @cached_property
    def unit_table(self):
        return _frame(self.unit_records, tuple(unit_labels(self.plan.indicators)))

    @cached_property
    def chain_table(self):
        return _frame(self.chain_records, CHAIN_COLUMNS)

    @cached_property
    def key_project_table(self):
        return _frame(self.key_project_records, KEY_PROJECT_COLUMNS)

    @cached_property
    def county_table(self):
        return _frame(self.county_records, COUNTY_COLUMNS)

    # the Chinese views: Chinese column labels and Chinese values (已报送, 绿, 是/否)
    @property
    def units(self):
        """unit_table in Chinese."""
        return chinese_frame(self.unit_table, unit_labels(self.plan.indicators))

    @property
    def chains(self):
        return chinese_frame(self.chain_table, chain_labels(self.plan.settings.chain_min_investment))

    @property
    def key_projects(self):
        return chinese_frame(self.key_project_table, KEY_PROJECT_LABELS)

    @property
    def county(self):
        return chinese_frame(self.county_table, COUNTY_LABELS)

    @property
    def ranking(self):
        """The compact ranking: 类别, 名次, 单位, 报送状态, 综合得分, 综合序时完成率, 评定, 滞后指标,
        后进原因 (views.ranking_frame)."""
        return ranking_frame(self)

    def __repr__(self) -> str:
        return result_repr(self)

    def _repr_html_(self) -> str:
        return result_html(self)

    @cached_property
    def issues(self):
        return issues_frame(self.issue_list)

    def to_json(self) -> dict[str, Any]:
        """The dict written to result-2022-03.json: plain numbers, null for no value, ISO dates."""
        return {key: list(value) if isinstance(value, Iterator) else value for key, value in self.json_items()}

    def json_items(self) -> Iterator[tuple[str, Any]]:
        """The entries of `to_json()` in order, its long lists (units, chains, key projects,
        issues) as iterators: a writer can encode them one item at a time (10,000 units: the
        whole dict and its text were ~150 MB)."""
        keys = [i.key for i in self.plan.indicators]
        yield "period", self.period.key
        yield "time_progress", _plain(self.time_progress)
        yield "units", (_unit_json(r, keys) for r in self.unit_records)
        yield "chains", (_plain_dict(r) for r in self.chain_records)
        yield "key_projects", (_plain_dict(r) for r in self.key_project_records)
        yield "county", {r["indicator"]: {f: _plain(r[f]) for f in INDICATOR_FIELDS if f in r}
                         for r in self.county_records}
        yield "issues", (i.to_dict() for i in self.issue_list)
        yield "previous", _comparison_json(self.comparison)
        if self.rerun is not None and self.rerun.moved:
            yield "rerun", self.rerun.to_json()


def _comparison_json(comparison: Any) -> dict[str, Any] | None:
    """较上期: the previous period and each unit's rank change and newly signed projects."""
    if comparison is None:
        return None
    return {"period": comparison.previous.key,
            "rank_change": dict(sorted(comparison.rank_change.items())),
            "new_signed": {u: _plain(v) for u, v in sorted(comparison.new_signed.items())},
            "county_new": {k: _plain(v) for k, v in comparison.county_new.items()}}


INTEGER_COLUMNS = ("order", "rank", "errors", "warnings", "row")   # nullable: Int64


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...]):
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in INTEGER_COLUMNS:
        if column in frame.columns:
            frame[column] = frame[column].astype("Int64")
    return frame


def _unit_json(record: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    indicators = {k: {f: _plain(record[f"{k}__{f}"]) for f in INDICATOR_FIELDS} for k in keys}
    head = {k: _plain(record[k]) for k in ("unit", "group", "status", "file")}
    tail = {k: _plain(record[k]) for k in ("deduction", "score", "rank", *JSON_UNIT_EXTRAS)}
    return {**head, "indicators": indicators, **tail}


def _plain_dict(record: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in record.items()}


def _plain(value: Any) -> Any:
    """JSON-ready: NaN → None, floats rounded to 6 places, dates ISO, tuples as lists."""
    kind = type(value)
    if value is None or kind in (str, int, bool):
        return value
    if kind is float or isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):          # a numpy scalar
        return _plain(value.item())
    return str(value)


# --------------------------------------------------------------------------
# what the evaluation needs from the batch, indexed once
# --------------------------------------------------------------------------

class _Intake:
    """What the evaluation reads from the batch: files, statuses and issue counts by unit, and
    the records that count (DOMAIN §4.1), through the Batch's own accessors."""

    def __init__(self, batch: Batch, plan: Plan):
        self.plan, self.end, self.batch = plan, batch.period.end, batch
        self.files: dict[str, str] = batch.files
        self.errors = {u.name: batch.issue_count(u.name, "error") for u in plan.units}
        self.warnings = {u.name: batch.issue_count(u.name, "warning") for u in plan.units}
        self._counted: dict[tuple[str, str], list[Any]] = {}

    def status(self, unit: str) -> str:
        """submitted / missing / errors: the batch's rule (Batch.status)."""
        return self.batch.status(unit)

    def rows(self, unit: str, table: str) -> list[Any]:
        """The records of one table of a unit's return that count (found once; never change the list)."""
        found = self._counted.get((unit, table))
        if found is None:
            found = self._counted[(unit, table)] = list(self.batch.rows(table, unit, counted=True))
        return found

    def reported(self, unit: str) -> dict[str, float]:
        """The 填报 indicators: the unit's own 指标汇总 figures; 0 when absent or in error."""
        figures = self.batch.reported_of(unit)
        out = {}
        for ind in self.plan.indicators:
            entry = figures.get(ind.key) if ind.method == REPORTED else None
            value = entry.actual if entry is not None and entry.valid else None
            out[ind.key] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
        return out

    def actuals(self, unit: str) -> dict[str, float]:
        rows = {table.key: self.rows(unit, table.key) for table in ROW_TABLES}
        return measure(self.plan.indicators, rows, self.end, self.reported(unit))

    @cached_property
    def distinct_projects(self) -> list[tuple[str, Any]]:
        """(unit, record) of every counted 招商引资项目, a project claimed twice only once
        (the row of the unit listed first in the plan)."""
        seen: ProjectIndex[Any] = ProjectIndex("projects")
        out = []
        for unit in self.plan.units:
            for row in self.rows(unit.name, "projects"):
                if seen.setdefault(row, row) is row:
                    out.append((unit.name, row))
        return out


# --------------------------------------------------------------------------
# evaluate
# --------------------------------------------------------------------------

@without_cyclic_gc
def evaluate(batch: Batch, plan: Plan | None = None, rules: Rules | None = None) -> Result:
    """Score and rank every plan unit for the batch's period; chains, key projects, county."""
    plan = plan if plan is not None else batch.plan
    rules = rules if rules is not None else plan.rules
    period = batch.period
    intake = _Intake(batch, plan)
    scorer = _Scorer(rules, period.time_progress, [i.key for i in plan.indicators])
    actuals = {u.name: intake.actuals(u.name) for u in plan.units}
    units = [scorer.unit_record(u, plan, intake, actuals[u.name]) for u in plan.units]
    rank_units(units, rules, _vetoed(rules, plan))
    return Result(period, period.time_progress, plan, batch, rules, units,
                  chain_records(intake, plan.chains, scorer, plan.settings.chain_min_investment),
                  key_project_records(intake, plan, scorer),
                  county_records(intake, plan, scorer, actuals), list(batch.issue_list))


def _vetoed(rules: Rules, plan: Plan) -> set[str]:
    """Canonical names of the units barred from 先进 (empty unless 一票否决 is on)."""
    if not rules.veto:
        return set()
    names = set()
    for entry in rules.vetoed:
        unit = plan.unit(entry.unit)
        if unit is None:
            raise rules_error_for_unit(rules, entry)
        names.add(unit.name)
    return names


class _Scorer:
    """Rates, colours and points under one set of rules and one 序时进度."""

    def __init__(self, rules: Rules, time_progress: float, keys: list[str]):
        self.rules, self.tp, self.keys = rules, time_progress, keys
        # the unit records' column names, made once: every record holds the same key objects
        self.columns = [(key, [(f, f"{key}__{f}") for f in INDICATOR_FIELDS]) for key in keys]
        self.by_key: dict[str, IndicatorRule] = {r.key: r for r in rules.indicators}

    def rates(self, target: float | None, actual: float | None) -> tuple[float | None, float | None, str]:
        """(完成率, 序时完成率, colour); no rate and grey when there is no target."""
        if not target or target <= 0 or actual is None:
            return None, None, "grey"
        rate = round(actual / target, 6)
        time_rate = round(actual / (target * self.tp), 6)
        return rate, time_rate, self.rules.colour(time_rate)

    def indicators(self, targets: dict[str, float | None], actuals: dict[str, float | None]) -> dict:
        cells = {}
        for key in self.keys:
            rate, time_rate, colour = self.rates(targets.get(key), actuals.get(key))
            cells[key] = {"target": targets.get(key), "actual": actuals.get(key), "rate": rate,
                          "time_rate": time_rate, "colour": colour, "points": None}
        return cells

    def points(self, cells: dict[str, dict]) -> float | None:
        """Points of the scored indicators with a target, weights rescaled to 100 (None: nothing to score)."""
        scored = [k for k in self.keys if self.by_key[k].scored and cells[k]["time_rate"] is not None]
        total = sum(self.by_key[k].weight for k in scored)
        if total <= 0:
            return None
        raw = {}
        for key in scored:
            rule = self.by_key[key]
            raw[key] = rule.weight * 100.0 / total * min(cells[key]["time_rate"], rule.cap)
            cells[key]["points"] = round(raw[key], 6)
        return round(sum(raw.values()), 6)

    def unit_record(self, unit, plan: Plan, intake: _Intake, actuals: dict) -> dict[str, Any]:
        cells = self.indicators(plan.targets.get(unit.name, {}), actuals)
        points = self.points(cells)
        status = intake.status(unit.name)
        deduction = self.rules.deduction(status)
        time_rate = round(points / 100.0, 6) if points is not None else None
        record: dict[str, Any] = {"unit": unit.name, "group": unit.group, "order": unit.order,
                                  "status": status, "file": intake.files.get(unit.name, "")}
        for key, columns in self.columns:
            record.update({name: cells[key][f] for f, name in columns})
        record.update(time_rate=time_rate, points=points, deduction=deduction,
                      score=round(points - deduction, 6) if points is not None else None,
                      rank=None, rank_label=NOT_RANKED, colour=self.rules.colour(time_rate),
                      advanced=False, lagging=False, errors=intake.errors[unit.name],
                      warnings=intake.warnings[unit.name], vetoed=False,
                      provisional=status == "errors" and points is not None)
        return record


# --------------------------------------------------------------------------
# ranks, 先进 and 后进
# --------------------------------------------------------------------------

def rank_units(records: list[dict[str, Any]], rules: Rules, vetoed: Iterable[str] = ()) -> None:
    """Rank within each group by score (equal to 2 decimals: 1 2 2 4); mark 先进 and 后进."""
    vetoed = set(vetoed)
    for record in records:
        record["vetoed"] = record["unit"] in vetoed
    for group in dict.fromkeys(r["group"] for r in records):
        members = [r for r in records if r["group"] == group and r["score"] is not None]
        _rank_group(members)
        _mark_advanced(members, rules.advanced_count)
        _mark_lagging(members, rules.lagging_count)


def _rounded(record: dict[str, Any]) -> float:
    return round(record["score"], 2)


def _rank_group(members: list[dict[str, Any]]) -> None:
    ordered = sorted(_rounded(r) for r in members)
    for record in members:
        score = _rounded(record)
        above = len(ordered) - bisect.bisect_right(ordered, score)
        ties = bisect.bisect_right(ordered, score) - bisect.bisect_left(ordered, score)
        record["rank"] = above + 1
        record["rank_label"] = f"{'并列' if ties > 1 else ''}第{above + 1}名"


def _mark_advanced(members: list[dict[str, Any]], count: int) -> None:
    """The top `count` among units that reported and are not barred (ties at the edge included)."""
    eligible = [r for r in members if r["status"] != "missing" and not r["vetoed"]]
    ordered = sorted(_rounded(r) for r in eligible)
    for record in eligible:
        record["advanced"] = len(ordered) - bisect.bisect_right(ordered, _rounded(record)) < count


def _mark_lagging(members: list[dict[str, Any]], count: int) -> None:
    """The bottom `count` of the group that are also below 序时进度 (and not 先进)."""
    ordered = sorted(_rounded(r) for r in members)
    for record in members:
        below = bisect.bisect_left(ordered, _rounded(record))
        record["lagging"] = (below < count and record["time_rate"] < ON_SCHEDULE
                             and not record["advanced"])


# --------------------------------------------------------------------------
# chains (attachment 2), key projects (attachment 3), county
# --------------------------------------------------------------------------

def chain_records(intake: _Intake, chains: Iterable[Chain], scorer: _Scorer,
                  min_investment: float) -> list[dict[str, Any]]:
    """Per chain: signed projects of `min_investment` (万元, 5,000 in 2022) or more and started
    projects, each project once."""
    tally: dict[str, dict[str, list]] = {c.name: {"signed": [], "started": [], "units": []} for c in chains}
    for unit, row in intake.distinct_projects:
        entry = tally.get(row.chain or "")
        if entry is None or not is_signed(row, intake.end):
            continue
        big = (row.total_investment or 0) >= min_investment
        started = is_started(row, intake.end)
        if big:
            entry["signed"].append(row.name)
        if started:
            entry["started"].append(row.name)
        if big or started:
            entry["units"].append(unit)
    return [_chain_record(c, tally[c.name], scorer) for c in chains]


def _chain_record(chain: Chain, entry: dict[str, list], scorer: _Scorer) -> dict[str, Any]:
    record: dict[str, Any] = {"chain": chain.name, "leader": chain.leader, "lead_unit": chain.lead_unit,
                              "partners": "、".join(chain.partners)}
    for key, target in (("signed", chain.signed_target), ("started", chain.started_target)):
        actual = float(len(entry[key]))
        rate, time_rate, colour = scorer.rates(target, actual)
        record.update({f"{key}_target": target, f"{key}_actual": actual, f"{key}_rate": rate,
                       f"{key}_time_rate": time_rate, f"{key}_colour": colour})
    record["projects"] = "、".join(dict.fromkeys(entry["signed"] + entry["started"]))
    record["units"] = "、".join(dict.fromkeys(entry["units"]))
    return record


def key_project_records(intake: _Intake, plan: Plan, scorer: _Scorer) -> list[dict[str, Any]]:
    """Every listed key project (reported or not), then reported projects not in the list."""
    records, matched = [], set()
    by_unit: dict[str, dict[str, Any]] = {}         # a unit's rows by compact name (the first one kept)
    for project in plan.key_projects:
        rows = by_unit.get(project.unit)
        if rows is None:
            rows = by_unit[project.unit] = {compact(r.name or ""): r
                                            for r in reversed(intake.rows(project.unit, "key_projects"))}
        row = rows.get(compact(project.name))
        if row is not None:
            matched.add(id(row))
        records.append(_key_project_record(project, row, intake.files.get(project.unit, ""), scorer))
    for unit in plan.units:
        for row in intake.rows(unit.name, "key_projects"):
            if id(row) not in matched:
                records.append(_unlisted_record(unit.name, row, intake.files.get(unit.name, ""), scorer))
    return records


def _key_project_record(project: KeyProject, row: Any, file: str, scorer: _Scorer) -> dict[str, Any]:
    completed = row.completed_investment if row else None
    rate, time_rate, colour = scorer.rates(project.plan_investment, completed)
    return {"name": project.name, "category": project.category, "nature": project.nature,
            "unit": project.unit, "chain": project.chain, "leader": project.leader or "", "listed": True,
            "reported": row is not None, "plan_investment": project.plan_investment,
            "completed_investment": completed, "rate": rate, "time_rate": time_rate, "colour": colour,
            "status": (row.status or "") if row else "", "start_date": row.start_date if row else None,
            "progress": (row.progress or "") if row else "", "problems": (row.problems or "") if row else "",
            "file": file if row else "", "row": row.row if row else None}


def _unlisted_record(unit: str, row: Any, file: str, scorer: _Scorer) -> dict[str, Any]:
    plan_investment = row.plan_investment
    rate, time_rate, colour = scorer.rates(plan_investment, row.completed_investment)
    return {"name": row.name, "category": row.category, "nature": row.nature,
            "unit": unit, "chain": row.chain or "", "leader": "", "listed": False, "reported": True,
            "plan_investment": plan_investment, "completed_investment": row.completed_investment,
            "rate": rate, "time_rate": time_rate, "colour": colour, "status": row.status or "",
            "start_date": row.start_date, "progress": row.progress or "", "problems": row.problems or "",
            "file": file, "row": row.row}


def county_records(intake: _Intake, plan: Plan, scorer: _Scorer,
                   unit_actuals: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """County totals: every counted row once (a project claimed twice once); the 填报 indicators
    (固定资产投资) are the sum of the units' figures."""
    rows = {table.key: [r for u in plan.units for r in intake.rows(u.name, table.key)] for table in ROW_TABLES}
    rows[PROJECTS.key] = [row for _, row in intake.distinct_projects]
    reported = {i.key: round(sum(a[i.key] or 0.0 for a in unit_actuals.values()), 6)
                for i in plan.indicators if i.method == REPORTED}
    actual = measure(plan.indicators, rows, intake.end, reported)
    records = []
    for ind in plan.indicators:
        target = plan.county_targets.get(ind.key)
        rate, time_rate, colour = scorer.rates(target, actual[ind.key])
        records.append({"indicator": ind.key, "label": ind.label, "unit": ind.unit, "target": target,
                        "actual": actual[ind.key], "rate": rate, "time_rate": time_rate, "colour": colour})
    return records


__all__ = ["Result", "evaluate", "rank_units", "unit_labels", "chain_labels", "CHAIN_LABELS",
           "KEY_PROJECT_LABELS", "COUNTY_LABELS", "COLOUR_LABELS"]
