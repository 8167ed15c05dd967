"""The batch shapes the benchmarks measure, generated here (once, cached under benchmarks/_data/).

- ``own``: youyi-xl's own shape — one clean return per unit of about 60 rows, the form as
  issued (youyi_xl.demo.write_large_batch).
- ``other``: returns as another county's units send them — most of them small (2 to 8 project
  rows), every one with extra sheets the form does not have (a 说明 sheet of text, a 附表 of
  numbers), a title row typed above the projects' header, the projects sheet renamed; and one
  return in 50 big (500 project rows). Every cell still reads as the form means it.

Both are written in two processes; each generated file is a deterministic function of its
unit and the seed.
"""
from __future__ import annotations

import dataclasses
import os
import random
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PERIOD = "2022-03"
SHAPES = ("own", "other")
BIG_EVERY = 50          # in the other shape, one return in this many is big
BIG_ROWS = 500


def prepare(n: int, shape: str = "own", data: Path = DATA) -> tuple[Path, Path]:
    """The plan folder and the returns folder for N units of `shape` (generated once)."""
    from youyi_xl.demo import make_large_plan
    from youyi_xl.plan import load_plan

    plan_dir = data / f"plan-{n}"
    returns = data / (f"returns-{n}" if shape == "own" else f"returns-{shape}-{n}")
    done = returns / ".complete"
    if done.exists():
        return plan_dir, returns
    if not (plan_dir / "attachment1.xlsx").exists():
        make_large_plan(n, plan_dir)
    plan = load_plan(plan_dir)
    names = [u.name for u in plan.units[:n]]
    workers = os.cpu_count() or 1
    chunks = [names[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_chunk, [(plan_dir, returns, chunk, shape) for chunk in chunks]))
    done.write_text("ok", encoding="utf-8")
    return plan_dir, returns


def _write_chunk(args: tuple[Path, Path, list[str], str]) -> None:
    from youyi_xl.demo import write_large_batch
    from youyi_xl.plan import load_plan

    plan_dir, returns, names, shape = args
    plan = load_plan(plan_dir)
    chosen = dataclasses.replace(plan, units=tuple(u for u in plan.units if u.name in set(names)))
    if shape == "own":
        write_large_batch(chosen, PERIOD, returns, len(chosen.units))
        return
    order = {u.name: i for i, u in enumerate(plan.units)}
    for unit in chosen.units:
        _write_other(plan, unit.name, order[unit.name], returns)


def _write_other(plan, unit: str, index: int, returns: Path) -> Path:
    """One return of the other shape, typed into the unit's form and then edited as units do."""
    import openpyxl

    from youyi_xl.demo import fill_form, sample_return
    from youyi_xl.outputs import make_forms

    rng = random.Random(index)
    rows = BIG_ROWS if index % BIG_EVERY == 0 else rng.randint(2, 8)
    returns.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        form = make_forms(plan, PERIOD, tmp, [unit])[0]
        values = sample_return(plan, unit, PERIOD, index, n_projects=rows, n_planned=max(1, rows // 6))
        typed = fill_form(form, out=Path(tmp) / "typed.xlsx", plan=plan, **values)
        book = openpyxl.load_workbook(typed)
    projects = book["招商引资项目"]
    projects.insert_rows(1)
    projects["A1"] = f"{unit}2022年招商引资项目台账（{rng.choice(['第一季度', '1-3月', '一季度'])}）"
    projects.title = "附表1 招商项目"
    notes = book.create_sheet("说明")
    for line in range(1, 21):
        notes.cell(line, 1, f"第{line}条：本表数据由{unit}综合办公室汇总，经单位负责人审核后报送。")
    extra = book.create_sheet("附表")
    extra.append(["月份", *[f"指标{k}" for k in range(1, 8)]])
    for month in range(1, 201):
        extra.append([month, *[round(rng.uniform(0, 1000), 2) for _ in range(7)]])
    path = returns / f"{unit}-2022年一季度报表.xlsx"
    book.save(path)
    return path
