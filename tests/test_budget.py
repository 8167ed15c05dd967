"""workbook.copy_refusal: what loading a return with openpyxl would cost, judged from its zip.

The parts are patched into a small workbook the test builds; openpyxl never loads the hostile
ones (that is what the budget prevents: it would build one object per covered cell)."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from youyi_xl.workbook import budget, copy_refusal

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "returns" / "2022-06"
HOSTILE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "adversarial" / "returns"


def small_workbook(tmp_path: Path) -> bytes:
    path = tmp_path / "small.xlsx"
    with xlsxwriter.Workbook(path) as book:
        sheet = book.add_worksheet("招商引资项目")
        for r in range(20):
            sheet.write_row(r, 0, [f"项目{r}", r * 10.0, "大豆"])
        sheet.merge_range("A22:C22", "填表说明")
        sheet.write_comment("B2", "批注")
    return path.read_bytes()


def patched(data: bytes, member_pattern: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            target.writestr(info.filename, change(content) if re.search(member_pattern, info.filename) else content)
    return out.getvalue()


def in_sheet(xml: str):
    def change(content: bytes) -> bytes:
        return content.replace(b"</worksheet>", xml.encode() + b"</worksheet>") if b"<sheetData" in content \
            else content
    return change


def test_the_examples_and_a_small_workbook_may_be_copied(tmp_path):
    assert copy_refusal(small_workbook(tmp_path)) is None
    for path in sorted(EXAMPLES.glob("*.xlsx")):
        assert copy_refusal(path.read_bytes()) is None, path.name
    # a return costs ~2,500 cell equivalents: far below the budget, far above a tiny one
    assert copy_refusal(next(EXAMPLES.glob("*.xlsx")).read_bytes(), budget=500) is not None


@pytest.mark.skipif(not HOSTILE.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name, copied", [("merge_whole_column.xlsx", False), ("merge_whole_sheet.xlsx", False),
                                          ("sst_unique_count.xlsx", True)])
def test_the_hostile_returns(name, copied):
    refusal = copy_refusal((HOSTILE / name).read_bytes())
    assert (refusal is None) == copied
    if not copied:
        assert "合并单元格" in refusal and "无法原样复制" in refusal


@pytest.mark.parametrize("part, xml, what", [
    ("worksheets/sheet1", '<mergeCells count="1"><mergeCell ref="D1:D200000"/></mergeCells>', "合并单元格"),
    ("worksheets/sheet1", '<mergeCells count="1"><mergeCell ref="A:A"/></mergeCells>', "合并单元格"),
    ("worksheets/sheet1", '<hyperlinks><hyperlink ref="A1:Z10000" location="A1"/></hyperlinks>', "超链接"),
    ("worksheets/sheet1", "".join(f'<mergeCell ref="E{r}:F{r}"/>' for r in range(1, 20001)), "合并单元格"),
    ("worksheets/sheet1", "<rowBreaks>" + '<brk id="1" max="16383"/>' * 60000 + "</rowBreaks>", "分页符"),
    ("worksheets/sheet1", '<dataValidations count="1"><dataValidation sqref="'
     + " ".join(f"Q{r}" for r in range(1, 150001)) + '"/></dataValidations>', "区域引用"),
], ids=["merge-column", "merge-unreadable", "hyperlink-range", "many-merges", "page-breaks", "sqref-list"])
def test_ranges_that_openpyxl_would_expand_are_refused(tmp_path, part, xml, what):
    data = patched(small_workbook(tmp_path), part, in_sheet(xml))
    assert what in copy_refusal(data)


def test_every_tag_costs_something(tmp_path):
    """Elements openpyxl has no special cost for still cost their parsing (3.3 million of them
    spend the budget alone); here against a smaller budget."""
    data = patched(small_workbook(tmp_path), "worksheets/sheet1", in_sheet("<extLst>" + "<ext/>" * 60000 + "</extLst>"))
    refusal = copy_refusal(data, budget=1500)
    assert refusal.startswith("文件过大或结构异常（XML元素达") and refusal.endswith("个），无法原样复制")


def test_many_rows_cells_comments_and_styles_are_refused(tmp_path):
    data = small_workbook(tmp_path)
    rows = "".join(f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(100, 80100))
    assert "行" in copy_refusal(patched(data, "worksheets/sheet1", lambda x: x.replace(
        b"</sheetData>", rows.encode() + b"</sheetData>")))
    cells = "".join(f'<c r="X{r}" s="1"/>' for r in range(100, 100100))
    assert "单元格" in copy_refusal(patched(data, "worksheets/sheet1", lambda x: x.replace(
        b"</sheetData>", f"<row r=\"100\">{cells}</row>".encode() + b"</sheetData>")))
    comments = "".join(f'<comment ref="A{r}" authorId="0"><text><t>x</t></text></comment>' for r in range(1, 20001))
    assert "批注" in copy_refusal(patched(data, "comments", lambda x: re.sub(
        rb"<commentList>.*</commentList>", f"<commentList>{comments}</commentList>".encode(), x, flags=re.S)))
    styles = "".join('<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' for _ in range(40000))
    assert "样式" in copy_refusal(patched(data, "styles", lambda x: x.replace(b"</cellXfs>", styles.encode() + b"</cellXfs>")))


def test_the_scan_stops_when_the_budget_is_spent(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(budget, "_measure", lambda meter, name, archive, info: (seen.append(name),
                                                                                 meter.add("cell", 10**6)))
    assert copy_refusal(small_workbook(tmp_path)) is not None and len(seen) == 1


def test_a_damaged_zip_is_not_copied():
    assert "结构异常" in copy_refusal(b"PK\x03\x04 no zip")
