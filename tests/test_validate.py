"""One test per issue code the intake owns (DOMAIN §5): code, severity, file and cell.

Layout of a default return from builders.write_return: on 招商引资项目 the header is row 2 and the
first project is row 3, columns A 序号, B 项目名称, C 投资方, D 所在地, E 资金来源, F 产业链, G 签约日期,
H 签约总投资, I 是否开工, J 开工日期, K 到位资金, L 省外资金, M 外资, N 包保领导, O 备注; on 重点项目进展
A 序号 … E 总投资, F 年度计划投资, G 累计完成投资, H 开工状态, I 开工日期; on 策划储备项目 C 总投资,
E 策划生成日期; on 指标汇总 row 3 is 招商签约项目, row 16 固定资产投资, column B 年度目标, C 完成;
on 封面 B3 填报单位, B4 报送期.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from builders import key_project, planned_project, project, write_return

from youyi_xl.intake.folder import collect

FILE = "友谊镇-2022-03-填报表.xlsx"


@pytest.fixture(scope="module")
def plan():
    from youyi_xl import load_plan

    return load_plan()


def issues_of(tmp_path, plan, name=FILE, **kw):
    write_return(tmp_path / "in" / name, **kw)
    return collect(tmp_path / "in", "2022-03", plan).issue_list


def only(issues, code):
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, [(i.code, i.cell, i.message) for i in issues]
    return found[0]


def assert_issue(issue, severity, sheet, cell, file=FILE):
    assert (issue.severity, issue.file, issue.sheet, issue.cell) == (severity, file, sheet, cell)
    assert issue.message and issue.hint


P, K, S = "招商引资项目", "重点项目进展", "指标汇总"


@pytest.mark.parametrize("code, changes, cell", [
    ("value-missing", {"investor": None}, "C3"),
    ("number-invalid", {"total_investment": "约500"}, "H3"),
    ("number-invalid", {"funds_in": "待定"}, "K3"),
    ("date-invalid", {"sign_date": "2022年13月5日"}, "G3"),
    ("date-invalid", {"sign_date": "上旬"}, "G3"),
    ("amount-negative", {"funds_in": -10, "funds_out_of_province": 0}, "K3"),
    ("date-out-of-range", {"sign_date": dt.date(2021, 12, 30)}, "G3"),
    ("date-out-of-range", {"sign_date": dt.date(2022, 4, 2), "started": "否", "start_date": None}, "G3"),
    ("start-inconsistent", {"started": "是", "start_date": None}, "J3"),
    ("start-inconsistent", {"started": "否"}, "I3"),
    ("part-exceeds-whole", {"funds_out_of_province": 1500}, "L3"),
    ("part-exceeds-whole", {"funds_out_of_province": 0, "funds_foreign": 200}, "M3"),
    ("choice-invalid", {"fund_source": "外地"}, "E3"),
    ("choice-invalid", {"started": "快了"}, "I3"),
])
def test_project_row_errors(tmp_path, plan, code, changes, cell):
    issues = issues_of(tmp_path, plan, projects=[project(**changes)])
    assert_issue(only(issues, code), "error", P, cell)


@pytest.mark.parametrize("code, changes, cell", [
    ("unit-converted", {"total_investment": "0.6亿元"}, "H3"),
    ("year-assumed", {"sign_date": "2月10日"}, "G3"),
    ("sign-after-start", {"sign_date": dt.date(2022, 3, 5)}, "G3"),
    ("chain-unknown", {"chain": "人工智能"}, "F3"),
])
def test_project_row_warnings(tmp_path, plan, code, changes, cell):
    issues = issues_of(tmp_path, plan, projects=[project(**changes)])
    assert_issue(only(issues, code), "warning", P, cell)
    assert not [i for i in issues if i.is_error]


def test_error_row_is_left_out_but_the_rest_counts(tmp_path, plan):
    write_return(tmp_path / "in" / FILE, projects=[project(), project(name="乙", investor="乙", funds_in="待定")])
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert batch.projects["valid"].tolist() == [True, False]
    assert batch.units.set_index("unit").loc["友谊镇", "status"] == "errors"


def test_project_duplicate(tmp_path, plan):
    issues = issues_of(tmp_path, plan, projects=[project(), project(note="又填了一遍")])
    assert_issue(only(issues, "project-duplicate"), "error", P, "B4")


@pytest.mark.parametrize("code, severity, changes, cell", [
    ("investment-over-plan", "warning", {"completed_investment": 6000}, "G3"),
    ("start-inconsistent", "error", {"status": "未开工", "start_date": dt.date(2022, 3, 1)}, "H3"),
    ("start-inconsistent", "error", {"nature": "新建", "start_date": None}, "I3"),
    ("date-out-of-range", "error", {"nature": "新建", "start_date": dt.date(2021, 6, 1)}, "I3"),
    ("choice-invalid", "error", {"status": "快了"}, "H3"),
    ("target-changed", "warning", {"name": "友谊县年产10万吨饲料加工项目", "plan_investment": 4000}, "F3"),
])
def test_key_project_checks(tmp_path, plan, code, severity, changes, cell):
    issues = issues_of(tmp_path, plan, key_projects=[key_project(**changes)])
    assert_issue(only(issues, code), severity, K, cell)


def test_continuing_key_project_may_have_started_earlier(tmp_path, plan):
    issues = issues_of(tmp_path, plan, key_projects=[key_project(nature="续建", start_date=dt.date(2020, 5, 1))])
    assert issues == []


def test_planned_project_date_after_period_end(tmp_path, plan):
    issues = issues_of(tmp_path, plan, planned=[planned_project(plan_date=dt.date(2022, 5, 1))])
    assert_issue(only(issues, "date-out-of-range"), "error", "策划储备项目", "E3")


def test_total_mismatch(tmp_path, plan):
    issues = issues_of(tmp_path, plan, summary={"signed_projects": 3, "fixed_asset_investment": 1500})
    issue = only(issues, "total-mismatch")
    assert_issue(issue, "warning", S, "C3")
    assert "3" in issue.message and "1" in issue.message


def test_total_mismatch_compares_with_the_rows_that_count(tmp_path, plan):
    """The unit counted its row with an error; the count used leaves it out, and says so."""
    rows = [project(), project(name="第二个", investor="乙公司", total_investment="约500")]
    issues = issues_of(tmp_path, plan, projects=rows,
                       summary={"signed_projects": 2, "started_projects": 2, "out_of_province_funds": 1600,
                                "fixed_asset_investment": 1500})
    found = {i.cell: i for i in issues if i.code == "total-mismatch"}
    assert sorted(found) == ["C3", "C4", "C5"]                  # 签约项目, 落地开工, 省外资金
    assert "统计为1个" in found["C3"].message and "统计为800万元" in found["C5"].message
    assert all("“招商引资项目”第4行有错误，未计入统计" in i.message for i in found.values())


def test_total_mismatch_when_nothing_counts(tmp_path, plan):
    rows = [project(funds_in="待定")]
    issues = issues_of(tmp_path, plan, projects=rows,
                       summary={"signed_projects": 1, "started_projects": 1, "out_of_province_funds": 800,
                                "fixed_asset_investment": 1500})
    found = [i for i in issues if i.code == "total-mismatch"]
    assert len(found) == 3 and all("统计为0" in i.message and "第3行" in i.message for i in found)


def test_target_changed_in_summary(tmp_path, plan):
    issues = issues_of(tmp_path, plan, targets={"signed_projects": 5})
    assert_issue(only(issues, "target-changed"), "warning", S, "B3")


def test_fixed_asset_missing(tmp_path, plan):
    issues = issues_of(tmp_path, plan, summary={})
    assert_issue(only(issues, "value-missing"), "error", S, "C16")


def test_formula_without_cached_value(tmp_path, plan):
    path = write_return(tmp_path / "in" / FILE)
    wb = openpyxl.load_workbook(path)
    wb[P]["K3"] = "=600+400"           # openpyxl stores no result: nobody calculated it
    wb.save(path)
    issues = collect(tmp_path / "in", "2022-03", plan).issue_list
    assert_issue(only(issues, "formula-uncached"), "error", P, "K3")


def test_excel_error_value_is_number_invalid(tmp_path, plan):
    path = write_return(tmp_path / "in" / FILE)
    wb = openpyxl.load_workbook(path)
    wb[P]["H3"] = "#DIV/0!"            # openpyxl writes it as an error cell (t="e")
    wb.save(path)
    issue = only(collect(tmp_path / "in", "2022-03", plan).issue_list, "number-invalid")
    assert_issue(issue, "error", P, "H3")
    assert "#DIV/0!" in issue.message


# --- whole-file and table problems -------------------------------------------

def test_unit_unknown_leaves_the_return_out(tmp_path, plan):
    write_return(tmp_path / "in" / "某单位.xlsx", unit="某某合作社")
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert_issue(only(batch.issue_list, "unit-unknown"), "error", "封面", "B3", file="某单位.xlsx")
    assert batch.projects.empty


def test_period_mismatch_leaves_the_return_out(tmp_path, plan):
    write_return(tmp_path / "in" / FILE, period="2022年1-2月")
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert_issue(only(batch.issue_list, "period-mismatch"), "error", "封面", "B4")
    assert batch.projects.empty
    assert batch.units.set_index("unit").loc["友谊镇", "status"] == "errors"


def test_sheet_missing(tmp_path, plan):
    issues = issues_of(tmp_path, plan, drop_tables=["key_projects"])
    issue = only(issues, "sheet-missing")
    assert (issue.severity, issue.file, issue.sheet, issue.cell) == ("error", FILE, K, "")


def test_column_missing_leaves_the_table_out(tmp_path, plan):
    from youyi_xl.core.schema import PROJECTS

    columns = [c.key for c in PROJECTS.columns if c.key != "sign_date"]
    write_return(tmp_path / "in" / FILE, order={"projects": columns})
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert_issue(only(batch.issue_list, "column-missing"), "error", P, "A2")
    assert batch.projects.empty and not batch.key_projects.empty


def test_file_unreadable(tmp_path, plan):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "兴隆镇.xlsx").write_bytes(b"PK\x03\x04 broken")
    issue = only(collect(folder, "2022-03", plan).issue_list, "file-unreadable")
    assert (issue.severity, issue.file, issue.unit) == ("error", "兴隆镇.xlsx", "兴隆镇")


def test_unit_name_mismatch(tmp_path, plan):
    issues = issues_of(tmp_path, plan, name="兴隆镇-2022-03.xlsx")
    assert_issue(only(issues, "unit-name-mismatch"), "warning", "封面", "B3", file="兴隆镇-2022-03.xlsx")


# --- batch checks ---------------------------------------------------------------

def test_duplicate_submission_uses_the_newest(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "友谊镇-旧.xlsx", fill_date=dt.date(2022, 4, 1), projects=[project(funds_in="待定")])
    write_return(folder / "友谊镇-新.xlsx", fill_date=dt.date(2022, 4, 5))
    batch = collect(folder, "2022-03", plan)
    issue = only(batch.issue_list, "duplicate-submission")
    assert (issue.severity, issue.file, issue.unit) == ("warning", "友谊镇-旧.xlsx", "友谊镇")
    assert "友谊镇-新.xlsx" in issue.message
    assert batch.return_of("友谊镇").file == "友谊镇-新.xlsx"
    assert not [i for i in batch.issue_list if i.is_error]   # the old file's errors are not reported


def test_project_claimed_by_two_units(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "友谊镇.xlsx")
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇人民政府")
    batch = collect(folder, "2022-03", plan)
    claims = [i for i in batch.issue_list if i.code == "project-claimed-twice"]
    assert sorted((i.unit, i.file, i.cell, i.severity) for i in claims) == [
        ("兴隆镇", "兴隆镇.xlsx", "B3", "warning"), ("友谊镇", "友谊镇.xlsx", "B3", "warning")]
    assert set(batch.projects["claimed_by"]) == {"兴隆镇、友谊镇"}


@pytest.mark.parametrize("char", ["\u200b", "\ufeff", "\u2060", "\u00ad", "\u00a0", "\u3000"])
def test_project_claimed_twice_despite_invisible_characters(tmp_path, plan, char):
    """One copy pasted from WeChat carries an invisible character (or a wide space): the same
    project, claimed by both units and credited once."""
    folder = tmp_path / "in"
    write_return(folder / "友谊镇.xlsx")
    pasted = project(name=f"年产5万吨{char}鲜食玉米加工项目", investor=f"{char}黑龙江某某食品有限公司")
    write_return(folder / "兴隆镇.xlsx", unit="兴隆镇", projects=[pasted])
    batch = collect(folder, "2022-03", plan)
    claims = [i for i in batch.issue_list if i.code == "project-claimed-twice"]
    assert sorted(i.unit for i in claims) == ["兴隆镇", "友谊镇"]
    assert not [i for i in batch.issue_list if i.code != "project-claimed-twice"]
    assert len({r.identity for r in batch.rows("projects")}) == 1


def test_project_duplicate_within_a_return_despite_invisible_characters(tmp_path, plan):
    rows = [project(), project(name="年产5万吨鲜食玉米加工项目\u200b")]
    issue = only(issues_of(tmp_path, plan, projects=rows), "project-duplicate")
    assert_issue(issue, "error", P, "B4")
