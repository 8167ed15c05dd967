"""examples/: the checked-in returns, run_all.py and the walkthrough notebook cannot rot.

The returns must be what examples/make_examples.py writes today (cell by cell) and give
exactly the declared issues; run_all.py must produce every output; the notebook is
executed with a real kernel and must be saved without outputs.
"""
from __future__ import annotations

import ast
import importlib.util
import shutil
from pathlib import Path

import openpyxl
import pytest

import youyi_xl as yx
from youyi_xl.intake.folder import collect
from youyi_xl.plan.attachments import load_plan

from filling import MISSING_UNITS, expected_issues

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PERIODS = ("2022-03", "2022-06")
NOTEBOOK = EXAMPLES / "walkthrough.ipynb"


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cell_values(path: Path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [row for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


@pytest.mark.slow
def test_checked_in_returns_are_what_make_examples_writes(examples_written):
    written = examples_written
    assert tuple(written) == PERIODS
    for period, paths in written.items():
        checked = sorted(p.name for p in (EXAMPLES / "returns" / period).glob("*.xlsx"))
        assert checked == sorted(p.name for p in paths), "run python examples/make_examples.py"
        for path in paths:
            assert cell_values(path) == cell_values(EXAMPLES / "returns" / period / path.name), path.name


@pytest.mark.parametrize("period", PERIODS)
def test_checked_in_returns_give_the_declared_issues(period):
    plan = load_plan()
    batch = collect(EXAMPLES / "returns" / period, period, plan)
    found = sorted((i.code, i.file, i.sheet, i.cell) for i in batch.issue_list if i.severity != "info")
    assert found == expected_issues(plan, period)
    missing = batch.units[batch.units["status"] == "missing"]["unit"]
    assert sorted(missing) == sorted(MISSING_UNITS[:2])


@pytest.fixture(scope="module")
def run_all_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("run_all")
    assert load_script("run_all").main(out=out) == 0
    return out


def test_run_all_writes_every_output(run_all_out, capsys):
    for period in PERIODS:
        for name in (f"成绩单-{period}.xlsx", f"通报-{period}.docx", f"result-{period}.json"):
            assert (run_all_out / name).is_file(), name


def test_second_period_shows_the_change_against_the_first(run_all_out):
    """较上期 in the 2022-06 scorecard and notice, checked against the two periods' own JSON."""
    import json

    march, june = (json.loads((run_all_out / f"result-{p}.json").read_text(encoding="utf-8")) for p in PERIODS)
    before = {u["unit"]: u["rank"] for u in march["units"]}
    expected = {u["unit"]: before[u["unit"]] - u["rank"] for u in june["units"]
                if u["rank"] is not None and before.get(u["unit"]) is not None}
    assert any(expected.values())                              # the example ranking does move
    assert june["previous"]["rank_change"] == expected
    book = openpyxl.load_workbook(run_all_out / "成绩单-2022-06.xlsx")
    shown = {}
    for sheet in ("乡镇排名", "部门排名"):
        at = [c.value for c in book[sheet][4]].index("较上期")
        for row in book[sheet].iter_rows(values_only=True):
            if row and row[1] in expected:
                shown[row[1]] = row[at]
    status = {p: {u["unit"]: u["status"] for u in data["units"]} for p, data in (("03", march), ("06", june))}

    def word(unit, n):                          # a rank moved by a missing return is not a move
        now, then = status["06"][unit] == "missing", status["03"][unit] == "missing"
        if now:
            return "连续两期未报送" if then else "本期未报送"
        if then:
            return "上期未报送"
        return "持平" if n == 0 else f"{'↑' if n > 0 else '↓'}{abs(n)}"

    assert shown == {unit: word(unit, n) for unit, n in expected.items()}
    new = june["county"]["signed_projects"]["actual"] - march["county"]["signed_projects"]["actual"]
    html = (run_all_out / "通报-2022-06.html").read_text(encoding="utf-8")
    assert f"与上期（2022年1—3月）相比，全县新增签约项目{new:g}个" in html
    compared = {u: n for u, n in expected.items() if "missing" not in (status["03"][u], status["06"][u])}
    assert max(compared.values()) > 0                          # some unit rose: the notice names the top one
    top = min(compared, key=lambda u: (-compared[u], u))
    assert f"{top}（上升{compared[top]}位）" in html


def test_notebook_is_saved_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)


def test_notebook_uses_only_the_public_api():
    """An analyst's notebook: `import youyi_xl as yx` and names of `yx` only — no test helpers,
    no submodules, no asserts."""
    nbformat = pytest.importorskip("nbformat")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    used = set()
    for cell in (c for c in notebook.cells if c.cell_type == "code"):
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.Assert), cell.source
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("youyi_xl"), cell.source
            if isinstance(node, ast.Import):
                assert all(a.name == "youyi_xl" or not a.name.startswith("youyi_xl") for a in node.names)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "yx":
                used.add(node.attr)
    assert used and used <= set(yx.__all__), used - set(yx.__all__)


@pytest.mark.slow
def test_notebook_executes(tmp_path):
    """Run every cell with a python3 kernel, in a copy of examples/ (nothing is written to the repo);
    what each cell shows is short (no 100,000-character repr)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    shutil.copytree(EXAMPLES / "returns", tmp_path / "returns")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    assert (tmp_path / "out" / "notebook" / "成绩单-2022-03.xlsx").is_file()
    assert (tmp_path / "out" / "notebook" / "通报-2022-03.docx").is_file()
    assert (tmp_path / "out" / "notebook" / "两期" / "成绩单-2022-06.xlsx").is_file()
    shown = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in shown if o.get("output_type") == "error"]
    for output in shown:
        for kind, text in output.get("data", {}).items():
            assert len(text) < 30_000, (kind, text[:200])
    html = "".join(o.get("data", {}).get("text/html", "") for o in shown)
    assert "后进原因" in html and "未报送" in html and "submitted" not in html
    assert "上升" in html or "下降" in html                              # 较上期 in the two-period table
