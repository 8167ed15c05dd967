"""Stage 2: reading one return — the messy-but-valid layouts of DOMAIN §4 and value parsing."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from builders import planned_project, project, write_return

from youyi_xl.core.schema import PROJECTS
from youyi_xl.intake.folder import collect


@pytest.fixture(scope="module")
def plan():
    from youyi_xl import load_plan

    return load_plan()


def read_one(tmp_path, plan, name="友谊镇-2022-03-填报表.xlsx", collecting="2022-03", **kw):
    write_return(tmp_path / "in" / name, **kw)
    return collect(tmp_path / "in", collecting, plan)


def codes(batch) -> list[str]:
    return [i.code for i in batch.issue_list]


def test_clean_return_reads_every_value(tmp_path, plan):
    batch = read_one(tmp_path, plan, planned=[planned_project()])
    assert codes(batch) == []
    row = batch.projects.iloc[0]
    assert (row["unit"], row["file"], row["sheet"], row["row"]) == ("友谊镇", "友谊镇-2022-03-填报表.xlsx",
                                                                     "招商引资项目", 3)
    assert row["name"] == "年产5万吨鲜食玉米加工项目" and row["fund_source"] == "省外"
    assert row["sign_date"] == dt.date(2022, 2, 10) and row["start_date"] == dt.date(2022, 3, 1)
    assert row["total_investment"] == 6000 and row["funds_in"] == 1000
    assert row["funds_out_of_province"] == 800 and row["funds_foreign"] == 0   # blank 其中 counts as 0
    assert bool(row["started"]) is True and str(row["started"]) == "True"
    assert row["valid"]
    key = batch.key_projects.iloc[0]
    assert (key["category"], key["nature"], key["status"], key["completed_investment"]) == \
        ("500万元以上产业项目", "续建", "已开工", 900)
    assert batch.planned.iloc[0]["total_investment"] == 8000
    units = batch.units.set_index("unit")
    assert units.loc["友谊镇", "status"] == "submitted" and units.loc["兴隆镇", "status"] == "missing"


def test_messy_layout_reads_the_same_values(tmp_path, plan):
    """Title rows, reordered columns, renamed sheets, merged header, blank rows, notes below."""
    clean = read_one(tmp_path / "a", plan, projects=[project(), project(name="第二个项目", investor="乙公司")])
    order = [c.key for c in PROJECTS.columns][::-1]
    messy = read_one(tmp_path / "b", plan, projects=[project(), project(name="第二个项目", investor="乙公司")],
                     title_rows=3, order={"projects": order}, blank_rows=True, merged_subheader=True,
                     sheet_names={"projects": "Sheet1", "key_projects": "重点项目"})
    assert [c for c in codes(messy)] == []
    cols = ["name", "investor", "sign_date", "total_investment", "funds_in", "funds_out_of_province", "started"]
    assert messy.projects[cols].to_dict("records") == clean.projects[cols].to_dict("records")
    assert messy.key_projects["completed_investment"].tolist() == [900]


def test_text_numbers_full_width_digits_suffixes_and_dotted_dates(tmp_path, plan):
    rows = [project(total_investment="６，０００", funds_in="1,000.5", funds_out_of_province=" 800 ",
                    sign_date="2022.2.10", start_date="2022年3月1日"),
            project(name="乙", investor="乙公司", total_investment="0.8亿元", funds_in="500万元",
                    funds_out_of_province="300", sign_date="2022/2/11", start_date=44630, started="√")]
    batch = read_one(tmp_path, plan, projects=rows)
    assert codes(batch) == ["unit-converted"]                 # only the 亿元 conversion is reported
    assert batch.issue_list[0].cell == "H4" and batch.issue_list[0].severity == "warning"
    df = batch.projects
    assert df["total_investment"].tolist() == [6000, 8000]
    assert df["funds_in"].tolist() == [1000.5, 500]
    assert df["sign_date"].tolist() == [dt.date(2022, 2, 10), dt.date(2022, 2, 11)]
    assert df["start_date"].tolist() == [dt.date(2022, 3, 1), dt.date(2022, 3, 10)]   # 44630 is a serial
    assert df["valid"].all()


def test_header_in_yi_yuan_converts_the_column(tmp_path, plan):
    batch = read_one(tmp_path, plan, projects=[project(total_investment=0.6)],
                     header_text={"projects": {"total_investment": "签约总投资（亿元）"}})
    assert batch.projects["total_investment"].tolist() == [6000]
    assert codes(batch) == ["unit-converted"]


def test_date_without_year_is_assumed_2022(tmp_path, plan):
    batch = read_one(tmp_path, plan, projects=[project(sign_date="2月10日")])
    issue = batch.issue_list[0]
    assert (issue.code, issue.severity, issue.cell) == ("year-assumed", "warning", "G3")
    assert batch.projects.iloc[0]["sign_date"] == dt.date(2022, 2, 10)


@pytest.mark.parametrize("written", ["友谊镇", "友谊镇人民政府", "友谊镇政府", "友 谊 镇 人 民 政 府", "友谊县友谊镇人民政府"])
def test_unit_aliases_on_the_cover(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, unit=written)
    assert batch.returns[0].unit == "友谊镇" and codes(batch) == []


@pytest.mark.parametrize("written", ["2022年1-3月", "2022年1—3月", "2022年一季度", "2022-03", "2022年3月",
                                     dt.date(2022, 3, 31)])
def test_period_spellings(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, period=written)
    assert codes(batch) == []


def test_extra_sheet_and_column_are_info(tmp_path, plan):
    batch = read_one(tmp_path, plan, extra_sheet=True,
                     order={"projects": [c.key for c in PROJECTS.columns] + ["note"]},
                     header_text={"projects": {"note": "备注"}})
    assert set(codes(batch)) <= {"extra-ignored"}
    assert all(i.severity == "info" for i in batch.issue_list)
    assert any(i.sheet == "草稿" for i in batch.issue_list)


def test_non_workbook_and_lock_files(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "友谊镇.xlsx")
    (folder / "说明.txt").write_text("请查收", encoding="utf-8")
    (folder / "~$友谊镇.xlsx").write_bytes(b"lock")
    batch = collect(folder, "2022-03", plan)
    assert [(i.code, i.file, i.severity) for i in batch.issue_list] == [("extra-ignored", "说明.txt", "info")]


def test_recursive_folder_and_xls_ods_formats(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "乡镇" / "友谊镇.xlsx")
    write_return(folder / "部门" / "发改局.xlsx", unit="发改局")
    batch = collect(folder, "2022-03", plan)
    assert sorted(batch.projects["file"]) == ["乡镇/友谊镇.xlsx", "部门/发改局.xlsx"]
    assert sorted(batch.projects["unit"]) == ["友谊镇", "发展和改革局"]


def test_inputs_are_not_modified(tmp_path, plan):
    folder = tmp_path / "in"
    path = write_return(folder / "友谊镇.xlsx", projects=[project(total_investment="约500")])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    listing = sorted(p.name for p in folder.rglob("*"))
    collect(folder, "2022-03", plan)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.rglob("*")) == listing


def test_cover_without_label_sheet_name_found_by_label(tmp_path, plan):
    path = write_return(tmp_path / "in" / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["封面"].title = "首页"
    wb.save(path)
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert codes(batch) == [] and batch.returns[0].unit == "友谊镇"


# --------------------------------------------------------------------------
# DOMAIN §4.3: what real returns also do
# --------------------------------------------------------------------------

AS_SENT = Path(__file__).resolve().parent / "data" / "as_sent"     # see its README.md
AS_SENT_ISSUES = [
    ("year-assumed", "封面", "C6"),                 # 报送期 "1-6月"
    ("number-invalid", "招商引资项目", "K5"),        # #REF!
    ("number-invalid", "招商引资项目", "H6"),        # 1e30
    ("total-mismatch", "指标汇总", "C4"),            # 签约项目 3 written, 1 counted
    ("total-mismatch", "指标汇总", "C6"),            # 省外资金 300 written, 0 counted
]


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods", ".et"])
def test_a_return_as_units_send_it_reads_the_same_in_every_format(tmp_path, plan, suffix):
    """The project's form filled as units fill it (merged 所属产业链/项目类别/建设性质, a 合计 row and
    sign-off lines, 报送期 without the year, #REF!, 1e30, a zero-width space in 填报单位), saved by
    LibreOffice as .xls/.ods (an .et is an .xls container, as WPS writes it)."""
    source = AS_SENT / f"发展和改革局-2022-06-填报表{'.xls' if suffix == '.et' else suffix}"
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copyfile(source, folder / f"发展和改革局{suffix}")
    batch = collect(folder, "2022-06", plan)
    found = [(i.code, i.sheet, i.cell) for i in batch.issue_list]
    assert found == AS_SENT_ISSUES
    by_code = {i.cell: i for i in batch.issue_list}
    assert "#REF!" in by_code["K5"].message and "1e+30" in by_code["H6"].message
    assert "第5、6行有错误" in by_code["C4"].message and "统计为1个" in by_code["C4"].message
    assert batch.return_of("发展和改革局") is not None and batch.status("发展和改革局") == "errors"
    projects = batch.projects
    assert projects["chain"].tolist() == ["粮食仓储物流"] * 3           # the merged cell, on every row
    assert projects["row"].tolist() == [4, 5, 6] and projects["valid"].tolist() == [True, False, False]
    keys = batch.key_projects
    assert keys[["category", "nature"]].values.tolist() == [["市级百大", "新建"]] * 2
    assert batch.planned["name"].tolist() == ["友谊县粮食精深加工产业园项目"]
    assert all(v == v and abs(v) < 1e12 for v in projects["total_investment"].dropna())


def _with_rows(path: Path, sheet: str, rows: dict[int, dict[str, object]], merges=()) -> Path:
    """Edit a written return: cell values by row and column letter, then merged ranges."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    for r, cells in rows.items():
        for column, value in cells.items():
            ws[f"{column}{r}"] = value
    for ref in merges:
        ws.merge_cells(ref)
    book.save(path)
    return path


def _collect(path: Path, plan, period="2022-03"):
    return collect(path.parent, period, plan)


def _three(**changes):
    return [project(name=f"项目{i}", investor=f"公司{i}", **changes) for i in range(3)]


@pytest.mark.parametrize("column, key, value", [("F", "chain", "大豆"), ("E", "fund_source", "省内"),
                                                ("I", "started", "否")])
def test_a_merged_data_cell_applies_to_every_row_it_spans(tmp_path, plan, column, key, value):
    path = write_return(tmp_path / "in" / "友谊镇.xlsx", projects=_three(), notes=False)
    rows = {r: {column: value if r == 3 else None, **({"J": None} if key == "started" else {})} for r in (3, 4, 5)}
    _with_rows(path, "招商引资项目", rows, merges=[f"{column}3:{column}5"])
    batch = _collect(path, plan)
    assert codes(batch) == []
    assert batch.projects[key].tolist() == [{"是": True, "否": False}.get(value, value)] * 3


def test_a_merged_cell_over_blank_rows_makes_no_rows(tmp_path, plan):
    """A merge a unit drew over more rows than it filled: the blank rows stay blank (a row is data
    by its own cells), and a merge of the header rows is not data."""
    path = write_return(tmp_path / "in" / "友谊镇.xlsx", projects=[project()], notes=False)
    _with_rows(path, "招商引资项目", {}, merges=["F3:F8", "A1:O1"])
    batch = _collect(path, plan)
    assert codes(batch) == [] and len(batch.projects) == 1


@pytest.mark.parametrize("numbered", [True, False])
def test_a_row_holding_only_a_name_is_read_with_or_without_the_seq_column(tmp_path, plan, numbered):
    """A row is blank by its own cells: with the 序号 column deleted the name is the first column,
    and a row holding only it is a project whose missing cells are reported, not a blank row."""
    path = write_return(tmp_path / "in" / "友谊镇.xlsx", projects=_three(), notes=False)
    _with_rows(path, "招商引资项目", {5: {c: None for c in "CDEFGHIJKLMNO"}})
    if not numbered:
        book = openpyxl.load_workbook(path)
        book["招商引资项目"].delete_cols(1)
        book.save(path)
    batch = _collect(path, plan)
    assert batch.projects["name"].tolist() == ["项目0", "项目1", "项目2"]
    assert {(i.code, i.row) for i in batch.issue_list} >= {("value-missing", 5)}
    assert all(i.row == 5 for i in batch.issue_list if i.severity == "error")


def test_a_merged_error_value_is_an_error_on_every_row(tmp_path, plan):
    path = write_return(tmp_path / "in" / "友谊镇.xlsx", projects=_three(), notes=False)
    _with_rows(path, "招商引资项目", {3: {"K": "#DIV/0!"}, 4: {"K": None}, 5: {"K": None}}, merges=["K3:K5"])
    batch = _collect(path, plan)
    assert [(i.code, i.cell) for i in batch.issue_list] == [("number-invalid", f"K{r}") for r in (3, 4, 5)]
    assert all("#DIV/0!" in i.message for i in batch.issue_list)


SIGN_OFFS = {
    "one cell": {"A": "单位负责人：王某  审核人：李某  填报人：张某"},
    "spread": {"A": "单位负责人：", "B": "王某", "E": "审核人：", "F": "李某", "I": "填报人：", "J": "张某"},
    "role and name": {"B": "审核人", "C": "李某"},
    "a space": {"A": "经办人 赵六"},
    "seal and date": {"A": "填报单位（盖章）", "H": "填报日期：2022年4月3日"},
    "leader signs": {"A": "主要领导签字：", "E": "联系电话：0469-1234567"},
    "ascii colon": {"A": "制表人:张三"},
    "a note over cells": {"A": "说明：", "B": "1.金额单位为万元", "E": "2.日期填到日", "H": "3.据实填写"},
    "nothing below": {"A": "（以下空白）", "B": "", "H": "—"},
    "beside a row number": {"A": 7, "B": "单位负责人：王某", "F": "审核人：李某"},     # the form numbers its rows
    "a compatibility form": {"A": "㊟：以上为初步统计数"},       # NFKC makes it 注：
}


def test_every_sign_off_word_and_note_ends_a_table_and_names_do_not():
    """The quick test in front of the patterns (a cell holding none of their characters) never
    turns away a line the patterns take: every role word, alone, with a colon, after a unit."""
    from youyi_xl.workbook.tables import _SIGN_OFF_WORDS, ends_table
    for word in _SIGN_OFF_WORDS.split("|"):
        for text in (word, f"{word}：张三", f"单位{word}:", f"（{word}）"):
            assert ends_table(text), text
    for text in ("填表说明：", "注：金额为万元", "说明:", "备注：无", "附注：", "（以下空白）", "以下无",
                 "㊟：初步统计", "\u200b填报人：李四", "主要领导 王五"):
        assert ends_table(text), text
    for text in ("友谊县玉米深加工项目", "年产10万吨大豆蛋白", "Ａ区厂房建设", "绿色食品产业园二期"):
        assert not ends_table(text), text


@pytest.mark.parametrize("words", list(SIGN_OFFS))
def test_a_sign_off_line_ends_the_table_without_an_error(tmp_path, plan, words):
    """Under the 合计 row, after blank rows; the values right of the labels are not a project."""
    path = write_return(tmp_path / "in" / "友谊镇.xlsx", projects=_three(), notes=False)
    _with_rows(path, "招商引资项目", {6: {"A": "合计", "H": 18000, "K": 3000}, 8: SIGN_OFFS[words],
                                      9: {"B": "不是项目，表格已经结束", "H": "约500"}})
    batch = _collect(path, plan)
    assert codes(batch) == [] and batch.projects["row"].tolist() == [3, 4, 5]


def test_a_project_named_like_a_role_is_still_a_project(tmp_path, plan):
    rows = [project(name="行政审批 二期", investor="甲公司"), project(name="友谊县领导小组办公室建设项目", investor="乙公司")]
    batch = read_one(tmp_path, plan, projects=rows)
    assert codes(batch) == [] and len(batch.projects) == 2


@pytest.mark.parametrize("written", ["1-6月", "1—6月", "上半年", "1~6月份", "一至六月", "1月-6月", "截至6月底"])
def test_period_without_the_year_is_the_collections_year(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, name="友谊镇-2022-06-填报表.xlsx", collecting="2022-06", period=written)
    [issue] = batch.issue_list
    assert (issue.code, issue.severity, issue.sheet, issue.cell) == ("year-assumed", "warning", "封面", "B4")
    assert len(batch.accepted) == 1 and batch.status("友谊镇") == "submitted"


@pytest.mark.parametrize("written", ["1-3月", "4-6月", "2021年1-6月", "上半年度末"])
def test_period_naming_another_range_is_still_a_mismatch(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, name="友谊镇-2022-06-填报表.xlsx", collecting="2022-06", period=written)
    assert "period-mismatch" in codes(batch) and not batch.accepted


INVISIBLE = {"zero-width space": "\u200b", "word joiner": "\u2060", "BOM": "\ufeff", "soft hyphen": "\u00ad",
             "zero-width joiner": "\u200d", "left-to-right mark": "\u200e", "NBSP": "\u00a0",
             "ideographic space": "\u3000", "Hangul filler": "\u3164", "variation selector": "\ufe0f"}


@pytest.mark.parametrize("kind", list(INVISIBLE))
def test_invisible_characters_in_the_unit_name(tmp_path, plan, kind):
    char = INVISIBLE[kind]
    batch = read_one(tmp_path, plan, name="x.xlsx", unit=f"{char}友谊{char}镇{char}")
    assert codes(batch) == [] and batch.returns[0].unit == "友谊镇"
    assert batch.status("友谊镇") == "submitted" and batch.returns[0].unit_written.replace(" ", "") == "友谊镇"


def test_an_unknown_unit_name_says_it_holds_invisible_characters(tmp_path, plan):
    batch = read_one(tmp_path, plan, name="x.xlsx", unit="友谊\u200b乡")
    [issue] = batch.issue_list
    assert issue.code == "unit-unknown" and "U+200B" in issue.message and "友谊乡" in issue.message


def test_implausible_amounts_are_errors_and_sums_stay_finite(tmp_path, plan):
    rows = [project(name="甲", investor="甲公司", total_investment=1e30),
            project(name="乙", investor="乙公司", funds_in=1e308, funds_out_of_province=1e308),
            project(name="丙", investor="丙公司", funds_in=1e308, funds_out_of_province=1e308),
            project(name="丁", investor="丁公司", total_investment=2e8, funds_in=1e8, funds_out_of_province=1e8)]
    batch = read_one(tmp_path, plan, projects=rows)
    found = sorted((i.code, i.cell) for i in batch.issue_list)
    assert found == sorted([("number-invalid", c) for c in ("H3", "K4", "L4", "K5", "L5", "H6")]), found
    assert batch.projects["valid"].tolist() == [False, False, False, False]
    values = batch.projects[["total_investment", "funds_in", "funds_out_of_province"]].fillna(0).to_numpy()
    assert (abs(values) <= 1.07e8).all() and abs(values.sum()) < 1e12


def test_the_row_layout_kept_between_returns_follows_the_plan_used(tmp_path, plan):
    """A table's reading layout is kept per layout and per plan: the same return read with a plan
    that lacks its chain reports the chain, and read again with the first plan does not."""
    import dataclasses

    from youyi_xl.intake import rows

    write_return(tmp_path / "in" / "友谊镇-2022-03-填报表.xlsx", projects=[project()])
    fewer = dataclasses.replace(plan, chains=tuple(c for c in plan.chains if c.name != project()["chain"]))
    assert len(fewer.chains) == len(plan.chains) - 1
    first = collect(tmp_path / "in", "2022-03", plan)
    second = collect(tmp_path / "in", "2022-03", fewer)
    again = collect(tmp_path / "in", "2022-03", plan)
    assert "chain-unknown" not in codes(first) and "chain-unknown" not in codes(again)
    assert "chain-unknown" in codes(second)
    assert again.projects["chain"].tolist() == first.projects["chain"].tolist() == [project()["chain"]]
    kept = [layout for key, layout in rows._LAYOUTS.items() if key[0].key == "projects"]
    assert len({id(layout.plan_parts[0]) for layout in kept}) >= 2      # one per plan's chains


def test_returns_of_one_batch_with_different_header_units_each_convert_their_own(tmp_path, plan):
    """The kept layout follows what each return's headers say (亿元 here, 万元 there)."""
    write_return(tmp_path / "in" / "友谊镇.xlsx", unit="友谊镇", projects=[project(total_investment=0.6)],
                 header_text={"projects": {"total_investment": "签约总投资（亿元）"}})
    write_return(tmp_path / "in" / "兴隆镇.xlsx", unit="兴隆镇", projects=[project(total_investment=6000)])
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert batch.projects.set_index("unit")["total_investment"].to_dict() == {"友谊镇": 6000, "兴隆镇": 6000}
    assert codes(batch).count("unit-converted") == 1


def test_the_quick_answers_of_ends_table_are_the_patterns_answers():
    """ends_table answers most first cells without cleaning them (an ideograph lead with no
    word's first character); on any text it must say what the sign-off and note patterns say
    of the cleaned text."""
    import random

    from youyi_xl.core import clean_text
    from youyi_xl.workbook import tables

    def by_patterns(text: str) -> bool:
        clean = clean_text(text[:tables._FOOTER_TEXT])
        return bool(tables._SIGN_OFF.match(clean) or tables._SIGN_OFF_NAMED.match(clean)
                    or tables._NOTE_LINE.match(clean))

    words = ["单位负责人", "审核人", "填报日期", "联系电话", "盖章", "填表说明", "注", "以下空白", "经办人"]
    pieces = ["东建乡", "玉米", "项目", "公司", "电", "10", "期", "（", "）", "(", "：", ":", " ", "\u3000",
              "\u200b", "\ufeff", "Ａ", "１", "张三", "2022-03-05", *words]
    pick = random.Random(11)
    quick = 0
    for _ in range(5000):
        text = "".join(pick.choice(pieces) for _ in range(pick.randint(1, 7)))
        assert tables.ends_table(text) == by_patterns(text), text
        lead = text[:tables._ENDING_REACH]
        quick += bool(tables._PLAIN_LEAD.fullmatch(lead)) and tables._ENDING_CHARS.isdisjoint(lead)
    assert quick > 100          # the quick path is taken, and agrees
