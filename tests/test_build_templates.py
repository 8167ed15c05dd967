"""tools/build_templates.py: the checked-in attachment templates are what the script writes,
their headers are the schema's, and their figures total to the notice's county targets
(DOMAIN §2, §3). Rows are read back with python-calamine, as the library reads them."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from libreoffice import convert
from python_calamine import CalamineWorkbook

from youyi_xl.core.schema import AMOUNT, CATEGORIES, INT, NATURES

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import build_templates as builder  # noqa: E402
import template_data as data  # noqa: E402

ATTACHMENT1, ATTACHMENT2, ATTACHMENT3 = builder.ATTACHMENT1, builder.ATTACHMENT2, builder.ATTACHMENT3
KEY_PROJECT_LIST = builder.KEY_PROJECT_LIST
BY_KEY = {d.key: d for d in data.DECLARED}
BUILDER = ROOT / "tools" / "build_templates.py"
TEMPLATES = ROOT / "templates"
STEMS = ("attachment1", "attachment2", "attachment3")
SHEETS = {"attachment1": (ATTACHMENT1,), "attachment2": (ATTACHMENT2,),
          "attachment3": (ATTACHMENT3, KEY_PROJECT_LIST)}
TOTAL_KEY = {"attachment1": "unit", "attachment2": "chain", "attachment3": "unit",
             "key_project_list": "name"}
A4 = (595.3, 841.9)


def run_builder(out: Path) -> None:
    subprocess.run([sys.executable, str(BUILDER), "--out", str(out)], check=True,
                   capture_output=True, cwd=ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("built")
    run_builder(out)
    return out


def read_table(stem: str, table) -> tuple[list[dict], dict]:
    """Data rows (column key -> value) and the 合计 row of a template, via its header row."""
    rows = CalamineWorkbook.from_path(str(TEMPLATES / f"{stem}.xlsx")) \
        .get_sheet_by_name(table.sheet).to_python()
    labels = [c.label for c in table.columns]
    start = next(i for i, r in enumerate(rows) if list(r[:len(labels)]) == labels)
    keys = [c.key for c in table.columns]
    records = [dict(zip(keys, r)) for r in rows[start + 1:]]
    end = next(i for i, r in enumerate(records) if r[TOTAL_KEY[table.key]] == "合计")
    return records[:end], records[end]


def tables() -> dict[str, tuple[list[dict], dict]]:
    return {t.key: read_table(stem, t) for stem in STEMS for t in SHEETS[stem]}


# --------------------------------------------------------------------------
# The checked-in files are the script's output
# --------------------------------------------------------------------------

def sheet_cells(path: Path) -> dict[str, dict]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: ({c.coordinate: c.value for row in ws.iter_rows() for c in row
                        if c.value is not None}, sorted(map(str, ws.merged_cells.ranges)))
            for ws in wb.worksheets}


@pytest.mark.parametrize("stem", STEMS)
def test_checked_in_template_equals_builder_output(built, stem):
    assert sheet_cells(built / f"{stem}.xlsx") == sheet_cells(TEMPLATES / f"{stem}.xlsx")


def test_two_runs_are_byte_identical(built, tmp_path):
    run_builder(tmp_path)
    for stem in STEMS:
        assert (tmp_path / f"{stem}.xlsx").read_bytes() == (built / f"{stem}.xlsx").read_bytes()


# --------------------------------------------------------------------------
# Layout the library relies on
# --------------------------------------------------------------------------

@pytest.mark.parametrize("stem", STEMS)
def test_sheets_titles_and_headers_come_from_the_schema(stem):
    wb = openpyxl.load_workbook(TEMPLATES / f"{stem}.xlsx")
    assert wb.sheetnames == [t.sheet for t in SHEETS[stem]]
    for table in SHEETS[stem]:
        ws = wb[table.sheet]
        texts = [[c.value for c in row] for row in ws.iter_rows()]
        assert any(table.title in row for row in texts)
        headers = [row for row in texts if row[:2] == [c.label for c in table.columns[:2]]]
        assert len(headers) == 1
        assert headers[0][:len(table.columns)] == [c.label for c in table.columns]


@pytest.mark.parametrize("stem", STEMS)
def test_print_setup_is_a4_fit_to_width_with_repeated_header(stem):
    wb = openpyxl.load_workbook(TEMPLATES / f"{stem}.xlsx")
    for ws in wb.worksheets:
        assert int(ws.page_setup.paperSize) == 9
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth or 1) == 1   # OOXML default: 1
        assert int(ws.page_setup.fitToHeight) == 0
        assert ws.print_title_rows and ws.freeze_panes
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    if stem == "attachment3":
        assert all(ws.page_setup.orientation == "landscape" for ws in wb.worksheets)


# --------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------

def test_every_total_row_carries_the_column_sum():
    all_tables = {t.key: t for ts in SHEETS.values() for t in ts}
    for key, (rows, total) in tables().items():
        numeric = [c.key for c in all_tables[key].columns if c.kind in (INT, AMOUNT)]
        assert numeric
        for col in numeric:
            assert total[col] == sum(r[col] for r in rows), (key, col)


def test_columns_total_to_the_county_targets():
    t = tables()
    for ind in data.DECLARED:
        if ind.county is None:
            continue
        rows, total = t["attachment1" if ind.attachment == 1 else "attachment3"]
        assert sum(r[ind.key] for r in rows) == ind.county == total[ind.key], ind.key


def test_out_of_province_target_is_base_plus_ten_percent():
    rows, total = tables()["attachment1"]
    for r in rows + [total]:
        assert r["out_of_province_funds"] == pytest.approx(
            r["base_2021"] * 1.10, abs=1e-9)          # 增长10%以上 (the notice)


def test_units_are_the_same_in_both_decompositions_and_each_has_a_target():
    rows1, _ = tables()["attachment1"]
    rows3, _ = tables()["attachment3"]
    assert [(r["unit"], r["group"]) for r in rows1] == [(r["unit"], r["group"]) for r in rows3]
    assert len({r["unit"] for r in rows1}) == len(rows1)
    assert {r["group"] for r in rows1} == {"乡镇", "部门"}
    for r in rows1:
        assert r["signed_projects"] >= 1, r["unit"]
    for r in rows1 + rows3:
        assert all(v >= 0 for v in r.values() if isinstance(v, float)), r["unit"]


def test_aliases_are_unique_and_name_no_other_unit():
    rows, _ = tables()["attachment1"]
    names = {r["unit"] for r in rows}
    seen: set[str] = set()
    for r in rows:
        note = r["note"]
        aliases = note.removeprefix("别名：").split("、") if note.startswith("别名：") else []
        assert not (set(aliases) & (names | seen)), r["unit"]
        seen.update(aliases)


def test_attachment1_states_the_exchange_rate():
    wb = openpyxl.load_workbook(TEMPLATES / "attachment1.xlsx")
    texts = [c.value for row in wb[ATTACHMENT1.sheet].iter_rows() for c in row
             if isinstance(c.value, str)]
    rates = [m.group(1) for t in texts if (m := re.search(r"汇率.*1美元=([\d.]+)", t))]
    assert len(rates) == 1 and float(rates[0]) > 0


def expected_from_projects(projects: list[dict]) -> dict[str, dict[str, float]]:
    """The 目标分解 project columns of every unit, counted from 重点项目清单."""
    prefix = dict(zip(CATEGORIES, ("provincial", "municipal", "industrial")))
    out: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for p in projects:
        unit, pre = out[p["unit"]], prefix[p["category"]]
        unit[f"{pre}_projects"] += 1
        unit[f"{pre}_new_projects"] += p["nature"] == "新建"
        unit[f"{pre}_plan_investment"] += p["plan_investment"]
    return out


def test_decomposition_matches_the_key_project_list_per_unit():
    rows3, _ = tables()["attachment3"]
    projects, _ = tables()["key_project_list"]
    expected = expected_from_projects(projects)
    derived = [c.key for c in ATTACHMENT3.columns
               if c.key.startswith(("provincial_", "municipal_", "industrial_"))]
    assert len(derived) == 8
    for r in rows3:
        for key in derived:
            assert r[key] == expected[r["unit"]][key], (r["unit"], key)
    assert set(expected) <= {r["unit"] for r in rows3}


def test_key_project_list_matches_the_notice():
    projects, _ = tables()["key_project_list"]
    provincial = [p for p in projects if p["category"] == "省级百大"]
    assert len(provincial) == BY_KEY["provincial_new_projects"].county
    assert all(p["nature"] == "新建" for p in provincial)
    for p in projects:
        assert p["category"] in CATEGORIES and p["nature"] in NATURES, p["name"]
        assert p["total_investment"] >= p["plan_investment"] > 0, p["name"]
        assert re.fullmatch(r"2022年\d{1,2}月|续建", p["start_month"]), p["name"]
        assert "示例" in p["leader"], p["name"]
    assert len({p["name"] for p in projects}) == len(projects)


def test_chains_have_the_notice_targets_and_real_units():
    chains, total = tables()["attachment2"]
    units = {r["unit"] for r in tables()["attachment1"][0]}
    assert 8 <= len(chains) == len({c["chain"] for c in chains})
    for c in chains:
        assert c["signed"] == data.CHAIN_SIGNED_TARGET, c["chain"]
        assert c["started"] == data.CHAIN_STARTED_TARGET, c["chain"]
        assert c["lead_unit"] in units and set(c["partners"].split("、")) <= units, c["chain"]
        assert "示例" in c["leader"], c["chain"]
    assert total["signed"] == data.CHAIN_SIGNED_TARGET * len(chains)
    assert total["started"] == data.CHAIN_STARTED_TARGET * len(chains)


def test_key_projects_name_existing_units_and_chains():
    units = {r["unit"] for r in tables()["attachment1"][0]}
    chains = {c["chain"] for c in tables()["attachment2"][0]}
    for p in tables()["key_project_list"][0]:
        assert p["unit"] in units and p["chain"] in chains, p["name"]


# --------------------------------------------------------------------------
# Printed with LibreOffice (skipped where soffice is not installed)
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("pdf")
    converted = convert([TEMPLATES / f"{stem}.xlsx" for stem in STEMS], "pdf", out)
    return dict(zip(STEMS, converted))


def page_sizes(pdf: Path) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]",
                       pdf.read_bytes())
    return [(float(x1) - float(x0), float(y1) - float(y0)) for x0, y0, x1, y1 in boxes]


def first_page_text(pdf: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not on PATH")
    done = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                          check=True, capture_output=True, text=True)
    return "".join(done.stdout.split())


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_pages_are_a4(pdfs, stem):
    sizes = page_sizes(pdfs[stem])
    assert sizes
    for size in sizes:
        assert sorted(size) == pytest.approx(A4, abs=1.0)


@pytest.mark.parametrize("stem", STEMS)
def test_pdf_first_page_shows_title_and_a_unit(pdfs, stem):
    text = first_page_text(pdfs[stem])
    table = SHEETS[stem][0]
    rows, _ = read_table(stem, table)
    assert "".join(table.title.split()) in text
    first = rows[0]["lead_unit"] if stem == "attachment2" else rows[0]["unit"]
    assert first in text


def test_attachment3_decomposition_fits_one_page_wide(pdfs):
    text = first_page_text(pdfs["attachment3"])
    first, last = ATTACHMENT3.columns[0].label, ATTACHMENT3.columns[-1].label
    assert first in text and last in text       # 序号 … 备注 on the same page
