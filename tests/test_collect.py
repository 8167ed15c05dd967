"""collect: the folder-level stage — parallel reading gives what one process gives; progress;
what is read (links, names that are not UTF-8, folders too deep, youyi-xl's own outputs);
the batch that cannot be this period's; workers that die with their parent."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import project, write_return
from conftest import return_file

from youyi_xl.intake.folder import collect

collect_module = sys.modules["youyi_xl.intake.folder"]      # youyi_xl.intake.folder is also the function
needs_symlinks = pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("returns")
    units = ["友谊镇", "兴隆镇", "龙山镇", "凤岗镇", "兴盛乡", "东建乡"]
    for n, unit in enumerate(units):
        rows = [project(name=f"{unit}项目{i}", investor=f"{unit}公司{i}") for i in range(5)]
        if n % 2:
            rows.append(project(name=f"{unit}坏行", investor="某公司", funds_in="待定"))
        write_return(root / f"{unit}.xlsx", unit=unit, projects=rows)
    write_return(root / "友谊镇-旧版.xlsx", unit="友谊镇", fill_date=None)     # a duplicate submission
    (root / "说明.txt").write_text("附件说明", encoding="utf-8")
    return root


@pytest.mark.parametrize("method", [None, "spawn"])
def test_parallel_reading_gives_the_same_batch(folder, monkeypatch, method):
    """Forked workers (Linux) and spawned ones (Windows: the plan and its tables arrive pickled,
    their hashes made again in the worker's own process) read what one process reads."""
    one = collect(folder, "2022-03", workers=1)
    monkeypatch.setattr(collect_module, "PARALLEL_FROM", 2)
    monkeypatch.setattr(collect_module, "POOL_START_METHOD", method)
    two = collect(folder, "2022-03", workers=2)
    assert two.issue_list == one.issue_list and len(one.issue_list) > 3
    assert two.projects.equals(one.projects) and len(one.projects) == 33
    assert one.row_count("projects") == two.row_count("projects") == 33    # every row, counted or not
    assert [r.file for r in two.superseded] == [r.file for r in one.superseded] == ["友谊镇-旧版.xlsx"]
    assert two.units.equals(one.units)
    assert len({id(r.sheet) for r in two.rows("projects")}) == 1     # one copy of what returns repeat


def test_a_table_arrives_in_another_process_with_that_process_hash(tmp_path):
    """A table hashes once (it keys the readers' caches); its pickle carries no hash, since string
    hashes differ between processes: unpickled under another PYTHONHASHSEED it hashes as a table
    built there does."""
    import pickle

    from youyi_xl.core.schema import PROJECTS
    (tmp_path / "table.pickle").write_bytes(pickle.dumps(PROJECTS))
    code = ("import pickle, sys; from youyi_xl.core.schema import PROJECTS; "
            "t = pickle.loads(open(sys.argv[1], 'rb').read()); print(hash(t) == hash(PROJECTS) and t == PROJECTS)")
    for seed in ("1", "2"):
        out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "table.pickle")], text=True,
                             capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
        assert out.stdout.strip() == "True"


def test_progress_reports_every_file(folder, monkeypatch):
    seen = []
    monkeypatch.setattr(collect_module, "PARALLEL_FROM", 2)
    collect(folder, "2022-03", workers=2, progress=lambda done, total, file: seen.append((done, total)))
    assert seen == [(i, 7) for i in range(1, 8)]


# --------------------------------------------------------------------------
# what is read and what is not (DOMAIN §9)
# --------------------------------------------------------------------------

def _codes(batch) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for issue in batch.issue_list:
        found.setdefault(issue.code, []).append(issue.file)
    return found


CLEAN = {"fixed_asset_investment": 1500}


@pytest.fixture
def three(tmp_path, plan):
    """Three units' clean returns."""
    folder = tmp_path / "returns"
    for unit in ("友谊镇", "兴隆镇", "县发改局"):
        return_file(folder, unit, plan=plan, name=f"{unit}.xlsx", summary=CLEAN)
    return folder


@needs_symlinks
def test_a_link_out_of_the_folder_is_not_followed(three, tmp_path, plan):
    """A link to any workbook on the clerk's disk is not read as a return (a full copy of it
    would land in that unit's 退回意见); a link inside the folder is read as its target, once."""
    secret = return_file(tmp_path / "elsewhere", "龙山镇", plan=plan)
    (three / "龙山镇.xlsx").symlink_to(secret)
    (three / "sub").symlink_to(secret.parent, target_is_directory=True)
    (three / "友谊镇-链接.xlsx").symlink_to(three / "友谊镇.xlsx")
    batch = collect(three, "2022-03", plan)
    assert sorted(r.file for r in [*batch.returns, *batch.superseded]) == sorted(["兴隆镇.xlsx", "友谊镇.xlsx", "县发改局.xlsx"])
    assert sorted(_codes(batch)["link-skipped"]) == ["sub", "龙山镇.xlsx"]
    assert batch.status("龙山镇") == "missing" and "duplicate-submission" not in _codes(batch)


def test_a_file_name_that_is_not_utf8_is_read_and_shown_as_gbk(three, plan):
    """unzip on Linux keeps the GBK bytes of names made on Chinese Windows; `run` stopped with
    UnicodeEncodeError on them."""
    name = os.fsdecode("龙山镇报表".encode("gbk") + b".xlsx")
    try:
        return_file(three, "龙山镇", plan=plan, name=name)
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system refuses names that are not UTF-8")
    batch = collect(three, "2022-03", plan)
    assert batch.files["龙山镇"] == "龙山镇报表.xlsx" and batch.return_of("龙山镇") is not None
    json.dumps([i.to_dict() for i in batch.issue_list], ensure_ascii=False).encode("utf-8")


def test_a_folder_beyond_the_path_limit_is_one_warning(three, plan):
    """Returns nested beyond PATH_MAX: one folder-unreadable warning, not an internal error."""
    data = (three / "兴隆镇.xlsx").read_bytes()
    handle = os.open(three, os.O_RDONLY)
    try:
        for _ in range(24):                     # 24 levels of 201 bytes: past Linux's 4096
            os.mkdir("层" * 67, dir_fd=handle)
            inner = os.open("层" * 67, os.O_RDONLY, dir_fd=handle)
            os.close(handle)
            handle = inner
        deep = os.open("龙山镇.xlsx", os.O_WRONLY | os.O_CREAT, dir_fd=handle)
        os.write(deep, data)
        os.close(deep)
    finally:
        os.close(handle)
    try:
        batch = collect(three, "2022-03", plan)
        assert len(_codes(batch)["folder-unreadable"]) == 1 and len(batch.accepted) == 3
    finally:                                    # other tests walk the shared temporary folder
        shutil.rmtree(three / ("层" * 67))


def test_youyi_xl_outputs_in_the_returns_folder_are_skipped(three, tmp_path, plan):
    """Copies of a run's outputs under the returns folder (成绩单, 退回意见, JSON, db, notice)
    are not returns: each is one info line, and the batch is the same as without them (the
    退回意见 copies replaced the real returns, the 成绩单 became a unit called 项目名称)."""
    from youyi_xl.pipeline import run

    return_file(three, "凤岗镇", plan=plan, projects=[project(funds_in="待定")])
    before = collect(three, "2022-03", plan)
    out = run(three, "2022-03", plan=plan, out=tmp_path / "out").folder
    shutil.copytree(out, three / "上次结果")
    after = collect(three, "2022-03", plan)
    assert after.projects.equals(before.projects) and after.units.equals(before.units)
    copied = sorted(p.name for p in (three / "上次结果").rglob("*") if p.is_file())
    assert sorted(Path(f).name for f in _codes(after)["output-skipped"]) == copied
    assert "凤岗镇-2022-03-退回意见.xlsx" in copied and "extra-ignored" not in _codes(after)


def test_an_edited_feedback_sent_back_is_a_return(three, tmp_path, plan):
    """A unit that corrected the cells of its 退回意见 and sent it back sent a return."""
    import openpyxl

    from youyi_xl.pipeline import run

    return_file(three, "凤岗镇", plan=plan, projects=[project(funds_in="待定")], summary=CLEAN)
    [feedback] = run(three, "2022-03", plan=plan, out=tmp_path / "out").feedback
    book = openpyxl.load_workbook(feedback)
    cell = next(c for row in book["招商引资项目"].iter_rows() for c in row if c.value == "待定")
    cell.value = 900
    (three / "凤岗镇-2022-03.xlsx").unlink()
    book.save(three / feedback.name)
    batch = collect(three, "2022-03", plan)
    assert batch.files["凤岗镇"] == feedback.name and batch.issue_count("凤岗镇") == 0


def test_a_blank_form_is_skipped_a_filled_one_read(tmp_path, plan):
    from youyi_xl.demo import fill_form
    from youyi_xl.outputs.forms import make_forms

    blank, filled = make_forms(plan, "2022-03", tmp_path / "returns", ["友谊镇", "兴隆镇"])
    fill_form(filled, summary={"fixed_asset_investment": 100})
    batch = collect(tmp_path / "returns", "2022-03", plan)
    assert [r.unit for r in batch.returns] == ["兴隆镇"]
    assert _codes(batch)["output-skipped"] == [blank.name]


def test_most_targets_differing_from_the_plan_names_the_plan(tmp_path, plan):
    """Forms made from a clerk's own targets, collected with the shipped plan (--plan
    forgotten): one warning for the whole batch names the plan as the likely cause."""
    folder = tmp_path / "returns"
    for unit in ("友谊镇", "兴隆镇", "龙山镇"):
        return_file(folder, unit, plan=plan, targets={"signed_projects": 99})
    [hint] = [i for i in collect(folder, "2022-03", plan).issue_list if i.code == "plan-mismatch"]
    assert hint.unit == "" and hint.file == "" and "--plan" in hint.hint
    for extra in sorted(folder.iterdir())[1:]:
        extra.unlink()                          # one unit's changed targets are that unit's
    assert "plan-mismatch" not in _codes(collect(folder, "2022-03", plan))


# --------------------------------------------------------------------------
# the batch that cannot be this period's (intake/verdict.py)
# --------------------------------------------------------------------------

def test_refusal_of_nothing_another_period_and_two_periods_together(tmp_path, plan):
    from youyi_xl.core.period import Period
    from youyi_xl.intake import period_outside_plan, refusal

    march, june, empty = tmp_path / "回收" / "2022-03", tmp_path / "回收" / "2022-06", tmp_path / "空"
    empty.mkdir()
    for unit in ("友谊镇", "兴隆镇", "县发改局"):
        return_file(march, unit, "2022-03", plan=plan)
        return_file(june, unit, "2022-06", plan=plan)
    assert refusal(collect(march, "2022-03", plan)) is None
    assert "2022年1-3月" in refusal(collect(march, "2022-06", plan))
    both = refusal(collect(tmp_path / "回收", "2022-03", plan))      # the parent folder of both
    assert "2022年1-3月" in both and "2022年1-6月" in both
    assert "没有找到任何报表" in refusal(collect(empty, "2022-03", plan))
    assert period_outside_plan(Period.parse("2023-03"), plan) and period_outside_plan(Period.parse("2021-06"), plan)
    assert period_outside_plan(Period.parse("2022-12"), plan) is None


# --------------------------------------------------------------------------
# the process: workers die with their parent
# --------------------------------------------------------------------------

KILLED_PARENT = """
import sys, time
import youyi_xl.intake.folder as folder
from youyi_xl import collect

def slow(args):                          # a worker busy reading, as on a huge batch
    print("busy", flush=True)
    time.sleep(600)

if __name__ == "__main__":
    folder.PARALLEL_FROM, folder.POOL_START_METHOD, folder._read_one = 1, sys.argv[2], slow
    collect(sys.argv[1], "2022-03", workers=2)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SIGKILL, /proc")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_die_with_a_killed_parent(three, tmp_path, method):
    """Kill the main process during parallel reading: its worker processes end too — forked,
    and spawned (the start method on Windows) — instead of waiting for work for ever."""
    script = tmp_path / "parent.py"
    script.write_text(KILLED_PARENT, encoding="utf-8")
    child = subprocess.Popen([sys.executable, str(script), str(three), method], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "busy"
        workers = _workers_of(child.pid)
        assert workers
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        deadline = time.monotonic() + 60           # a bound for a hung test, not a timing
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers), "a worker outlived its killed parent"
    finally:
        child.kill()
        child.wait()


def _workers_of(pid: int) -> list[int]:
    """The child processes of `pid` but the resource tracker (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:     # a zombie is dead (it waits to be reaped)
            return stat.read().rpartition(") ")[2][:1] != "Z"
    except FileNotFoundError:
        return False


def test_row_counts_are_found_once_for_every_table(folder, monkeypatch):
    """The first row count counts every table (run asks before it forks its writers); later ones
    read no return again, so a forked writer asking writes nothing the other process shares."""
    from youyi_xl.intake import ReturnData

    batch = collect(folder, "2022-03", workers=1)
    expected = {key: len(list(batch.rows(key))) for key in ("projects", "key_projects", "planned")}
    assert batch.row_count("projects") == expected["projects"] == 33

    def untouchable(self, table):
        raise AssertionError("a return read again")

    monkeypatch.setattr(ReturnData, "records", untouchable)
    assert {key: batch.row_count(key) for key in expected} == expected and batch.row_count("nothing") == 0
