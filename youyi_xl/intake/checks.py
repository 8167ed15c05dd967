"""Stage 3 — rule checks (DOMAIN §5): each check is a small function that yields issues.

`check_return()` runs RETURN_CHECKS on one return and then marks every row that carries an
error as not counted (`ReturnData.settle`). `check_batch()` runs the checks that need every
return: one return per unit (duplicate-submission) and one project in two units' returns
(project-claimed-twice). Adding a check is adding one function to RETURN_CHECKS (it takes a
return and the `Context` and yields issues) or one step to `check_batch`. Checks never
change a record: they only report.

Most rows pass every check, so a check over a table first looks for the rows that may fail, with
a comprehension over a column or over the rows (no function called per row), and runs its
row-by-row test only on those rows, or only on a table where one was found: the issues, and
their order, are those of the test run on every row (tests/test_checks_fast.py).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Callable, Iterable, Iterator

from ..core import (
    KEY_PROJECTS,
    NO_NAME,
    PLANNED,
    PROJECTS,
    REPORTED,
    ROW_TABLES,
    Issue,
    Period,
    ProjectIndex,
    Reported,
    Table,
    cn_date,
    compact,
    is_blank,
    make_issue,
    measure,
)
from ..plan import Plan
from .returndata import ReturnData

OVER_PLAN_FACTOR = 1.5
MONEY_TOLERANCE = 0.01


@dataclass(frozen=True)
class Context:
    """What a check may know besides the return: the plan and the period collected."""

    plan: Plan
    period: Period
    # worked out once: every date of every row is compared with them (Period.end is not cached)
    end: dt.date = field(init=False, repr=False, compare=False)
    year_start: dt.date = field(init=False, repr=False, compare=False)   # 1 January of the period's year

    def __post_init__(self) -> None:
        object.__setattr__(self, "end", self.period.end)
        object.__setattr__(self, "year_start", dt.date(self.period.year, 1, 1))


class _Where:
    """Builds issues that point at a cell of a row of a table in one return."""

    def __init__(self, ret: ReturnData, table: Table):
        self.ret, self.table = ret, table
        self.read = ret.tables.get(table.key)

    def issue(self, code: str, row: Any, key: str, message: str, hint: str, value: Any = "") -> Issue:
        cell = self.read.cell(row.row, key) if self.read is not None else ""
        shown = value if value != "" else getattr(row, key)
        return make_issue(code, message, hint, row=row.row, file=self.ret.file, sheet=row.sheet,
                          cell=cell, unit=self.ret.unit or "", field=self.table.column(key).label,
                          value=_show(shown))


def _show(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


# --------------------------------------------------------------------------
# checks of one return
# --------------------------------------------------------------------------

# the figures amount_negative looks at: (table, its columns with a unit, a getter for each)
_NUMERIC = tuple((table, numeric, tuple(attrgetter(c.key) for c in numeric))
                 for table in (PROJECTS, KEY_PROJECTS, PLANNED)
                 for numeric in [tuple(c for c in table.columns if c.unit)])


def amount_negative(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """amount-negative: no amount or count of a project row may be below zero."""
    for table, numeric, getters in _NUMERIC:
        rows = ret.records(table.key)
        # a column at a time, the values fetched in C: most tables have no negative figure
        if not any([v for v in map(get, rows) if isinstance(v, float) and v < 0.0] for get in getters):
            continue
        where = _Where(ret, table)
        for row in rows:
            for column in numeric:
                value = getattr(row, column.key)
                if isinstance(value, float) and value < 0:
                    yield where.issue("amount-negative", row, column.key,
                                      f"“{column.label}”不能为负数", "请填写0或正数")


# the dates date_out_of_range looks at: (table, the columns' keys, a getter for each)
_DATED = tuple((table, keys, tuple(map(attrgetter, keys)))
               for table, keys in ((PROJECTS, ("sign_date", "start_date")), (PLANNED, ("plan_date",))))


def date_out_of_range(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """date-out-of-range: 签约日期, 开工日期 and 策划生成日期 lie in the period's year, on or before
    its end; a key project's 开工日期 may be earlier only when it is 续建."""
    first, end = ctx.year_start, ctx.end
    for table, keys, getters in _DATED:
        rows = ret.records(table.key)
        # a column at a time, the values fetched in C: in most tables every date is in the window
        if not any([d for d in map(get, rows) if isinstance(d, dt.date) and not first <= d <= end]
                   for get in getters):
            continue
        where = _Where(ret, table)
        for row in rows:
            for key in keys:
                problem = _out_of_window(getattr(row, key), ctx, earliest=first)
                if problem:
                    label = table.column(key).label
                    yield where.issue("date-out-of-range", row, key, f"“{label}”{problem}",
                                      f"只填写{ctx.period.year}年1月1日至{cn_date(end)}之间的日期")
    yield from _key_project_dates(ret, ctx)


def _out_of_window(date: Any, ctx: Context, earliest: dt.date | None) -> str:
    if not isinstance(date, dt.date):
        return ""
    if date > ctx.end:
        return f"{date:%Y-%m-%d}晚于本期截止日{ctx.end:%Y-%m-%d}"
    if earliest and date < earliest:
        return f"{date:%Y-%m-%d}不在{ctx.period.year}年内"
    return ""


def _key_project_dates(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    first, end = ctx.year_start, ctx.end
    where = _Where(ret, KEY_PROJECTS)
    # the rows whose date is outside the window; only a 新建 project's may not be earlier
    for row in [r for r in ret.records(KEY_PROJECTS.key)
                if isinstance(r.start_date, dt.date) and not first <= r.start_date <= end]:
        earliest = first if row.nature == "新建" else None
        problem = _out_of_window(row.start_date, ctx, earliest)
        if problem:
            yield where.issue("date-out-of-range", row, "start_date", f"“开工日期”{problem}",
                              "新建项目的开工日期应在本年内且不晚于本期截止日；续建项目可填以前年份")


def start_inconsistent(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """start-inconsistent: 是否开工 = 是 needs a 开工日期 and a 开工日期 needs 是否开工 = 是; for
    key projects, 未开工 with a date, or a started 新建 project without one."""
    where = _Where(ret, PROJECTS)
    # 是 (True) without a date or 否 (False) with one: the rows tested below (most rows are neither)
    for row in [r for r in ret.records(PROJECTS.key) if r.started is (r.start_date is None)]:
        if row.started is True and row.start_date is None:
            yield where.issue("start-inconsistent", row, "start_date", "“是否开工”为“是”，但未填写开工日期",
                              "请填写开工日期；尚未开工的请把“是否开工”改为“否”")
        elif row.started is False and row.start_date is not None:
            yield where.issue("start-inconsistent", row, "started", "填写了开工日期，但“是否开工”为“否”",
                              "已开工的请把“是否开工”改为“是”；未开工的请删去开工日期")
    yield from _key_project_starts(ret)


def _key_project_starts(ret: ReturnData) -> Iterator[Issue]:
    where = _Where(ret, KEY_PROJECTS)
    for row in ret.records(KEY_PROJECTS.key):
        status, date = row.status, row.start_date
        if status == "未开工" and date is not None:
            yield where.issue("start-inconsistent", row, "status", "填写了开工日期，但开工状态为“未开工”",
                              "已开工的请把开工状态改为“已开工”；未开工的请删去开工日期")
        elif status in ("已开工", "已竣工") and row.nature == "新建" and date is None:
            yield where.issue("start-inconsistent", row, "start_date",
                              f"新建项目开工状态为“{status}”，但未填写开工日期", "请填写开工日期")


def part_exceeds_whole(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """part-exceeds-whole: 其中省外资金, 其中外资 (converted at the plan's rate) and their sum
    may not exceed 本年到位资金."""
    where = _Where(ret, PROJECTS)
    rate = ctx.plan.fx_rate
    for row in ret.records(PROJECTS.key):
        whole = row.funds_in
        if not isinstance(whole, float):
            continue
        domestic = row.funds_out_of_province or 0.0
        foreign = (row.funds_foreign or 0.0) * rate
        if domestic > whole + MONEY_TOLERANCE:
            yield where.issue("part-exceeds-whole", row, "funds_out_of_province",
                              f"其中省外资金{domestic:g}万元大于本年到位资金{whole:g}万元",
                              "其中省外资金不能超过本年到位资金，请核对")
        elif foreign > whole + MONEY_TOLERANCE:
            yield where.issue("part-exceeds-whole", row, "funds_foreign",
                              f"其中外资折合{foreign:g}万元（汇率{rate:g}）大于本年到位资金{whole:g}万元",
                              "外资单位为万美元，请核对是否按万元误填")
        elif domestic + foreign > whole + MONEY_TOLERANCE:
            yield where.issue("part-exceeds-whole", row, "funds_out_of_province",
                              f"省外资金与外资（折合）之和{domestic + foreign:g}万元大于本年到位资金{whole:g}万元",
                              "请核对到位资金及其中各项")


def project_duplicate(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """project-duplicate: one project (its identity: name, and investor for 招商引资项目) on two
    rows of one table; the second row is reported."""
    for table in (PROJECTS, KEY_PROJECTS, PLANNED):
        rows = ret.records(table.key)
        keys = list(map(attrgetter("identity"), rows))
        named = len(keys) - keys.count(NO_NAME)
        if len(set(keys) - {NO_NAME}) == named:
            continue                # no identity key met twice: no project on two rows (most tables)
        where = _Where(ret, table)
        seen: ProjectIndex[int] = ProjectIndex(table.key)
        for row in rows:
            if row.identity == NO_NAME:
                continue
            first = seen.setdefault(row, row.row)
            if first != row.row:
                yield where.issue("project-duplicate", row, "name",
                                  f"项目“{row.name}”与第{first}行重复", "同一项目只填一行，请删除重复行")


def investment_over_plan(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """investment-over-plan: 本年累计完成投资 above 1.5 × 年度计划投资 (often the total typed)."""
    where = _Where(ret, KEY_PROJECTS)
    for row in ret.records(KEY_PROJECTS.key):
        done, plan = row.completed_investment, row.plan_investment
        if isinstance(done, float) and isinstance(plan, float) and plan > 0 and done > OVER_PLAN_FACTOR * plan:
            yield where.issue("investment-over-plan", row, "completed_investment",
                              f"本年累计完成投资{done:g}万元，超过年度计划投资{plan:g}万元的1.5倍",
                              "请核对是否填成了总投资或单位有误")


def sign_after_start(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """sign-after-start: a project signed after it started (a typo in one of the dates)."""
    where = _Where(ret, PROJECTS)
    # the rows signed after they started, picked in one comprehension (most have no 开工日期 or a later one)
    for row in [r for r in ret.records(PROJECTS.key) if r.start_date is not None
                and isinstance(r.sign_date, dt.date) and isinstance(r.start_date, dt.date)
                and r.sign_date > r.start_date]:
        sign, start = row.sign_date, row.start_date
        yield where.issue("sign-after-start", row, "sign_date",
                          f"签约日期{sign:%Y-%m-%d}晚于开工日期{start:%Y-%m-%d}", "请核对签约日期和开工日期")


def target_changed(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """target-changed: a pre-filled target (指标汇总 年度目标, a key project's 年度计划投资) that
    differs from the plan."""
    if ret.unit is None:
        return
    for key, entry in ret.reported.items():
        written, planned = entry.target, ctx.plan.target(ret.unit, key)
        if isinstance(written, float) and abs(written - (planned or 0.0)) > MONEY_TOLERANCE:
            yield _summary_issue(ret, entry, entry.target_cell, "target-changed",
                                 f"{ctx.plan.indicator(key).label}年度目标被改为{written:g}，目标分解表为{planned or 0:g}",
                                 "年度目标以目标分解表为准，请勿修改", written)
    yield from _key_project_targets(ret, ctx)


def _key_project_targets(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    if not ret.records(KEY_PROJECTS.key):
        return
    listed = {compact(p.name): p for p in ctx.plan.key_projects_of(ret.unit or "")}
    where = _Where(ret, KEY_PROJECTS)
    for row in ret.records(KEY_PROJECTS.key):
        project = listed.get(compact(row.name or "")) if row.identity != NO_NAME else None
        plan_value = row.plan_investment
        if project and isinstance(plan_value, float) and project.plan_investment is not None \
                and abs(plan_value - project.plan_investment) > MONEY_TOLERANCE:
            yield where.issue("target-changed", row, "plan_investment",
                              f"年度计划投资被改为{plan_value:g}万元，重点项目清单为{project.plan_investment:g}万元",
                              "年度计划投资以重点项目清单为准，请勿修改")


def _summary_issue(ret: ReturnData, entry: Reported, cell: str, code: str, message: str, hint: str,
                   value: Any) -> Issue:
    return make_issue(code, message, hint, row=entry.row, file=ret.file, sheet=entry.sheet, cell=cell,
                      unit=ret.unit or "", field="指标汇总", value=_show(value))


def total_mismatch(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """total-mismatch: a 指标汇总 figure that differs from what the rows count to — the rows that
    count, those no error points at (the 填报 indicators, such as 固定资产投资, reported only there,
    excepted); the message names the rows of the indicator's table that were left out. Runs after
    the row checks."""
    if not ret.table_ok("summary"):
        return
    left_out = {(i.sheet, i.row) for i in ret.issues if i.is_error and i.row}
    rows = {t.key: [r for r in ret.records(t.key) if (r.sheet, r.row) not in left_out] if left_out
            else list(ret.records(t.key)) for t in ROW_TABLES}
    counted = measure(ctx.plan.indicators, rows, ctx.end)
    for ind in ctx.plan.indicators:
        key = ind.key
        entry = ret.reported.get(key)
        reported = entry.actual if entry is not None else None
        if ind.method == REPORTED or not isinstance(reported, float):
            continue
        if abs(reported - (counted[key] or 0.0)) > MONEY_TOLERANCE:
            yield _summary_issue(ret, entry, entry.actual_cell, "total-mismatch",
                                 f"指标汇总中{ind.label}填报{reported:g}{ind.unit}，按明细表统计为"
                                 f"{counted[key]:g}{ind.unit}" + _left_out_note(ret, ind, left_out),
                                 "请核对明细表或汇总数；考评以明细表统计数为准", reported)


MAX_ROWS_NAMED = 10


def _left_out_note(ret: ReturnData, ind: Any, left_out: set[tuple[str, int]]) -> str:
    """（“招商引资项目”第4、7行有错误，未计入统计）, or '' when no row of the indicator's table
    (its declared 数据来源) was left out."""
    rows = [r for r in ret.records(ind.source) if (r.sheet, r.row) in left_out]
    if not rows:
        return ""
    shown = "、".join(str(r.row) for r in rows[:MAX_ROWS_NAMED])
    more = f"等{len(rows)}行" if len(rows) > MAX_ROWS_NAMED else "行"
    return f"（“{rows[0].sheet}”第{shown}{more}有错误，未计入统计）"


def reported_missing(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """value-missing: a 填报 indicator (固定资产投资) is counted only from 指标汇总, so a unit with
    a target for it must report it there."""
    if not ret.table_ok("summary") or not ret.unit:
        return
    for ind in ctx.plan.indicators:
        if ind.method != REPORTED or not ctx.plan.target(ret.unit, ind.key):
            continue
        entry = ret.reported.get(ind.key)
        if entry is None:
            yield make_issue("value-missing", f"指标汇总中没有“{ind.label}”一行", "请恢复该行并填写本年累计完成数",
                             file=ret.file, sheet="指标汇总", unit=ret.unit, field=ind.label)
        elif entry.actual is None and entry.actual_cell:
            yield _summary_issue(ret, entry, entry.actual_cell, "value-missing", f"{ind.label}本年累计完成未填写",
                                 f"请填写本年累计完成的{ind.label}（{ind.unit}）", "")


def summary_negative(ret: ReturnData, ctx: Context) -> Iterator[Issue]:
    """amount-negative: a 指标汇总 figure below zero."""
    for entry in ret.reported.values():
        if isinstance(entry.actual, float) and entry.actual < 0:
            yield _summary_issue(ret, entry, entry.actual_cell, "amount-negative", "本年累计完成数不能为负数",
                                 "请填写0或正数", entry.actual)


RETURN_CHECKS: tuple[Callable[[ReturnData, Context], Iterable[Issue]], ...] = (
    amount_negative, date_out_of_range, start_inconsistent, part_exceeds_whole, project_duplicate,
    investment_over_plan, sign_after_start, target_changed, total_mismatch, reported_missing,
    summary_negative,
)


def check_return(ret: ReturnData, plan: Plan, period: Period) -> None:
    """Run every single-return check, then mark rows with errors as not counted. A form sent
    back as it was issued (nothing typed) is one form-blank error, not one error per cell."""
    if ret.file_error:
        return
    if is_untouched(ret):
        ret.issues = [i for i in ret.issues if not i.is_error]
        ret.add("form-blank", "这是未填写的空白填报表：封面的填报人、填报日期和各表都没有填写内容，本文件未计入",
                "请报送单位填写本期数据后重新报送；如已填写，请确认发来的不是下发的空白表")
        ret.file_error = True
        return
    ctx = Context(plan, period)
    for check in RETURN_CHECKS:
        ret.issues.extend(check(ret, ctx))
    ret.settle()


def is_untouched(ret: ReturnData) -> bool:
    """Nothing of the unit's own in the return: no 填报人, 联系电话 or 填报日期 on the cover, no row
    in the tables it adds rows to, no figure typed in 指标汇总, and the pre-filled key-project
    rows as issued (every column the form does not pre-fill empty)."""
    if any(not is_blank(ret.cover.get(key)) for key in ("filler", "phone", "leader")) or ret.fill_date:
        return False
    if any(ret.records(t.key) for t in (PROJECTS, PLANNED)):
        return False
    if any(entry.actual is not None for entry in ret.reported.values()):
        return False
    if any(i.code != "value-missing" and i.severity != "info" for i in ret.issues):
        return False           # something was typed, wrongly (a text in a number cell, say)
    typed = [c.key for c in KEY_PROJECTS.columns if not c.prefilled and c.key != "seq"]
    return not any(not is_blank(getattr(r, key)) for r in ret.records(KEY_PROJECTS.key) for key in typed)


BLANK_SHARE = 0.8     # this share of the returns blank (and at least two): the folder is the issued forms


def blank_batch_issues(returns: list[ReturnData]) -> list[Issue]:
    """One batch-wide warning when (nearly) every file is an untouched form: the clerk has
    pointed at the folder of issued forms, not the returns."""
    readable = [r for r in returns if r.unit]
    blank = [r for r in readable if any(i.code == "form-blank" for i in r.issues)]
    if len(blank) < 2 or len(blank) < BLANK_SHARE * len(readable):
        return []
    return [make_issue("forms-all-blank", f"{len(readable)}份报表中有{len(blank)}份是未填写的空白填报表，"
                       "像是下发的表格而不是各单位报回的报表",
                       "请确认选择的是回收报表的文件夹；空白表不计入考评")]


# --------------------------------------------------------------------------
# checks across the batch
# --------------------------------------------------------------------------

@dataclass
class BatchChecked:
    """The outcome of the batch checks: the returns in use, the versions not used, the issues,
    and the projects claimed by more than one unit (identity -> units, sorted)."""

    kept: list[ReturnData]
    superseded: list[ReturnData]
    issues: list[Issue] = field(default_factory=list)
    claims: ProjectIndex = field(default_factory=lambda: ProjectIndex(PROJECTS.key))


def check_batch(returns: list[ReturnData]) -> BatchChecked:
    """One return per unit (the others duplicate-submission), then projects claimed twice."""
    kept, issues = pick_submissions(returns)
    kept.sort(key=lambda r: r.file)
    used = {id(r) for r in kept}
    superseded = [r for r in returns if id(r) not in used]
    claims, claim_issues = claimed_twice(kept)
    return BatchChecked(kept, superseded, issues + claim_issues, claims)


def pick_submissions(returns: list[ReturnData]) -> tuple[list[ReturnData], list[Issue]]:
    """duplicate-submission: one return per unit, the newest by 填报日期, then file time; the
    others are named."""
    by_unit: dict[str, list[ReturnData]] = {}
    kept: list[ReturnData] = []
    for ret in returns:
        if ret.unit and not ret.file_error:
            by_unit.setdefault(ret.unit, []).append(ret)
        else:
            kept.append(ret)
    issues: list[Issue] = []
    for unit, group in by_unit.items():
        group.sort(key=lambda r: (r.fill_date or dt.date.min, r.mtime, r.file), reverse=True)
        kept.append(group[0])
        for other in group[1:]:
            issues.append(make_issue(
                "duplicate-submission", f"{unit}报送了{len(group)}份文件，本次采用“{group[0].file}”，本文件未采用",
                "如本文件才是正确版本，请删除其他版本后重新汇总", file=other.file, unit=unit,
                value=other.fill_date.isoformat() if other.fill_date else ""))
    return kept, issues


def claimed_twice(returns: list[ReturnData]) -> tuple[ProjectIndex, list[Issue]]:
    """project-claimed-twice: the same project (name + investor) in two units' returns,
    reported for each unit; returns the claims (project -> units) and the issues."""
    owners: ProjectIndex[list[tuple[ReturnData, Any]]] = ProjectIndex(PROJECTS.key)
    for ret in returns:
        if ret.file_error or not ret.unit:
            continue
        for row in ret.records(PROJECTS.key):
            if row.valid and row.name:
                found = owners.setdefault(row, [])
                found.append((ret, row))
    claims: ProjectIndex[tuple[str, ...]] = ProjectIndex(PROJECTS.key)
    issues = []
    for found in owners.values():
        if len(found) < 2:
            continue                    # one row: most projects
        units = tuple(sorted({ret.unit for ret, _ in found}))
        if len(units) < 2:
            continue
        claims.setdefault(found[0][1], units)
        for ret, row in found:
            others = "、".join(u for u in units if u != ret.unit)
            issues.append(_Where(ret, PROJECTS).issue(
                "project-claimed-twice", row, "name", f"项目“{row.name}”同时出现在{others}的报表中（重复统计）",
                "请与相关单位核实项目归属；全县汇总只计一次"))
    return claims, issues
