"""excel.read_workbook: values from calamine, special cells and grid bounds from the XML.

Workbooks are built in the test: with openpyxl (formulas it writes carry no
stored value), xlsxwriter (formulas with a given cached value, error
results) or by hand with zipfile (sheet XML no writer produces: cells without
`r`, namespace prefixes, t="str" formulas with an empty result).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from openpyxl import Workbook

from youyi_xl.core import cell_ref
from youyi_xl.workbook import preflight as pf
from youyi_xl.workbook import reader as excel
from youyi_xl.workbook import sheetxml
from youyi_xl.workbook.preflight import Limits
from youyi_xl.workbook.reader import SheetData, WorkbookData, read_workbook

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = {
    "[Content_Types].xml":
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    "_rels/.rels":
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>",
    "xl/workbook.xml":
        f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
        '<sheet name="填报&amp;表" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>",
}
SHEET_NAME = "填报&表"   # entity in workbook.xml: the sheet map must unescape it


def hand_made(path: Path, rows_xml: str, prefix: str = "") -> Path:
    """A minimal package whose only sheet holds `rows_xml` inside <sheetData>."""
    p = f"{prefix}:" if prefix else ""
    declaration = f'xmlns{":" + prefix if prefix else ""}="{MAIN_NS}"'
    sheet = f"<{p}worksheet {declaration}><{p}sheetData>{rows_xml}</{p}sheetData></{p}worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**PACKAGE, "xl/worksheets/sheet1.xml": sheet}.items():
            archive.writestr(name, text)
    return path


def read_ok(path, limits: Limits = pf.DEFAULT_LIMITS) -> WorkbookData:
    book, issues = read_workbook(path, limits)
    assert issues == [] and book is not None
    return book


def read_refused(path, limits: Limits = pf.DEFAULT_LIMITS):
    book, issues = read_workbook(path, limits)
    assert book is None and len(issues) == 1
    assert issues[0].code == "file-unreadable" and issues[0].severity == "error"
    assert issues[0].file == Path(path).name and issues[0].hint
    return issues[0]


# --- the data model ------------------------------------------------------------

@pytest.mark.parametrize("row, col, ref", [(0, 0, "A1"), (11, 5, "F12"), (0, 25, "Z1"),
                                           (0, 26, "AA1"), (1048575, 16383, "XFD1048576")])
def test_cell_ref(row, col, ref):
    assert cell_ref(row, col) == ref


def test_openpyxl_workbook_values_dates_merges_and_uncached_formulas(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.title = "招商引资项目"
    sheet.merge_cells("A1:D1")
    sheet["A1"] = "招商引资项目表"
    sheet["A3"], sheet["B3"], sheet["C3"] = "项目名称", 500, dt.date(2022, 3, 5)
    sheet["D3"] = "=B3*2"                 # openpyxl stores no value: the file was never calculated
    sheet["F12"] = True
    hidden = book.create_sheet("备注")
    hidden.sheet_state = "hidden"
    path = tmp_path / "openpyxl.xlsx"
    book.save(path)

    data = read_ok(path)
    assert data.format == "xlsx" and [s.name for s in data.sheets] == ["招商引资项目", "备注"]
    sheet = data.sheet("招商引资项目")
    assert sheet.rows[0][0] == "招商引资项目表" and sheet.merged == [(0, 0, 0, 3)]
    assert sheet.rows[2][:3] == ["项目名称", 500, dt.date(2022, 3, 5)]
    assert sheet.rows[2][3] == "" and sheet.special == {(2, 3): "="}
    assert sheet.rows[11][5] is True and len(sheet.rows) == 12 and len(sheet.rows[0]) == 6
    assert sheet.visible and not data.sheet("备注").visible
    assert data.sheet("不存在") is None


def test_xlsxwriter_error_results_and_cached_values(tmp_path):
    path = tmp_path / "errors.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("指标汇总")
    sheet.write_number("B2", 0)
    sheet.write_formula("C2", "=1/B2", None, "#DIV/0!")
    sheet.write_formula("C3", "=B2+1", None, 1)
    sheet.write_formula("C4", '=NA()', None, "#N/A")
    book.close()

    sheet = read_ok(path).sheet("指标汇总")
    assert sheet.special == {(1, 2): "#DIV/0!", (3, 2): "#N/A"}
    assert sheet.rows[1][2] == "" and sheet.rows[2][2] == 1


def test_hand_made_cells_that_calamine_reads_as_blank(tmp_path):
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>'
            '<c r="B1"><f>1/0</f></c>'                                  # no <v>: never calculated
            '<c r="C1" t="str"><f>IF(1,"","")</f><v></v></c></row>'     # a stored empty string
            '<row r="2"><c r="A2" t="e"><v>#REF!</v></c>'               # an error typed as a value
            '<c r="B2"><f t="shared" si="0"/></c>'                      # shared formula, no value
            '<c r="C2" t="inlineStr"><f>A1</f><is><t>x</t></is></c>'    # result stored inline
            '<c r="D2"><v>5</v></c></row>')
    book = read_ok(hand_made(tmp_path / "cells.xlsx", rows))
    sheet = book.sheet(SHEET_NAME)
    assert sheet.special == {(0, 1): "=", (1, 0): "#REF!", (1, 1): "="}
    assert sheet.rows == [["x", "", "", ""], ["", "", "x", 5.0]]


def test_each_formula_cell_is_judged_by_what_its_own_cell_holds(tmp_path):
    """A formula with a stored value is no special cell; an error result however t= is quoted,
    an empty or blank value, or a value only the next cell holds are found."""
    rows = ('<row r="1"><c r="A1"><f>1+1</f><v>2</v></c>'                  # plain: not special
            "<c r=\"B1\" t='e'><f>1/0</f><v>#DIV/0!</v></c>"            # an error, t= in single quotes
            '<c r="C1"><f>1/0</f><v> </v></c>'                             # a blank value: no value
            '<c r="D1"><f>1/0</f><v></v></c>'                              # an empty value: no value
            '<c r="E1"><f>1/0</f></c><c r="F1"><v>7</v></c>'               # the next cell's value
            '<c r="G1" t="str"><f>IF(1,"x","")</f><v>x</v></c></row>')    # a stored text result
    sheet = read_ok(hand_made(tmp_path / "formulas.xlsx", rows)).sheet(SHEET_NAME)
    assert sheet.special == {(0, 1): "#DIV/0!", (0, 2): "=", (0, 3): "=", (0, 4): "="}
    assert sheet.rows[0][0] == 2.0 and sheet.rows[0][5] == 7.0 and sheet.rows[0][6] == "x"


# Cell variants for the formula fast path: every way a formula cell's type, formula tag and
# stored value combine, plus cells that must send the sheet down the cell-by-cell path.
_TYPES = ("", ' t="str"', ' t="e"', ' t="n"', ' t="b"', ' s="4"', ' s="1" t="e"', " t='e'")
_FORMULAS = ("<f>1/0</f>", '<f t="shared" si="0"/>', '<f t="shared" ref="A1:A9" si="1">B1*2</f>', "")
_VALUES = ("", "<v>2</v>", "<v></v>", "<v> </v>", "<v/>", "<v>#DIV/0!</v>", "<is><t>x</t></is>")


def plain_specials(xml: bytes):
    """What the formula fast path answers for an unprefixed sheet (None: it declines)."""
    marks = [m.start() for m in sheetxml._cell_tags(b"")[0].finditer(xml)]
    return sheetxml._plain_specials(xml, marks, xml.count(sheetxml._ERROR_MARK))


@pytest.mark.parametrize("seed", range(40))
def test_formula_fast_path_finds_what_the_cell_by_cell_path_finds(seed):
    """_find_specials answers from one C search over the sheet when every formula cell is plain;
    on any sheet it must give exactly what the cell-by-cell reading gives."""
    import random
    pick = random.Random(seed)
    cells = []
    for i in range(pick.randint(1, 12)):
        body = pick.choice(_FORMULAS) + pick.choice(_VALUES)
        cells.append(f'<c r="{"ABCDEFGHIJKLMNOPQRSTUVWXYZ"[i]}{seed + 1}"{pick.choice(_TYPES)}>{body}</c>'
                     if body else f'<c r="A{seed + 1}"/>')
    xml = f'<sheetData><row r="{seed + 1}">{"".join(cells)}</row></sheetData>'.encode()
    fast = plain_specials(xml)
    slow_path = sheetxml._plain_specials
    try:
        sheetxml._plain_specials = lambda xml, marks, errors: None
        slow = sheetxml._find_specials(xml, b"")
    finally:
        sheetxml._plain_specials = slow_path
    assert sheetxml._find_specials(xml, b"") == slow
    assert fast is None or fast == slow


def test_formula_fast_path_takes_sheets_of_plain_formula_cells():
    """A sheet whose formula cells are all plain (r first, double quotes, <f> and <v> only) is
    judged by the fast path, with the cell-by-cell path's answer."""
    cells = ('<c r="A1"><f>1+1</f><v>2</v></c><c r="B1" s="3"><f>B2</f><v></v></c>'
             '<c r="C1" t="str"><f>IF(1,"","")</f><v></v></c><c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
             '<c r="E1"><f t="shared" si="0"/></c><c r="F1"><v>7</v></c>')
    xml = f'<sheetData><row r="1">{cells}</row></sheetData>'.encode()
    expected = {(0, 1): "=", (0, 3): "#DIV/0!", (0, 4): "="}
    assert plain_specials(xml) == expected == sheetxml._find_specials(xml, b"")
    validation = b'<dataValidations><dataValidation><formula1>"a,b"</formula1></dataValidation></dataValidations>'
    assert plain_specials(xml.replace(b'<c r="F1"><v>7</v></c>', b"") + validation) == expected
    odd = xml.replace(b'<c r="F1"><v>7</v></c>', b"<c r='F1'><f>1</f></c>")     # single quotes
    assert plain_specials(odd) is None and sheetxml._find_specials(odd, b"") == {**expected, (0, 5): "="}
    bare_error = xml.replace(b'<c r="F1"><v>7</v></c>', b'<c r="F1" t="e"><v>#N/A</v></c>')
    assert plain_specials(bare_error) is None
    assert sheetxml._find_specials(bare_error, b"") == {**expected, (0, 5): "#N/A"}


def test_namespace_prefixed_sheet(tmp_path):
    rows = ('<x:row r="1"><x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1"><x:f>A1</x:f></x:c></x:row>'
            '<x:row r="2"><x:c r="B2" t="e"><x:f>1/0</x:f><x:v>#DIV/0!</x:v></x:c></x:row>')
    sheet = read_ok(hand_made(tmp_path / "prefixed.xlsx", rows, prefix="x")).sheets[0]
    assert sheet.special == {(0, 1): "=", (1, 1): "#DIV/0!"}
    assert sheet.rows[0][0] == 1.0


def test_cells_without_r_are_placed_by_counting(tmp_path):
    rows = ('<row><c t="inlineStr"><is><t>a</t></is></c><c><v>1</v></c></row>'
            '<row><c/><c><f>A1</f></c><c t="e"><v>#N/A</v></c></row>')
    sheet = read_ok(hand_made(tmp_path / "no_r.xlsx", rows)).sheets[0]
    assert sheet.rows[0][:2] == ["a", 1.0]
    assert sheet.special == {(1, 1): "=", (1, 2): "#N/A"}


def test_grid_covers_special_cells_beyond_the_values(tmp_path):
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="5"><c r="C5"><f>A1</f></c></row>'
    sheet = read_ok(hand_made(tmp_path / "cover.xlsx", rows)).sheets[0]
    assert sheet.special == {(4, 2): "="}
    assert len(sheet.rows) == 5 and all(len(row) == 3 for row in sheet.rows)


# --- grid bounds -----------------------------------------------------------------

def far_cell_workbook(path: Path) -> Path:
    """A1 and XFD1048576: calamine alone allocates 17 billion cells and aborts."""
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet()
    sheet.write(0, 0, 1)
    sheet.write(1048575, 16383, 2)
    book.close()
    return path


def test_far_cell_is_refused_before_calamine(tmp_path):
    issue = read_refused(far_cell_workbook(tmp_path / "far.xlsx"))
    assert pf.TOO_LARGE in issue.message and "XFD1048576" in issue.message


def test_grid_cap_applies_on_every_scan_path(tmp_path):
    square = "".join(f'<row r="{r}"><c r="T{r}"><v>1</v></c></row>' for r in range(1, 21))
    no_r = "".join('<row><c/>' + "<c/>" * 18 + "<c><v>1</v></c></row>" for _ in range(20))
    for name, rows in (("square.xlsx", square), ("no_r.xlsx", no_r)):
        path = hand_made(tmp_path / name, rows)
        assert len(read_ok(path, Limits(max_grid_cells=400)).sheets[0].rows) == 20
        read_refused(path, Limits(max_grid_cells=399))


@pytest.mark.parametrize("column, tall", [("T", True), ("U", False)])
def test_a_tall_list_is_bounded_and_its_special_cells_found_on_either_scan_path(tmp_path, monkeypatch, column, tall):
    """A plan's list of 20,000 units passes row 9,999: inside A1:T99999 one search proves the
    grid small; a column further right is bounded from its references, the same cells found."""
    rows = "".join(f'<row r="{r}"><c r="{column}{r}"><v>{r}</v></c></row>' for r in range(1, 20001))
    rows += (f'<row r="20001"><c r="{column}20001"><f>1/0</f><v></v></c></row>'
             f'<row r="20002"><c r="{column}20002" t="e"><v>#DIV/0!</v></c></row>')
    path = hand_made(tmp_path / f"{column}.xlsx", rows)
    bounded = []
    monkeypatch.setattr(sheetxml, "_bound_refs", lambda *a, _real=sheetxml._bound_refs: (bounded.append(1), _real(*a)))
    sheet = read_ok(path).sheets[0]
    assert (len(sheet.rows), sheet.rows[19999][-1]) == (20002, 20000)
    assert sheet.special == {(20000, ord(column) - 65): "=", (20001, ord(column) - 65): "#DIV/0!"}
    assert bounded == ([] if tall else [1])
    read_refused(path, Limits(max_grid_cells=20002 * (ord(column) - 64) - 1))   # the box is not trusted past the cap


def test_all_sheets_together_are_capped(tmp_path):
    book = Workbook()
    for index in range(3):
        sheet = book.create_sheet(f"表{index}")
        sheet["J10"] = index            # a 10 x 10 grid from A1
    path = tmp_path / "three.xlsx"
    book.save(path)
    assert len(read_ok(path, Limits(max_total_cells=300)).sheets) == 4
    read_refused(path, Limits(max_total_cells=250))


def test_empty_styled_cells_do_not_count(tmp_path):
    # gnumeric writes styled empty cells up to XFD1048576 (corpus issue_174.xlsx)
    rows = ('<row r="1"><c r="A1"><v>1</v></c><c r="XFD1" s="1"/></row>'
            '<row r="1048576"><c r="A1048576" s="1"/></row>')
    assert read_ok(hand_made(tmp_path / "styled.xlsx", rows)).sheets[0].rows == [[1.0]]


@needs_corpus
@pytest.mark.parametrize("name, nonempty", [("public/calamine/issue_174.xlsx", 22),
                                            ("public/xlsxwriter/comment03.xlsx", 1)])
def test_declared_huge_dimension_reads_quickly(name, nonempty):
    book = read_ok(CORPUS / name)
    # the grid is that of the cells that exist, not of the declared range (17 billion cells)
    assert sum(len(row) for s in book.sheets for row in s.rows) < 10_000
    assert sum(v != "" for s in book.sheets for row in s.rows for v in row) == nonempty


# --- failures become one issue ------------------------------------------------------

def test_parser_failure_is_one_issue(tmp_path):
    # a valid package whose sheet XML is broken: calamine raises, the batch goes on
    path = hand_made(tmp_path / "broken.xlsx", '<row r="1"><c r="A1"><v>1</v></row>')
    assert pf.UNREADABLE in read_refused(path).message


def test_unexpected_error_stops_at_the_boundary(tmp_path, monkeypatch):
    def explode(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(excel, "_parse", explode)
    path = hand_made(tmp_path / "ok.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    assert pf.UNREADABLE in read_refused(path).message


def test_folder_and_missing_file_are_one_issue(tmp_path):
    read_refused(tmp_path)
    read_refused(tmp_path / "missing.xlsx")


def test_input_is_not_modified_and_nothing_is_written(tmp_path):
    path = hand_made(tmp_path / "ok.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    before = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    read_ok(path)
    assert (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns) == before
    assert list(tmp_path.iterdir()) == [path]


# --- corpus files with something to prove -------------------------------------------

@needs_corpus
@pytest.mark.parametrize("name, sheets", [
    ("public/calamine/strict_iso_paths.xlsx", ["ml_out"]),
    ("public/sheetjs/sheet_visibility_strict.xlsx", ["Visible", "Hidden", "VeryHidden"]),
])
def test_strict_ooxml_is_read(name, sheets):
    book = read_ok(CORPUS / name)        # openpyxl returns zero sheets for these
    assert [s.name for s in book.sheets] == sheets
    assert all(any(v != "" for row in s.rows for v in row) for s in book.sheets)
    assert [s.visible for s in book.sheets] == [True] + [False] * (len(sheets) - 1)


@needs_corpus
def test_parts_outside_xl_folder_keep_their_specials():
    # wtf/ instead of xl/, and formulas stored without a value
    sheet = read_ok(CORPUS / "public/sheetjs/wtf_path.xlsx").sheets[0]
    assert sheet.special and set(sheet.special.values()) == {"="}


@needs_corpus
def test_xls_values_and_merges():
    book = read_ok(CORPUS / "public/calamine/merged_range.xls")
    assert book.format == "xls" and book.sheets[0].merged
    assert all(len(r) == len(book.sheets[0].rows[0]) for r in book.sheets[0].rows)


@needs_corpus
def test_encrypted_calamine_only_case_is_reported_as_encrypted():
    issue = read_refused(CORPUS / "public/sheetjs/password_2002_128_strong.xls")
    assert issue.message == pf.ENCRYPTED_MESSAGE


def test_sheetdata_defaults():
    sheet = SheetData("表", [[1]])
    assert sheet.special == {} and sheet.merged == [] and sheet.visible


# --- DOMAIN §4.3: what calamine loses or trusts --------------------------------

AS_SENT = Path(__file__).resolve().parent / "data" / "as_sent"   # see its README.md


@pytest.mark.parametrize("suffix", ["xlsx", "xls", "ods"])
def test_error_values_and_merges_in_every_format(suffix):
    """#REF! in K5 and the merged 所属产业链 F4:F6 of the as-sent return: calamine gives '' for the
    error in .xls and .ods (read from the BIFF FORMULA record / content.xml here) and no merged
    ranges for .ods (read from table:number-rows-spanned)."""
    sheet = read_ok(AS_SENT / f"发展和改革局-2022-06-填报表.{suffix}").sheet("招商引资项目")
    assert sheet.special.get((4, 10)) == "#REF!" and sheet.rows[4][10] == ""
    assert (3, 5, 5, 5) in sheet.merged and sheet.rows[3][5] == "粮食仓储物流" and sheet.rows[4][5] == ""


def _bounded(path: Path) -> bytes:
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return excel._bounded_shared_strings(archive, data)


def _with_shared_strings(tmp_path: Path, change) -> Path:
    path = tmp_path / "sst.xlsx"
    with xlsxwriter.Workbook(path) as book:          # xlsxwriter writes a shared-string table
        sheet = book.add_worksheet()
        for r in range(5):
            sheet.write_string(r, 0, f"文字{r + 1}")
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    members["xl/sharedStrings.xml"] = change(members["xl/sharedStrings.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


@pytest.mark.parametrize("declared", [b"2147483647", b"&#50;147483647", b"99999999999999999999999"])
def test_a_shared_string_count_is_not_trusted(tmp_path, declared):
    """calamine reserves the table from uniqueCount before reading it (2^31 entries: 51 GB, the
    interpreter aborts); the count handed to it is the number of entries the table has."""
    import re

    path = _with_shared_strings(tmp_path, lambda x: re.sub(rb'uniqueCount="\d+"', b'uniqueCount="' + declared + b'"', x))
    bounded = _bounded(path)
    with zipfile.ZipFile(io.BytesIO(bounded)) as archive:
        assert b'uniqueCount="5"' in archive.read("xl/sharedStrings.xml")
    assert [r[0] for r in read_ok(path).sheets[0].rows] == [f"文字{r}" for r in range(1, 6)]


def test_an_honest_shared_string_count_leaves_the_file_as_it_is(tmp_path):
    path = _with_shared_strings(tmp_path, lambda x: x)
    assert _bounded(path) == path.read_bytes()


def test_a_shared_string_count_after_a_long_prologue_is_found(tmp_path):
    pad = b"<!--" + b" " * 8000 + b"-->"
    path = _with_shared_strings(tmp_path, lambda x: x.replace(b"<sst ", pad + b"<sst ").replace(
        b'uniqueCount="5"', b'uniqueCount="2147483647"'))
    assert b'uniqueCount="5"' in zipfile.ZipFile(io.BytesIO(
        _bounded(path))).read("xl/sharedStrings.xml")


def test_too_many_shared_strings_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(excel, "MAX_SHARED_STRINGS", 4)
    monkeypatch.setattr(excel, "SMALL_SST_BYTES", 0)         # counted whatever its size
    issue = read_refused(_with_shared_strings(tmp_path, lambda x: x))
    assert pf.TOO_LARGE in issue.message and "共享字符串" in issue.message
