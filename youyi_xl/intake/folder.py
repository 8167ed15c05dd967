"""Stage 2/3 for a folder: read every return, check it, pick one per unit, build the Batch.

`collect()` is the public entry point. It reads in parallel processes when the
batch is large, never stops on one file's problem, and never writes into the
input folder. Progress is reported through an optional callback (library code
never prints).
"""
from __future__ import annotations

import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..core import (
    KEY_PROJECTS,
    PLANNED,
    PROJECTS,
    Issue,
    Period,
    Table,
    UsageError,
    count_by_severity,
    issues_frame,
    make_issue,
)
from ..plan import Plan, load_plan
from .checks import check_return, claimed_twice, pick_submissions
from .reading import ReturnData, read_return

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".xltx", ".xltm"})
PARALLEL_FROM = 64            # files; below this, process start-up costs more than it saves
Progress = Callable[[int, int, str], None]

SOURCE_COLUMNS = ("unit", "file", "sheet", "row")
STATUS_LABELS = {"submitted": "已报送", "missing": "未报送", "errors": "数据有误"}


@dataclass
class Batch:
    """All returns of one period, checked. DataFrames are built on first access."""

    period: Period
    plan: Plan
    folder: Path
    returns: list[ReturnData]               # the returns in use, one per unit (and unreadable files)
    superseded: list[ReturnData]            # older versions not used
    issue_list: list[Issue] = field(default_factory=list)

    @cached_property
    def accepted(self) -> list[ReturnData]:
        """Returns whose data count (unit known, period right, file readable)."""
        return [r for r in self.returns if r.unit and not r.file_error]

    @cached_property
    def _by_unit(self) -> dict[str, ReturnData]:
        return {r.unit: r for r in self.accepted if r.unit}

    @cached_property
    def _issue_counts(self) -> dict[str, Counter]:
        return {severity: Counter(i.unit for i in self.issue_list if i.severity == severity)
                for severity in ("error", "warning", "info")}

    def return_of(self, unit: str) -> ReturnData | None:
        return self._by_unit.get(unit)

    def status(self, unit: str) -> str:
        """submitted / missing / errors (a unit with any error issue, even from a refused file)."""
        if self._issue_counts["error"][unit]:
            return "errors"
        return "submitted" if unit in self._by_unit else "missing"

    def issue_count(self, unit: str, severity: str = "error") -> int:
        return self._issue_counts[severity][unit]

    @cached_property
    def files(self) -> dict[str, str]:
        """The file shown for each unit: the return in use, else the file that could not be used."""
        shown = {r.unit: r.file for r in reversed(self.returns) if r.unit}
        shown.update({u: r.file for u, r in self._by_unit.items()})
        return shown

    @cached_property
    def issues(self):
        return issues_frame(self.issue_list)

    @cached_property
    def units(self):
        import pandas as pd

        rows = []
        for unit in self.plan.units:
            ret = self.return_of(unit.name)
            rows.append({"unit": unit.name, "group": unit.group, "status": self.status(unit.name),
                         "file": self.files.get(unit.name, ""),
                         "fill_date": ret.fill_date if ret else None,
                         "filler": ret.cover.get("filler", "") if ret else "",
                         "phone": ret.cover.get("phone", "") if ret else "",
                         "errors": self.issue_count(unit.name, "error"),
                         "warnings": self.issue_count(unit.name, "warning")})
        return pd.DataFrame(rows, columns=["unit", "group", "status", "file", "fill_date", "filler",
                                           "phone", "errors", "warnings"])

    @cached_property
    def projects(self):
        return _rows_frame(self.accepted, PROJECTS)

    @cached_property
    def key_projects(self):
        return _rows_frame(self.accepted, KEY_PROJECTS)

    @cached_property
    def planned(self):
        return _rows_frame(self.accepted, PLANNED)

    @cached_property
    def reported(self):
        import pandas as pd

        rows = [{"unit": r.unit, "file": r.file, "sheet": e["_sheet"], "row": e["_row"], "indicator": key,
                 "target": e.get("target"), "actual": e.get("actual"), "cell": e.get("actual_cell", ""),
                 "valid": e.get("_valid", True)}
                for r in self.accepted for key, e in r.summary.items()]
        return pd.DataFrame(rows, columns=[*SOURCE_COLUMNS, "indicator", "target", "actual", "cell", "valid"])

    @property
    def counts(self) -> dict[str, int]:
        """submitted / missing / errors units, and error / warning / info issues."""
        statuses = [self.status(u.name) for u in self.plan.units]
        return {"submitted": sum(s != "missing" for s in statuses), "missing": statuses.count("missing"),
                "errors_units": statuses.count("errors"), **count_by_severity(self.issue_list)}


def source_rows(returns: Iterable[ReturnData], table: Table) -> Iterator[tuple[ReturnData, dict[str, Any]]]:
    """(return, parsed row) for every row of `table` in returns whose table was read."""
    for ret in returns:
        if ret.tables_ok.get(table.key):
            for row in ret.rows.get(table.key, []):
                yield ret, row


def row_records(returns: Iterable[ReturnData], table: Table) -> Iterator[dict[str, Any]]:
    """Every parsed row of `table` in the returns, with its source: the records behind
    batch.projects / key_projects / planned (columns of row_columns(table))."""
    keys = [c.key for c in table.columns if c.key != "seq"]
    for ret, row in source_rows(returns, table):
        record = {"unit": ret.unit, "file": ret.file, "sheet": row["_sheet"], "row": row["_row"]}
        record.update({k: row.get(k) for k in keys})
        record["valid"] = row.get("_valid", True)
        record["claimed_by"] = "、".join(row.get("_claimed_by", ()))
        yield record


def row_columns(table: Table) -> list[str]:
    return [*SOURCE_COLUMNS, *(c.key for c in table.columns if c.key != "seq"), "valid", "claimed_by"]


def _rows_frame(returns: Iterable[ReturnData], table: Table):
    import pandas as pd

    return pd.DataFrame(list(row_records(returns, table)), columns=row_columns(table))


# --------------------------------------------------------------------------
# reading the folder
# --------------------------------------------------------------------------

def find_files(folder: Path) -> tuple[list[Path], list[Issue]]:
    """Workbooks under `folder` (recursively, sorted), and an info issue per other file."""
    files, ignored = [], []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(("~$", ".~lock", ".")):
            continue
        if any(part.startswith(".") for part in path.relative_to(folder).parts[:-1]):
            continue
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            files.append(path)
        else:
            ignored.append(make_issue("extra-ignored", f"“{path.name}”不是Excel工作簿，已忽略",
                                      "填报表请以 .xlsx 或 .xls 格式报送", file=_display(folder, path)))
    return files, ignored


def _display(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()


def collect(folder: str | Path, period: str | Period, plan: Plan | None = None,
            progress: Progress | None = None, workers: int | None = None) -> Batch:
    """Read, check and assemble every returned workbook in `folder` for `period`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"报表文件夹“{folder}”不存在或不是文件夹")
    period = Period.parse(period)
    plan = plan if plan is not None else load_plan()
    files, ignored = find_files(folder)
    returns = _read_all(folder, files, plan, period, progress, workers)
    kept, duplicate_issues = pick_submissions(returns)
    kept.sort(key=lambda r: r.file)
    used = {id(r) for r in kept}
    superseded = [r for r in returns if id(r) not in used]
    issues = [*ignored, *duplicate_issues, *claimed_twice(kept)]
    issues = [i for r in kept for i in r.issues] + issues
    return Batch(period, plan, folder, kept, superseded, sorted(issues, key=_issue_order))


def _issue_order(issue: Issue) -> tuple:
    return (issue.unit == "", issue.unit, issue.file, issue.sheet, _cell_order(issue.cell), issue.code)


def _cell_order(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


def _read_one(args: tuple[str, str, Any, Period]) -> ReturnData:
    path, display, plan, period = args
    ret = read_return(path, plan or _WORKER_PLAN, period, display)
    check_return(ret, plan or _WORKER_PLAN, period)
    return ret


_WORKER_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _read_all(folder: Path, files: list[Path], plan: Plan, period: Period,
              progress: Progress | None, workers: int | None) -> list[ReturnData]:
    jobs = [(str(p), _display(folder, p), None, period) for p in files]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    results: list[ReturnData] = []
    if workers > 1 and len(files) >= PARALLEL_FROM:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(plan,)) as pool:
            for ret in pool.map(_read_one, jobs, chunksize=16):
                results.append(ret)
                _tick(progress, len(results), len(jobs), ret.file)
    else:
        for path, display, _, per in jobs:
            results.append(_read_one((path, display, plan, per)))
            _tick(progress, len(results), len(jobs), display)
    return results


def _tick(progress: Progress | None, done: int, total: int, file: str) -> None:
    if progress is not None:
        progress(done, total, file)
