"""One period's outputs published all or nothing (DOMAIN §9).

A run writes every output of the period (成绩单, 通报 .docx/.html, 催报, result JSON, 退回意见
and the youyi.db with the period recorded) into a staging folder in the output folder —
hidden (`.youyi-staging-…`), and on the same file system as the final names, so that putting
a file in place is a rename — and replaces the previous set only when all are written:

1. the previous files of the set are kept as hard links (copies where links are not allowed)
   in the staging folder, and a commit note listing the set is written;
2. each new file is renamed over its final name, and the previous files the new set does not
   have are removed (a unit that fixed its return has no 退回意见 now);
3. the note and the staging folder are removed.

A failure in 2 (a file open in WPS on Windows, a name taken by a folder) puts the previous
files back before it is reported; a kill leaves the note, and the next run into the folder puts
the previous files back first (`recover`). A file that is one of the run's inputs is never
replaced or removed. One run at a time writes into a folder (`RunLock`, an OS lock that dies
with its process, so a lock file left by a killed run is simply taken over); temporaries a
killed writer left behind are removed under the lock.
"""
from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import socket
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, Iterator, NamedTuple

from ..core import DB_NAME, FEEDBACK_FOLDER, OutputError, Period, feedback_suffix, output_names
from ..workbook import os_reason

try:
    import fcntl as _fcntl
except ImportError:  # Windows
    _fcntl = None
try:
    import msvcrt as _msvcrt
except ImportError:  # POSIX
    _msvcrt = None

LOCK_NAME = ".youyi-xl.lock"
STAGING_PREFIX = ".youyi-staging-"
NOTE_NAME = ".commit.json"
PREVIOUS = ".previous"
LOCK_WAIT = 300.0            # seconds a run waits for another run into the same folder
LOCK_POLL = 0.1
HOLDER_AT = 16               # the holder's pid is written after the locked byte (Windows locks bytes)
# what atomic_write's temporaries (mkstemp: ".~" + stem + "." + 8 characters + suffix) and the
# ledger splice (".splice") are called; LibreOffice's own ".~lock.…#" files are not these
_TEMPORARY = re.compile(r"\.~(?!lock\.).*\.[a-z0-9_]{8}(\.[A-Za-z]{1,5})?(\.splice)?")

Waiting = Callable[[str], None]


# --------------------------------------------------------------------------
# one run at a time
# --------------------------------------------------------------------------

class RunLock:
    """The output folder's lock: `fcntl.flock` on POSIX, `msvcrt.locking` on Windows. Both are
    released by the OS when the holding process ends, however it ends."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.path = folder / LOCK_NAME
        self.handle: int | None = None

    def acquire(self, wait: float | None = None, waiting: Waiting | None = None) -> None:
        deadline = time.monotonic() + (LOCK_WAIT if wait is None else wait)
        told = False
        while True:
            handle = _open_lock(self.path)
            if _lock(handle):
                if _fcntl is None or _same_file(handle, self.path):
                    _write_holder(handle)
                    self.handle = handle
                    return
                os.close(handle)               # its holder removed it on release: lock the new one
                continue
            holder = _read_holder(handle)
            os.close(handle)
            if time.monotonic() >= deadline:
                raise OutputError(f"另一个 youyi-xl（{holder}）正在向输出文件夹“{self.folder}”写入，"
                                  "请等它结束后再运行")
            if waiting is not None and not told:
                waiting(holder)
                told = True
            time.sleep(LOCK_POLL)

    def release(self) -> None:
        handle, self.handle = self.handle, None
        if handle is None:
            return
        if _fcntl is not None:      # removed while held: a waiter that opened it locks it and sees
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            _unlock(handle)
            os.close(handle)
            return
        _unlock(handle)
        os.close(handle)
        with contextlib.suppress(OSError):     # another process has it open: it stays, harmless
            os.unlink(self.path)

    def __enter__(self) -> RunLock:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _open_lock(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
    except OSError as exc:
        raise OutputError(f"无法在输出文件夹“{path.parent}”中写入：{os_reason(exc)}") from exc


def _lock(handle: int) -> bool:
    if _fcntl is not None:
        try:
            _fcntl.flock(handle, _fcntl.LOCK_EX | _fcntl.LOCK_NB)
            return True
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                return False
            raise
    if _msvcrt is not None:
        os.lseek(handle, 0, os.SEEK_SET)
        try:
            _msvcrt.locking(handle, _msvcrt.LK_NBLCK, 1)
            return True
        except OSError:                        # EACCES / EDEADLOCK: another process holds it
            return False
    return True                                # neither (no known platform): runs are not kept apart


def _unlock(handle: int) -> None:
    with contextlib.suppress(OSError):
        if _fcntl is not None:
            _fcntl.flock(handle, _fcntl.LOCK_UN)
        elif _msvcrt is not None:
            os.lseek(handle, 0, os.SEEK_SET)
            _msvcrt.locking(handle, _msvcrt.LK_UNLCK, 1)


def _same_file(handle: int, path: Path) -> bool:
    try:
        on_disk = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(handle)
    return (on_disk.st_dev, on_disk.st_ino) == (held.st_dev, held.st_ino)


def _write_holder(handle: int) -> None:
    with contextlib.suppress(OSError):
        os.lseek(handle, HOLDER_AT, os.SEEK_SET)
        text = f"进程 {os.getpid()}，{socket.gethostname()}，{time.strftime('%Y-%m-%d %H:%M:%S')}开始"
        os.write(handle, text.encode("utf-8").ljust(200))


def _read_holder(handle: int) -> str:
    try:
        os.lseek(handle, HOLDER_AT, os.SEEK_SET)
        return os.read(handle, 200).decode("utf-8", "replace").strip() or "进程未知"
    except OSError:
        return "进程未知"


# --------------------------------------------------------------------------
# the staging folder
# --------------------------------------------------------------------------

class Staging:
    """The folder one run writes its outputs into, and the commit that puts them in place."""

    def __init__(self, out: Path, period: Period, inputs: Iterable[Path] = ()):
        self.out, self.period = out, period
        self.inputs = real_paths(inputs)
        self.folder = out / f"{STAGING_PREFIX}{period.key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        try:
            self.folder.mkdir()
        except OSError as exc:
            raise OutputError(f"无法在输出文件夹“{out}”中写入：{os_reason(exc)}") from exc

    def names(self) -> set[str]:
        """The files of this period's set already in the output folder (relative, '/'-joined)."""
        return set(_set_names(self.out, self.period))

    def commit(self) -> dict[str, Path]:
        """Put the staged set in place of the previous one; returns name -> final path."""
        new = set(_set_names(self.folder, self.period))
        entries = [_Entry(name, name in new, os.path.lexists(self.out / name))
                   for name in sorted(new | self.names())]
        entries = [e for e in entries if self._allowed(e)]
        self._backup(entries)
        _write_note(self.folder / NOTE_NAME, entries)
        made = self._feedback_folder(entries)
        done: list[_Entry] = []
        for entry in entries:
            try:
                self._apply(entry)
                done.append(entry)
            except OSError as exc:
                undo(self.out, self.folder, [*done, entry])
                if made:
                    with contextlib.suppress(OSError):
                        (self.out / FEEDBACK_FOLDER).rmdir()
                raise OutputError(f"无法写入“{entry.name}”：{os_reason(exc)}；上次生成的文件未改动") from exc
        (self.folder / NOTE_NAME).unlink()
        _sync_folders(self.out, self.out / FEEDBACK_FOLDER)
        return {e.name: self.out / e.name for e in entries if e.new}

    def _allowed(self, entry: _Entry) -> bool:
        """An input is never replaced (refused) nor removed (left); a folder is never replaced."""
        final = self.out / entry.name
        if entry.old and _real(final) in self.inputs:
            if entry.new:
                raise OutputError(f"输出文件“{final}”是一份报送的原表，已拒绝覆盖；请换一个输出文件夹")
            return False
        if entry.old and final.is_dir() and not final.is_symlink():
            raise OutputError(f"输出文件夹中已有名为“{entry.name}”的文件夹，与要生成的文件同名："
                              "请把它改名或移走后重新运行")
        return True

    def _feedback_folder(self, entries: list[_Entry]) -> bool:
        """The output's 退回意见 folder, made when the new set has one and it does not exist yet."""
        folder = _real_folder(self.out, self.out / FEEDBACK_FOLDER)
        if os.path.lexists(folder) or not any(e.new and e.name.startswith(FEEDBACK_FOLDER + "/") for e in entries):
            return False
        try:
            folder.mkdir()
        except OSError as exc:
            raise OutputError(f"无法创建“{folder}”：{os_reason(exc)}；上次生成的文件未改动") from exc
        return True

    def _backup(self, entries: list[_Entry]) -> None:
        for entry in entries:
            if entry.old:
                kept = self.folder / PREVIOUS / entry.name
                kept.parent.mkdir(parents=True, exist_ok=True)
                _keep(self.out / entry.name, kept)

    def _apply(self, entry: _Entry) -> None:
        final = self.out / entry.name
        if entry.new:
            os.replace(self.folder / entry.name, final)
        else:
            os.unlink(final)

    def discard(self) -> None:
        """Remove the staging folder of a run that did not commit (or did)."""
        shutil.rmtree(self.folder, ignore_errors=True)


class _Entry(NamedTuple):
    """A file of the set: its name, whether the new set has it, whether the previous one had."""

    name: str
    new: bool
    old: bool


def _set_names(folder: Path, period: Period) -> Iterator[str]:
    """The names of one period's set found in `folder` (the output folder or a staging folder)."""
    for name in (*output_names(period).values(), DB_NAME):
        if os.path.lexists(folder / name):
            yield name
    feedback = folder / FEEDBACK_FOLDER
    if feedback.is_dir() and not feedback.is_symlink():
        suffix = feedback_suffix(period)
        with os.scandir(feedback) as listing:
            for entry in listing:
                if entry.name.endswith(suffix) and not entry.name.startswith("."):
                    yield f"{FEEDBACK_FOLDER}/{entry.name}"


def _real(path: Path) -> str:
    return os.path.normcase(os.path.realpath(path))


def real_paths(paths: Iterable[Path]) -> set[str]:
    """`_real` of every path, each folder resolved once: a file that is no link is its folder's
    real path and its name (10,000 returns of one folder: one realpath and 10,000 lstat calls,
    0.07 s, where a realpath of each path took 0.23 s)."""
    folders: dict[str, str] = {}
    found = set()
    for path in map(os.fspath, paths):
        head, name = os.path.split(path)
        if name in ("", ".", "..") or os.path.islink(path):
            found.add(_real(path))
            continue
        real = folders.get(head)
        if real is None:
            real = folders[head] = os.path.realpath(head or os.curdir)
        found.add(os.path.normcase(os.path.join(real, name)))
    return found


def _real_folder(out: Path, folder: Path) -> Path:
    """`folder` (a sub-folder of the output folder), refused when a link takes it elsewhere."""
    if os.path.lexists(folder) and (folder.is_symlink() or _real(folder) != _real(out / folder.name)):
        raise OutputError(f"输出文件夹中的“{folder.name}”是指向别处的链接，已拒绝写入：请删除该链接后重新运行")
    return folder


def _keep(final: Path, kept: Path) -> None:
    """A hard link to the previous file (no space, no time), else a copy."""
    try:
        os.link(final, kept, follow_symlinks=False)
    except OSError:
        try:
            shutil.copy2(final, kept, follow_symlinks=False)
        except OSError as exc:
            raise OutputError(f"无法保留上次生成的“{final.name}”：{os_reason(exc)}；上次生成的文件未改动") from exc


def _write_note(path: Path, entries: list[_Entry]) -> None:
    data = json.dumps([list(e) for e in entries], ensure_ascii=False).encode("utf-8")
    try:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise OutputError(f"无法在输出文件夹中写入：{os_reason(exc)}；上次生成的文件未改动") from exc


def undo(out: Path, staging: Path, entries: Iterable[_Entry]) -> list[str]:
    """Put the previous files of `entries` back (and remove new files that had none); returns
    the names that could not be put back."""
    failed = []
    for entry in reversed(list(entries)):
        final, kept = out / entry.name, staging / PREVIOUS / entry.name
        try:
            if entry.old and kept.exists():
                os.replace(kept, final)
            elif entry.new and not entry.old and not os.path.lexists(staging / entry.name):
                final.unlink(missing_ok=True)          # it was moved in: the set had no such file
        except OSError:
            failed.append(entry.name)
    return failed


def _sync_folders(*folders: Path) -> None:
    if os.name != "posix":
        return
    for folder in folders:
        with contextlib.suppress(OSError):
            handle = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(handle)
            finally:
                os.close(handle)


# --------------------------------------------------------------------------
# what a killed run left behind
# --------------------------------------------------------------------------

def recover(out: Path) -> list[str]:
    """Under the lock: put back the previous set of a run killed while committing, remove the
    staging folders and the temporaries of killed runs. Returns what could not be restored."""
    failed: list[str] = []
    for staging in sorted(out.glob(STAGING_PREFIX + "*")):
        if not staging.is_dir() or staging.is_symlink():
            continue
        note = staging / NOTE_NAME
        if note.is_file():
            try:
                entries = [_Entry(*e) for e in json.loads(note.read_text(encoding="utf-8"))]
            except (OSError, ValueError, TypeError):
                entries = []
            failed += undo(out, staging, entries)
            if failed:
                continue                  # keep it: the next run tries again
        shutil.rmtree(staging, ignore_errors=True)
    for folder in (out, out / FEEDBACK_FOLDER):
        _remove_temporaries(folder)
    return failed


def _remove_temporaries(folder: Path) -> None:
    if not folder.is_dir() or folder.is_symlink():
        return
    with os.scandir(folder) as listing:
        stale = [Path(e.path) for e in listing if _TEMPORARY.fullmatch(e.name) and e.is_file(follow_symlinks=False)]
    for path in stale:
        with contextlib.suppress(OSError):
            path.unlink()


@contextlib.contextmanager
def publishing(out: Path, period: Period, inputs: Iterable[Path] = (), *,
               waiting: Waiting | None = None) -> Iterator[Staging]:
    """The output folder locked, cleaned of what killed runs left, and a staging folder for this
    run's outputs (removed at the end, committed or not)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{out}”：{os_reason(exc)}") from exc
    with RunLock(out) as lock:
        lock.acquire(waiting=waiting)
        left = recover(out)
        if left:
            raise OutputError(f"上次中断的运行留下的文件（{'、'.join(left[:3])}）未能恢复，"
                              "请关闭打开这些文件的程序后重新运行")
        staging = Staging(out, period, inputs)
        try:
            yield staging
        finally:
            staging.discard()


def os_failure(exc: BaseException) -> OSError | None:
    """The OSError behind an exception (a writer library wraps it: xlsxwriter's FileCreateError)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            return exc
        seen.add(id(exc))
        wrapped = next((a for a in getattr(exc, "args", ()) if isinstance(a, OSError)), None)
        exc = wrapped or exc.__cause__ or exc.__context__
    return None


def failure_message(exc: OSError) -> str:
    """One Chinese line for an OS failure while writing the outputs."""
    name = Path(os.fsdecode(exc.filename)).name if getattr(exc, "filename", None) else ""
    name = re.sub(r"^\.~(.*)\.[a-z0-9_]{8}(\.\w+)$", r"\1\2", name)      # a temporary: its output's name
    what = f"“{name}”" if name and not name.startswith(STAGING_PREFIX) else "输出文件"
    return f"无法写入{what}：{os_reason(exc)}；上次生成的文件未改动"
