"""A run that is safe to publish (DOMAIN §9; outputs/publish.py and pipeline.run): inputs never
touched, arguments checked before reading, a batch that cannot be the period's refused, the
period's outputs replacing the previous set all or nothing, one run at a time per folder, what
killed runs left cleaned, OS failures as one Chinese line.

"The previous set is byte-identical" is checked by hashing every file under the output folder
(its lock file and staging folders included, so a leftover shows) before and after."""
from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from builders import project, write_return

from youyi_xl.cli.main import main
from youyi_xl.core.errors import OutputError, RefusedError, TemplateError, UsageError, YouyiError
from youyi_xl.core.period import Period
from youyi_xl.outputs import publish
from youyi_xl.pipeline import run

PERIOD = "2022-03"
SET = ["result-2022-03.json", "youyi.db", "催报-2022-03.txt", "成绩单-2022-03.xlsx", "通报-2022-03.docx",
       "通报-2022-03.html", "退回意见", "退回意见/兴隆镇-2022-03-退回意见.xlsx"]


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    """Three units' returns, one with an error."""
    folder = tmp_path_factory.mktemp("returns")
    write_return(folder / "友谊镇.xlsx")
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇人民政府", projects=[project(name="丙项目", funds_in="待定")])
    write_return(folder / "发改局.xlsx", unit="县发改局", projects=[project(name="丁项目")])
    return folder


@pytest.fixture(scope="module")
def first(returns, tmp_path_factory) -> Path:
    """A published set, copied for each test that changes it."""
    out = tmp_path_factory.mktemp("first") / "out"
    run(returns, PERIOD, out=out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(SET)
    return out


@pytest.fixture
def out(first, tmp_path) -> Path:
    folder = tmp_path / "out"
    shutil.copytree(first, folder)
    return folder


def snapshot(root: Path) -> dict[str, str]:
    """Every path under `root` with the hash of its content ('dir' for a folder)."""
    return {p.relative_to(root).as_posix(): "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def _inputs(folder: Path) -> dict[str, tuple]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


# --------------------------------------------------------------------------
# refused or failed: the previous set unchanged, one Chinese line
# --------------------------------------------------------------------------

def _wrong_period(returns, out, monkeypatch, tmp_path):
    return run(returns, "2022-06", out=out)


def _other_year(returns, out, monkeypatch, tmp_path):
    return run(returns, "2021-06", out=out)


def _empty(returns, out, monkeypatch, tmp_path):
    (tmp_path / "empty").mkdir()
    return run(tmp_path / "empty", PERIOD, out=out)


def _bad_date(returns, out, monkeypatch, tmp_path):
    return run(returns, PERIOD, out=out, notice_date="2022-04-31")


def _bad_template(returns, out, monkeypatch, tmp_path):
    (tmp_path / "通报模板.docx").write_text("不是Word文档", encoding="utf-8")
    return run(returns, PERIOD, out=out, notice_template=tmp_path / "通报模板.docx")


def _disk_full_in_a_writer(returns, out, monkeypatch, tmp_path):
    import youyi_xl.outputs as outputs

    def full(result, path, *args):
        Path(path).write_bytes(b"half")                   # a partial file in the staging folder
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "render_notice", full)
    return run(returns, PERIOD, out=out)


def _open_in_wps(returns, out, monkeypatch, tmp_path):
    """The third file cannot be replaced (Windows: open in WPS): the first two are put back."""
    calls, real = [], publish.Staging._apply

    def apply(self, entry):
        calls.append(entry)
        if len(calls) == 3:
            exc = PermissionError(errno.EACCES, "Access is denied", entry.name)
            exc.winerror = 32
            raise exc
        real(self, entry)

    monkeypatch.setattr(publish.Staging, "_apply", apply)
    return run(returns, PERIOD, out=out)


def _history_in_use(returns, out, monkeypatch, tmp_path):
    import sqlite3

    import youyi_xl.evaluation.history as history

    monkeypatch.setattr(history, "DB_TIMEOUT", 0.05)
    holder = sqlite3.connect(out / "youyi.db")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        return run(returns, PERIOD, out=out)
    finally:
        holder.rollback()
        holder.close()


FAILURES = {
    "wrong-period": (_wrong_period, RefusedError, "2022年1-3月"),
    "other-year": (_other_year, RefusedError, "2022年"),
    "no-return": (_empty, RefusedError, "没有找到任何报表"),
    "bad-date": (_bad_date, UsageError, "成文日期"),
    "bad-template": (_bad_template, TemplateError, "通报模板"),
    "disk-full": (_disk_full_in_a_writer, OutputError, "磁盘空间不足"),
    "open-in-wps": (_open_in_wps, OutputError, "文件被其他程序占用"),
    "history-in-use": (_history_in_use, OutputError, "正被其他程序使用"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_a_failed_or_refused_run_leaves_the_previous_set_byte_identical(returns, out, monkeypatch, tmp_path, kind):
    action, error, words = FAILURES[kind]
    before = snapshot(out)
    with pytest.raises(error) as caught:
        action(returns, out, monkeypatch, tmp_path)
    assert words in str(caught.value) and "\n" not in str(caught.value)
    assert snapshot(out) == before


@pytest.mark.parametrize("kind", ["wrong-period", "other-year", "no-return", "bad-date", "bad-template"])
def test_a_refused_run_writes_nothing_at_all(returns, monkeypatch, tmp_path, kind):
    """Refused before anything is written: the output folder is not even created (a bad
    --date or --notice-template was refused only after the 成绩单 and JSON were written)."""
    action, error, _ = FAILURES[kind]
    with pytest.raises(error):
        action(returns, tmp_path / "new", monkeypatch, tmp_path)
    assert not (tmp_path / "new").exists()


def test_a_plan_folder_that_cannot_be_read_is_refused_before_reading(returns, tmp_path):
    with pytest.raises(YouyiError):
        run(returns, PERIOD, plan=tmp_path / "没有这个文件夹", out=tmp_path / "new")
    assert not (tmp_path / "new").exists()


# --------------------------------------------------------------------------
# the inputs and the output folder
# --------------------------------------------------------------------------

def test_returns_saved_in_the_feedback_folder_are_never_deleted(returns, out):
    """Units sent corrected workbooks back under the 退回意见 names and the clerk saved them in
    out/退回意见: running that folder into `out` deleted them before noticing they were inputs."""
    corrected = out / "退回意见"
    for name, source in (("兴隆镇-2022-03-退回意见.xlsx", "兴隆镇.xlsx"), ("友谊镇-2022-03-退回意见.xlsx", "友谊镇.xlsx")):
        shutil.copyfile(returns / source, corrected / name)
    before, inputs = snapshot(out), _inputs(corrected)
    with pytest.raises(UsageError, match="退回意见"):
        run(corrected, PERIOD, out=out)
    assert _inputs(corrected) == inputs and snapshot(out) == before


def test_returns_inside_the_output_folder_are_read_and_untouched(returns, out):
    inner = out / "回收" / PERIOD
    shutil.copytree(returns, inner)
    inputs = _inputs(inner)
    again = run(inner, PERIOD, out=out)
    assert _inputs(inner) == inputs and [p.name for p in again.feedback] == ["兴隆镇-2022-03-退回意见.xlsx"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_a_feedback_folder_linked_out_of_the_output_folder_is_refused(returns, tmp_path):
    elsewhere, out = tmp_path / "elsewhere", tmp_path / "out"
    elsewhere.mkdir()
    out.mkdir()
    (out / "退回意见").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(UsageError, match="链接"):
        run(returns, PERIOD, out=out)
    assert list(elsewhere.iterdir()) == [] and sorted(p.name for p in out.iterdir()) == ["退回意见"]


def test_an_output_name_taken_by_a_folder_is_one_line(returns, tmp_path, capsys):
    out = tmp_path / "out"
    (out / "成绩单-2022-03.xlsx").mkdir(parents=True)
    code = main(["run", str(returns), "--period", PERIOD, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "文件夹" in err and "内部错误" not in err and len(err.strip().splitlines()) == 1


def test_a_rerun_replaces_the_set_and_drops_feedback_no_longer_due(returns, out, tmp_path):
    fixed = tmp_path / "fixed"
    shutil.copytree(returns, fixed)
    write_return(fixed / "兴隆镇.xlsx", unit="兴隆镇人民政府", projects=[project(name="丙项目")])
    again = run(fixed, PERIOD, out=out)
    assert again.feedback == [] and list((out / "退回意见").iterdir()) == []
    assert sorted(snapshot(out)) == sorted(n for n in SET if n != "退回意见/兴隆镇-2022-03-退回意见.xlsx")
    assert all(p.is_file() for p in again.files.values()) and again.files["scorecard"].parent == out


# --------------------------------------------------------------------------
# one run at a time; what killed runs left
# --------------------------------------------------------------------------

def test_a_run_waits_for_another_run_into_the_same_folder(returns, out, monkeypatch):
    monkeypatch.setattr(publish, "LOCK_WAIT", 0.2)
    before = snapshot(out)
    with publish.RunLock(out) as held:
        held.acquire()
        with pytest.raises(OutputError, match="另一个 youyi-xl"):
            run(returns, PERIOD, out=out)
        assert {k: v for k, v in snapshot(out).items() if k != publish.LOCK_NAME} == before
    assert snapshot(out) == before                          # the lock file goes with the lock


class _FakeMsvcrt:
    """msvcrt.locking as Windows does it (a lock per open file, refused while another holds
    it), made of flock so that the Windows branch runs here."""

    LK_NBLCK, LK_UNLCK = 2, 0

    @staticmethod
    def locking(handle, mode, nbytes):
        import fcntl

        if mode == _FakeMsvcrt.LK_UNLCK:
            fcntl.flock(handle, fcntl.LOCK_UN)
            return
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PermissionError(errno.EACCES, "Permission denied") from None


@pytest.mark.skipif(os.name != "posix", reason="the fake msvcrt is made of flock")
def test_the_windows_lock_keeps_runs_apart_too(tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "_fcntl", None)
    monkeypatch.setattr(publish, "_msvcrt", _FakeMsvcrt)
    first, second = publish.RunLock(tmp_path), publish.RunLock(tmp_path)
    first.acquire()
    with pytest.raises(OutputError, match="进程"):
        second.acquire(wait=0)
    first.release()
    second.acquire(wait=0)
    second.release()
    assert not (tmp_path / publish.LOCK_NAME).exists()


def test_what_killed_runs_left_is_cleaned_and_their_lock_taken_over(returns, out):
    """A kill leaves atomic_write's temporaries, the ledger splice's file, a staging folder and
    the lock file; the next run removes them (and leaves LibreOffice's own lock file alone)."""
    left = [".~成绩单-2022-03.k3j9x0a_.xlsx", ".~成绩单-2022-03.k3j9x0a_.xlsx.splice",
            "退回意见/.~友谊镇-2022-03-退回意见.ab12cd34.xlsx", ".youyi-staging-2022-03-1-ab12cd34/成绩单-2022-03.xlsx"]
    for name in left:
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_bytes(b"partial")
    (out / publish.LOCK_NAME).write_text(" " * 16 + "进程 999999", encoding="utf-8")   # its holder is dead
    (out / ".~lock.成绩单-2022-03.xlsx#").write_text("LibreOffice", encoding="utf-8")
    run(returns, PERIOD, out=out)
    assert sorted(snapshot(out)) == sorted([*SET, ".~lock.成绩单-2022-03.xlsx#"])


KILLED_COMMIT = """
import os, shutil, signal, sys
from pathlib import Path
from youyi_xl.core import Period
from youyi_xl.outputs import publish
real, done = publish.Staging._apply, []
def apply(self, entry):                   # killed after three files of the new set are in place
    if len(done) == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    real(self, entry)
    done.append(entry)
publish.Staging._apply = apply
out, new = Path(sys.argv[1]), Path(sys.argv[2])
with publish.publishing(out, Period.parse("2022-03")) as staging:
    shutil.copytree(new, staging.folder, dirs_exist_ok=True)
    staging.commit()
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_run_killed_while_replacing_the_set_is_rolled_back(out, tmp_path):
    """Killed half-way through putting the new set in place (a real SIGKILL, in a child that
    commits a prepared set): the next run into the folder puts the previous set back first
    (`recover`, which every run calls under the lock), and takes the dead run's lock over."""
    new = tmp_path / "new"
    shutil.copytree(out, new)
    for path in new.rglob("*.*"):
        path.write_bytes(b"new " + path.read_bytes())
    before = snapshot(out)
    child = subprocess.run([sys.executable, "-c", KILLED_COMMIT, str(out), str(new)], timeout=120)
    assert child.returncode == -signal.SIGKILL
    changed = [k for k, v in snapshot(out).items() if before.get(k, v) != v]
    assert len(changed) == 3                                          # a mixed set, and the note
    with publish.publishing(out, Period.parse(PERIOD)):
        pass
    assert snapshot(out) == before


def test_two_runs_into_one_folder_at_once_both_succeed(returns, tmp_path):
    """Two runs at once into one output folder (a `youyi-xl run` child and this process): one
    waits for the other; neither fails, and the set is whole."""
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "youyi_xl", "run", str(returns), "--period", PERIOD,
                              "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        mine = run(returns, PERIOD, out=out)
        assert child.wait(timeout=120) == 1, child.stderr.read()           # 1: 兴隆镇 has an error
    finally:
        child.kill()
        child.wait()
    assert all(p.is_file() for p in mine.files.values())
    assert sorted(snapshot(out)) == sorted(SET)


# --------------------------------------------------------------------------
# a full disk, for real (a small tmpfs in a user and mount namespace)
# --------------------------------------------------------------------------

FULL_DISK = r"""
set -e
mount -t tmpfs -o size=2m tmpfs "$MNT" 2>/dev/null || exit 77
cp -a "$FIRST" "$MNT/out"
python=$1; shift
"$python" -c 'import hashlib, json, pathlib, sys
root = pathlib.Path(sys.argv[1])
print(json.dumps({p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in sorted(root.rglob("*")) if p.is_file()}))' "$MNT/out" > "$WORK/before.json"
free=$(df -k --output=avail "$MNT" | tail -1)
head -c $(( (free - 48) * 1024 )) /dev/zero > "$MNT/filler" 2>/dev/null || true
set +e
"$python" -m youyi_xl run "$RETURNS" --period 2022-03 --out "$MNT/out" > "$WORK/stdout" 2> "$WORK/stderr"
echo $? > "$WORK/code"
"$python" -c 'import hashlib, json, pathlib, sys
root = pathlib.Path(sys.argv[1])
print(json.dumps({p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in sorted(root.rglob("*")) if p.is_file()}))' "$MNT/out" > "$WORK/after.json"
"""


@pytest.mark.skipif(not shutil.which("unshare") or not sys.platform.startswith("linux"), reason="Linux namespaces")
def test_a_full_disk_is_one_line_and_leaves_the_previous_set(returns, first, tmp_path):
    """On a small tmpfs filled up: exit 2, '磁盘空间不足' in one line (it was 内部错误：OSError and
    a traceback), no partial file, the previous set complete."""
    mnt, work = tmp_path / "mnt", tmp_path / "work"
    mnt.mkdir()
    work.mkdir()
    env = {**os.environ, "MNT": str(mnt), "WORK": str(work), "FIRST": str(first), "RETURNS": str(returns)}
    done = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK, "sh",
                           sys.executable], env=env, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not (work / "code").exists():
        pytest.skip(f"cannot mount a tmpfs here ({done.returncode}: {done.stderr.strip()[:200]})")
    err = (work / "stderr").read_text(encoding="utf-8")
    assert (work / "code").read_text().strip() == "2", err
    assert "磁盘空间不足" in err and "Traceback" not in err and "内部错误" not in err
    assert len(err.strip().splitlines()) == 1, err
    after = json.loads((work / "after.json").read_text())
    assert after == json.loads((work / "before.json").read_text())


def test_real_paths_are_each_paths_realpath(tmp_path, monkeypatch):
    """Staging's inputs resolved a folder at a time equal os.path.realpath of each one: plain
    files, a relative path, a file reached through a linked folder, a link to an output, '..'."""
    import os

    from youyi_xl.outputs.publish import _real, real_paths

    returns, out, elsewhere = tmp_path / "returns", tmp_path / "out", tmp_path / "elsewhere"
    for folder in (returns, out, elsewhere):
        folder.mkdir()
    (out / "成绩单-2022-03.xlsx").write_bytes(b"x")
    (elsewhere / "兴隆镇.xlsx").write_bytes(b"x")
    for name in ("友谊镇.xlsx", "庆丰乡.xlsx"):
        (returns / name).write_bytes(b"x")
    paths = [returns / "友谊镇.xlsx", returns / "庆丰乡.xlsx", returns / ".." / "returns" / "友谊镇.xlsx"]
    try:
        os.symlink(out / "成绩单-2022-03.xlsx", returns / "链接.xlsx")
        os.symlink(elsewhere, returns / "子文件夹", target_is_directory=True)
        paths += [returns / "链接.xlsx", returns / "子文件夹" / "兴隆镇.xlsx"]
    except (OSError, NotImplementedError):
        pass                            # no links here (Windows without the right): plain files only
    monkeypatch.chdir(returns)
    paths += [Path("庆丰乡.xlsx"), Path("..") / "returns" / "友谊镇.xlsx"]
    assert real_paths(paths) == {_real(p) for p in paths}
    if (returns / "链接.xlsx").is_symlink():
        assert _real(out / "成绩单-2022-03.xlsx") in real_paths(paths)
