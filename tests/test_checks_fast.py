"""The per-return checks look for a failing row with a comprehension over a column (or the
rows) before they test row by row, and `measure` shares condition masks: here generated
tables, mostly good with a few bad rows at the start, the end and in between, give the issues
(and counts) of a plain row-by-row reference written out below."""
from __future__ import annotations

import datetime as dt
import math
import random

import pytest

from youyi_xl.core import (
    KEY_PROJECTS,
    NO_NAME,
    PLANNED,
    PROJECTS,
    REPORTED,
    ROW_TABLES,
    Period,
    identity_of,
    measure,
)
from youyi_xl.core.indicators import AT_LEAST, AT_MOST, COUNT, IN, IN_PERIOD, SUM, Condition, Indicator
from youyi_xl.intake import checks
from youyi_xl.intake.returndata import ReturnData, TableRead

PERIOD = Period.parse("2022-03")
END = PERIOD.end
FIRST = dt.date(2022, 1, 1)
SHEETS = {PROJECTS.key: "招商引资项目", KEY_PROJECTS.key: "重点项目进展", PLANNED.key: "策划储备项目"}


# --------------------------------------------------------------------------
# generated returns: good rows, and now and then a bad value
# --------------------------------------------------------------------------

GOOD_DATES = (dt.date(2022, 1, 1), dt.date(2022, 2, 14), dt.date(2022, 3, 31))
BAD_DATES = (dt.date(2021, 12, 31), dt.date(2022, 4, 1), dt.date(2019, 6, 1), dt.date(2023, 1, 1))
BAD_AMOUNTS = (-1.0, -0.001, -1e-9, -5000.0, float("nan"), -0.0, -3, float("-inf"))


def _amount(rnd: random.Random, bad: bool, good: float) -> object:
    return rnd.choice(BAD_AMOUNTS) if bad else rnd.choice((good, 0.0, None, good))


def _date(rnd: random.Random, bad: bool, none_share: float = 0.0) -> object:
    if bad:
        return rnd.choice(BAD_DATES)
    return None if rnd.random() < none_share else rnd.choice(GOOD_DATES)


def _name(rnd: random.Random, bad: bool, prefix: str, i: int) -> object:
    """The row's own name; a bad row's may repeat another's, or be missing (no identity)."""
    return rnd.choice((f"{prefix}{rnd.randrange(3)}", f"{prefix}{rnd.randrange(3)}", None, "")) if bad else f"{prefix}{i}"


def _project(rnd: random.Random, i: int, bad: bool) -> dict:
    pick = (lambda: rnd.random() < 0.4) if bad else (lambda: False)
    start = _date(rnd, pick(), none_share=0.5)
    started = start is not None
    if pick():
        started = rnd.choice((not started, None))
    funds_in = rnd.choice((100.0, 2500.0, None))
    return {"name": _name(rnd, pick(), "项目", i), "investor": "某公司",
            "sign_date": _date(rnd, pick()) if not (bad and pick()) else rnd.choice((None, dt.date(2022, 3, 30))),
            "start_date": start, "started": started,
            "total_investment": _amount(rnd, pick(), 6000.0), "funds_in": funds_in,
            "funds_out_of_province": rnd.choice((3000.0, 99.0, funds_in)) if pick() else _amount(rnd, pick(), 50.0),
            "funds_foreign": rnd.choice((500.0, 20.0)) if pick() else _amount(rnd, pick(), 1.0)}


def _key_project(rnd: random.Random, i: int, bad: bool) -> dict:
    pick = (lambda: rnd.random() < 0.4) if bad else (lambda: False)
    nature = rnd.choice(("新建", "续建"))
    status = rnd.choice(("未开工", "已开工", "已竣工"))
    start = None if status == "未开工" else _date(rnd, pick())
    if pick():
        start = rnd.choice((None, dt.date(2022, 2, 1), dt.date(2020, 5, 1)))
    if nature == "续建" and rnd.random() < 0.5 and start is not None:
        start = dt.date(2020, 5, 1)               # earlier: allowed for 续建
    plan = rnd.choice((1000.0, 0.0, None))
    return {"name": _name(rnd, pick(), "重点", i), "nature": nature, "status": status,
            "category": rnd.choice(("省级百大", "市级百大", "500万元以上产业项目")), "start_date": start,
            "total_investment": _amount(rnd, pick(), 20000.0), "plan_investment": plan,
            "completed_investment": rnd.choice((1600.0, 1500.0, 3000.0)) if pick() else _amount(rnd, pick(), 300.0)}


def _planned(rnd: random.Random, i: int, bad: bool) -> dict:
    pick = (lambda: rnd.random() < 0.5) if bad else (lambda: False)
    return {"name": _name(rnd, pick(), "策划", i), "plan_date": _date(rnd, pick()),
            "total_investment": _amount(rnd, pick(), rnd.choice((6000.0, 4000.0, 5000.0)))}


MAKERS = {PROJECTS.key: _project, KEY_PROJECTS.key: _key_project, PLANNED.key: _planned}


def generated(seed: int, n: int) -> ReturnData:
    """A return whose tables hold `n` rows each (fewer for key projects), ~5% of them bad and
    always the first and the last."""
    rnd = random.Random(seed)
    ret = ReturnData(file=f"单位{seed}.xlsx", path="", unit="友谊镇")
    for table in (PROJECTS, KEY_PROJECTS, PLANNED):
        count = n if table is not KEY_PROJECTS else n // 3
        bad = {0, count - 1} | {i for i in range(count) if rnd.random() < 0.05}
        records = tuple(table.make_record(MAKERS[table.key](rnd, i, i in bad), row=i + 4, sheet=SHEETS[table.key],
                                          unit="友谊镇", file=ret.file) for i in range(count))
        columns = {key: i + 1 for i, key in enumerate(table.value_keys)}
        ret.tables[table.key] = TableRead(table.key, SHEETS[table.key], 2, columns, records=records)
    return ret


# --------------------------------------------------------------------------
# the reference: every row, one test after another
# --------------------------------------------------------------------------

def _found(ret, table, row, code, key, message):
    return (code, row.sheet, row.row, ret.tables[table.key].cell(row.row, key), table.column(key).label, message)


def reference(ret: ReturnData, fx_rate: float) -> list[tuple]:
    out = []
    for table in (PROJECTS, KEY_PROJECTS, PLANNED):                       # amount-negative
        for row in ret.records(table.key):
            for column in table.columns:
                value = getattr(row, column.key, None)
                if column.unit and isinstance(value, float) and value < 0:
                    out.append(_found(ret, table, row, "amount-negative", column.key, f"“{column.label}”不能为负数"))

    def window(date, earliest):
        if isinstance(date, dt.date) and date > END:
            return f"{date:%Y-%m-%d}晚于本期截止日{END:%Y-%m-%d}"
        if isinstance(date, dt.date) and earliest and date < earliest:
            return f"{date:%Y-%m-%d}不在2022年内"
        return ""
    for table, keys in ((PROJECTS, ("sign_date", "start_date")), (PLANNED, ("plan_date",))):   # date-out-of-range
        for row in ret.records(table.key):
            for key in keys:
                if window(getattr(row, key), FIRST):
                    out.append(_found(ret, table, row, "date-out-of-range", key,
                                      f"“{table.column(key).label}”{window(getattr(row, key), FIRST)}"))
    for row in ret.records(KEY_PROJECTS.key):
        problem = window(row.start_date, FIRST if row.nature == "新建" else None)
        if problem:
            out.append(_found(ret, KEY_PROJECTS, row, "date-out-of-range", "start_date", f"“开工日期”{problem}"))
    for row in ret.records(PROJECTS.key):                                 # start-inconsistent
        if row.started is True and row.start_date is None:
            out.append(_found(ret, PROJECTS, row, "start-inconsistent", "start_date", "“是否开工”为“是”，但未填写开工日期"))
        if row.started is False and row.start_date is not None:
            out.append(_found(ret, PROJECTS, row, "start-inconsistent", "started", "填写了开工日期，但“是否开工”为“否”"))
    for row in ret.records(KEY_PROJECTS.key):
        if row.status == "未开工" and row.start_date is not None:
            out.append(_found(ret, KEY_PROJECTS, row, "start-inconsistent", "status", "填写了开工日期，但开工状态为“未开工”"))
        if row.status in ("已开工", "已竣工") and row.nature == "新建" and row.start_date is None:
            out.append(_found(ret, KEY_PROJECTS, row, "start-inconsistent", "start_date",
                              f"新建项目开工状态为“{row.status}”，但未填写开工日期"))
    for row in ret.records(PROJECTS.key):                                 # part-exceeds-whole
        whole, domestic, foreign = row.funds_in, row.funds_out_of_province or 0.0, (row.funds_foreign or 0.0) * fx_rate
        if not isinstance(whole, float):
            continue
        if domestic > whole + 0.01:
            out.append(_found(ret, PROJECTS, row, "part-exceeds-whole", "funds_out_of_province",
                              f"其中省外资金{domestic:g}万元大于本年到位资金{whole:g}万元"))
        elif foreign > whole + 0.01:
            out.append(_found(ret, PROJECTS, row, "part-exceeds-whole", "funds_foreign",
                              f"其中外资折合{foreign:g}万元（汇率{fx_rate:g}）大于本年到位资金{whole:g}万元"))
        elif domestic + foreign > whole + 0.01:
            out.append(_found(ret, PROJECTS, row, "part-exceeds-whole", "funds_out_of_province",
                              f"省外资金与外资（折合）之和{domestic + foreign:g}万元大于本年到位资金{whole:g}万元"))
    for table in (PROJECTS, KEY_PROJECTS, PLANNED):                       # project-duplicate
        seen: dict[tuple, int] = {}
        for row in ret.records(table.key):
            if row.identity != NO_NAME:
                first = seen.setdefault(identity_of(row, table.key), row.row)
                if first != row.row:
                    out.append(_found(ret, table, row, "project-duplicate", "name", f"项目“{row.name}”与第{first}行重复"))
    for row in ret.records(KEY_PROJECTS.key):                             # investment-over-plan
        done, plan = row.completed_investment, row.plan_investment
        if isinstance(done, float) and isinstance(plan, float) and plan > 0 and done > 1.5 * plan:
            out.append(_found(ret, KEY_PROJECTS, row, "investment-over-plan", "completed_investment",
                              f"本年累计完成投资{done:g}万元，超过年度计划投资{plan:g}万元的1.5倍"))
    for row in ret.records(PROJECTS.key):                                 # sign-after-start
        sign, start = row.sign_date, row.start_date
        if isinstance(sign, dt.date) and isinstance(start, dt.date) and sign > start:
            out.append(_found(ret, PROJECTS, row, "sign-after-start", "sign_date",
                              f"签约日期{sign:%Y-%m-%d}晚于开工日期{start:%Y-%m-%d}"))
    return out


ROW_CHECKS = (checks.amount_negative, checks.date_out_of_range, checks.start_inconsistent,
              checks.part_exceeds_whole, checks.project_duplicate, checks.investment_over_plan,
              checks.sign_after_start)


@pytest.mark.parametrize("seed", range(40))
def test_row_checks_report_every_bad_row_as_a_row_by_row_test_does(plan, seed):
    ret = generated(seed, n=[0, 1, 2, 7, 30, 120][seed % 6])
    ctx = checks.Context(plan, PERIOD)
    issues = [i for check in ROW_CHECKS for i in check(ret, ctx)]
    got = [(i.code, i.sheet, i.row, i.cell, i.field, i.message) for i in issues]
    assert got == reference(ret, plan.fx_rate)
    assert all(i.unit == "友谊镇" and i.file == ret.file for i in issues)
    if seed % 6 >= 4:
        assert {code for code, *_ in got} >= {"amount-negative", "date-out-of-range"}   # the test tests


def test_a_table_of_good_rows_and_one_bad_row_anywhere_reports_that_row(plan):
    """One bad value at any position of a long table, for each kind the checks look for."""
    rnd = random.Random(7)
    good = [PROJECTS.make_record({**_project(rnd, i, False), "sign_date": GOOD_DATES[1], "start_date": None,
                                  "started": False}, row=i + 4, sheet="招商引资项目") for i in range(60)]
    bad_values = [{"funds_in": -2.0}, {"funds_foreign": float("nan"), "total_investment": -1.0},
                  {"sign_date": dt.date(2021, 1, 1)}, {"start_date": dt.date(2022, 4, 2), "started": True},
                  {"started": True}, {"start_date": dt.date(2022, 1, 5), "started": True},
                  {"name": good[0].name}, {"name": None, "funds_in": -0.5}]
    ctx = checks.Context(plan, PERIOD)
    for position in (0, 1, 29, 58, 59):
        for change in bad_values:
            rows = list(good)
            rows[position] = PROJECTS.make_record({**rows[position]._asdict(), **change}, row=position + 4,
                                                  sheet="招商引资项目")
            if change == {"name": good[0].name} and position == 0:
                continue
            ret = ReturnData(file="x.xlsx", path="", unit="友谊镇")
            ret.tables[PROJECTS.key] = TableRead(PROJECTS.key, "招商引资项目", 2,
                                                 {k: i + 1 for i, k in enumerate(PROJECTS.value_keys)},
                                                 records=tuple(rows))
            got = [(i.code, i.sheet, i.row, i.cell, i.field, i.message)
                   for check in ROW_CHECKS for i in check(ret, ctx)]
            assert got == reference(ret, plan.fx_rate) != [], (position, change)


# --------------------------------------------------------------------------
# measure: the shared masks count what Condition.holds, row by row, counts
# --------------------------------------------------------------------------

def _reference_value(ind: Indicator, rows: list, end: dt.date) -> float:
    chosen = [r for r in rows if all(c.holds(r, end) for c in ind.conditions)]
    if ind.method == COUNT:
        return float(len(chosen))
    total = 0.0
    for r in chosen:
        v = getattr(r, ind.sum_field)
        total += float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v else 0.0
    return round(total * ind.factor, 6)


EXTRA = (
    Indicator("big", "大项目", "个", source="projects", method=COUNT,
              conditions=(Condition("total_investment", AT_LEAST, (5000.0,), "总投资≥5000"),
                          Condition("sign_date", IN_PERIOD, (), "签约日期在本期"))),
    Indicator("small_sum", "小项目资金", "亿元", source="projects", method=SUM, sum_field="funds_in", factor=0.0001,
              conditions=(Condition("total_investment", AT_MOST, (5000.0,), "总投资≤5000"),
                          Condition("started", IN, (True,), "是否开工=是"))),
    Indicator("all_funds", "到位资金", "万元", source="projects", method=SUM, sum_field="funds_foreign"),
    Indicator("all_rows", "全部", "个", source="planned", method=COUNT),
    Indicator("same_text", "同条件", "个", source="projects", method=COUNT,   # another text, the same test
              conditions=(Condition("sign_date", IN_PERIOD, (), "签约日期属于本期"),)),
)


@pytest.mark.parametrize("seed", range(12))
def test_measure_counts_what_the_conditions_hold_row_by_row(plan, seed):
    ret = generated(100 + seed, n=[0, 3, 40, 90][seed % 4])
    rows = {t.key: ret.records(t.key) for t in ROW_TABLES}
    rnd = random.Random(seed)                     # odd values in the columns counted and summed
    odd = (None, float("nan"), 7, True, -0.0, 5000.0, 5000)
    rows["projects"] = tuple(r._replace(total_investment=rnd.choice(odd)) if rnd.random() < 0.3 else r
                             for r in rows["projects"])
    indicators = (*plan.indicators, *EXTRA)
    got = measure(indicators, rows, END, {"fixed_asset_investment": 12.5})
    for ind in indicators:
        if ind.method == REPORTED:
            assert got[ind.key] == (12.5 if ind.key == "fixed_asset_investment" else None)
        else:
            want = _reference_value(ind, list(rows.get(ind.source, ())), END)
            assert got[ind.key] == want or (math.isnan(want) and math.isnan(got[ind.key])), ind.key
        # one indicator alone (no mask shared) counts the same
        if ind.method != REPORTED:
            assert ind.value(rows.get(ind.source, ()), END) == got[ind.key]
