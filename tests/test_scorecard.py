"""成绩单 golden tests: a fixed batch of returns → collect → evaluate → write_scorecard,
read back with openpyxl sheet by sheet (values, fills, number formats, print setup),
then printed by LibreOffice.

The returns (tests/builders.py) are three units with known rows: 友谊镇 with a project
named "=SUM(1,2) …" (text, not a formula) and a row with an error, 兴隆镇 and
发展和改革局 clean; the other 23 units have not reported.
"""
from __future__ import annotations

import dataclasses
import zipfile
from pathlib import Path

import openpyxl
import pytest

from youyi_xl.intake.folder import collect
from youyi_xl.evaluation.scoring import evaluate
from shipped import INDICATORS
from youyi_xl.core.issues import ISSUE_COLUMNS, ISSUE_LABELS, make_issue
from youyi_xl.outputs.scorecard import (SHEETS, TABLE_TOP, issue_columns, ledger_columns, ranking_columns,
                                write_scorecard)
from youyi_xl.core.schema import KEY_PROJECTS, PROJECTS
from youyi_xl.outputs.xlstyle import BANDS

from builders import project, write_return
from libreoffice import needs_soffice, pdf_text, to_pdf

FORMULA_NAME = "=SUM(1,2) 玉米加工项目"
HEADER = TABLE_TOP + 1            # Excel row of the (first) header row
FILLS = {colour: band.fill for colour, band in BANDS.items()}


def _returns(folder: Path) -> Path:
    path = write_return(folder / "友谊镇.xlsx", projects=[
        project(name="PLACEHOLDER"),
        project(name="友谊镇大豆项目", investor="某某大豆公司", funds_in="约500")],
        summary={"fixed_asset_investment": 9000})
    book = openpyxl.load_workbook(path)
    cell = book["招商引资项目"]["B3"]
    cell.value, cell.data_type = FORMULA_NAME, "s"
    book.save(path)
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇", key_projects=[],
                 projects=[project(name="兴隆镇蛋鸡项目", investor="某某牧业有限公司", chain="畜牧(蛋鸡/生猪/肉牛)")],
                 summary={"fixed_asset_investment": 3000})
    write_return(folder / "发改局.xlsx", unit="发展和改革局", key_projects=[],
                 projects=[project(name="生物质热电项目", investor="某某能源公司", total_investment=12000)],
                 summary={"fixed_asset_investment": 5000})
    return folder


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return evaluate(collect(_returns(tmp_path_factory.mktemp("returns")), "2022-03"))


@pytest.fixture(scope="module")
def path(result, tmp_path_factory):
    return write_scorecard(result, tmp_path_factory.mktemp("out") / "2022-03" / "成绩单-2022-03.xlsx")


@pytest.fixture(scope="module")
def book(path):
    return openpyxl.load_workbook(path)


def _fill(cell) -> str:
    return cell.fill.fgColor.rgb[-6:] if cell.fill.fill_type == "solid" else ""


def _headers(sheet, row: int = HEADER) -> dict[str, int]:
    return {c.value: c.column for c in sheet[row] if c.value is not None}


def _rows(sheet, first: int):
    return [r for r in sheet.iter_rows(min_row=first) if r[0].value is not None]


def test_sheets_in_order_and_overview_first(book, path):
    assert book.sheetnames == list(SHEETS)
    assert book.active.title == "总览"
    assert path.name == "成绩单-2022-03.xlsx" and not list(path.parent.glob(".~*"))


def test_overview_values_fills_and_formats(book, result):
    sheet = book["总览"]
    assert sheet["A1"].value == "友谊县2022年1—3月招商引资和项目建设主要指标完成情况"
    assert "序时进度25.0%" in sheet["A2"].value and "未报送23个" in sheet["A2"].value
    col = _headers(sheet)
    rows = _rows(sheet, HEADER + 1)[:len(INDICATORS)]
    signed = rows[0]
    assert signed[col["指标"] - 1].value == "招商签约项目"
    assert signed[col["全县年度目标"] - 1].value == 38 and signed[col["全县年度目标"] - 1].number_format == "#,##0"
    assert signed[col["全县累计完成"] - 1].value == 3                 # three valid rows, one row with an error
    rate = signed[col["完成率"] - 1]
    assert rate.value == pytest.approx(3 / 38, abs=1e-6) and _fill(rate) == FILLS["red"] == "FFC7CE"
    assert rate.number_format == '"红 "0.0%'
    assert signed[col["序时进度"] - 1].value == 0.25 and signed[col["序时进度"] - 1].number_format == "0.0%"
    assert signed[col["与序时进度相比"] - 1].value == pytest.approx(-17.1)
    fixed = rows[-1]
    assert fixed[col["指标"] - 1].value == "固定资产投资" and fixed[col["全县累计完成"] - 1].value == 17000
    assert fixed[col["全县累计完成"] - 1].number_format == "#,##0.00"
    for row, record in zip(rows, result.county_table.to_dict("records")):
        assert _fill(row[col["完成率"] - 1]) == FILLS[record["colour"]]


def test_overview_has_native_charts(path):
    with zipfile.ZipFile(path) as archive:
        charts = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 3                       # 总览, 乡镇排名, 部门排名
        assert "全县主要指标完成率与序时进度" in archive.read("xl/charts/chart1.xml").decode()


def test_township_ranking(book, result):
    sheet = book["乡镇排名"]
    assert sheet["A1"].value == "友谊县2022年1—3月招商引资和项目建设考评排名（乡镇）"
    columns = ranking_columns(INDICATORS)
    assert [c.value for c in sheet[HEADER]][:4] == ["名次", "较上期", "单位", "报送状态"]
    assert sheet.cell(HEADER, 10).value == "签约项目" and sheet.cell(HEADER + 1, 10).value == "完成率"
    rows = _rows(sheet, HEADER + 2)
    units = result.unit_table[result.unit_table["group"] == "乡镇"]
    assert len(rows) == len(units) == 11
    expected = units.sort_values(["rank", "order"]).to_dict("records")
    for row, record in zip(rows, expected):
        assert row[0].value == record["rank_label"] and row[2].value == record["unit"]
        assert row[1].value in (None, "")                         # no earlier period: 较上期 blank
        assert row[4].value == pytest.approx(record["score"]) and row[4].number_format == "0.00"
        assert _fill(row[7]) == FILLS[record["colour"]]
        assert row[-1].value == (record["file"] or "（未报送）")
    top = {r[2].value: r for r in rows}
    assert top["友谊镇"][3].value == "数据有误" and top["龙山镇"][3].value == "未报送"
    assert top["龙山镇"][6].value == 5                            # 未按时报送 −5
    assert [r[8].value for r in rows[:2]] == ["先进", "先进"]
    assert rows[-1][0].value.startswith("并列第")
    signed = top["兴隆镇"][9]                                    # 签约项目 完成率
    record = units.set_index("unit").loc["兴隆镇"]
    assert signed.value == pytest.approx(record["signed_projects__rate"])
    assert _fill(signed) == FILLS[record["signed_projects__colour"]]
    assert signed.number_format == f'"{BANDS[record["signed_projects__colour"]].word} "0.0%'
    assert top["兴隆镇"][10].value == record["signed_projects__target"]      # 目标, grouped
    assert len(rows[0]) >= len(columns)


def test_ranking_detail_columns_are_grouped_and_collapsed(book):
    dims = book["部门排名"].column_dimensions
    assert dims["K"].hidden and dims["K"].outline_level == 1      # 签约项目 目标/完成
    assert dims["M"].hidden and dims["M"].outline_level == 1      # 签约项目 得分
    assert not dims["J"].hidden and not dims["N"].hidden          # 完成率 columns stay visible


def test_print_setup(book):
    for name in SHEETS:
        sheet = book[name]
        assert sheet.page_setup.paperSize == 9, name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0, name
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页", name
        assert sheet.freeze_panes, name
    ranking = book["乡镇排名"]
    assert ranking.page_setup.orientation == "landscape" and book["总览"].page_setup.orientation == "portrait"
    assert ranking.print_title_rows == "$4:$5" and ranking.freeze_panes == "C6"
    assert ranking.auto_filter.ref.startswith("A5:")
    assert book["招商项目明细"].print_title_rows == "$4:$4" and book["招商项目明细"].auto_filter.ref


def test_project_ledger_carries_source_and_validity(book, result):
    sheet = book["招商项目明细"]
    col = _headers(sheet)
    assert list(col) == [c.header for c in ledger_columns(PROJECTS)]
    rows = {r[col["项目名称"] - 1].value: r for r in _rows(sheet, HEADER + 1)}
    assert len(rows) == len(result.batch.projects) == 4
    formula = rows[FORMULA_NAME][col["项目名称"] - 1]
    assert formula.data_type == "s" and formula.value == FORMULA_NAME
    bad = rows["友谊镇大豆项目"]
    assert bad[col["是否计入"] - 1].value == "未计入（有错误）" and _fill(bad[col["是否计入"] - 1]) == "FFC7CE"
    assert bad[col["来源文件"] - 1].value == "友谊镇.xlsx" and bad[col["来源工作表"] - 1].value == "招商引资项目"
    assert bad[col["来源行"] - 1].value == 4
    good = rows["生物质热电项目"]
    assert good[col["是否计入"] - 1].value == "计入" and good[col["填报单位"] - 1].value == "发展和改革局"
    assert good[col["签约总投资(万元)"] - 1].value == 12000
    assert good[col["签约总投资(万元)"] - 1].number_format == "#,##0.00"
    assert good[col["签约日期"] - 1].number_format == "yyyy-mm-dd"
    assert good[col["是否开工"] - 1].value == "是"


def test_issue_sheet_has_the_issue_frame_columns(book, result):
    sheet = book["数据问题"]
    shown = [ISSUE_LABELS[k] for k in ISSUE_COLUMNS if k != "row"]        # the cell names the row
    assert [c.value for c in sheet[HEADER]] == shown
    assert [c.header for c in issue_columns()] == shown
    rows = _rows(sheet, HEADER + 1)
    assert len(rows) == len(result.issues)
    codes = [r[0].value for r in rows]
    assert codes == list(result.issues["code"])
    error = rows[codes.index("number-invalid")]
    assert error[1].value == "错误" and _fill(error[1]) == "FFC7CE"
    assert error[4].value == "K4" and error[7].value == "约500"


def test_missing_units_sheet(book, result):
    rows = _rows(book["未报送单位"], HEADER + 1)
    missing = result.unit_table[result.unit_table["status"] == "missing"]
    assert [r[1].value for r in rows] == list(missing["unit"])
    assert {r[3].value for r in rows} == {"未报送"} and rows[0][4].value == 5


def test_chain_and_key_project_sheets(book, result):
    chains = _rows(book["产业链"], HEADER + 2)
    assert [r[1].value for r in chains] == list(result.chain_table["chain"])
    animal = next(r for r in chains if r[1].value.startswith("畜牧"))
    assert animal[6].value == 1 and animal[9].value == 1            # 6000万元, signed and started
    assert animal[11].value == "兴隆镇蛋鸡项目" and animal[12].value == "兴隆镇"
    assert _fill(animal[7]) == FILLS["green"]                         # 1/2 against 25%: 200%
    projects = _rows(book["重点项目"], HEADER + 1)
    assert len(projects) == len(result.key_project_table)
    unreported = next(r for r in projects if r[7].value == "未填报")
    assert unreported[10].value == "无目标" and _fill(unreported[10]) == FILLS["grey"]


def test_explanation_sheet(book):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "序时进度=已过月数÷12=3/12=25.0%" in text and "未按时报送扣5分" in text
    assert "招商签约项目" in text                                  # the weights table


def test_control_characters_and_formula_text_in_issues(result, tmp_path):
    odd = make_issue("number-invalid", "数值“\x07=1+1”不是数字", "=请改正", file="x.xlsx", unit="友谊镇",
                     value="=1+1\x07")
    path = write_scorecard(dataclasses.replace(result, issue_list=[odd]), tmp_path / "成绩单.xlsx")
    row = _rows(openpyxl.load_workbook(path)["数据问题"], HEADER + 1)[0]
    assert row[7].value == "=1+1" and row[7].data_type == "s"
    assert row[9].value == "=请改正" and row[9].data_type == "s"


def _pdf_pages(xlsx: Path, outdir: Path) -> list[str]:
    return pdf_text(to_pdf(xlsx, outdir), layout=True).split("\f")


@needs_soffice
def test_libreoffice_prints_the_scorecard(path, tmp_path):
    pages = _pdf_pages(path, tmp_path)
    text = "".join(pages)
    assert "友谊县2022年1—3月招商引资和项目建设主要指标完成情况" in text
    for unit in ("友谊镇", "兴隆镇", "发展和改革局", "成富朝鲜族满族乡"):
        assert unit in text
    # One page wide: every printed page of 乡镇排名 holds both the first column (名次) and the
    # last one (来源文件). Were the sheet two pages wide, the right-hand page would repeat the
    # header rows but not the 名次 column.
    ranking = [p for p in pages if "考评排名（乡镇）" in p and "完成率" in p]
    assert ranking
    assert all("名次" in p and "来源文件" in p for p in ranking)
    assert all(unit in ranking[0] for unit in ("友谊镇", "兴隆镇", "成富朝鲜族满族乡"))


def test_score_charts_plot_the_score_column_against_unit_names(path, book):
    import re
    import zipfile

    headers = [c.value for c in book["乡镇排名"][HEADER]]
    unit_col = openpyxl.utils.get_column_letter(headers.index("单位") + 1)
    score_col = openpyxl.utils.get_column_letter(headers.index("综合得分") + 1)
    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/charts/chart")]
    score_charts = [c for c in charts if "综合得分" in c]
    assert len(score_charts) == 2
    for xml in score_charts:
        refs = re.findall(r"<c:f>([^<]+)</c:f>", xml)
        assert any(f"${unit_col}$" in r for r in refs) and any(f"${score_col}$" in r for r in refs), refs


def _xlsxwriter_ledger(result, table, path: Path) -> Path:
    """The same ledger rows written cell by cell with xlsxwriter (xlstyle.write_rows): the
    reference the spliced sheet XML must read back like."""
    import xlsxwriter

    import youyi_xl.outputs.scorecard as sc
    from youyi_xl.outputs import xlstyle as xs

    book = xlsxwriter.Workbook(str(path), sc.WORKBOOK_OPTIONS)
    sheet, fm = book.add_worksheet("ledger"), xs.Formats(book)
    columns = sc.ledger_columns(table)
    keys = [c.key for c in table.columns if c.key != "seq"]
    xs.write_rows(sheet, fm, sc.TABLE_TOP + 1, columns, sc._ledger_rows(fm, result.batch, table.key, keys))
    book.close()
    return path


def _data_rows(ws, first: int):
    return [row for row in ws.iter_rows(min_row=first)]


@pytest.mark.parametrize("table", [PROJECTS, KEY_PROJECTS], ids=lambda t: t.key)
def test_spliced_ledger_reads_back_like_xlsxwriter(result, path, tmp_path, table):
    """bigsheet: the same cells, values, number formats, fills and row heights as xlsxwriter writing
    every cell; a 40,000-character cell is cut to Excel's 32,767 like xlsxwriter does."""
    long_name = "长" * 40_000 + "\n换行"
    first = next(r for r in result.batch.accepted if r.records(table.key))
    read = first.tables[table.key]
    odd = read.records[0]._replace(name=long_name)
    first.tables[table.key] = dataclasses.replace(read, records=(odd, *read.records[1:]))
    try:
        spliced = write_scorecard(result, tmp_path / "spliced.xlsx")
        reference = _xlsxwriter_ledger(result, table, tmp_path / "reference.xlsx")
    finally:
        first.tables[table.key] = read
    sheet = {"projects": "招商项目明细", "key_projects": "重点项目明细"}[table.key]
    ours, theirs = openpyxl.load_workbook(spliced)[sheet], openpyxl.load_workbook(reference)["ledger"]
    rows_a, rows_b = _data_rows(ours, HEADER + 1), _data_rows(theirs, HEADER + 1)
    assert len(rows_a) == len(rows_b) == len(list(result.batch.rows(table.key))) >= 1
    for ra, rb in zip(rows_a, rows_b):
        assert [c.value for c in ra] == [c.value for c in rb]
        assert [c.number_format for c in ra] == [c.number_format for c in rb]
        assert [_fill(c) for c in ra] == [_fill(c) for c in rb]
        assert ours.row_dimensions[ra[0].row].height == theirs.row_dimensions[rb[0].row].height
    name_column = [c.value for c in ours[HEADER]].index(table.column("name").label)
    assert len(rows_a[0][name_column].value) == 32767
    assert ours.auto_filter.ref.endswith(str(rows_a[-1][0].row))


def test_an_empty_ledger_is_a_header_only(result, tmp_path):
    empty = dataclasses.replace(result, batch=dataclasses.replace(result.batch, returns=[]))
    book = openpyxl.load_workbook(write_scorecard(empty, tmp_path / "empty.xlsx"))
    ws = book["招商项目明细"]
    assert ws.max_row == HEADER and [c.value for c in ws[HEADER]][:2] == ["序号", "填报单位"]


def test_ledger_xml_from_two_processes_is_the_same_bytes(result, tmp_path, monkeypatch):
    import zipfile

    import youyi_xl.outputs.bigsheet as bigsheet

    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 10**9)
    one = write_scorecard(result, tmp_path / "one.xlsx")
    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 2)       # fork for the second half
    two = write_scorecard(result, tmp_path / "two.xlsx")
    a, b = zipfile.ZipFile(one), zipfile.ZipFile(two)
    sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and all(a.read(n) == b.read(n) for n in sheets)
