"""Stage 2/3 for a folder: read every return, check it, pick one per unit, build the Batch.

`collect()` is the public entry point. It reads in parallel processes when the
batch is large, never stops on one file's problem, and never writes into the
input folder. Progress is reported through an optional callback (library code
never prints).

What is read (DOMAIN §9): workbooks under the folder, recursively; youyi-xl's own outputs
(marked, see core/stamp.py) are skipped wherever they lie, with one info issue each; a
symbolic link that leaves the folder is not followed (one info issue), and a folder that
cannot be listed (a path beyond the OS limit, no permission) is one warning, never a crash.
Workbooks inside a .zip are read as returns, in memory (workbook/archive.py).
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import stat
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from ..core import (
    HTML_GENERATOR,
    Issue,
    Period,
    UsageError,
    make_issue,
    named_output,
    read_mark,
    without_cyclic_gc,
)
from ..plan import Plan, load_plan
from ..workbook import Source, is_archive, os_reason, package, read_archive, read_source
from .batch import Batch
from .checks import blank_batch_issues, check_batch, check_return
from .reading import read_return
from .returndata import ReturnData, shared_values

WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods", ".et", ".xltx", ".xltm"})
ARCHIVE_SUFFIXES = frozenset({".zip"})   # e-mail attachments downloaded together: read inside
PARALLEL_FROM = 64            # files; below this, process start-up costs more than it saves
POOL_START_METHOD: str | None = None   # the platform's default (fork on Linux, spawn on Windows)
Progress = Callable[[int, int, str], None]
READ_SUFFIXES = WORKBOOK_SUFFIXES | ARCHIVE_SUFFIXES
MARKED_SUFFIXES = frozenset({".xlsx", ".xlsm", ".docx"})   # packages that may carry youyi-xl's mark
HEAD_BYTES = 4096



# --------------------------------------------------------------------------
# reading the folder
# --------------------------------------------------------------------------

def find_files(folder: Path) -> tuple[list[Path], list[Issue]]:
    """Workbooks and .zip archives under `folder` (recursively, sorted), and an info issue per
    other file.

    Links: a link to a file inside the folder is read as that file (once); a link that
    leaves the folder, and a link to a folder, are not followed."""
    walk = _Walk(Path(folder))
    walk.directory(walk.root)
    return walk.finish()


class _Walk:
    def __init__(self, root: Path):
        self.root, self.real_root = root, os.path.realpath(root)
        self.files: dict[tuple[int, int], Path] = {}
        self.links: list[tuple[Path, str]] = []
        self.issues: list[Issue] = []

    def directory(self, folder: Path) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            self.issues.append(_folder_issue(self.root, folder, exc))
            return
        for entry in entries:
            if not entry.name.startswith(("~$", ".~lock", ".")):
                try:
                    self.entry(entry)
                except OSError as exc:
                    self.issues.append(_folder_issue(self.root, Path(entry.path), exc))

    def entry(self, entry: os.DirEntry) -> None:
        path = Path(entry.path)
        if entry.is_symlink() or _is_junction(entry):
            self.link(path)
        elif entry.is_dir(follow_symlinks=False):
            self.directory(path)
        elif entry.is_file(follow_symlinks=False):     # not a FIFO, socket or device
            info = os.lstat(path)     # not entry.stat(): on Windows it leaves st_ino 0
            self.file(path, (info.st_dev, info.st_ino))

    def file(self, path: Path, key: tuple[int, int]) -> None:
        if path.suffix.lower() in READ_SUFFIXES:
            self.files.setdefault(key, path)
            return
        name = display_name(self.root, path)
        kind = _own_by_name(path)
        if kind:
            self.issues.append(_skipped(name, kind))
        else:
            self.issues.append(make_issue("extra-ignored", f"“{path.name}”不是Excel工作簿，已忽略",
                                          "填报表请以 .xlsx 或 .xls 格式报送", file=name))

    def link(self, path: Path) -> None:
        target = os.path.realpath(path)
        name = display_name(self.root, path)
        if os.path.commonpath([target, self.real_root]) != self.real_root:
            self.issues.append(make_issue("link-skipped", f"“{path.name}”是指向报表文件夹以外的链接，未读取",
                                          "如这是报送的填报表，请把文件本身（而不是快捷方式或链接）放进报表文件夹",
                                          file=name))
        elif not os.path.isdir(target):
            self.links.append((path, target))     # read as its target, unless that is read already

    def finish(self) -> tuple[list[Path], list[Issue]]:
        for path, target in self.links:
            try:
                info = os.stat(target)
            except OSError:
                self.issues.append(make_issue("link-skipped", f"“{path.name}”是一个失效的链接，未读取", "",
                                              file=display_name(self.root, path)))
                continue
            if stat.S_ISREG(info.st_mode):
                self.files.setdefault((info.st_dev, info.st_ino), path)
        files = [p for p in self.files.values() if p.suffix.lower() in READ_SUFFIXES]
        return sorted(files, key=lambda p: p.relative_to(self.root).parts), self.issues


def _is_junction(entry: os.DirEntry) -> bool:
    is_junction = getattr(entry, "is_junction", None)      # Windows folder junctions (3.12+)
    return bool(is_junction and is_junction())


def _folder_issue(root: Path, path: Path, exc: OSError) -> Issue:
    where = display_name(root, path) if path != root else str(root)
    return make_issue("folder-unreadable", f"“{_clip(where)}”无法读取（{os_reason(exc)}），其中的文件未收集",
                      "请把报表移到层级较浅、名称较短的文件夹中后重新运行", file=_clip(where))


def _clip(text: str, keep: int = 80) -> str:
    return text if len(text) <= keep else "…" + text[-keep:]


def display_name(folder: Path, path: Path) -> str:
    """The path of a return relative to the folder, as the clerk reads it."""
    return readable_name(path.relative_to(folder).as_posix())


def readable_name(text: str) -> str:
    """A file name that is valid text: a name that is not UTF-8 (GBK names, as `unzip` on Linux
    makes them from a zip made on Chinese Windows) is decoded as GB18030, else shown with �."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(text)
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# youyi-xl's own outputs
# --------------------------------------------------------------------------

_CONTENT = {   # what the first bytes of an output named like youyi-xl's hold
    "结果数据": lambda head: head.startswith(b'{"period"'),
    "历史数据库": lambda head: head.startswith(b"SQLite format 3\x00"),
    "催报稿": lambda head: head.startswith(b"\xef\xbb\xbf"),
    "通报网页稿": lambda head: HTML_GENERATOR.encode() in head,
}


def _own_by_name(path: Path) -> str | None:
    """The kind of a non-workbook file youyi-xl wrote (by name and content), or None."""
    if path.suffix.lower() in MARKED_SUFFIXES:
        mark = read_mark(read_source(path).data or b"")
        return mark.kind if mark is not None and mark.own else None
    kind = named_output(path.name)
    return kind if kind and _CONTENT[kind](_head(path)) else None


def _head(path: Path) -> bytes:
    try:
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return b""
    try:
        return os.read(handle, HEAD_BYTES) if stat.S_ISREG(os.fstat(handle).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(handle)


def _own_workbook(source: Source) -> str | None:
    if not source.checked.ok or source.checked.format not in ("xlsx", "xlsm") or source.data is None:
        return None
    mark = read_mark(source.data, package(source.data))
    return mark.kind if mark is not None and mark.own else None


def _skipped(name: str, kind: str) -> Issue:
    unchanged = "，内容未改动" if kind in ("退回意见", "填报表") else ""
    return make_issue("output-skipped", f"“{name.rpartition('/')[2]}”是youyi-xl生成的{kind}{unchanged}，"
                      "不是报回的填报表，已跳过", "无需处理；报表文件夹中只需放各单位报回的文件", file=name)


# --------------------------------------------------------------------------
# the batch
# --------------------------------------------------------------------------

@without_cyclic_gc
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
    read, notes = _read_all(folder, files, plan, period, progress, workers)
    returns = [r for r in read if isinstance(r, ReturnData)]
    ignored += [*notes, *(r for r in read if isinstance(r, Issue))]
    checked = check_batch(returns)
    issues = [i for r in checked.kept for i in r.issues] + [*ignored, *checked.issues]
    issues += _plan_hint(checked.kept) + blank_batch_issues(returns)
    return Batch(period, plan, folder, checked.kept, checked.superseded, sorted(issues, key=_issue_order),
                 checked.claims)


def period_outside_plan(period: Period, plan: Plan) -> str | None:
    """The refusal of a period outside the plan's year (every unit would count zero), or None."""
    if period.year == plan.year:
        return None
    return (f"报送期{period.dash_label}不在考核年度内：所用方案（考核细则“基本信息”）的年度是{plan.year}年，"
            f"本次收集的是{period.year}年。请核对 --period，或用 --plan 指定{period.year}年的方案")


def check_period(period: Period, plan: Plan) -> None:
    """UsageError for a period outside the plan's year."""
    reason = period_outside_plan(period, plan)
    if reason is not None:
        raise UsageError(reason)


PLAN_HINT_FROM = 3       # returns whose targets differ before the plan itself is suspected


def _plan_hint(kept: list[ReturnData]) -> list[Issue]:
    """plan-mismatch: most returns' pre-filled targets differ from the plan used — the forms were
    made from another plan folder (a clerk's own targets, and --plan forgotten)."""
    judged = [r for r in kept if r.unit and not r.file_error and r.table_ok("summary")]
    changed = [r for r in judged if any(i.code == "target-changed" for i in r.issues)]
    if len(changed) < PLAN_HINT_FROM or 2 * len(changed) <= len(judged):
        return []
    return [make_issue("plan-mismatch", f"{len(judged)}份报表中有{len(changed)}份的年度目标与所用目标分解表不一致",
                       "如下发填报表时用的是修改过的目标分解表，请用 --plan 指定那个模板文件夹后重新运行；"
                       "否则请核对目标分解表")]


def _issue_order(issue: Issue) -> tuple:
    return (issue.unit == "", issue.unit, issue.file, issue.sheet, _cell_order(issue.cell), issue.code)


def _cell_order(cell: str) -> tuple[int, str]:
    digits = "".join(ch for ch in cell if ch.isdigit())
    letters = "".join(ch for ch in cell if ch.isalpha())
    return (int(digits) if digits else 0, letters.rjust(3))


def _read_one(args: tuple) -> ReturnData | Issue:
    """One file (or member of a .zip, its `source` read already): its return, or the info issue
    of one of youyi-xl's own outputs (skipped)."""
    path, display, plan, period, source, member = args
    plan = plan or _WORKER_PLAN
    source = source if source is not None else read_source(path)
    kind = _own_workbook(source)
    if kind is not None:
        return _skipped(display, kind)
    ret = read_return(path, plan, period, display, source=source, member=member)
    check_return(ret, plan, period)
    return ret


_WORKER_PLAN: Plan | None = None


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan
    die_with_parent()


def die_with_parent() -> None:
    """End this worker process when the process that started it ends: a killed `check` or
    `run` must not leave its workers waiting for work for ever. The parent's sentinel is a pipe
    that closes when the parent dies (fork and POSIX spawn) or the parent's process handle
    (Windows spawn); a daemon thread waits on it."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), daemon=True,
                         name="youyi-xl-parent-watch").start()


def _exit_when_ready(sentinel: Any) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(3)


def _read_all(folder: Path, files: list[Path], plan: Plan, period: Period, progress: Progress | None,
              workers: int | None) -> tuple[list[ReturnData | Issue], list[Issue]]:
    jobs, notes = _jobs(folder, files, period)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    results: list[ReturnData | Issue] = []
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        context = multiprocessing.get_context(POOL_START_METHOD)
        with shared_values(), ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker,
                                                  initargs=(plan,)) as pool:
            for ret, job in zip(pool.map(_read_one, jobs, chunksize=16), jobs):
                results.append(ret)
                _tick(progress, len(results), len(jobs), job[1])
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
        display = display_name(folder, path)
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
