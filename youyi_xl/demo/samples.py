"""Sample returns as units really send them: for `youyi-xl demo`, the examples, tests and benchmarks.

Everything here is deterministic for a seed and never prints. Three layers:

- `fill_form()` types values into a generated form (youyi_xl.forms) through openpyxl,
  finding every cell by its header text (the labels of youyi_xl.schema), never by letter.
  The file is saved with fixed zip times and document dates, so the same values give
  the same bytes.
- Values: `sample_return()` gives one unit varied, valid values of every kind (for
  round-trip tests and benchmarks); `realistic_returns()` gives every unit of a plan the
  values of a plausible year in a 东北 county, cumulative across periods: one story per
  unit (projects signed through the year, key projects starting in the building season,
  funds arriving), read at each period's end, so 2022-06 holds the 2022-03 projects with
  the same names and dates and larger amounts. Units differ in pace, so the ranking is
  not flat. Names are generic (某某 companies), never real ones.
- `write_sample_returns()` writes a period's returns folder: every unit but `missing`
  (MISSING_UNITS), with the deliberate mistakes of MISTAKES, each declared with the issue
  code it must produce; `expected_issues()` says where. `make_large_plan()` and
  `write_large_batch()` build big batches for benchmarks. See docs/examples.md.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..core import (
    OutputError,
    Period,
    UsageError,
    form_name,
)
from ..outputs import inside, make_forms
from ..plan import Plan
from .filling import fill_form
from .mistakes import MISTAKES, Mistake, version_name
from .values import own_summary, realistic_returns, sample_return

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# Units that send nothing, in the order write_sample_returns(missing=n) leaves them out.
MISSING_UNITS: tuple[str, ...] = ("建设乡", "统计局", "财政局", "友邻乡", "水务局")


def missing_units(plan: Plan, missing: int = 2) -> list[str]:
    """The units that send no return: the first `missing` of MISSING_UNITS that the plan has,
    then (for another plan) its last units that make no declared mistake."""
    names = [n for n in MISSING_UNITS if plan.unit(n) is not None]
    mistaken = {u for m in MISTAKES for u in m.units}
    names += [u.name for u in reversed(plan.units) if u.name not in names and u.name not in mistaken]
    if missing > len(names):
        raise UsageError(f"未报送单位数{missing}过多（最多{len(names)}个）")
    return names[:max(0, missing)]


def active_mistakes(plan: Plan, missing: Iterable[str] = ()) -> tuple[Mistake, ...]:
    """The declared mistakes whose units are all in the plan and all send a return."""
    absent = set(missing)
    return tuple(m for m in MISTAKES
                 if all(plan.unit(u) is not None and u not in absent for u in m.units))


def expected_issues(plan: Plan, period: Period | str, *, missing: int = 2,
                    mistakes: bool = True) -> list[tuple[str, str, str, str]]:
    """(code, file, sheet, cell) of every issue write_sample_returns' files must produce."""
    found = active_mistakes(plan, missing_units(plan, missing)) if mistakes else ()
    return sorted((m.code, *where) for m in found if m.code for where in m.locations(period, plan))


def _apply(mistake: Mistake, typed: dict[str, dict[str, Any]]) -> None:
    """Make a mistake that changes rows or the cover (cells and 指标汇总 come later)."""
    values = typed[mistake.units[0]]
    if mistake.kind == "claimed":
        typed[mistake.units[1]]["projects"].insert(0, dict(values["projects"][0]))
    elif mistake.kind == "cover":
        values["cover"][mistake.field] = mistake.written


def _set_cells(typed: dict[str, dict[str, Any]], cells: Iterable[Mistake], attribute: str) -> None:
    """Put each cell mistake's `written` (what the unit typed) or `reads` (what the intake reads)."""
    for mistake in cells:
        typed[mistake.units[0]]["projects"][0][mistake.field] = getattr(mistake, attribute)


def _typed(plan: Plan, period: Period, seed: int, skip: set[str],
           mistakes: tuple[Mistake, ...]) -> dict[str, dict[str, Any]]:
    """Each sending unit's values with the mistakes made; 指标汇总 counts what the intake will read."""
    clean = realistic_returns(plan, period, seed)
    typed = {u: v for u, v in clean.items() if u not in skip}
    cells = [m for m in mistakes if m.kind == "cell"]
    for mistake in mistakes:
        _apply(mistake, typed)
    _set_cells(typed, cells, "reads")
    for unit, values in typed.items():
        fai = values["summary"].get("fixed_asset_investment")
        values["summary"] = own_summary(plan, unit, period.end, values["projects"], values["key_projects"],
                                        values["planned"])
        if fai is not None:
            values["summary"]["fixed_asset_investment"] = fai
    _set_cells(typed, cells, "written")
    for mistake in (m for m in mistakes if m.kind == "summary"):
        typed[mistake.units[0]]["summary"][mistake.field] += mistake.written
    return typed


def _older_version(values: dict[str, Any]) -> dict[str, Any]:
    """A first draft: sent three days earlier, with 固定资产投资 typed with one 0 too many."""
    cover = {**values["cover"], "fill_date": values["cover"]["fill_date"] - dt.timedelta(days=3)}
    summary = dict(values["summary"])
    if summary.get("fixed_asset_investment") is not None:
        summary["fixed_asset_investment"] = round(summary["fixed_asset_investment"] * 10, 2)
    return {**values, "cover": cover, "summary": summary}


# ==========================================================================
# Writing folders of returns
# ==========================================================================


def write_sample_returns(plan: Plan, period: Period | str, out: str | Path, *, seed: int = 0,
                         missing: int = 2, mistakes: bool = True) -> list[Path]:
    """Write one filled return per unit but `missing` ones into `out`; returns the paths.

    Values come from realistic_returns(plan, period, seed); with `mistakes`, the declared
    MISTAKES are made (expected_issues() lists the issues they must produce). Files already
    in `out` with the same names are replaced; other workbooks there are an OutputError,
    because the folder is meant to hold this period's returns and nothing else.
    """
    period, out = Period.parse(period), Path(out)
    skip = set(missing_units(plan, missing))
    chosen = active_mistakes(plan, skip) if mistakes else ()
    typed = _typed(plan, period, seed, skip, chosen)
    extra = {version_name(m.units[0], period): m.units[0] for m in chosen if m.kind == "version"}
    names = {form_name(u, period): u for u in typed} | extra
    _check_folder(out, names)
    with tempfile.TemporaryDirectory() as tmp:
        forms = {p.name: p for p in make_forms(plan, period, tmp, list(typed))}
        paths = [fill_form(forms[form_name(unit, period)], out=inside(out, name), plan=plan,
                           **(typed[unit] if name not in extra else _older_version(typed[unit])))
                 for name, unit in names.items()]
    return sorted(paths)


def _check_folder(out: Path, names: Iterable[str]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{out}”：{exc.strerror or exc}") from exc
    wanted = set(names)
    others = sorted(p.name for p in out.iterdir()
                    if p.suffix.lower() in (".xlsx", ".xls", ".xlsm") and p.name not in wanted)
    if others:
        raise OutputError(f"文件夹“{out}”中已有其他报表（{'、'.join(others[:3])}等），"
                          "请换一个空文件夹存放示例报表")


def write_large_batch(plan: Plan, period: Period | str, out: str | Path, n: int, rows: int = 60,
                      seed: int = 0) -> list[Path]:
    """N clean returns, one for each of the plan's first `n` units, about `rows` rows each.

    For benchmarks: make a plan with enough units first (make_large_plan). Every file is a
    different unit with different project names, so nothing collides.
    """
    period, out = Period.parse(period), Path(out)
    if n > len(plan.units):
        raise UsageError(f"目标分解表只有{len(plan.units)}个单位，不够{n}份报表；"
                         f"请先用 make_large_plan({n}, 文件夹) 生成{n}个单位的目标分解表")
    units = [u.name for u in plan.units[:n]]
    _check_folder(out, [form_name(u, period) for u in units])
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for unit, form in zip(units, make_forms(plan, period, tmp, units)):
            planned = max(1, rows // 6)
            count = max(1, rows - planned - len(plan.key_projects_of(unit)))
            values = sample_return(plan, unit, period, seed, n_projects=count, n_planned=planned)
            paths.append(fill_form(form, out=inside(out, form.name), plan=plan, **values))
    return paths
