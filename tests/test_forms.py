"""The return form (youyi_xl.outputs.forms): one workbook per unit, read back with openpyxl.

Every expectation is taken from schema.py and the plan, so a test fails when the form
stops matching the declaration the intake reads with.
"""
from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from libreoffice import needs_soffice, to_pdf
from openpyxl.utils import get_column_letter

from youyi_xl.core.errors import OutputError, UsageError
from youyi_xl.workbook.reader import read_workbook
from youyi_xl.core.names import form_name
from youyi_xl.outputs.forms import (FIRST_ROW, HEADER_ROW, INPUT_ROWS, LANDSCAPE, OPTIONS_SHEET, build_form,
                                    make_form, make_forms)
from shipped import INDICATORS
from youyi_xl.core.period import Period
from youyi_xl.plan import KeyProject, load_plan
from youyi_xl.intake.reading import read_return
from youyi_xl.core.schema import (AMOUNT, CHOICE, COVER_FIELDS, COVER_SHEET, DATE, INT, KEY_PROJECTS,
                             PROJECTS, RETURN_SHEETS, RETURN_TABLES, SUMMARY, YESNO)
from shipped import summary_label
from youyi_xl.workbook.tables import find_label_values

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PERIOD = Period.parse("2022-03")
HEADER = HEADER_ROW + 1          # 1-based rows from here on (openpyxl)
FIRST = FIRST_ROW + 1


@pytest.fixture(scope="module")
def plan():
    return load_plan(TEMPLATES)


@pytest.fixture(scope="module")
def forms(plan, tmp_path_factory):
    out = tmp_path_factory.mktemp("forms") / "新建文件夹"          # created by make_forms
    return dict(zip((u.name for u in plan.units), make_forms(plan, PERIOD, out)))


@pytest.fixture(scope="module")
def books(forms):
    return {unit: openpyxl.load_workbook(path) for unit, path in forms.items()}


@pytest.fixture(scope="module")
def book(books, plan):
    """The form of a unit with key projects (most checks need one)."""
    unit = next(u.name for u in plan.units if plan.key_projects_of(u.name))
    return unit, books[unit]


def header_texts(ws, table):
    return [ws.cell(HEADER, c + 1).value for c in range(len(table.columns))]


def input_last_row(ws, table, plan, unit):
    listed = len(plan.key_projects_of(unit)) if table is KEY_PROJECTS else 0
    if table is SUMMARY:
        return FIRST + len(INDICATORS) - 1
    return FIRST + listed + INPUT_ROWS[table.key] - 1


def style(dv) -> str:
    return dv.errorStyle or "stop"              # OOXML default, left out of the file


def validations_at(ws, cell: str):
    return [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]


# --------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------

def test_one_form_per_unit_named_after_it(plan, forms):
    assert list(forms) == [u.name for u in plan.units]
    for unit, path in forms.items():
        assert path.name == f"{unit}-2022-03-填报表.xlsx" == form_name(unit, PERIOD)
        assert path.is_file()
    assert sorted(p.name for p in next(iter(forms.values())).parent.iterdir()) == \
        sorted(p.name for p in forms.values())


def test_file_names_are_cleaned():
    name = form_name('经济/园区:服务"中心"?', PERIOD)
    assert not set('<>:"/\\|?*') & set(name) and name.endswith("-2022-03-填报表.xlsx")
    assert form_name("CON", PERIOD) != "CON"


def test_units_by_alias_and_unknown_unit(plan, tmp_path):
    alias = next(a for u in plan.units for a in u.aliases if a != u.name)
    [path] = make_forms(plan, "2022-03", tmp_path, units=[alias])
    assert path.name == form_name(plan.unit(alias).name, PERIOD)
    with pytest.raises(UsageError):
        make_forms(plan, "2022-03", tmp_path, units=["不存在的单位"])


def test_same_bytes_every_run(plan, forms, tmp_path):
    again = make_forms(plan, PERIOD, tmp_path)
    for path in again:
        assert path.read_bytes() == forms[path.name.split("-")[0]].read_bytes()


def test_never_overwrites_another_file(plan, tmp_path):
    unit = plan.units[0].name
    path = tmp_path / form_name(unit, PERIOD)
    path.write_bytes(b"a unit's filled return")
    with pytest.raises(OutputError):
        make_form(plan, unit, PERIOD, path)
    assert path.read_bytes() == b"a unit's filled return"
    make_form(plan, unit, PERIOD, path, overwrite=True)
    assert path.read_bytes() == build_form(plan, unit, PERIOD)
    make_form(plan, unit, PERIOD, path)                    # identical: fine
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]   # no temporary left


# --------------------------------------------------------------------------
# sheets, headers, cover
# --------------------------------------------------------------------------

def test_sheets_in_order_with_hidden_options(books, plan):
    for wb in books.values():
        assert wb.sheetnames == [*RETURN_SHEETS, OPTIONS_SHEET]
        assert wb[OPTIONS_SHEET].sheet_state == "hidden"
        assert all(wb[name].sheet_state == "visible" for name in RETURN_SHEETS)
        assert wb.active.title == COVER_SHEET
        options = [c.value for c in wb[OPTIONS_SHEET]["A"]][1:]
        assert options == [*plan.chain_names, "其他"]


def test_headers_are_the_schema_labels(books):
    for wb in books.values():
        for table in RETURN_TABLES:
            texts = header_texts(wb[table.sheet], table)
            assert [t.removesuffix("*") for t in texts] == [c.label for c in table.columns]
            assert [t.endswith("*") for t in texts] == [c.required for c in table.columns]


def test_titles_name_unit_and_period(books):
    for unit, wb in books.items():
        for table in RETURN_TABLES:
            ws = wb[table.sheet]
            assert ws["A1"].value == f"{unit}{PERIOD.label}{table.title}"
            assert f"A1:{get_column_letter(len(table.columns))}1" in {str(m) for m in ws.merged_cells.ranges}


def test_cover_prefilled_and_read_like_the_intake(books):
    for unit, wb in books.items():
        rows = [list(r) for r in wb[COVER_SHEET].iter_rows(values_only=True)]
        found = find_label_values(rows, {f.key: (f.label,) for f in COVER_FIELDS})
        assert found["unit"][0] == unit
        assert found["period"][0] == PERIOD.label
        for f in COVER_FIELDS[2:]:
            assert found[f.key][0] in ("", None), f.label        # blank, not the next label
        assert "友谊县2022年招商引资和项目建设工作进展填报表" in rows[0]
        notes = [v for r in rows for v in r if isinstance(v, str)]
        assert any(v.startswith("填表说明") for v in notes)
        for must in ("1月1日至3月31日", "万元", "万美元", "2022-03-05", "*", ".xlsx", "请勿修改"):
            assert any(must in v for v in notes), must


def test_every_table_ends_with_notes(books, plan):
    for unit, wb in books.items():
        for table in RETURN_TABLES:
            ws = wb[table.sheet]
            below = input_last_row(ws, table, plan, unit) + 2
            assert ws.cell(below, 1).value == "填表说明："
            assert all(ws.cell(r, 1).value in (None, "") or r == below
                       for r in range(input_last_row(ws, table, plan, unit) + 1, below + 1))


def test_blank_form_reads_cleanly(forms, plan):
    """The intake finds every table and column of a blank form."""
    for unit, path in forms.items():
        ret = read_return(path, plan, PERIOD)
        assert ret.unit == unit and ret.period_written == PERIOD.label
        assert {key: read.ok for key, read in ret.tables.items()} == {t.key: True for t in RETURN_TABLES}
        for table in RETURN_TABLES:
            assert set(ret.tables[table.key].columns) == {c.key for c in table.columns}
        assert ret.records("projects") == () and ret.records("planned") == ()
        assert [r.name for r in ret.records("key_projects")] == [p.name for p in plan.key_projects_of(unit)]
        # only the listed key projects' own figures are still to be typed in
        errors = {(i.code, i.sheet, i.field) for i in ret.issues if i.is_error}
        assert errors <= {("value-missing", KEY_PROJECTS.sheet, KEY_PROJECTS.column(k).label)
                          for k in ("completed_investment", "status")}
        assert set(ret.reported) == {ind.key for ind in INDICATORS}


# --------------------------------------------------------------------------
# pre-filled values and protection
# --------------------------------------------------------------------------

def test_key_projects_prefilled_and_locked(books, plan):
    for unit, wb in books.items():
        ws = wb[KEY_PROJECTS.sheet]
        listed = plan.key_projects_of(unit)
        for i, project in enumerate(listed):
            for c, column in enumerate(KEY_PROJECTS.columns, 1):
                cell = ws.cell(FIRST + i, c)
                if column.prefilled:
                    assert cell.value == getattr(project, column.key), (unit, column.key)
                    assert cell.protection.locked
                else:
                    assert not cell.protection.locked
        blank = range(FIRST + len(listed), FIRST + len(listed) + INPUT_ROWS["key_projects"])
        assert all(not ws.cell(r, c).protection.locked and ws.cell(r, c).value is None
                   for r in blank for c in range(2, len(KEY_PROJECTS.columns) + 1))


def test_summary_targets_from_plan_locked(books, plan):
    col = {c.key: i for i, c in enumerate(SUMMARY.columns, 1)}
    for unit, wb in books.items():
        ws = wb[SUMMARY.sheet]
        for i, ind in enumerate(INDICATORS):
            r = FIRST + i
            assert ws.cell(r, col["indicator"]).value == summary_label(ind.key)
            target = ws.cell(r, col["target"])
            assert target.value == (plan.target(unit, ind.key) or 0)
            assert target.protection.locked
            actual = ws.cell(r, col["actual"])
            assert actual.value is None and not actual.protection.locked
            rate = ws.cell(r, col["rate"])
            assert rate.value.startswith("=IF(") and rate.number_format == "0.0%"


def test_input_cells_unlocked_titles_and_headers_locked(books, plan):
    for unit, wb in books.items():
        for table in (PROJECTS, *RETURN_TABLES[2:3]):
            ws = wb[table.sheet]
            for r in range(FIRST, input_last_row(ws, table, plan, unit) + 1):
                assert all(not ws.cell(r, c).protection.locked for c in range(1, len(table.columns) + 1))
            assert ws["A1"].protection.locked
            assert all(ws.cell(HEADER, c).protection.locked for c in range(1, len(table.columns) + 1))
        cover = wb[COVER_SHEET]
        values = {cover.cell(r, 2).value.removesuffix("*"): cover.cell(r, 3)
                  for r in range(1, 20) if isinstance(cover.cell(r, 2).value, str)}
        assert values["填报单位"].protection.locked and values["报送期"].protection.locked
        assert not any(values[f.label].protection.locked for f in COVER_FIELDS[2:])


def test_sheets_protected_without_password(books):
    for wb in books.values():
        for ws in wb.worksheets:
            p = ws.protection
            assert p.sheet and not p.password
            # OOXML: False means "not protected", i.e. the unit may do it.
            assert not (p.formatCells or p.formatRows or p.formatColumns)
            assert not (p.insertRows or p.deleteRows or p.sort or p.autoFilter)
            assert p.insertColumns and p.deleteColumns


# --------------------------------------------------------------------------
# data validation
# --------------------------------------------------------------------------

def test_validation_by_column_kind(book, plan):
    unit, wb = book
    for table in RETURN_TABLES[:3]:
        ws = wb[table.sheet]
        row = input_last_row(ws, table, plan, unit)              # a blank row: every rule applies
        for c, column in enumerate(table.columns, 1):
            cell = f"{get_column_letter(c)}{row}"
            found = validations_at(ws, cell)
            assert len(found) <= 1, cell
            if column.key == "chain":
                [dv] = found
                assert dv.type == "list" and dv.formula1.replace("'", "") == \
                    f"{OPTIONS_SHEET}!$A$2:$A${len(plan.chain_names) + 2}"
                assert style(dv) == ("stop" if column.kind == CHOICE else "warning")
            elif column.kind in (CHOICE, YESNO):
                [dv] = found
                assert dv.type == "list" and style(dv) == "stop"
                assert dv.formula1 == '"' + ",".join(column.choices) + '"'
            elif column.kind in (AMOUNT, INT):
                [dv] = found
                assert dv.type == ("decimal" if column.kind == AMOUNT else "whole")
                assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
                assert style(dv) == "warning"
            elif column.kind == DATE:
                [dv] = found
                assert dv.type == "date" and (dv.operator or "between") == "between"
                assert (dv.formula1, dv.formula2) == ("36526", "73415")     # 2000-01-01, 2100-12-31
                assert style(dv) == "stop"
                assert ws[cell].number_format == "yyyy-mm-dd"
            if column.hint:
                [dv] = found
                assert dv.prompt == column.hint and dv.promptTitle == column.label
                assert dv.showInputMessage and dv.showErrorMessage
            elif column.kind not in (CHOICE, YESNO, AMOUNT, INT, DATE) and column.key != "chain":
                assert found == []


def test_validations_cover_every_input_row_but_not_locked_cells(book, plan):
    unit, wb = book
    ws = wb[KEY_PROJECTS.sheet]
    listed = len(plan.key_projects_of(unit))
    category = get_column_letter([c.key for c in KEY_PROJECTS.columns].index("category") + 1)
    status = get_column_letter([c.key for c in KEY_PROJECTS.columns].index("status") + 1)
    assert validations_at(ws, f"{category}{FIRST}") == []             # pre-filled, locked
    assert validations_at(ws, f"{category}{FIRST + listed}")          # first blank row
    for r in range(FIRST, FIRST + listed + INPUT_ROWS["key_projects"]):
        assert validations_at(ws, f"{status}{r}")


def test_summary_actual_validation(book):
    _, wb = book
    ws = wb[SUMMARY.sheet]
    for i, ind in enumerate(INDICATORS):
        [dv] = validations_at(ws, f"C{FIRST + i}")
        assert dv.type == ("whole" if ind.is_count else "decimal") and dv.formula1 == "0"
        assert ind.unit in dv.prompt


# --------------------------------------------------------------------------
# printing
# --------------------------------------------------------------------------

def test_print_setup(books):
    for unit, wb in books.items():
        for name in RETURN_SHEETS:
            ws = wb[name]
            assert ws.page_setup.paperSize == 9
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            # fitToWidth 1 is the OOXML default, which xlsxwriter leaves out of the file
            assert (ws.page_setup.fitToWidth or 1) == 1 and ws.page_setup.fitToHeight == 0
            assert "第 &P 页 共 &N 页" in ws.oddFooter.center.text
            assert unit in ws.oddHeader.left.text and PERIOD.label in ws.oddHeader.right.text
        for table in RETURN_TABLES:
            ws = wb[table.sheet]
            landscape = table.key in LANDSCAPE
            assert ws.page_setup.orientation == ("landscape" if landscape else "portrait")
            assert ws.print_title_rows.replace("$", "") == f"{HEADER}:{HEADER}"
            assert ws.freeze_panes.endswith(str(FIRST))


def test_fonts_and_widths(book):
    _, wb = book
    ws = wb[PROJECTS.sheet]
    assert ws.cell(HEADER, 2).font.name == "宋体" and ws.cell(FIRST, 2).font.sz == 11
    for c, column in enumerate(PROJECTS.columns, 1):
        assert abs(ws.column_dimensions[get_column_letter(c)].width - column.width) <= 1
    assert ws.cell(FIRST, 2).border.left.style == "thin"


# --------------------------------------------------------------------------
# text is text
# --------------------------------------------------------------------------

def test_text_is_never_a_formula(plan, tmp_path):
    unit = plan.units[0].name
    tricky = KeyProject("=HYPERLINK(\"http://x\",\"点击\")", "市级百大", "新建", unit, "",
                        "+其他", 100.0, 50.0)
    odd = dataclasses.replace(plan, key_projects=(tricky,))
    path = make_form(odd, unit, PERIOD, tmp_path / "f.xlsx")
    cell = openpyxl.load_workbook(path)[KEY_PROJECTS.sheet].cell(FIRST, 2)
    assert cell.data_type == "s" and cell.value == tricky.name


# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

@needs_soffice
def test_renders_to_a4_pdf(forms, book, tmp_path):
    unit, _ = book
    pdf = to_pdf(forms[unit], tmp_path)
    data = pdf.read_bytes()
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox[0 0 595" in data
    pages = data.count(b"/Type /Page\n") + data.count(b"/Type/Page/") + data.count(b"/Type /Page ")
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        assert "A4" in info
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages >= len(RETURN_SHEETS)           # each sheet on its own page(s); 选项 is hidden
    if shutil.which("pdftoppm"):                 # the PNGs are for a person to look at
        subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(tmp_path / "page")], check=True)
        assert len(list(tmp_path.glob("page*.png"))) == pages


def test_intake_reader_sees_hidden_options_sheet_as_hidden(forms):
    book_data, _ = read_workbook(next(iter(forms.values())))
    visible = {s.name: s.visible for s in book_data.sheets}
    assert visible[OPTIONS_SHEET] is False and all(visible[n] for n in RETURN_SHEETS)
