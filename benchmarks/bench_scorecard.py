"""Benchmark: write a 成绩单 for 500 units and 20,000 招商引资项目 rows.

    python benchmarks/bench_scorecard.py [--units 500] [--projects 20000] [--keep OUT.xlsx]

The Result is synthetic (evaluate.Result filled with random but well-formed records,
ranked by evaluate.rank_units) so that only the writing is timed. Prints the time of
write_scorecard, the file size and the peak memory of the process.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from youyi_xl.evaluation.scoring import Result, rank_units
from youyi_xl.core.issues import CODES, make_issue
from youyi_xl.core.period import Period
from youyi_xl.plan import load_plan
from youyi_xl.core.schema import KEY_PROJECTS, PLANNED, PROJECTS
from youyi_xl.intake import Batch, ReturnData, TableRead
from youyi_xl.outputs.scorecard import write_scorecard

PERIOD = Period(2022, 6)
PLAN = load_plan()
INDICATORS = PLAN.indicators
KEYS = tuple(i.key for i in INDICATORS)
CHAINS = ("玉米(含鲜食玉米)", "大豆", "水稻", "畜牧(蛋鸡/生猪/肉牛)", "生物质及新能源", "绿色食品", "文化旅游",
          "粮食仓储物流")


def _colour(rules, time_rate):
    return rules.colour(time_rate)


def unit_records(n: int, rules, rng: random.Random) -> list[dict]:
    records = []
    for i in range(n):
        group = "乡镇" if i % 2 == 0 else "部门"
        status = rng.choice(("submitted",) * 8 + ("missing", "errors"))
        record = {"unit": f"单位{i + 1:03d}{group}", "group": group, "order": i + 1, "status": status,
                  "file": "" if status == "missing" else f"单位{i + 1:03d}-2022-06-填报表.xlsx"}
        points = 0.0
        for ind in INDICATORS:
            target = rng.choice((None, 1.0, 2.0, 5.0, 1200.0, 8000.0))
            actual = 0.0 if target is None else round(target * rng.uniform(0, 1.2), 2)
            rate = None if not target else actual / target
            time_rate = None if rate is None else rate / PERIOD.time_progress
            earned = None if time_rate is None else 100 / len(KEYS) * min(time_rate, 1.2)
            points += earned or 0.0
            record.update({f"{ind.key}__target": target, f"{ind.key}__actual": actual, f"{ind.key}__rate": rate,
                           f"{ind.key}__time_rate": time_rate, f"{ind.key}__colour": _colour(rules, time_rate),
                           f"{ind.key}__points": earned})
        deduction = rules.deduction(status)
        record.update(time_rate=points / 100, points=points, deduction=deduction, score=points - deduction,
                      rank=None, rank_label="", colour=_colour(rules, points / 100), advanced=False,
                      lagging=False, errors=int(status == "errors") * 3, warnings=1, vetoed=False)
        records.append(record)
    rank_units(records, rules)
    return records


def unit_returns(names: list[str], projects: int, rng: random.Random) -> list[ReturnData]:
    """Each unit's return with its parsed records, as the scorecard's ledgers read them."""
    rows: dict[str, dict[str, list]] = {n: {} for n in names}
    for table, count in ((PROJECTS, projects), (KEY_PROJECTS, projects // 10), (PLANNED, projects // 20)):
        for i in range(count):
            unit = names[i % len(names)]
            values = {column.key: _value(column, i, rng) for column in table.columns[1:]}
            record = table.make_record(values, unit=unit, file=f"{unit}-2022-06-填报表.xlsx", row=3 + i % 40,
                                       valid=rng.random() > 0.03, identity=(values["name"],))
            rows[unit].setdefault(table.key, []).append(record)
    returns = []
    for unit in names:
        ret = ReturnData(file=f"{unit}-2022-06-填报表.xlsx", path="", unit=unit)
        ret.tables = {key: TableRead(key, records[0].sheet, 2, {}, records=tuple(records))
                      for key, records in rows[unit].items()}
        returns.append(ret)
    return returns


def _value(column, i: int, rng: random.Random):
    if column.kind == "amount":
        return round(rng.uniform(0, 30000), 2)
    if column.kind == "date":
        return dt.date(2022, 1, 1) + dt.timedelta(days=rng.randint(0, 180))
    if column.kind == "yesno":
        return rng.random() < 0.5
    if column.choices:
        return rng.choice(column.choices)
    if column.key == "chain":
        return rng.choice(CHAINS)
    return f"{column.label[:4]}示例文本{i}号（年产{rng.randint(1, 50)}万吨）"


def synthetic_result(units: int, projects: int, seed: int = 1) -> Result:
    rng = random.Random(seed)
    rules = PLAN.rules
    records = unit_records(units, rules, rng)
    names = [r["unit"] for r in records]
    returns = unit_returns(names, projects, rng)
    batch = Batch(PERIOD, None, Path("."), returns, [])
    issues = [make_issue(rng.choice(list(CODES)), f"第{i}处问题说明", "修改建议", file=f"{names[i % units]}.xlsx",
                         sheet="招商引资项目", cell=f"K{3 + i % 40}", unit=names[i % units], value="约500")
              for i in range(projects // 4)]
    return Result(PERIOD, PERIOD.time_progress, PLAN, batch, rules, records, _chains(rules, rng),
                  _key_projects(rules, rng, names, projects // 10), _county(rules, rng), issues)


def _chains(rules, rng) -> list[dict]:
    out = []
    for chain in CHAINS:
        signed, started = rng.randint(0, 4), rng.randint(0, 2)
        out.append({"chain": chain, "leader": "副县长（示例）", "lead_unit": "发展和改革局", "partners": "商务局、友谊镇",
                    "signed_target": 2.0, "signed_actual": signed, "signed_rate": signed / 2,
                    "signed_time_rate": signed / 2 / PERIOD.time_progress,
                    "signed_colour": rules.colour(signed / 2 / PERIOD.time_progress), "started_target": 1.0,
                    "started_actual": started, "started_rate": started, "started_time_rate": started / 0.5,
                    "started_colour": rules.colour(started / 0.5), "projects": "示例项目甲、示例项目乙",
                    "units": "友谊镇、商务局"})
    return out


def _key_projects(rules, rng, names, n: int) -> list[dict]:
    out = []
    for i in range(n):
        plan, done = rng.uniform(500, 20000), rng.uniform(0, 10000)
        out.append({"name": f"重点项目{i}", "category": "市级百大", "nature": "新建", "unit": names[i % len(names)],
                    "chain": rng.choice(CHAINS), "listed": i % 5 != 0, "reported": True, "plan_investment": plan,
                    "completed_investment": done, "rate": done / plan, "time_rate": done / plan / 0.5,
                    "colour": rules.colour(done / plan / 0.5), "status": "已开工",
                    "start_date": dt.date(2022, 3, 1), "file": "x.xlsx", "row": 5})
    return out


def _county(rules, rng) -> list[dict]:
    out = []
    for ind in INDICATORS:
        target = ind.county_target or 1000.0
        actual = target * rng.uniform(0, 0.8)
        out.append({"indicator": ind.key, "label": ind.label, "unit": ind.unit, "target": target, "actual": actual,
                    "rate": actual / target, "time_rate": actual / target / 0.5,
                    "colour": rules.colour(actual / target / 0.5)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=500)
    parser.add_argument("--projects", type=int, default=20000)
    parser.add_argument("--keep", type=Path, help="copy the workbook here")
    args = parser.parse_args(argv)
    result = synthetic_result(args.units, args.projects)
    _ = (result.unit_table, result.chain_table, result.key_project_table, result.county_table, result.issues)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "成绩单-2022-06.xlsx"
        start = time.perf_counter()
        write_scorecard(result, path)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
        if args.keep:
            shutil.copyfile(path, args.keep)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"write_scorecard: {args.units} units, {args.projects} projects, {len(result.issue_list)} issues: "
          f"{seconds:.2f} s, {size / 1e6:.1f} MB, peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
