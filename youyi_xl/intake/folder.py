"""Stage 2/3 for a folder: read every return, check it, pick one per unit, build the Batch.

`collect()` is the public entry point. It reads in parallel processes when the
batch is large, never stops on one file's problem, and never writes into the
input folder. Progress is reported through an optional callback (library code
never prints).
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from ..core import Issue, Period, UsageError, make_issue
from ..plan import Plan, load_plan
from ..workbook import is_archive, read_archive, read_source
from .batch import Batch
from .checks import blank_batch_issues, check_batch, check_return
from .reading import read_return
from .returndata import ReturnData

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".xltx", ".xltm"})
ARCHIVE_SUFFIXES = frozenset({".zip"})   # e-mail attachments downloaded together: read inside
PARALLEL_FROM = 64            # files; below this, process start-up costs more than it saves
Progress = Callable[[int, int, str], None]



# --------------------------------------------------------------------------
# reading the folder
# --------------------------------------------------------------------------

def find_files(folder: Path) -> tuple[list[Path], list[Issue]]:
    """Workbooks and .zip archives under `folder` (recursively, sorted), and an info issue per
    other file."""
    files, ignored = [], []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.name.startswith(("~$", ".~lock", ".")):
            continue
        if any(part.startswith(".") for part in path.relative_to(folder).parts[:-1]):
            continue
        if path.suffix.lower() in WORKBOOK_SUFFIXES | ARCHIVE_SUFFIXES:
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
    returns, notes = _read_all(folder, files, plan, period, progress, workers)
    checked = check_batch(returns)
    issues = [i for r in checked.kept for i in r.issues] + [*ignored, *notes, *checked.issues,
                                                            *blank_batch_issues(returns)]
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


def _read_one(args: tuple) -> ReturnData:
    path, display, plan, period, source, member = args
    ret = read_return(path, plan or _WORKER_PLAN, period, display, source=source, member=member)
    check_return(ret, plan or _WORKER_PLAN, period)
    return ret


_WORKER_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _read_all(folder: Path, files: list[Path], plan: Plan, period: Period,
              progress: Progress | None, workers: int | None) -> tuple[list[ReturnData], list[Issue]]:
    jobs, notes = _jobs(folder, files, period)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    results: list[ReturnData] = []
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(plan,)) as pool:
            for ret in pool.map(_read_one, jobs, chunksize=16):
                results.append(ret)
                _tick(progress, len(results), len(jobs), ret.file)
    else:
        for path, display, _, per, source, member in jobs:
            results.append(_read_one((path, display, plan, per, source, member)))
            _tick(progress, len(results), len(jobs), display)
    return results, notes


def _jobs(folder: Path, files: list[Path], period: Period) -> tuple[list[tuple], list[Issue]]:
    """One job per workbook: a file of the folder, or a member of a .zip read in memory
    (shown as 压缩包.zip/成员.xlsx); info issues for what an archive holds besides workbooks."""
    jobs: list[tuple] = []
    notes: list[Issue] = []
    for path in files:
        display = _display(folder, path)
        if path.suffix.lower() not in ARCHIVE_SUFFIXES:
            jobs.append((str(path), display, None, period, None, ""))
            continue
        source = read_source(path)
        if not is_archive(source.data):          # a workbook named .zip, or a broken file
            jobs.append((str(path), display, None, period, source, ""))
            continue
        archive = read_archive(path, WORKBOOK_SUFFIXES, source=source)
        if archive.problem is not None:
            jobs.append((str(path), display, None, period, replace(source, data=None, checked=archive.problem), ""))
            continue
        for member, name in zip(archive.members, archive.names):
            jobs.append((str(path), f"{display}/{name}", None, period, member, name))
        notes += [make_issue("extra-ignored", f"压缩包“{path.name}”中的“{name}”不是Excel工作簿，已忽略",
                             "填报表请以 .xlsx 或 .xls 格式报送", file=display) for name in archive.others]
        if not archive.members:
            notes.append(make_issue("extra-ignored", f"压缩包“{path.name}”中没有Excel工作簿，已忽略",
                                    "请确认压缩包中是各单位的填报表", file=display))
    return jobs, notes


def _tick(progress: Progress | None, done: int, total: int, file: str) -> None:
    if progress is not None:
        progress(done, total, file)
