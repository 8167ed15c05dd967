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
from youyi_xl.outputs.scorecard import (SHEETS, TABLE_TOP, files_received, issue_columns, ledger_columns,
                                       printed_ranking_columns, ranking_columns, write_scorecard)
from youyi_xl.core.schema import KEY_PROJECTS, PROJECTS
from youyi_xl.outputs.xlstyle import BANDS, LINE_HEIGHT, text_lines, wrapped_lines

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
    printed = printed_ranking_columns(INDICATORS)
    headers = [c.value for c in sheet[HEADER]]
    assert headers[:6] == ["名次", "单位", "报送状态", "综合得分", "综合序时完成率", "评定"]
    assert sheet.cell(HEADER, 7).value == "签约项目" and sheet.cell(HEADER + 1, 7).value == "完成率"
    assert headers[printed:printed + 4] == ["较上期", "指标得分", "扣分", "错误数"]
    assert headers[-1] == "来源文件" and len(headers) == len(columns)
    rows = _rows(sheet, HEADER + 2)
    units = result.unit_table[result.unit_table["group"] == "乡镇"]
    assert len(rows) == len(units) == 11
    expected = units.sort_values(["rank", "order"]).to_dict("records")
    for row, record in zip(rows, expected):
        assert row[0].value == record["rank"] and row[1].value == record["unit"]
        assert row[printed].value in (None, "")                   # no earlier period: 较上期 blank
        assert row[3].value == pytest.approx(record["score"]) and row[3].number_format == "0.00"
        assert _fill(row[4]) == FILLS[record["colour"]]
        assert row[len(columns) - 1].value == (record["file"] or "（未报送）")
    top = {r[1].value: r for r in rows}
    assert top["友谊镇"][2].value == "数据有误" and top["龙山镇"][2].value == "未报送"
    assert top["龙山镇"][printed + 2].value == 5                   # 未按时报送 −5
    assert [r[5].value for r in rows[:2]] == ["先进", "先进"]
    signed = top["兴隆镇"][6]                                     # 签约项目 完成率: the number on its fill
    record = units.set_index("unit").loc["兴隆镇"]
    assert signed.value == pytest.approx(record["signed_projects__rate"])
    assert _fill(signed) == FILLS[record["signed_projects__colour"]] and signed.number_format == "0.0%"
    assert top["兴隆镇"][printed + 4].value == record["signed_projects__target"]   # 目标, grouped


def test_rank_is_a_number_printed_as_words(book, result):
    """名次 sorts as a number (1, 2, 10): 第N名, 并列第N名, and 暂列第N名 for a unit whose data
    are wrong (its faulty rows are left out, so its rank is provisional)."""
    rows = _rows(book["乡镇排名"], HEADER + 2)
    formats = {r[1].value: (r[0].value, r[0].number_format) for r in rows}
    assert all(isinstance(value, int) for value, _ in formats.values())
    assert formats["兴隆镇"][1] == '"第"0"名"'
    assert formats["友谊镇"][1] == '"暂列第"0"名"'               # 数据有误: provisional
    tied = [r for r in rows if r[0].number_format == '"并列第"0"名"']
    assert len(tied) == 9 and len({r[0].value for r in tied}) == 1       # the nine that did not report
    record = result.unit_table.set_index("unit").loc["友谊镇"]
    assert bool(record["provisional"]) and formats["友谊镇"][0] == record["rank"]
    assert "“暂列”名次的单位报送数据有误" in book["乡镇排名"]["A2"].value


def test_ranking_detail_columns_are_grouped_and_collapsed(book):
    sheet = book["部门排名"]
    printed = printed_ranking_columns(INDICATORS)
    first_detail = printed + 4 + 1                                 # 1-based, after 较上期 … 错误数
    for column in range(first_detail, first_detail + 3 * len(INDICATORS)):   # every 目标/完成/得分
        dim = _column(sheet, column)
        assert dim is not None and dim.hidden and dim.outline_level == 1, column
    for column in range(1, printed + 5):                           # the printed columns and 较上期 … 错误数
        dim = _column(sheet, column)
        assert dim is None or not dim.hidden, column


def _column(sheet, index: int):
    """The column dimension covering a 1-based column (openpyxl keeps runs of equal columns as one)."""
    return next((d for d in sheet.column_dimensions.values() if d.min <= index <= d.max), None)


def test_print_setup(book):
    for name in SHEETS:
        sheet = book[name]
        assert sheet.page_setup.paperSize == (8 if name.endswith("明细") else 9), name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0, name
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页", name
        assert sheet.freeze_panes, name
    ranking = book["乡镇排名"]
    assert ranking.page_setup.orientation == "landscape" and book["总览"].page_setup.orientation == "landscape"
    assert ranking.print_title_rows == "$4:$5" and ranking.freeze_panes == "C6"
    assert ranking.auto_filter.ref.startswith("A5:")
    last = openpyxl.utils.get_column_letter(printed_ranking_columns(INDICATORS))
    assert ranking.print_area == f"'乡镇排名'!$A$1:${last}$16"       # 名次 … the last 完成率, 11 units
    assert book["产业链"].print_area.startswith("'产业链'!$A$1:$L$")  # 项目所属单位 on screen only
    assert book["重点项目"].print_area.startswith("'重点项目'!$A$1:$L$")
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


def test_issue_sheet_leads_with_unit_severity_and_place(book, result):
    """数据问题: 单位, 级别, 工作表, 单元格, 问题说明, 修改建议 first, in Chinese, sorted by unit (plan
    order) then severity; the issue code last, with its Chinese title; no developer document."""
    sheet = book["数据问题"]
    headers = [c.value for c in sheet[HEADER]]
    assert headers[:6] == ["单位", "级别", "工作表", "单元格", "问题说明", "修改建议"]
    assert headers == [c.header for c in issue_columns()] and headers[-1] == "问题代码"
    assert set(headers) == {ISSUE_LABELS[k] for k in ISSUE_COLUMNS if k != "row"}   # the cell names the row
    rows = _rows(sheet, HEADER + 1)
    assert len(rows) == len(result.issues)
    order = {u.name: i for i, u in enumerate(result.plan.units)}
    severity = {"错误": 0, "警告": 1, "提示": 2}
    keys = [(order.get(r[0].value, len(order)), severity[r[1].value]) for r in rows]
    assert keys == sorted(keys)
    error = next(r for r in rows if r[-1].value == "数字无法识别（number-invalid）")
    assert error[0].value == "友谊镇" and error[1].value == "错误" and _fill(error[1]) == "FFC7CE"
    assert error[3].value == "K4" and error[headers.index("填报值")].value == "约500"
    assert "docs/" not in sheet["A2"].value and "issue-codes" not in sheet["A2"].value
    assert book["数据问题"].print_area.startswith("'数据问题'!$A$1:$G$")   # … 修改建议, 填报值


def test_missing_units_sheet(book, result):
    rows = _rows(book["未报送单位"], HEADER + 1)
    missing = result.unit_table[result.unit_table["status"] == "missing"]
    assert [r[1].value for r in rows] == list(missing["unit"])
    assert {r[3].value for r in rows} == {"未报送"} and rows[0][4].value == 5


def test_chain_and_key_project_sheets(book, result):
    chains = [r for r in book["产业链"].iter_rows(min_row=HEADER + 2) if r[1].value is not None]
    names = [c.replace("(", "（").replace(")", "）") for c in result.chain_table["chain"]]
    assert [r[1].value for r in chains][:len(names)] == names         # full-width brackets
    animal = next(r for r in chains if r[1].value.startswith("畜牧"))
    assert animal[1].value == "畜牧（蛋鸡/生猪/肉牛）"
    assert animal[6].value == 1 and animal[9].value == 1            # 6000万元, signed and started
    assert animal[11].value == "兴隆镇蛋鸡项目" and animal[12].value == "兴隆镇"
    assert _fill(animal[7]) == FILLS["green"]                         # 1/2 against 25%: 200%
    total = chains[len(names)]
    assert total[1].value == "合计"
    assert total[5].value == result.chain_table["signed_target"].sum()
    assert total[6].value == result.chain_table["signed_actual"].sum()
    assert total[7].value == pytest.approx(total[6].value / total[5].value)
    projects = [r for r in book["重点项目"].iter_rows(min_row=HEADER + 1) if r[1].value is not None]
    headers = [c.value for c in book["重点项目"][HEADER]]
    assert {"包保县级领导", "形象进度", "存在问题"} <= set(headers[:12])
    table = result.key_project_table
    assert len(projects) == len(table) + 1                            # and 合计
    unreported = next(r for r in projects if r[headers.index("是否填报")].value == "未填报")
    rate = unreported[headers.index("完成率")]
    assert rate.value == "未填报" and _fill(rate) != FILLS["grey"]       # grey means 无目标
    total = projects[-1]
    assert total[1].value == f"合计（{len(table)}个项目）"
    assert total[headers.index("年度计划投资(万元)")].value == pytest.approx(table["plan_investment"].sum())
    leader = projects[0][headers.index("包保县级领导")].value
    assert leader and leader == result.plan.key_projects[0].leader


def test_files_received_counts_every_file(tmp_path):
    """说明: 收到N个文件 counts the returns in use, older duplicates, unusable files and files that
    are not workbooks; 采用M份 the returns whose data count."""
    folder = _returns(tmp_path / "returns")
    write_return(folder / "兴隆镇（旧）.xlsx", unit="兴隆镇", fill_date="2022-04-01")
    (folder / "说明.txt").write_text("附言", encoding="utf-8")
    (folder / "坏文件.xlsx").write_bytes(b"not a workbook")
    batch = collect(folder, "2022-03")
    assert files_received(batch) == ("共收到6个文件，采用3份（1份是同一单位较早报送的版本，未采用；1份无法采用；"
                                     "1个不是Excel工作簿，已忽略，详见“数据问题”）。")


def test_explanation_sheet(book):
    text = "\n".join(str(c.value) for row in book["说明"].iter_rows() for c in row if c.value)
    assert "序时进度=已过月数÷12=3/12=25.0%" in text and "未按时报送扣5分" in text
    assert "招商签约项目" in text                                  # the weights table


def test_control_characters_and_formula_text_in_issues(result, tmp_path):
    odd = make_issue("number-invalid", "数值“\x07=1+1”不是数字", "=请改正", file="x.xlsx", unit="友谊镇",
                     value="=1+1\x07")
    path = write_scorecard(dataclasses.replace(result, issue_list=[odd]), tmp_path / "成绩单.xlsx")
    sheet = openpyxl.load_workbook(path)["数据问题"]
    headers = [c.value for c in sheet[HEADER]]
    row = _rows(sheet, HEADER + 1)[0]
    value, hint = row[headers.index("填报值")], row[headers.index("修改建议")]
    assert value.value == "=1+1" and value.data_type == "s"
    assert hint.value == "=请改正" and hint.data_type == "s"


@pytest.fixture(scope="module")
def pdf(path, tmp_path_factory):
    return to_pdf(path, tmp_path_factory.mktemp("pdf"))


@needs_soffice
def test_libreoffice_prints_the_scorecard(pdf):
    pages = pdf_text(pdf, layout=True).split("\f")
    text = "".join(pages)
    assert "友谊县2022年1—3月招商引资和项目建设主要指标完成情况" in text
    for unit in ("友谊镇", "兴隆镇", "发展和改革局", "成富朝鲜族满族乡"):
        assert unit in text.replace("\n", "").replace(" ", "") or unit in text
    # One page wide: every printed page of 乡镇排名 holds both the first column (名次) and the
    # last printed one (固定资产投资's 完成率); 来源文件 and the detail stay on screen.
    ranking = [p for p in pages if "考评排名（乡镇）" in p and "完成率" in p]
    assert ranking
    assert all("名次" in p and "固定资" in p and "（未报送）" not in p and "兴隆镇.xlsx" not in p for p in ranking)
    assert all(unit in ranking[0] for unit in ("友谊镇", "兴隆镇", "龙山镇"))


# the smallest printed character a reader meets, by sheet (DOMAIN §7.1): leader sheets 9 pt, ledgers 7 pt
LEADER_SHEETS = {"主要指标完成情况": 9, "考评排名（乡镇）": 9, "考评排名（部门）": 9, "产业链建设推进情况": 9,
                 "重点项目推进情况": 9, "招商引资项目明细": 7, "重点项目进展明细": 7, "新策划生成项目明细": 7}


@needs_soffice
def test_printed_text_is_large_enough(pdf):
    """pdfplumber on LibreOffice's PDF: every character on the pages a leader reads is 9 pt or more
    (A4), on the ledgers 7 pt or more (A3); the ranking fits one page wide at that size."""
    pdfplumber = pytest.importorskip("pdfplumber")
    seen = set()
    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            text = "".join(c["text"] for c in page.chars)
            sheet = next((name for name in LEADER_SHEETS if name in text[:80]), None)
            if sheet is None:
                continue
            seen.add(sheet)
            smallest = min(c["size"] for c in page.chars if c["text"].strip())
            assert smallest >= LEADER_SHEETS[sheet] - 0.05, (sheet, page.page_number, smallest)
            a3 = sheet.endswith("明细")
            assert round(max(page.width, page.height)) == (1191 if a3 else 842), sheet
    assert seen == set(LEADER_SHEETS)


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

    import youyi_xl.outputs.scorecard.base as base
    import youyi_xl.outputs.scorecard.details as sc
    from youyi_xl.outputs import xlstyle as xs

    book = xlsxwriter.Workbook(str(path), base.WORKBOOK_OPTIONS)
    sheet, fm = book.add_worksheet("ledger"), xs.Formats(book)
    columns = sc.ledger_columns(table)
    keys = [c.key for c in table.columns if c.key != "seq"]
    xs.write_rows(sheet, fm, base.TABLE_TOP + 1, columns, sc._ledger_rows(fm.band("red"), result.batch, table.key, keys))
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


def _xlsxwriter_ranking(result, group: str, path: Path) -> Path:
    """A ranking sheet's rows written cell by cell with xlsxwriter (xlstyle.write_rows) under a
    chart whose cache xlsxwriter takes from those cells: what the spliced sheet must equal."""
    import xlsxwriter

    import youyi_xl.outputs.scorecard.base as base
    import youyi_xl.outputs.scorecard.summary as summary
    from youyi_xl.outputs import xlstyle as xs

    book = xlsxwriter.Workbook(str(path), base.WORKBOOK_OPTIONS)
    sheet = book.add_worksheet("ranking")
    cx = base._Context(book, xs.Formats(book), result)
    columns = summary.ranking_columns(result.plan.indicators)
    units = result.unit_table
    members = units[units["group"] == group].sort_values(["rank", "order"], na_position="last")
    rows = [summary._ranking_row(cx, r) for r in base._records(members)]
    first = base.TABLE_TOP + 2              # under the two header rows, as in the 成绩单
    end = xs.write_rows(sheet, cx.fm, first, columns, rows)
    chart = book.add_chart({"type": "column"})
    unit_col, score_col = summary._head_index("单位"), summary._head_index("综合得分")
    chart.add_series({"categories": ["ranking", first, unit_col, end - 1, unit_col],
                      "values": ["ranking", first, score_col, end - 1, score_col]})
    sheet.insert_chart(end + 1, 0, chart)
    book.close()
    return path


def _chart_cache(path: Path, title: str) -> list[list[str]]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        charts = [z.read(n).decode("utf-8") for n in sorted(z.namelist()) if n.startswith("xl/charts/chart")]
    xml = next(c for c in charts if title in c) if title else charts[0]
    return [re.findall(r'<c:pt idx="(\d+)"><c:v>([^<]*)</c:v>', cache)
            for cache in re.findall(r"<c:(?:str|num)Cache>(.*?)</c:(?:str|num)Cache>", xml)]


@pytest.mark.parametrize("group,sheet", [("乡镇", "乡镇排名"), ("部门", "部门排名")])
def test_spliced_ranking_reads_back_like_xlsxwriter(result, path, tmp_path, group, sheet):
    """The ranking rows are spliced in as sheet XML: every cell's value, number format, fill,
    font and alignment and every row height as xlsxwriter writing each cell, and the score
    chart caches the same unit names and scores xlsxwriter takes from written cells."""
    reference = _xlsxwriter_ranking(result, group, tmp_path / "ranking.xlsx")
    ours, theirs = openpyxl.load_workbook(path)[sheet], openpyxl.load_workbook(reference)["ranking"]
    rows_a, rows_b = _data_rows(ours, HEADER + 2), _data_rows(theirs, HEADER + 2)
    assert len(rows_a) == len(rows_b) == int((result.unit_table["group"] == group).sum()) >= 2

    def look(c):
        return (c.value, c.number_format, _fill(c), c.font.b, c.font.color.rgb if c.font.color else None,
                c.alignment.horizontal, c.alignment.wrap_text, c.border.left.style)
    for ra, rb in zip(rows_a, rows_b):
        assert [look(c) for c in ra] == [look(c) for c in rb]
        assert ours.row_dimensions[ra[0].row].height == theirs.row_dimensions[rb[0].row].height
    assert ours.auto_filter.ref.endswith(str(rows_a[-1][0].row))
    cache = _chart_cache(path, f"{group}综合得分")
    assert cache == _chart_cache(reference, "") and len(cache[0]) == len(rows_a)


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
    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 2)       # slices made by forked children
    two = write_scorecard(result, tmp_path / "two.xlsx")
    a, b = zipfile.ZipFile(one), zipfile.ZipFile(two)
    sheets = [n for n in a.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and all(a.read(n) == b.read(n) for n in sheets)


@pytest.mark.parametrize("slice_rows", [10**9, 3])
def test_ledger_slices_deflated_by_children_or_here_give_the_same_file(result, tmp_path, monkeypatch, slice_rows):
    """Each slice is deflated by a forked child, or here when there is none, it cannot be forked
    or it fails: the same bytes of the whole file, every CRC right (zipfile checks it on
    reading). Two slices, or many more than the children at once (the oldest waited for)."""
    import os
    import zipfile

    import youyi_xl.outputs.bigsheet as bigsheet

    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(bigsheet, "SLICE_ROWS", slice_rows)
    monkeypatch.setattr(bigsheet, "_children", lambda: 2)
    forked = write_scorecard(result, tmp_path / "forked.xlsx").read_bytes()
    parent, deflate = os.getpid(), bigsheet._deflate_rows

    def failing(spill, chunks):
        if os.getpid() != parent:           # the child writes a little, then fails
            spill.write(b"\x00broken")
            raise RuntimeError("child")
        deflate(spill, chunks)

    monkeypatch.setattr(bigsheet, "_deflate_rows", failing)
    failed = write_scorecard(result, tmp_path / "failed.xlsx").read_bytes()
    monkeypatch.setattr(bigsheet, "_deflate_rows", deflate)
    monkeypatch.setattr(bigsheet.os, "fork", _no_fork)
    unforked = write_scorecard(result, tmp_path / "unforked.xlsx").read_bytes()
    monkeypatch.setattr(bigsheet, "_children", lambda: 0)
    here = write_scorecard(result, tmp_path / "here.xlsx").read_bytes()
    assert _members(forked) == _members(failed) == _members(unforked) == _members(here)
    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 10**9)
    whole = zipfile.ZipFile(write_scorecard(result, tmp_path / "whole.xlsx"))
    with zipfile.ZipFile(tmp_path / "here.xlsx") as split:
        assert split.testzip() is None
        assert all(split.read(n) == whole.read(n) for n in whole.namelist() if n != "docProps/core.xml")   # its time


def _no_fork():
    raise OSError(11, "Resource temporarily unavailable")


def test_ledger_slices_are_even_and_cover_every_row():
    from youyi_xl.outputs.bigsheet import PARALLEL_ROWS, SLICE_ROWS, slices

    for count in (0, 1, PARALLEL_ROWS - 1, PARALLEL_ROWS, SLICE_ROWS * 2, SLICE_ROWS * 2 + 1, 488_839):
        parts = slices(count)
        assert parts[0][0] == 0 and parts[-1][1] == count
        assert all(a[1] == b[0] for a, b in zip(parts, parts[1:]))
        sizes = [stop - start for start, stop in parts]
        assert max(sizes) - min(sizes) <= 1
        assert len(parts) == 1 if count < PARALLEL_ROWS else (len(parts) >= 2 and max(sizes) <= SLICE_ROWS)
    assert len(slices(488_839)) == 10


def test_ledger_slices_are_made_here_with_a_thread_alive_or_on_one_core(monkeypatch):
    import threading

    import youyi_xl.outputs.bigsheet as bigsheet

    monkeypatch.setattr(bigsheet.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
    assert bigsheet._children() == bigsheet.MAX_CHILDREN
    monkeypatch.setattr(bigsheet.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert bigsheet._children() == 2
    monkeypatch.setattr(bigsheet.threading, "active_count", lambda: 2)
    assert bigsheet._children() == 0
    monkeypatch.setattr(bigsheet.threading, "active_count", threading.active_count)
    monkeypatch.setattr(bigsheet.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert bigsheet._children() == 0


def _members(data: bytes) -> dict[str, bytes]:
    """Each sheet member of a workbook as stored (deflated), but for the document properties
    (their time of writing)."""
    import io
    import struct
    import zipfile

    def stored(info):
        names, extras = struct.unpack_from("<HH", data, info.header_offset + 26)
        start = info.header_offset + 30 + names + extras
        return info.CRC, data[start:start + info.compress_size]

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {i.filename: stored(i) for i in book.infolist() if i.filename.startswith("xl/worksheets/")}


def test_a_ledger_that_may_pass_2_gib_is_written_as_zip64(result, tmp_path, monkeypatch):
    import struct
    import zipfile

    import youyi_xl.outputs.bigsheet as bigsheet

    monkeypatch.setattr(bigsheet, "PARALLEL_ROWS", 2)
    monkeypatch.setattr(bigsheet, "ROOMY_ROW_BYTES", 1 << 31)
    path = write_scorecard(result, tmp_path / "big.xlsx")
    data = path.read_bytes()

    def zip64(name):          # the member's local header starts its extra field with id 0x0001
        start = info[name].header_offset
        names, extras = struct.unpack_from("<HH", data, start + 26)
        return extras >= 4 and data[start + 30 + names:start + 32 + names] == b"\x01\x00"

    with zipfile.ZipFile(path) as book:
        assert book.testzip() is None
        info = {i.filename: i for i in book.infolist()}
        assert zip64("xl/worksheets/sheet6.xml") and not zip64("xl/workbook.xml")
    ledger = openpyxl.load_workbook(path, read_only=True)["招商项目明细"]
    assert ledger.max_row > HEADER


def test_wrapped_chinese_text_counts_two_units_a_character():
    """The 产业链 clipping: 17 Chinese characters are 34 units, two lines in a 24-wide column
    (counted one unit a character they looked like one line)."""
    partners = "工业和信息化局、农业农村局、友谊镇"
    assert wrapped_lines([partners], [(0, 24)]) == 2 == text_lines(partners, 24)
    assert wrapped_lines(["abc"], [(0, 24)]) == 1
    assert wrapped_lines(["第一行\n第二行"], [(0, 24)]) == 2


@pytest.mark.parametrize("name", ["产业链", "重点项目", "乡镇排名", "部门排名"])
def test_rows_are_as_tall_as_their_wrapped_chinese_text(book, name):
    sheet = book[name]
    first = HEADER + (2 if name != "重点项目" else 1)
    widths = {c.header: c for c in _sheet_columns(name)}
    if name == "重点项目":
        headers = [c.value for c in sheet[HEADER]]
    else:                                       # two header rows: a fixed column's header is merged down
        headers = [low.value or top.value for top, low in zip(sheet[HEADER], sheet[HEADER + 1])]
    checked = 0
    for row in sheet.iter_rows(min_row=first):
        for cell, header in zip(row, headers):
            column = widths.get(header)
            if column is None or column.kind != "wrap" or not isinstance(cell.value, str):
                continue
            height = sheet.row_dimensions[cell.row].height or 15
            assert text_lines(cell.value, column.width) * LINE_HEIGHT <= height + 0.01, (name, cell.coordinate)
            checked += 1
    assert checked


def _sheet_columns(name):
    import youyi_xl.outputs.scorecard.details as details

    return {"产业链": details.CHAIN_COLUMNS, "重点项目": details.KEY_PROJECT_COLUMNS}.get(name) or ranking_columns(INDICATORS)


def test_rank_change_in_words(result, tmp_path):
    """较上期: ↑/↓ and 持平 for a rank, and words where there is nothing to compare."""
    from youyi_xl.evaluation.history import Comparison
    from youyi_xl.core.period import Period

    ranks = {r["unit"]: r["rank"] for r in result.unit_records}
    comparison = Comparison(Period(2022, 1), headline="signed_projects",
                            rank_change={"兴隆镇": 2, "友谊镇": 0, "发展和改革局": -1},
                            previous_status={"兴隆镇": "submitted", "友谊镇": "submitted", "发展和改革局": "submitted",
                                             "龙山镇": "missing", "凤岗镇": "submitted"})
    path = write_scorecard(dataclasses.replace(result, comparison=comparison), tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(path)["乡镇排名"]
    at = [c.value for c in sheet[HEADER]].index("较上期")
    words = {r[1].value: r[at].value for r in _rows(sheet, HEADER + 2)}
    assert (words["兴隆镇"], words["友谊镇"], words["龙山镇"], words["凤岗镇"]) == ("↑2", "持平", "连续两期未报送",
                                                                                "本期未报送")
    assert words["成富朝鲜族满族乡"] == "本期未报送" and ranks["兴隆镇"]
    assert "持平" in sheet["A2"].value and "“—”为上期没有名次" in sheet["A2"].value


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_deflated_half_appends_to_a_deflated_or_stored_member(tmp_path, compression):
    from youyi_xl.outputs import bigsheet

    rows = [f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{r}行</t></is></c></row>' for r in range(1, 3001)]
    spill = tmp_path / "half"
    with open(spill, "w+b") as handle:
        bigsheet._deflate_rows(handle, rows[1500:])
        path = tmp_path / "book.zip"
        with zipfile.ZipFile(path, "w", compression) as book, book.open("sheet.xml", "w") as out:
            out.write("<sheetData>".encode())
            out.write("".join(rows[:1500]).encode())
            bigsheet._append_deflated(out, bigsheet._spilled(handle))
            out.write("</sheetData>".encode())
    with zipfile.ZipFile(path) as book:      # read() checks the CRC and the size
        assert book.read("sheet.xml").decode() == "<sheetData>" + "".join(rows) + "</sheetData>"
        assert book.getinfo("sheet.xml").compress_type == compression


@pytest.mark.parametrize("seed", range(4))
def test_ledger_rows_made_from_remembered_texts_are_the_rows_made_afresh(seed, monkeypatch):
    """rows_xml keeps the cell it made for a text of a column and reuses it when the text comes
    again: the XML equals that of the same rows made cell by cell (nothing remembered), a text
    with &, < or > is escaped every time it is met, and a row is as tall as wrapped_lines says of
    its texts as the reader sees them (not of their escaped form)."""
    import datetime as dt
    import random
    import re

    from youyi_xl.outputs import bigsheet
    from youyi_xl.outputs.xlstyle import Styled

    rng = random.Random(seed)
    texts = ["友谊镇", "R&D中心建设项目（一期）", "<待定>", "绿色食品", "", " 前后有空格 ", "A&B" * 9,
             "第一行\n第二行", "仓储冷链物流园区基础设施配套工程", "是", "甲" * 40]
    pick = [texts + [1.5, None, True, dt.date(2022, 3, 1)] for _ in range(4)]
    rows = [[n, *(rng.choice(p) for p in pick), Styled(rng.choice(texts), "red") if n % 5 == 0 else "计入"]
            for n in range(1, 400)]
    wrapped = [(2, 14.0), (3, 9.0)]
    table = bigsheet.BigTable(None, 3, ["f"] * 6, rows, ["red"], wrapped)
    styles, extra = [3, 4, 5, 6, 7, 8], {id("red"): 9}

    remembered = "".join(bigsheet.rows_xml(table, Styled, styles, extra, chunk=50))
    monkeypatch.setattr(bigsheet, "MEMO_PER_COLUMN", 0)
    afresh = "".join(bigsheet.rows_xml(table, Styled, styles, extra, chunk=50))
    assert remembered == afresh
    assert "R&amp;D" in remembered and "&lt;待定&gt;" in remembered and "R&D" not in remembered
    heights = [float(h) if h else LINE_HEIGHT for h in re.findall(r'<row r="\d+"(?: ht="([^"]+)")?', remembered)]
    assert heights == [LINE_HEIGHT * wrapped_lines(row, wrapped) for row in rows]
    assert max(heights) > LINE_HEIGHT
