"""Stage 2/3 for a folder: read every return, check it, pick one per unit, build the Batch.

`collect()` is the public entry point. It reads in parallel processes when the
batch is large, never stops on one file's problem, and never writes into the
input folder. Progress is reported through an optional callback (library code
never prints).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable

from ..core import Issue, Period, UsageError, make_issue
from ..plan import Plan, load_plan
from .batch import Batch
from .checks import check_batch, check_return
from .reading import read_return
from .returndata import ReturnData

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".xltx", ".xltm"})
PARALLEL_FROM = 64            # files; below this, process start-up costs more than it saves
Progress = Callable[[int, int, str], None]



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
    check_period(period, plan)
    files, ignored = find_files(folder)
    returns = _read_all(folder, files, plan, period, progress, workers)
    checked = check_batch(returns)
    issues = [i for r in checked.kept for i in r.issues] + [*ignored, *checked.issues]
    return Batch(period, plan, folder, checked.kept, checked.superseded, sorted(issues, key=_issue_order),
                 checked.claims)


def check_period(period: Period, plan: Plan) -> None:
    """A period outside the plan's year cannot be collected (every unit would count zero)."""
    if period.year != plan.year:
        raise UsageError(f"报送期{period.dash_label}不在考核年度内：所用方案（考核细则“基本信息”）的年度是"
                         f"{plan.year}年，本次收集的是{period.year}年。请核对 --period，或用 --plan 指定"
                         f"{period.year}年的方案")


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
