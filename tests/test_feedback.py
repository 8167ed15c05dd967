"""退回意见 workbooks: marked copies of the units' own returns, names that stay inside.

The returns are built with tests/builders.py (openpyxl, laid out like the form) and
collected by the real intake, so the cells marked here are the cells the checks name.
"""
from __future__ import annotations

import os
from pathlib import Path

import openpyxl
from youyi_xl.outputs.xlstyle import LINE_HEIGHT, text_lines
import pytest
from builders import project, write_return
from libreoffice import convert, needs_soffice, pdf_text, to_pdf

from youyi_xl.intake.folder import collect
from youyi_xl.outputs import feedback as feedback
from youyi_xl.outputs.feedback import LIST_HEADERS, LIST_SHEET, LIST_WIDTHS, write_feedback
from youyi_xl.outputs.xlstyle import SEVERITY_FILL

PERIOD = "2022-03"
LONG_NAME = "长" * 100                       # 300 bytes of UTF-8


def _returns(folder: Path) -> Path:
    # 友谊镇: two errors (G4 date, K4 number) and a warning (K5 0.5亿元); B3 is text "=1+2…"
    path = write_return(folder / "友谊镇.xlsx", projects=[
        project(name="PLACEHOLDER"),
        project(name="第二个项目", sign_date="2022年13月5日", funds_in="约500"),
        project(name="第三个项目", funds_in="0.5亿元")])
    book = openpyxl.load_workbook(path)
    cell = book["招商引资项目"]["B3"]
    cell.value, cell.data_type = "=1+2 玉米加工项目", "s"
    book.save(path)
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇", projects=[project(name="兴隆项目")], key_projects=[],
                 extra_sheet=True)                   # info only: no 退回意见
    write_return(folder / "龙山镇.xlsx", unit="龙山镇", projects=[project(name="龙山项目")], key_projects=[])
    write_return(folder / "a.xlsx", unit="../../x")   # unit-unknown, named by what it wrote
    write_return(folder / "b.xlsx", unit="CON")
    write_return(folder / "c.xlsx", unit=LONG_NAME)
    write_return(folder / "d1.xlsx", unit="某某局")   # two unknown files with one name
    write_return(folder / "d2.xlsx", unit="某某局")
    (folder / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "说明.txt").write_text("请查收", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    return collect(_returns(tmp_path_factory.mktemp("returns")), PERIOD)


@pytest.fixture(scope="module")
def written(batch, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return out, write_feedback(batch, out, deadline="4月10日")


def _by_stem(paths: list[Path], start: str) -> Path:
    return next(p for p in paths if p.name.startswith(start))


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


def test_units_with_errors_or_warnings_get_a_workbook(written):
    out, paths = written
    names = sorted(p.name for p in paths)
    assert "友谊镇-2022-03-退回意见.xlsx" in names
    assert not any(n.startswith(("兴隆镇", "龙山镇", "说明")) for n in names)   # info only, clean, not a workbook
    assert len(paths) == 7                     # 友谊镇, ../../x, CON, long, 某某局 ×2, 坏文件
    assert all(p.parent == out / "退回意见" and p.is_file() for p in paths)


def test_problem_cells_are_filled_and_commented(written):
    book = openpyxl.load_workbook(_by_stem(written[1], "友谊镇"))
    assert book.sheetnames[0] == LIST_SHEET and book.active.title == LIST_SHEET
    sheet = book["招商引资项目"]
    assert _fill(sheet["G4"]) == SEVERITY_FILL["error"] == "FFC7CE"
    assert _fill(sheet["K4"]) == "FFC7CE"
    assert _fill(sheet["K5"]) == SEVERITY_FILL["warning"] == "FFEB9C"
    assert _fill(sheet["B4"]) == ""
    assert "【错误】" in sheet["K4"].comment.text and "约500" in sheet["K4"].comment.text
    assert "修改建议：" in sheet["K4"].comment.text
    assert "【警告】" in sheet["K5"].comment.text
    assert sheet["K4"].value == "约500" and sheet["G4"].value == "2022年13月5日"   # the unit's own values


def test_issue_list_sheet(written):
    sheet = openpyxl.load_workbook(_by_stem(written[1], "友谊镇"))[LIST_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "友谊镇2022年1—3月填报表退回意见"
    assert "友谊镇.xlsx" in rows[1][0]
    assert rows[2][0].startswith("共发现问题3处：错误2处") and "请修改后于4月10日前重新报送" in rows[3][0]
    header = rows.index(LIST_HEADERS)
    table = rows[header + 1:]
    assert [r[1] for r in table] == ["错误", "错误", "警告"]              # errors first
    assert {(r[2], r[3]) for r in table} == {("招商引资项目", "G4"), ("招商引资项目", "K4"), ("招商引资项目", "K5")}
    assert {r[6].split("（")[0] for r in table} == {"date-invalid", "number-invalid", "unit-converted"}
    assert _fill(sheet.cell(header + 2, 2)) == "FFC7CE"
    assert sheet.print_title_rows and sheet.page_setup.orientation == "landscape"
    # rows as tall as their wrapped Chinese text (LibreOffice does not fit them and would clip)
    for n, row in enumerate(table, start=header + 2):
        lines = max(text_lines(str(v), w) for v, w in zip(row, LIST_WIDTHS) if v is not None)
        assert (sheet.row_dimensions[n].height or 15) >= LINE_HEIGHT * lines, n


def test_originals_are_untouched(tmp_path):
    folder = _returns(tmp_path / "returns")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()}
    write_feedback(collect(folder, PERIOD), tmp_path / "out")
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.iterdir()} == before


def test_names_stay_inside_the_folder(written):
    out, paths = written
    folder = (out / "退回意见").resolve()
    for path in paths:
        assert path.resolve().parent == folder
        assert len(path.name.encode()) <= 200 and path.name.endswith("-2022-03-退回意见.xlsx")
    assert "CON_-2022-03-退回意见.xlsx" in {p.name for p in paths}
    assert _by_stem(paths, "_").name.endswith("_x-2022-03-退回意见.xlsx")       # from ../../x
    assert _by_stem(paths, "长长长").name.startswith("长" * 50)
    assert {p.name for p in paths} >= {"某某局-2022-03-退回意见.xlsx", "某某局（2）-2022-03-退回意见.xlsx"}
    assert not any(p.name.startswith("x-") for p in out.parent.rglob("*"))


def test_text_starting_with_equals_stays_text(written):
    cell = openpyxl.load_workbook(_by_stem(written[1], "友谊镇"))["招商引资项目"]["B3"]
    assert cell.data_type == "s" and cell.value == "=1+2 玉米加工项目"


def test_unreadable_file_gets_the_list_only(written):
    book = openpyxl.load_workbook(_by_stem(written[1], "坏文件"))
    assert book.sheetnames == [LIST_SHEET]
    codes = [r[6] for r in book[LIST_SHEET].iter_rows(min_row=7, values_only=True)]
    assert codes and codes[0].startswith("file-unreadable")
    assert "无法读取" in book[LIST_SHEET]["A4"].value


def test_nothing_to_send_back_writes_nothing(tmp_path):
    folder = tmp_path / "returns"
    write_return(folder / "龙山镇.xlsx", unit="龙山镇", projects=[project(name="龙山项目")], key_projects=[])
    assert write_feedback(collect(folder, PERIOD), tmp_path / "out") == []
    assert not (tmp_path / "out" / "退回意见").exists()


def test_openpyxl_failure_falls_back_to_a_rebuild(batch, tmp_path, monkeypatch):
    def refuse(data):
        raise KeyError("sheet2.xml")          # what openpyxl raises on some real files

    monkeypatch.setattr(feedback, "_load_copy", refuse)
    book = openpyxl.load_workbook(_by_stem(write_feedback(batch, tmp_path), "友谊镇"))
    assert "重建" in book[LIST_SHEET]["A4"].value
    sheet = book["招商引资项目"]
    assert _fill(sheet["K4"]) == "FFC7CE" and sheet["K4"].value == "约500"
    assert sheet["B3"].value == "=1+2 玉米加工项目" and sheet["B3"].data_type == "s"


@needs_soffice
def test_xls_return_is_rebuilt_and_marked(tmp_path):
    source = _returns(tmp_path / "src") / "友谊镇.xlsx"
    folder = tmp_path / "returns"
    convert(source, "xls", folder)
    paths = write_feedback(collect(folder, PERIOD), tmp_path / "out")
    book = openpyxl.load_workbook(paths[0])
    assert book.sheetnames[:2] == [LIST_SHEET, "封面"] and "重建" in book[LIST_SHEET]["A4"].value
    sheet = book["招商引资项目"]
    assert _fill(sheet["G4"]) == "FFC7CE" and _fill(sheet["K5"]) == "FFEB9C"
    assert sheet["B3"].value == "=1+2 玉米加工项目" and sheet["B3"].data_type == "s"
    assert sheet["B5"].value == "第三个项目"


@needs_soffice
def test_libreoffice_prints_the_feedback(written, tmp_path):
    path = _by_stem(written[1], "友谊镇")
    pdf = to_pdf(path, tmp_path)
    text = pdf_text(pdf)
    assert "友谊镇2022年1—3月填报表退回意见" in text and "约500" in text
    assert os.path.getsize(pdf) > 1000


# --------------------------------------------------------------------------
# workbooks too large or too odd to copy: the rebuild (DOMAIN §4.3, docs/hardening.md)
# --------------------------------------------------------------------------

HOSTILE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "adversarial" / "returns"
AS_SENT = Path(__file__).resolve().parent / "data" / "as_sent"


@pytest.mark.skipif(not HOSTILE.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", ["merge_whole_column.xlsx", "merge_whole_sheet.xlsx"])
def test_a_merge_over_a_whole_column_or_sheet_is_rebuilt_not_copied(tmp_path, name):
    """openpyxl would build a MergedCell for each of 10^6 / 1.7 x 10^10 cells; the budget refuses
    the copy before openpyxl sees the file, and the rebuild keeps no merge that hides values."""
    from youyi_xl.workbook import copy_refusal

    data = (HOSTILE / name).read_bytes()
    assert "合并单元格" in copy_refusal(data)          # checked first: no hang if the bound is gone
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / name).write_bytes(data)
    [path] = write_feedback(collect(folder, "2022-06"), tmp_path / "out")
    book = openpyxl.load_workbook(path)
    assert "重建" in book[LIST_SHEET]["A4"].value and "合并单元格覆盖" in book[LIST_SHEET]["A4"].value
    sheet = book["招商引资项目"]
    assert _fill(sheet["H4"]) == "FFC7CE" and sheet["H4"].value == "约500"
    assert all(r.max_row - r.min_row < 100 for r in sheet.merged_cells.ranges)
    assert sheet["A5"].value == 2                    # the values the hostile merge would hide


def test_over_the_budget_the_copy_is_a_rebuild(batch, tmp_path, monkeypatch):
    from youyi_xl.workbook import budget

    monkeypatch.setattr(budget, "COPY_BUDGET", 100)
    book = openpyxl.load_workbook(_by_stem(write_feedback(batch, tmp_path), "友谊镇"))
    assert "重建" in book[LIST_SHEET]["A4"].value and _fill(book["招商引资项目"]["K4"]) == "FFC7CE"


def test_over_the_rebuild_budget_only_the_list_is_sent(batch, tmp_path, monkeypatch):
    from youyi_xl.workbook import budget

    monkeypatch.setattr(budget, "COPY_BUDGET", 100)
    monkeypatch.setattr(feedback, "REBUILD_MAX_CELLS", 10)
    book = openpyxl.load_workbook(_by_stem(write_feedback(batch, tmp_path), "友谊镇"))
    assert book.sheetnames == [LIST_SHEET] and "过大" in book[LIST_SHEET]["A4"].value
    cells = [c.value for row in book[LIST_SHEET].iter_rows(min_row=7) for c in row]
    assert "G4" in cells and "K4" in cells


def test_an_ods_return_is_rebuilt_with_its_merges(tmp_path):
    """The as-sent return saved by LibreOffice as .ods: its merged 所属产业链 is kept (read from
    content.xml) and every problem cell is marked, the #REF! cell showing its error."""
    folder = tmp_path / "returns"
    folder.mkdir()
    (folder / "发改局.ods").write_bytes((AS_SENT / "发展和改革局-2022-06-填报表.ods").read_bytes())
    [path] = write_feedback(collect(folder, "2022-06"), tmp_path / "out")
    book = openpyxl.load_workbook(path)
    sheet = book["招商引资项目"]
    assert "F4:F6" in {str(r) for r in sheet.merged_cells.ranges}
    assert _fill(sheet["K5"]) == "FFC7CE" and sheet["K5"].value == "#REF!"
    assert _fill(sheet["H6"]) == "FFC7CE" and _fill(book["封面"]["C6"]) == "FFEB9C"
