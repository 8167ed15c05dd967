"""Hardening (issue 8): hostile inputs end as data or issues, never as a crash; outputs stay
in their folder. See docs/hardening.md.

* Every file of the shared corpus, alone in its own folder, goes through
  `youyi_xl.intake.folder.collect` in a child process (10 s per file, 1 GiB address space) and
  ends with issues (and data where it can be read): no traceback, no crash, no hang.
* Every hostile file of corpus/adversarial, alone in a folder, goes through the real
  `youyi-xl check --json` command (5 s, 500 MB address space, peak RSS measured): one
  file-unreadable issue, exit 1, no traceback, nothing written anywhere, the input untouched.
* Files that crashed the reader before the fixes found by tests/test_fuzz.py.
* Output names made from hostile unit names (forms, 退回意见) stay inside the output folder;
  control characters in a return do not crash collect or the 退回意见 writer.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from filling import fill_form, sample_return
from fuzzing import CORPUS, REPO, ChildPool, build_zip, canonical_zip, corpus_files, zip_members

from youyi_xl.core.period import Period
from youyi_xl.intake.folder import collect
from youyi_xl.outputs.feedback import write_feedback
from youyi_xl.outputs.forms import make_forms
from youyi_xl.plan import Unit
from youyi_xl.workbook.preflight import ENCRYPTED, TOO_LARGE, cfb_stream

CORPUS_NAMES = [p.relative_to(CORPUS).as_posix() for p in corpus_files()]
ADVERSARIAL = [p.relative_to(CORPUS).as_posix() for p in corpus_files("adversarial")]
ENCRYPTED_FILES = ("public/calamine/pass_protected.xlsx", "public/calamine/pass_protected.ods",
                   "public/calamine/issue_385.xls", "public/python-calamine/password.xlsx",
                   "public/sheetjs/password_2002_40_xor.xls",
                   "public/sheetjs/password_2002_128_strong.xls")
STRICT_OOXML = ("public/calamine/strict_iso_paths.xlsx", "public/sheetjs/sheet_visibility_strict.xlsx")
# Read, not refused: the baseline only. path_traversal.xlsx's zip-slip member names are
# refused by preflight (docs/reading.md), as issue 8 asks of every adversarial file.
READ_ANYWAY = {"adversarial/control_valid.xlsx"}
# Hostile files shaped like real 2022-06 returns (adversarial/README.md): read, not refused; here
# collected for 2022-03, so each is a return of another period.
RETURNS = "adversarial/returns/"
CLI_TIMEOUT = 5.0
CLI_MEMORY = 500_000_000
# Where path_traversal.xlsx's members would land if anything extracted them.
ESCAPE_TARGETS = (Path("/tmp/zip_slip_pwned.txt"), Path("/tmp/zip_slip_absolute.txt"),
                  Path("/tmp/windows_style.txt"))
PERIOD = "2022-03"

needs_corpus = pytest.mark.skipif(not CORPUS_NAMES or os.name != "posix",
                                  reason="shared corpus not present, or no POSIX resource limits")


# --------------------------------------------------------------------------
# 1. every corpus file alone through collect, in a limited child
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> dict:
    base = tmp_path_factory.mktemp("corpus")
    requests = []
    for n, name in enumerate(CORPUS_NAMES):
        folder = base / f"{n:03d}"
        folder.mkdir()
        shutil.copy2(CORPUS / name, folder / Path(name).name)
        requests.append((name, str(folder)))
    started = time.monotonic()
    outcomes = ChildPool(workers=2, cells=True).run(requests)
    print(f"corpus through collect: {len(outcomes)} files in {time.monotonic() - started:.1f} s")
    return {o.id: o for o in outcomes}


@needs_corpus
def test_corpus_outcomes(collected, record_property):
    """The per-file record: what collect gave for each file (shown with pytest -rA)."""
    assert len(collected) == len(CORPUS_NAMES) >= 80
    lines = []
    for name, outcome in collected.items():
        if not outcome.ok:
            lines.append(f"{name:52} FAILED {outcome.failure.splitlines()[0]}")
            continue
        cells = outcome.result["cells"][Path(name).name]
        codes = " ".join(f"{code}×{n}" if n > 1 else code for code, n in outcome.result["codes"].items())
        read = "unreadable" if cells is None else f"{cells} cells"
        reason = outcome.result["unreadable"][0].split("：")[0] if outcome.result["unreadable"] else ""
        lines.append(f"{name:52} {outcome.seconds:5.2f}s {read:>12}  {codes}  {reason}")
    print("\n".join(lines))
    record_property("corpus_files", len(collected))


@needs_corpus
@pytest.mark.parametrize("name", CORPUS_NAMES)
def test_corpus_file_alone_ends_with_data_or_issues(collected, name):
    outcome = collected[name]
    assert outcome.ok, f"{name}: {outcome.failure}\nalone: {outcome.alone}"
    result = outcome.result
    codes = result["codes"]
    assert codes, "no corpus file is a valid return: an empty outcome means it was skipped"
    cells = result["cells"][Path(name).name]
    if "file-unreadable" in codes:
        assert codes == {"file-unreadable": 1} and cells is None and result["accepted"] == 0
        assert not name.startswith(RETURNS)
    elif name.startswith(RETURNS):
        assert cells > 200 and "period-mismatch" in codes and "sheet-missing" not in codes
    else:
        assert cells is not None
        assert {"sheet-missing", "unit-unknown"} <= set(codes)   # read, but not a return


@needs_corpus
def test_encrypted_files_are_reported_as_encrypted(collected):
    for name in ENCRYPTED_FILES:
        [message] = collected[name].result["unreadable"]
        assert ENCRYPTED in message and "文件已加密" in message, name


@needs_corpus
def test_strict_ooxml_files_are_read_not_taken_as_empty(collected):
    for name in STRICT_OOXML:
        result = collected[name].result
        assert "file-unreadable" not in result["codes"], name
        assert result["cells"][Path(name).name] > 0, name
        assert result["codes"].get("extra-ignored") == 1, name   # its non-empty sheets are seen


# --------------------------------------------------------------------------
# 2. the real `youyi-xl check --json` on each hostile file
# --------------------------------------------------------------------------

@dataclasses.dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    max_rss: int           # bytes
    timed_out: bool


def run_check(folder: Path, cwd: Path, env: dict, period: str = PERIOD) -> CliRun:
    """`python -m youyi_xl check FOLDER --period 2022-03 --json` under the CLI limits,
    with its own peak RSS (os.wait4 gives the child's rusage)."""
    command = [sys.executable, "-m", "youyi_xl", "check", str(folder), "--period", period, "--json"]
    prlimit = shutil.which("prlimit")
    limit = None
    if prlimit:
        command = [prlimit, f"--as={CLI_MEMORY}", "--", *command]
    else:
        def limit() -> None:
            import resource
            resource.setrlimit(resource.RLIMIT_AS, (CLI_MEMORY, CLI_MEMORY))
    with open(cwd.parent / "logs" / "stdout", "w+b") as out, \
            open(cwd.parent / "logs" / "stderr", "w+b") as err:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=cwd, env=env, preexec_fn=limit)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > CLI_TIMEOUT:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.005)
        seconds = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return CliRun(proc.returncode, out.read().decode("utf-8", "replace"),
                      err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss * 1024, timed_out)


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under root with its size, mtime and content hash (folders: their names)."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if relative.startswith("logs"):
            continue
        if path.is_dir():
            found[relative] = ("dir",)
        else:
            stat = path.stat()
            found[relative] = (stat.st_size, stat.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def escape_targets() -> dict[str, tuple | None]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None
            for p in ESCAPE_TARGETS}


@needs_corpus
@pytest.mark.parametrize("name", ADVERSARIAL)
def test_check_command_on_a_hostile_file(tmp_path, name):
    returns = tmp_path / "returns"
    for folder in (returns, tmp_path / "cwd", tmp_path / "home", tmp_path / "tmp", tmp_path / "logs"):
        folder.mkdir()
    shutil.copy2(CORPUS / name, returns / Path(name).name)
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp"),
           "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    before, targets = snapshot(tmp_path), escape_targets()

    # the hostile returns are 2022-06 returns: collected as 2022-03 the batch would be refused as
    # another period's before any issue is listed (DOMAIN §9)
    run = run_check(returns, tmp_path / "cwd", env, "2022-06" if name.startswith(RETURNS) else PERIOD)

    print(f"{name}: rc={run.returncode} {run.seconds:.2f} s peak RSS {run.max_rss / 1e6:.0f} MB")
    assert not run.timed_out and run.seconds < CLI_TIMEOUT, f"no answer within {CLI_TIMEOUT} s"
    assert run.max_rss < CLI_MEMORY
    assert "Traceback" not in run.stderr and "内部错误" not in run.stderr, run.stderr
    assert run.returncode in ((0, 1) if name.startswith(RETURNS) else (1,)), run.stderr
    issues = json.loads(run.stdout)
    codes = [issue["code"] for issue in issues]
    if name in READ_ANYWAY:
        assert "file-unreadable" not in codes and {"sheet-missing", "unit-unknown"} <= set(codes)
    elif name.startswith(RETURNS):
        assert "file-unreadable" not in codes and "period-mismatch" not in codes   # read as the return it is
    else:
        assert codes == ["file-unreadable"], issues
        assert issues[0]["file"] == Path(name).name and issues[0]["severity"] == "error"
    assert snapshot(tmp_path) == before          # nothing written, input bytes and mtime unchanged
    assert escape_targets() == targets           # nothing extracted to /tmp


# --------------------------------------------------------------------------
# 3. files that crashed the reader before the fixes the fuzz test led to
# --------------------------------------------------------------------------

def _control_with_ref(ref: bytes) -> bytes:
    """control_valid.xlsx with its A1 cell moved to `ref`."""
    members = zip_members((CORPUS / "adversarial" / "control_valid.xlsx").read_bytes())
    return build_zip((info.filename, content.replace(b'r="A1"', b'r="' + ref + b'"', 1)
                      if b"sheetData" in content else content) for info, content in members)


def _xls_patched(data: bytes, record: int, patch) -> bytes:
    """An .xls with the first `record` of its workbook stream changed by `patch(body)`,
    in place (the record's bytes are found in the file)."""
    stream = cfb_stream(data, "Workbook", "Book")
    position = 0
    while True:
        kind, length = struct.unpack_from("<HH", stream, position)
        if kind == record:
            break
        position += 4 + length
    head = stream[position:position + 4 + length]
    at = data.find(head)
    assert at >= 0 and data.find(head, at + 1) < 0
    body = patch(bytearray(head[4:]))
    return data[:at + 4] + bytes(body) + data[at + 4 + length:]


def _dimensions_wrapped(body: bytearray) -> bytearray:
    struct.pack_into("<II", body, 0, 10, 1)       # first row 10, last row + 1 = 1
    return body


def regression_files() -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, the reason expected in the message)."""
    if not CORPUS_NAMES:
        return {}
    ragged = (CORPUS / "public/xlrd/ragged.xls").read_bytes()
    gh548 = bytearray((CORPUS / "public/calamine/gh548_incorrect_sst_unique_count.xls").read_bytes())
    # found by the fuzz test (overwrite_words): a record length in the 4th sheet breaks a
    # walk from the stream start, a cell in the 5th sheet lies at row 65040, column 1.6M
    gh548[82308:82312] = gh548[248040:248044] = b"\xfe\xff\xff\xff"
    return {
        # calamine panics (PanicException derives from BaseException, not Exception)
        "truncated-xls": ("ragged.xls", ragged[:517], "文件无法读取"),
        # references the grid bound read as "no reference": calamine allocated 78 GB / 613 GB
        "eleven-digit-row": ("a.xlsx", _control_with_ref(b"A99999999999"), TOO_LARGE),
        "four-letter-column": ("b.xlsx", _control_with_ref(b"AAAA1048577"), TOO_LARGE),
        # DIMENSIONS with its first row after its last: calamine reserves 2^32 - 9 rows
        "dimensions-wrap": ("c.xls", _xls_patched(ragged, 0x0200, _dimensions_wrapped), TOO_LARGE),
        # a sheet read from its BOUNDSHEET offset, which a walk from the stream start misses
        "boundsheet-offset": ("d.xls", bytes(gh548), TOO_LARGE),
    }


@needs_corpus
def test_files_that_crashed_the_reader_are_refused(tmp_path):
    cases = regression_files()
    requests = []
    for key, (file_name, data, _) in cases.items():
        (tmp_path / key).mkdir()
        (tmp_path / key / file_name).write_bytes(data)
        requests.append((key, str(tmp_path / key)))
    wrong = {}
    for outcome in ChildPool(workers=2).run(requests):
        messages = outcome.result["unreadable"] if outcome.ok else [outcome.failure[-600:]]
        if len(messages) != 1 or not messages[0].startswith(cases[outcome.id][2]):
            wrong[outcome.id] = messages
    assert not wrong


def test_huge_numbers_as_text_are_errors_not_crashes(tmp_path, plan):
    """400 digits overflow a float to inf: a date column crashed (OverflowError), an amount
    column took inf as a number."""
    period = Period.parse(PERIOD)
    unit = plan.group("乡镇")[0].name
    [form] = make_forms(plan, period, tmp_path / "returns", [unit])
    values = sample_return(plan, unit, period)
    values["projects"][0].update(sign_date="1" * 400, total_investment="9" * 400)
    fill_form(form, **values)
    batch = collect(tmp_path / "returns", period, plan)
    found = {(i.code, i.field) for i in batch.issue_list if i.value.startswith(("111", "999"))}
    assert {"date-invalid", "number-invalid"} <= {code for code, _ in found}, batch.issue_list
    assert all(v == v and abs(v) != float("inf") for v in batch.projects["total_investment"].dropna())


# --------------------------------------------------------------------------
# 4. outputs: hostile unit names, control characters
# --------------------------------------------------------------------------

HOSTILE_UNITS = ("../../x", "..", " ./ ", "/etc/passwd", "CON", "NUL.txt", "长" * 100,
                 'a/b\\c:d*?"<>|')


@pytest.fixture
def hostile_plan(plan):
    units = tuple(Unit(name, "乡镇" if i % 2 else "部门", (), i + 1) for i, name in enumerate(HOSTILE_UNITS))
    return dataclasses.replace(plan, units=units, _lookup={})


def _paths_under(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_forms_for_hostile_unit_names_stay_in_the_folder(tmp_path, hostile_plan):
    out = tmp_path / "a" / "forms"
    paths = make_forms(hostile_plan, PERIOD, out)
    assert len({p.name for p in paths}) == len(HOSTILE_UNITS)
    for path in paths:
        assert path.resolve().parent == out.resolve() and path.is_file()
        assert len(path.name.encode()) <= 200 and path.name.endswith("-2022-03-填报表.xlsx")
    assert _paths_under(tmp_path) == {"a", "a/forms"} | {f"a/forms/{p.name}" for p in paths}
    for path in paths:            # saved as a unit saves it: a form never opened is youyi-xl's own (skipped)
        fill_form(path)
    batch = collect(out, PERIOD, hostile_plan)          # and each form reads back as its unit
    assert sorted(r.unit for r in batch.returns) == sorted(HOSTILE_UNITS)
    # untouched forms: one form-blank each, nothing else wrong
    assert sorted(i.unit for i in batch.issue_list if i.is_error) == sorted(HOSTILE_UNITS)
    assert {i.code for i in batch.issue_list if i.is_error} == {"form-blank"}


def test_feedback_for_hostile_unit_names_stays_in_the_folder(tmp_path, hostile_plan):
    returns, out = tmp_path / "returns", tmp_path / "out"
    bad_row = {"name": "测试项目", "investor": "某某有限公司", "fund_source": "省外", "chain": "其他",
               "sign_date": dt.date(2022, 2, 1), "total_investment": "约500", "started": "否",
               "funds_in": 10}
    for path in make_forms(hostile_plan, PERIOD, returns):
        fill_form(path, projects=[bad_row])
    inputs = snapshot(returns)
    batch = collect(returns, PERIOD, hostile_plan)
    paths = write_feedback(batch, out)
    assert len({p.name for p in paths}) == len(HOSTILE_UNITS)
    for path in paths:
        assert path.resolve().parent == (out / "退回意见").resolve() and path.is_file()
        assert len(path.name.encode()) <= 200 and path.name.endswith("-2022-03-退回意见.xlsx")
    assert _paths_under(out) == {"退回意见"} | {f"退回意见/{p.name}" for p in paths}
    assert snapshot(returns) == inputs and set(os.listdir(tmp_path)) == {"returns", "out"}


CONTROL_TEXTS = {"escaped": b"_x0007_", "raw-bell": b"\x07", "char-ref": b"&#7;", "raw-nul": b"\x00",
                 "raw-escape": b"\x1b[31m"}
MARK = "CTRLMARK"


def _return_with_marks(plan, folder: Path) -> tuple[str, bytes]:
    """A filled return (one amount error, so it gets a 退回意见) whose project name,
    investor and note carry MARK."""
    period = Period.parse(PERIOD)
    unit = plan.group("乡镇")[0].name
    [form] = make_forms(plan, period, folder, [unit])
    values = sample_return(plan, unit, period)
    values["projects"][0].update(name=f"项目{MARK}一期", investor=f"{MARK}公司", note=MARK)
    values["projects"][1].update(total_investment="约500")
    fill_form(form, **values)
    data = canonical_zip(form.read_bytes())
    form.unlink()
    return form.name, data


@pytest.mark.parametrize("variant", list(CONTROL_TEXTS))
def test_control_characters_in_a_return(tmp_path, plan, variant):
    name, data = _return_with_marks(plan, tmp_path / "form")
    members = zip_members(data)
    assert any(MARK.encode() in content for _, content in members)
    patched = build_zip((info.filename, content.replace(MARK.encode(), CONTROL_TEXTS[variant]))
                        for info, content in members)
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / name).write_bytes(patched)

    batch = collect(returns, PERIOD, plan)
    json.dumps([i.to_dict() for i in batch.issue_list], ensure_ascii=False)
    assert "file-unreadable" not in {i.code for i in batch.issue_list}
    assert len(batch.accepted) == 1 and len(batch.projects) >= 2
    assert "number-invalid" in {i.code for i in batch.issue_list}

    [path] = write_feedback(batch, tmp_path / "out")
    book = openpyxl.load_workbook(path)             # the writer cleaned what XML forbids
    texts = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    assert any("公司" in t for t in texts)
    assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", t) for t in texts)


_TEN = b"".join(b"&%s;" for _ in range(10))
DTD_ATTACKS = {
    "xxe": b'<!DOCTYPE cp:coreProperties [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    # 10 ** 5 * 8 bytes of "a" when expanded
    "billion-laughs": b'<!DOCTYPE cp:coreProperties [<!ENTITY a "aaaaaaaaaa">'
                      + b"".join(b'<!ENTITY %s "%s">' % (n, _TEN.replace(b"%s", p))
                                 for n, p in ((b"b", b"a"), (b"c", b"b"), (b"d", b"c"), (b"e", b"d")))
                      + b'<!ENTITY xxe "&e;&e;&e;&e;&e;&e;&e;&e;">]>',
}


@pytest.mark.parametrize("attack", list(DTD_ATTACKS))
def test_entities_in_a_part_calamine_skips_do_not_reach_the_feedback(tmp_path, plan, attack):
    """docProps/core.xml is not read by calamine, so a return with a DTD there is accepted;
    the 退回意见 writer copies the return with openpyxl, which refuses the DTD (entity
    amplification) and rebuilds the copy, or leaves the external entity unresolved (lxml
    with resolve_entities=False): no crash, no /etc/passwd in the output either way."""
    name, data = _return_with_marks(plan, tmp_path / "form")
    members = zip_members(data)

    def poison(content: bytes) -> bytes:
        content = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m[0] or b"") + DTD_ATTACKS[attack], content)
        return re.sub(rb"(<dc:creator\b[^>]*>)[^<]*", rb"\1&xxe;", content, count=1)

    patched = build_zip((info.filename, poison(content) if info.filename == "docProps/core.xml"
                         else content) for info, content in members)
    returns = tmp_path / "returns"
    returns.mkdir()
    (returns / name).write_bytes(patched)

    batch = collect(returns, PERIOD, plan)
    assert len(batch.accepted) == 1
    [path] = write_feedback(batch, tmp_path / "out")
    with zipfile.ZipFile(path) as archive:
        text = b"".join(archive.read(n) for n in archive.namelist())
    assert b"root:" not in text and b"aaaaaaaaaaaaaaaaaaaa" not in text and b"<!DOCTYPE" not in text


# --------------------------------------------------------------------------
# 5. the hostile returns inside a real batch: `run` ends, every output written
# --------------------------------------------------------------------------

EXAMPLES_JUNE = REPO / "examples" / "returns" / "2022-06"
HOSTILE_RETURNS = [p.name for p in corpus_files("adversarial/returns")]
RUN_TIMEOUT = 90
RUN_MEMORY = 3 * 1024 ** 3
# In the child: `run` on the batch, then the 退回意见 of each hostile file alone (in the batch two
# of them are older versions of 东建乡's return, whose copy the batch does not make).
_RUN_CHILD = """
import json, resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, ({memory}, {memory}))
from youyi_xl.intake import collect
from youyi_xl.outputs import write_feedback
from youyi_xl.pipeline import run
returns, out, alone = map(Path, sys.argv[1:4])
result = run(returns, "2022-06", out=out)
feedback = {{}}
for folder in sorted(alone.iterdir()):
    batch = collect(folder, "2022-06")
    feedback[folder.name] = [p.name for p in write_feedback(batch, out / "alone" / folder.name)]
print(json.dumps({{"feedback": feedback}}, ensure_ascii=False))
"""


# Mutants of a real return aimed at the 退回意见 copy (what openpyxl expands, one object per cell or
# record): each alone through the 退回意见, which must rebuild it instead of copying it.
_TABLE_PART = "xl/worksheets/sheet2.xml"          # 招商引资项目 of a form-made return
COPY_MUTANTS = {      # kind -> (part, what to replace, what with): built when the test runs
    "hyperlink-sheet": lambda: (_TABLE_PART, b"</worksheet>",
                                b'<hyperlinks><hyperlink ref="A1:XFD1048576" location="A1"/></hyperlinks></worksheet>'),
    "merge-below": lambda: (_TABLE_PART, b"</mergeCells>", b'<mergeCell ref="B70:XFD1048576"/></mergeCells>'),
    "empty-rows": lambda: (_TABLE_PART, b"</sheetData>", b"".join(
        b'<row r="%d" ht="20" customHeight="1"/>' % r for r in range(100, 100_100)) + b"</sheetData>"),
    "styled-cells": lambda: (_TABLE_PART, b"</sheetData>", b"".join(
        b'<row r="%d">%s</row>' % (r, b"".join(b'<c r="%s%d" s="1"/>' % (bytes([c]), r) for c in b"PQRSTUVWXY"))
        for r in range(100, 11_100)) + b"</sheetData>"),
    "styles": lambda: ("xl/styles.xml", b"</cellXfs>", b"".join(
        b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"><alignment indent="%d"/></xf>' % i
        for i in range(40_000)) + b"</cellXfs>"),
}


def _copy_mutant(source: Path, target: Path, part: str, old: bytes, new: bytes) -> None:
    members = zip_members(source.read_bytes())
    assert any(info.filename == part and old in content for info, content in members), part
    target.write_bytes(build_zip((info.filename, content.replace(old, new, 1) if info.filename == part else content)
                                 for info, content in members))


def _implausible(path: Path) -> None:
    """兴隆镇's return with 1e30 in one amount and 1e308 in two (a cell may hold them)."""
    book = openpyxl.load_workbook(path)
    sheet = book["招商引资项目"]
    sheet["H4"], sheet["K4"], sheet["L4"] = 1e30, 1e308, 1e308
    book.save(path)


@needs_corpus
@pytest.mark.slow
def test_run_on_a_real_batch_holding_every_hostile_return(tmp_path):
    """The examples' 2022-06 returns, with the three hostile files in place of the two units'
    own (东建乡 twice, 友谊镇) and a return holding 1e30 and 1e308: `run` ends within 90 s under a
    3 GB address-space limit, every other return is read and every output written. Then, in the
    same child, the 退回意见 of each hostile file and of each copy-aimed mutant alone."""
    returns, alone, out = tmp_path / "returns", tmp_path / "alone", tmp_path / "out"
    returns.mkdir()
    for path in EXAMPLES_JUNE.glob("*.xlsx"):
        if not path.name.startswith(("东建乡", "友谊镇")):
            shutil.copy2(path, returns / path.name)
    _implausible(returns / "兴隆镇-2022-06-填报表.xlsx")
    for n, name in enumerate(HOSTILE_RETURNS):
        shutil.copy2(CORPUS / "adversarial" / "returns" / name, returns / name)
        os.utime(returns / name, (1_656_000_000 + n, 1_656_000_000 + n))    # merge_whole_sheet is the newest
        (alone / name).mkdir(parents=True)
        shutil.copy2(CORPUS / "adversarial" / "returns" / name, alone / name / name)
    for kind, change in COPY_MUTANTS.items():
        (alone / kind).mkdir()
        _copy_mutant(EXAMPLES_JUNE / "东建乡-2022-06-填报表.xlsx", alone / kind / f"{kind}.xlsx", *change())
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-c", _RUN_CHILD.format(memory=RUN_MEMORY), str(returns), str(out), str(alone)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-3000:]

    result = json.loads((out / "result-2022-06.json").read_text(encoding="utf-8"))
    for name in ("成绩单-2022-06.xlsx", "通报-2022-06.docx", "通报-2022-06.html", "催报-2022-06.txt"):
        assert (out / name).stat().st_size > 500, name
    issues = result["issues"]
    assert not [i for i in issues if i["code"] == "file-unreadable"]
    units = {u["unit"]: u for u in result["units"]}
    assert units["友谊镇"]["file"] == "sst_unique_count.xlsx" and units["东建乡"]["file"] == "merge_whole_sheet.xlsx"
    read = {u for u, row in units.items() if row["status"] != "missing"}
    assert len(read) == 24 and {"友谊镇", "东建乡", "兴隆镇"} <= read
    implausible = {i["cell"] for i in issues if i["code"] == "number-invalid" and i["unit"] == "兴隆镇"}
    assert {"H4", "K4", "L4"} <= implausible
    feedback = sorted(p.name for p in (out / "退回意见").iterdir())
    assert "东建乡-2022-06-退回意见.xlsx" in feedback and "兴隆镇-2022-06-退回意见.xlsx" in feedback
    marked = openpyxl.load_workbook(out / "退回意见" / "东建乡-2022-06-退回意见.xlsx")
    assert "招商引资项目" in marked.sheetnames        # rebuilt from the grids, not copied
    alone_feedback = json.loads(done.stdout.strip().splitlines()[-1])["feedback"]
    assert all(alone_feedback[name] for name in HOSTILE_RETURNS if name.startswith("merge"))
    for kind in COPY_MUTANTS:                 # rebuilt from the grids, the reason said
        [name] = alone_feedback[kind]
        heading = openpyxl.load_workbook(out / "alone" / kind / "退回意见" / name)["问题清单"]["A4"].value
        assert "无法原样复制" in heading and "重建" in heading, (kind, heading)
