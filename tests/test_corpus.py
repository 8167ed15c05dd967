"""Every file of the shared corpus, read in its own subprocess under limits.

Each read runs `read_workbook` in a child process (a few long-lived ones, tests/fuzzing.py) with
a 10 s timeout and a 1 GiB address-space limit, so a crash (calamine aborts the interpreter when an
allocation fails) or a hang fails this test instead of ending the test run.
The outcome must be data, or exactly one file-unreadable issue; never a
traceback. The corpus is only read, never modified.
"""
from __future__ import annotations

import csv
from pathlib import Path

import pytest
from fuzzing import ChildPool

from youyi_xl.workbook import preflight as pf

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
TIMEOUT = 10
MEMORY = 1 << 30
DATA_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".et", ".ods"}

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

ENCRYPTED = {"public/calamine/pass_protected.xlsx", "public/calamine/pass_protected.ods",
             "public/calamine/issue_385.xls", "public/python-calamine/password.xlsx",
             "public/sheetjs/password_2002_40_xor.xls",
             "public/sheetjs/password_2002_128_strong.xls"}
# Only the baseline is read. path_traversal.xlsx (a valid workbook with members named to
# escape a folder: '../../', '/tmp/...') is refused by preflight as 文件过大或异常:
# no real return has such members, though nothing would ever be extracted.
READ_ANYWAY = {"adversarial/control_valid.xlsx"}
# Hostile files shaped like real returns (adversarial/README.md): each is a whole return with one
# part of its zip changed (a shared-string table declaring 2^31 entries, a merge over a whole
# column or sheet); the reader bounds what they make it allocate and reads them.
RETURNS = "adversarial/returns/"
# calamine also returns the cached series of an .xls chart sheet as cells; chart
# sheets are left out of WorkbookData, so these values are expected to be missing.
CHART_SHEET_CELLS = {"public/calamine/any_sheets.xls": 6}


def corpus_files() -> list[str]:
    if not CORPUS.is_dir():
        return []
    return sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*")
                  if p.is_file() and (p.suffix.lower() in DATA_SUFFIXES or p.stat().st_size == 0))


@pytest.fixture(scope="module")
def outcomes() -> dict[str, dict]:
    """Every corpus file read by long-lived limited children (a crash or a hang is blamed on
    the file it happened on, and the file is read once more alone in a fresh child)."""
    pool = ChildPool(workers=2, memory=MEMORY, timeout=TIMEOUT, read=True)
    found = {}
    for outcome in pool.run([(name, str(CORPUS / name)) for name in corpus_files()]):
        error = None if outcome.ok else f"{outcome.failure} (alone: {outcome.alone})"
        found[outcome.id] = {"name": outcome.id, "error": error} if error else {"name": outcome.id, **outcome.result}
    return found


def manifest() -> dict[str, str]:
    """python-calamine's own outcome per public file, as measured in MANIFEST.csv."""
    path = CORPUS / "public" / "MANIFEST.csv"
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        return {f"public/{row['path']}": row["python-calamine_0.9.1"]
                for row in csv.DictReader(handle)}


def nonempty(outcome: dict) -> int:
    return sum(len(sheet["values"]) for sheet in outcome["sheets"])


def test_corpus_is_there():
    assert len(corpus_files()) >= 80


@pytest.mark.parametrize("name", corpus_files())
def test_every_file_gives_data_or_one_issue(outcomes, name):
    outcome = outcomes[name]
    assert "error" not in outcome, outcome.get("error")
    if outcome["sheets"] is None:
        assert [code for code, _ in outcome["issues"]] == ["file-unreadable"]
    else:
        assert outcome["issues"] == []


def test_control_valid_has_its_four_cells(outcomes):
    sheets = outcomes["adversarial/control_valid.xlsx"]["sheets"]
    assert [s["name"] for s in sheets] == ["填报表"]
    assert sorted(map(str, sheets[0]["values"])) == sorted(["单位", "数值", "示例单位", "42.0"])


def test_adversarial_files_are_refused(outcomes):
    for name in corpus_files():
        if name.startswith("adversarial/") and name not in READ_ANYWAY and not name.startswith(RETURNS):
            assert outcomes[name]["sheets"] is None, name
    assert outcomes["adversarial/path_traversal.xlsx"]["issues"][0][1].startswith(pf.TOO_LARGE)


def test_hostile_returns_are_read_in_full(outcomes):
    """The return-shaped hostile files give their five sheets and all their cells (the sst file's
    cover strings are in its shared-string table, whose declared count is not trusted)."""
    names = [n for n in corpus_files() if n.startswith(RETURNS)]
    assert len(names) == 3
    for name in names:
        sheets = outcomes[name]["sheets"]
        assert [s["name"] for s in sheets][:5] == ["封面", "招商引资项目", "重点项目进展", "策划储备项目", "指标汇总"]
        assert "填报单位*" in sheets[0]["values"] and nonempty(outcomes[name]) > 200, name


def test_encrypted_files_say_so(outcomes):
    for name in ENCRYPTED:
        assert outcomes[name]["issues"] == [["file-unreadable", pf.ENCRYPTED_MESSAGE]], name


def test_what_calamine_reads_is_read_in_full(outcomes):
    # MANIFEST records "ok N sheets/M nonempty" for python-calamine alone: the guarded
    # reader must give the same cells (the few files it refuses are refused on purpose)
    expected = {name: result for name, result in manifest().items() if name in outcomes}
    assert expected
    for name, result in expected.items():
        if result.startswith("ok"):
            count = int(result.split("/")[1].split()[0])
            assert nonempty(outcomes[name]) + CHART_SHEET_CELLS.get(name, 0) == count, name
        else:
            assert outcomes[name]["sheets"] is None, name


def test_formula_and_error_cells_are_marked(outcomes):
    # calamine reads these as '' (error results, formulas never calculated)
    specials = {name: sum(s["special"] for s in o["sheets"]) for name, o in outcomes.items()
                if o.get("sheets")}
    assert specials["public/calamine/errors.xlsx"] == 7
    assert specials["public/xlsxwriter/formula_results01.xlsx"] == 8
    assert specials["public/sheetjs/formula_stress_test.xlsx"] == 8
