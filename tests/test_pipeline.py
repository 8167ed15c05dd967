"""`run`: collect → evaluate → every output; deterministic, safe for the inputs, atomic."""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from builders import key_project, project, write_return
from youyi_xl.cli.main import main
from youyi_xl.core.errors import UsageError
from youyi_xl.pipeline import default_notice_date, run
from youyi_xl.core.period import Period


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    """Three units' returns: one clean, one with an error, one claiming the other's project."""
    folder = tmp_path_factory.mktemp("returns")
    write_return(folder / "友谊镇.xlsx", projects=[project(), project(name="乙项目", investor="乙公司")])
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇人民政府",
                 projects=[project(name="丙项目", investor="丙公司", funds_in="待定")],
                 key_projects=[key_project(name="兴隆镇某市百大", category="市级百大", nature="新建",
                                           start_date=dt.date(2022, 3, 2))])
    write_return(folder / "发改局.xlsx", unit="县发改局", projects=[project()])   # same as 友谊镇's first
    return folder


def test_run_writes_every_output(returns, tmp_path):
    outputs = run(returns, "2022-03", out=tmp_path / "out")
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(["result-2022-03.json", "催报-2022-03.txt", "成绩单-2022-03.xlsx", "通报-2022-03.docx",
                            "通报-2022-03.html", "退回意见", "youyi.db"])
    data = json.loads(outputs.files["json"].read_text(encoding="utf-8"))
    assert data["period"] == "2022-03" and data["time_progress"] == 0.25
    statuses = {u["unit"]: u["status"] for u in data["units"]}
    assert statuses["友谊镇"] == "submitted" and statuses["兴隆镇"] == "errors" and statuses["龙山镇"] == "missing"
    assert sorted(p.name for p in outputs.feedback) == sorted(
        ["兴隆镇-2022-03-退回意见.xlsx", "发展和改革局-2022-03-退回意见.xlsx", "友谊镇-2022-03-退回意见.xlsx"])
    # 友谊镇 2 projects, 发改局 1 (also in 友谊镇's return), 兴隆镇's only project has an error:
    # the units are credited 2 + 1, the county counts the shared project once
    signed = {u["unit"]: u["indicators"]["signed_projects"]["actual"] for u in data["units"]}
    assert (signed["友谊镇"], signed["发展和改革局"], signed["兴隆镇"]) == (2, 1, 0)
    assert data["county"]["signed_projects"]["actual"] == 2


def _workbook_values(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def test_same_inputs_give_the_same_outputs(returns, tmp_path):
    a = run(returns, "2022-03", out=tmp_path / "a")
    b = run(returns, "2022-03", out=tmp_path / "b")
    assert a.files["json"].read_bytes() == b.files["json"].read_bytes()
    assert _workbook_values(a.files["scorecard"]) == _workbook_values(b.files["scorecard"])
    assert a.files["notice_html"].read_bytes() == b.files["notice_html"].read_bytes()
    assert a.files["reminder"].read_bytes() == b.files["reminder"].read_bytes()
    docx_a = zipfile.ZipFile(a.files["notice"]).read("word/document.xml")
    assert docx_a == zipfile.ZipFile(b.files["notice"]).read("word/document.xml")


def test_notice_date_defaults_to_the_sixth_of_next_month():
    assert default_notice_date(Period.parse("2022-03")) == dt.date(2022, 4, 6)
    assert default_notice_date(Period.parse("2022-12")) == dt.date(2023, 1, 6)


def test_inputs_untouched_and_output_inside_returns_refused(returns, tmp_path):
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in returns.iterdir()}
    run(returns, "2022-03", out=tmp_path / "out")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in returns.iterdir()} == before
    with pytest.raises(UsageError, match="报表文件夹内"):
        run(returns, "2022-03", out=returns / "out")
    assert not (returns / "out").exists()


def test_cli_run(returns, tmp_path, capsys):
    code = main(["run", str(returns), "--period", "2022-03", "--out", str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert code == 1                                   # 兴隆镇 has an error
    assert "乡镇前三名" in out and "成绩单-2022-03.xlsx" in out and "退回意见：3 份" in out
    code = main(["run", str(returns), "--period", "2022-03", "--out", str(tmp_path / "o"), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and {u["unit"] for u in data["units"]} >= {"友谊镇", "兴隆镇"}


@pytest.mark.slow
def test_deadline_reaches_the_notice_and_every_feedback(returns, tmp_path):
    """run --deadline: the date corrected returns are due, in 下步工作要求 and in every 退回意见
    instead of ____月____日; by default a week after the 成文日期; a bad date stops before reading."""
    default = run(returns, "2022-03", out=tmp_path / "a")
    for path in default.feedback:
        notes = "".join(str(c.value) for c in openpyxl.load_workbook(path)["问题清单"]["A"][:5])
        assert "请修改后于2022年4月13日前重新报送。" in notes and "____月____日" not in notes, path.name
    assert "于2022年4月13日前重新报送" in default.files["notice_html"].read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="--deadline"):
        run(returns, "2022-03", out=tmp_path / "c", deadline="4月15日")
    assert not (tmp_path / "c").exists()
    out = tmp_path / "d"
    assert main(["run", str(returns), "--period", "2022-03", "--out", str(out), "--deadline", "2022-04-20"]) == 1
    assert "于2022年4月20日前重新报送" in (out / "通报-2022-03.html").read_text(encoding="utf-8")
    for path in (out / "退回意见").iterdir():
        notes = "".join(str(c.value) for c in openpyxl.load_workbook(path)["问题清单"]["A"][:5])
        assert "请修改后于2022年4月20日前重新报送。" in notes, path.name


# --- an interrupted run leaves no half-written file under a final name ------------

def _big_batch(folder: Path) -> None:
    names = ["友谊镇", "兴隆镇", "龙山镇", "凤岗镇", "兴盛乡", "东建乡", "庆丰乡", "建设乡", "友邻乡", "新镇乡"]
    for n, unit in enumerate(names):
        rows = [project(name=f"{unit}项目{i}", investor=f"公司{n}-{i}") for i in range(200)]
        write_return(folder / f"{unit}.xlsx", unit=unit, projects=rows)


def _complete(path: Path) -> bool:
    if path.suffix in (".xlsx", ".docx"):
        try:
            with zipfile.ZipFile(path) as z:
                return z.testzip() is None
        except zipfile.BadZipFile:
            return False
    if path.suffix == ".json":
        try:
            json.loads(path.read_text(encoding="utf-8"))
            return True
        except ValueError:
            return False
    return path.stat().st_size > 0


def _temporaries(folder: Path) -> set[str]:
    """Files being written right now: the atomic writes' temporaries and the splice's."""
    if not folder.exists():
        return set()
    return {p.name for p in folder.rglob("*") if p.name.startswith(".~") or p.name.endswith(".splice")}


def _kill_at_write(returns: Path, out: Path, writes: int) -> tuple[set[str], int]:
    """Run, and SIGKILL the run as soon as its `writes`-th output is being written; the
    temporaries left on disk afterwards (a kill leaves its write's temporary behind), and how
    many writes were seen (a fast machine finishes small writes between two looks)."""
    proc = subprocess.Popen([sys.executable, "-m", "youyi_xl", "run", str(returns), "--period", "2022-03",
                             "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: set[str] = set()
    try:
        while proc.poll() is None:
            now = _temporaries(out)
            seen |= now
            if now and len(seen) >= writes:
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        proc.wait(timeout=60)
    return (_temporaries(out) if proc.returncode == -signal.SIGKILL else set()), len(seen)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
@pytest.mark.parametrize("writes", [1, 3, 6])
def test_killed_in_the_middle_of_a_write_leaves_only_whole_files(tmp_path, writes):
    """The run is killed while its `writes`-th output file is being written — proven by the
    write's temporary left on disk — and every file under a final name is whole."""
    returns = tmp_path / "returns"
    _big_batch(returns)
    for attempt in range(8):            # the kill may land just after a short write ends: try again
        out = tmp_path / f"out{attempt}"
        left, seen = _kill_at_write(returns, out, writes)
        if left:
            break
        if seen < writes:               # the run ended first: aim at the latest write this machine shows
            writes = max(seen, 1)
    assert left, "no kill landed in the middle of a write"
    finals = [p for p in out.rglob("*") if p.is_file() and p.name not in left]
    assert all(_complete(p) for p in finals), [p.name for p in finals if not _complete(p)]


def test_rerun_removes_feedback_of_units_that_fixed_their_return(tmp_path):
    folder = tmp_path / "returns"
    write_return(folder / "友谊镇.xlsx", projects=[project(funds_in="待定")])
    out = tmp_path / "out"
    first = run(folder, "2022-03", out=out)
    assert [p.name for p in first.feedback] == ["友谊镇-2022-03-退回意见.xlsx"]
    write_return(folder / "友谊镇.xlsx")                       # fixed
    second = run(folder, "2022-03", out=out)
    assert second.feedback == [] and not list((out / "退回意见").glob("*.xlsx"))


def test_copied_templates_are_used_from_the_plan_folder(returns, tmp_path, capsys):
    import docx

    mine = tmp_path / "我的模板"
    assert main(["templates", "--out", str(mine)]) == 0
    assert sorted(p.name for p in mine.iterdir()) == sorted(
        ["attachment1.xlsx", "attachment2.xlsx", "attachment3.xlsx", "考核细则.xlsx", "通报模板.docx"])
    assert main(["templates", "--out", str(mine)]) == 2          # never overwrites
    notice = docx.Document(mine / "通报模板.docx")
    notice.add_paragraph("本通报由县发改局起草。")
    notice.save(mine / "通报模板.docx")
    outputs = run(returns, "2022-03", plan=mine, out=tmp_path / "out")
    assert "本通报由县发改局起草。" in outputs.files["notice_html"].read_text(encoding="utf-8")


@pytest.mark.parametrize("quiet", [True, False])
def test_documents_in_a_forked_child_are_the_same_and_report_errors(returns, tmp_path, monkeypatch, quiet):
    """From BACKGROUND_FROM returns the result JSON, 通报, 催报稿 and 退回意见 are written by a forked
    child while this process writes the 成绩单: the same files as written inline, and a failure in
    the child is the same one Chinese sentence, nothing of the previous set changed. From
    QUIET_LEDGERS_FROM rows (`quiet`) the 成绩单's ledger rows are made only after the child ended,
    and the result JSON is written by this process once the child has ended."""
    import youyi_xl.outputs as outputs
    import youyi_xl.outputs.bigsheet as bigsheet
    import youyi_xl.pipeline as pipeline
    from youyi_xl.core.errors import OutputError

    import threading

    inline = run(returns, "2022-03", out=tmp_path / "inline", notice_date="2022-04-08")
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(pipeline, "QUIET_LEDGERS_FROM", 1 if quiet else 10**9)
    order = []
    waited, made = pipeline._Background.wait, bigsheet.BigTable.iter_rows

    def wait(self):
        order.append(("wait", self.process is not None))
        return waited(self)

    def iter_rows(self, *args):
        order.append(("rows", self.source is not None))
        return made(self, *args)

    monkeypatch.setattr(pipeline._Background, "wait", wait)
    monkeypatch.setattr(bigsheet.BigTable, "iter_rows", iter_rows)
    json_writer, json_here = outputs.write_result_json, []

    def write_json(result, path):       # which process writes the result JSON (the child's
        json_here.append(os.getpid() == parent)    # appends are lost with it)
        order.append(("json", os.getpid() == parent))
        return json_writer(result, path)

    parent = os.getpid()
    monkeypatch.setattr(outputs, "write_result_json", write_json)
    assert threading.active_count() == 1 and os.name == "posix"      # so the fork path is taken
    forked = run(returns, "2022-03", out=tmp_path / "forked", notice_date="2022-04-08")
    assert json_here == ([True] if quiet else [])      # with quiet ledgers, here once the child ended
    ledgers = [("rows", False)] * 2 + [("rows", True)] * 3     # the rankings' rows are made already
    assert order == ([("wait", True), ("json", True), *ledgers, ("wait", False)] if quiet
                     else [*ledgers, ("wait", True)])
    assert _workbook_values(forked.files["scorecard"]) == _workbook_values(inline.files["scorecard"])
    for key in ("notice_html", "reminder"):
        assert forked.files[key].read_bytes() == inline.files[key].read_bytes()
    assert json.loads(forked.files["json"].read_text("utf-8")) == json.loads(inline.files["json"].read_text("utf-8"))
    assert [p.name for p in forked.feedback] == [p.name for p in inline.feedback] and forked.feedback
    for one, other in zip(forked.feedback, inline.feedback):
        assert _workbook_values(one) == _workbook_values(other)
    before = {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir() if p.is_file()}

    def broken(result, path):
        raise OutputError("磁盘已满（测试）")

    monkeypatch.setattr(outputs, "write_result_json", broken)
    with pytest.raises(OutputError, match="磁盘已满"):
        run(returns, "2022-03", out=tmp_path / "forked", notice_date="2022-04-08")

    def full(result, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(outputs, "write_result_json", full)
    with pytest.raises(OutputError, match="^无法写入“result-2022-03.json”：磁盘空间不足；上次生成的文件未改动$"):
        run(returns, "2022-03", out=tmp_path / "forked", notice_date="2022-04-08")
    assert {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir() if p.is_file()} == before

    def scorecard_broken(result, path, **options):
        raise OutputError("成绩单写不下（测试）")

    monkeypatch.setattr(outputs, "write_scorecard", scorecard_broken)     # both fail: the first is said
    with pytest.raises(OutputError, match="成绩单写不下"):
        run(returns, "2022-03", out=tmp_path / "forked", notice_date="2022-04-08")
    assert {p.name: p.read_bytes() for p in (tmp_path / "forked").iterdir() if p.is_file()} == before


OPEN_COUNTER = """
import collections, json, sys
from pathlib import Path
opened = collections.Counter()
root = Path(sys.argv[1]).resolve()
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, Path)):
        path = Path(args[0] if not isinstance(args[0], bytes) else args[0].decode()).resolve()
        if root in path.parents:
            opened[path.name] += 1
sys.addaudithook(hook)
import youyi_xl
if sys.argv[2] == "check":
    youyi_xl.collect(root, "2022-03", workers=1)
else:
    youyi_xl.run(root, "2022-03", out=sys.argv[3], workers=1)
print(json.dumps(opened))
"""


@pytest.mark.parametrize("command", ["check", "run"])
def test_each_return_is_opened_once_and_once_more_for_its_feedback(returns, tmp_path, command):
    """`check` opens each return once; `run` once for reading and once more only to copy it
    into the unit's 退回意见 (every open of the file counted by an audit hook, in a child)."""
    done = subprocess.run([sys.executable, "-c", OPEN_COUNTER, str(returns), command, str(tmp_path / "out")],
                          capture_output=True, text=True, check=True)
    opened = json.loads(done.stdout.splitlines()[-1])
    files = sorted(p.name for p in returns.iterdir())
    if command == "check":
        assert opened == {name: 1 for name in files}
    else:     # every unit here has a warning or an error, so every return is copied once
        assert opened == {name: 2 for name in files}


def test_the_writers_libraries_are_imported_on_a_thread_while_workers_read(returns, tmp_path, monkeypatch):
    """run imports pandas and the writers' modules on a thread during the collect — started once
    the reading workers exist, never before — and the thread has ended before the writers fork
    (so the documents are still written by a forked child)."""
    import multiprocessing
    import threading

    import youyi_xl.intake.folder as folder
    import youyi_xl.pipeline as pipeline

    seen, forks = [], []
    real_import, real_init = pipeline._import_writers, pipeline._Background.__init__

    def recording():
        seen.append((threading.current_thread() is threading.main_thread(), len(multiprocessing.active_children())))
        real_import()

    def background(self, fn, *args, large):
        forks.append(threading.active_count())
        real_init(self, fn, *args, large=large)

    monkeypatch.setattr(pipeline, "_import_writers", recording)
    monkeypatch.setattr(pipeline._Background, "__init__", background)
    monkeypatch.setattr(pipeline, "BACKGROUND_FROM", 1)
    monkeypatch.setattr(folder, "PARALLEL_FROM", 1)
    outputs = run(returns, "2022-03", out=tmp_path / "out", workers=2)
    assert seen == [(False, 2)] and forks == [1]
    assert outputs.files["notice"].is_file() and outputs.files["scorecard"].is_file()


def test_the_tables_both_halves_read_are_made_before_the_documents_fork(returns, tmp_path, monkeypatch):
    """The unit, county, chain and key-project tables exist when the documents' child is forked:
    made after it, the 成绩单's unit table would read every unit record in this process and copy
    their pages while the child lives (and the child would make its own)."""
    import youyi_xl.pipeline as pipeline

    made, real_init = [], pipeline._Background.__init__

    def background(self, fn, result, *args, large):
        made.append(sorted(name for name in pipeline.SHARED_FRAMES if name in vars(result)))
        real_init(self, fn, result, *args, large=large)

    monkeypatch.setattr(pipeline._Background, "__init__", background)
    run(returns, "2022-03", out=tmp_path / "out")
    assert made == [sorted(pipeline.SHARED_FRAMES)] and "unit_table" in pipeline.SHARED_FRAMES


def test_run_keeps_the_cyclic_collector_paused_between_its_stages(returns, tmp_path, monkeypatch):
    """From the first return read to the last output written the collector does not run on its
    own (after collect, a full collection walked every object of 10,000 returns: 0.6 s of one
    core); it runs again once run returns, and a failing run leaves it running too."""
    import gc

    import youyi_xl.pipeline as pipeline

    seen, real_refusal, real_evaluate = [], pipeline.refusal, pipeline.evaluate

    def refusal(batch):
        seen.append(("refusal", gc.isenabled()))
        return real_refusal(batch)

    def evaluate(batch, plan):
        seen.append(("evaluate", gc.isenabled()))
        return real_evaluate(batch, plan)

    monkeypatch.setattr(pipeline, "refusal", refusal)
    monkeypatch.setattr(pipeline, "evaluate", evaluate)
    assert gc.isenabled()
    run(returns, "2022-03", out=tmp_path / "out")
    assert seen == [("refusal", False), ("evaluate", False)] and gc.isenabled()

    def failing(batch, plan):
        raise RuntimeError("评分失败（测试）")

    monkeypatch.setattr(pipeline, "evaluate", failing)
    with pytest.raises(RuntimeError, match="评分失败"):
        run(returns, "2022-03", out=tmp_path / "out")
    assert gc.isenabled()
