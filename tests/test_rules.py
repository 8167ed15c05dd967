"""The 考核细则 workbook (DOMAIN §6, §8): the shipped 2022 declarations, the builder, reading a
clerk's copy, and every problem — collected, each naming sheet and cell — for declarations that
cannot be used."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from builders import set_cell as edit
from shipped import BY_KEY, INDICATORS, KEYS

from youyi_xl.core.errors import PlanError, RulesError
from youyi_xl.plan import load_plan, read_rulebook
from youyi_xl.plan.rules import Rules, default_rules_file, load_rules, rules_file

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "tools" / "build_rules.py"
SHIPPED = ROOT / "templates" / "考核细则.xlsx"
SETTINGS, WEIGHTS, CAP, SCORED = "指标设置", "权重(分)", "封顶系数", "是否计分"
sys.path.insert(0, str(ROOT / "tools"))
import template_data as data  # noqa: E402

DECLARED_WEIGHTS = {d.key: d.weight for d in data.DECLARED}


@pytest.fixture
def copy(tmp_path) -> Path:
    """A clerk's copy of the shipped workbook."""
    target = tmp_path / "考核细则.xlsx"
    shutil.copy(SHIPPED, target)
    return target


def edit_weights(path: Path, values: dict[str, object]) -> None:
    for key, value in values.items():
        edit(path, SETTINGS, BY_KEY[key].label, WEIGHTS, value)


def refusal(path: Path) -> str:
    with pytest.raises(RulesError) as caught:
        load_rules(path)
    return str(caught.value)


# --------------------------------------------------------------------------
# the shipped workbook and its builder
# --------------------------------------------------------------------------

def test_shipped_workbook_holds_the_2022_plan():
    book = read_rulebook()
    assert book.issues == ()
    assert (book.settings.year, book.settings.county) == (2022, "友谊县")
    assert book.settings.issuer == "友谊县人民政府办公室" and book.settings.lead == "友谊县发展和改革局"
    assert book.settings.chain_min_investment == 5000
    assert [i.key for i in book.indicators] == [d.key for d in data.DECLARED] == list(KEYS)
    rules = book.rules
    assert {r.key: r.weight for r in rules.indicators} == DECLARED_WEIGHTS
    assert sum(DECLARED_WEIGHTS.values()) == 100
    assert all(r.cap == 1.2 and r.scored for r in rules.indicators)
    assert dict(rules.deductions) == {"missing": 5, "errors": 2}
    assert (rules.green, rules.yellow) == (1.0, 0.8)
    assert (rules.advanced_count, rules.lagging_count, rules.veto, rules.vetoed) == (3, 3, False, ())
    assert default_rules_file().resolve() == SHIPPED.resolve()


def test_builder_is_reproducible_and_matches_the_checked_in_file(tmp_path):
    for out in (tmp_path / "a", tmp_path / "b"):
        subprocess.run([sys.executable, str(BUILDER), "--out", str(out)], check=True, capture_output=True)
    first, second = (tmp_path / d / "考核细则.xlsx" for d in "ab")
    assert first.read_bytes() == second.read_bytes() == SHIPPED.read_bytes()


def test_workbook_is_chinese_and_printable():
    book = openpyxl.load_workbook(SHIPPED)
    assert book.sheetnames == ["说明", "基本信息", "指标设置", "扣分", "颜色", "先进后进", "一票否决"]
    ws = book[SETTINGS]
    labels = [ws.cell(r, 3).value for r in range(4, 4 + len(INDICATORS))]
    assert labels == [ind.label for ind in INDICATORS]
    assert ws.column_dimensions["B"].hidden                     # 指标代码, for the history
    for sheet in book.worksheets:
        assert sheet.page_setup.paperSize == 9, sheet.title     # A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_area, sheet.title
    with zipfile.ZipFile(SHIPPED) as archive:
        core = archive.read("docProps/core.xml").decode()
    assert "2022-02-24T09:00:00Z" in core and "友谊县发展和改革局" in core


# --------------------------------------------------------------------------
# reading a clerk's copy
# --------------------------------------------------------------------------

def test_path_may_be_a_file_a_plan_folder_or_nothing(tmp_path, copy):
    assert rules_file(copy) == copy
    assert rules_file(copy.parent) == copy
    empty = tmp_path / "empty"
    empty.mkdir()
    assert rules_file(empty) == default_rules_file()
    assert rules_file(None) == default_rules_file()
    with pytest.raises(RulesError, match="不存在"):
        load_rules(tmp_path / "nope.xlsx")


def test_weights_not_summing_to_100_are_rescaled(copy):
    edit_weights(copy, {"signed_projects": 30, "fixed_asset_investment": 30})   # sum 130
    rules = load_rules(copy)
    assert rules.rule("signed_projects").weight == 30
    weights = rules.weights
    assert abs(sum(weights.values()) - 100) < 1e-9
    assert abs(weights["signed_projects"] - 30 * 100 / 130) < 1e-9


def test_unscored_indicator_and_cap(copy):
    edit(copy, SETTINGS, "直接利用外资", SCORED, "否")
    edit(copy, SETTINGS, "直接利用外资", WEIGHTS, None)      # no weight needed when not scored
    edit(copy, SETTINGS, "固定资产投资", CAP, 1.5)
    rules = load_rules(copy)
    assert not rules.rule("foreign_direct_investment").scored
    assert "foreign_direct_investment" not in rules.weights
    assert rules.rule("fixed_asset_investment").cap == 1.5


def test_columns_may_move_and_rows_above_be_added(copy):
    book = openpyxl.load_workbook(copy)
    ws = book[SETTINGS]
    ws.move_range("P3:Q30", cols=2)                    # 通报用语, 目标称谓 two columns right
    ws.insert_rows(2, 2)                               # and two rows above the table
    book.save(copy)
    indicators = read_rulebook(copy).indicators
    assert [(i.key, i.prose, i.target_noun) for i in indicators] == \
        [(i.key, i.prose, i.target_noun) for i in INDICATORS]


def test_deductions_colours_and_quotas_are_read(copy):
    edit(copy, "扣分", "未按时报送", "扣分(分)", -8)        # -8 and 8 both mean: take 8 off
    edit(copy, "扣分", "数据有误", "扣分(分)", "1分")
    edit(copy, "颜色", "绿", "序时完成率不低于(%)", "95%")
    edit(copy, "颜色", "黄", "序时完成率不低于(%)", 0.7)    # a %-formatted cell holds 0.7
    book = openpyxl.load_workbook(copy)
    ws = book["先进后进"]
    ws["B3"], ws["B4"], ws["B5"] = 5, 2, "是"
    book["一票否决"]["B4"] = "商务局"
    book["一票否决"]["C4"] = "虚报签约项目"
    book.save(copy)
    rules = load_rules(copy)
    assert dict(rules.deductions) == {"missing": 8, "errors": 1}
    assert (rules.green, rules.yellow) == (0.95, 0.7)
    assert (rules.advanced_count, rules.lagging_count, rules.veto) == (5, 2, True)
    assert [(v.unit, v.reason, v.cell) for v in rules.vetoed] == [("商务局", "虚报签约项目", "B4")]


def test_colour_bands():
    rules = Rules(())
    assert [rules.colour(v) for v in (None, 1.2, 1.0, 0.9999999, 0.99, 0.8, 0.79)] == \
        ["grey", "green", "green", "green", "yellow", "yellow", "red"]


def test_settings_are_read_by_label(copy):
    book = openpyxl.load_workbook(copy)
    ws = book["基本信息"]
    ws.insert_rows(3)                                  # the clerk added a row
    for row in ws.iter_rows():
        if row[0].value == "年度":
            row[1].value = "2023年"
        if row[0].value == "县（区）名称":
            row[1].value = "双河县"
        if row[0].value == "考评牵头单位":
            row[1].value = None                        # falls back to the county's 发改局
    book.save(copy)
    settings = read_rulebook(copy).settings
    assert (settings.year, settings.county, settings.lead) == (2023, "双河县", "双河县发展和改革局")


# --------------------------------------------------------------------------
# unusable workbooks: every problem collected, each naming its sheet and cell
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [("约15", "不是有效的数"), (-5, "不是有效的数"), (None, "没有权重")])
def test_unusable_weight_names_the_cell(copy, value, words):
    cell = edit(copy, SETTINGS, "落地开工招商引资项目", WEIGHTS, value)
    message = refusal(copy)
    assert "考核细则.xlsx" in message and f"指标设置 {cell}" in message and words in message
    assert cell == "M5"


def test_all_weights_zero(copy):
    edit_weights(copy, {k: 0 for k in KEYS})
    assert "全部为0" in refusal(copy)


@pytest.mark.parametrize("label, column, value, words", [
    ("固定资产投资", CAP, 0.5, "封顶系数“0.5”不是有效的数"),
    ("固定资产投资", SCORED, "也许", "是否计分"),
    ("固定资产投资", "指标名称", "招商签约项目", "重名"),
    ("招商签约项目", "数据来源", "招商项目表", "数据来源“招商项目表”不是填报表中的表"),
    ("招商签约项目", "统计方式", "统计", "统计方式“统计”应为计数、求和或填报"),
    ("招商签约项目", "条件", "签约时间在本期", "字段“签约时间”不是“招商引资项目”表的列"),
    ("招商签约项目", "条件", "签约日期今年", "无法识别"),
    ("招商签约项目", "条件", "投资方≥5000", "不是数字列"),
    ("市级百大项目", "条件", "项目类别=县级百大", "“县级百大”不是“项目类别”的可选项"),
    ("实际利用省外资金", "求和字段", "投资方", "求和字段“投资方”不是数字列"),
    ("实际利用省外资金", "求和字段", "省外资金总额", "不是“招商引资项目”表的列"),
    ("固定资产投资", "统计方式", "计数", "指标汇总中的数只能“填报”"),
    ("固定资产投资", "条件", "签约日期在本期", "“填报”的指标不能有条件"),
])
def test_unusable_declarations_name_sheet_and_cell(copy, label, column, value, words):
    cell = edit(copy, SETTINGS, label, column, value)
    message = refusal(copy)
    assert f"{SETTINGS} {cell}" in message and words in message, message


def test_every_problem_is_named_at_once(copy):
    """Three mistakes in three sheets: one refusal naming all three (not the first only)."""
    first = edit(copy, SETTINGS, "招商签约项目", "统计方式", "统计")
    second = edit(copy, "扣分", "数据有误", "扣分(分)", "两分")
    book = openpyxl.load_workbook(copy)
    book["先进后进"]["B3"] = 2.5
    book.save(copy)
    message = refusal(copy)
    assert "共3处" in message
    assert f"{SETTINGS} {first}" in message and f"扣分 {second}" in message and "先进后进 B3" in message
    issues = read_rulebook(copy).issues
    assert [i.code for i in issues] == ["setting-invalid"] * 3


def test_a_target_column_in_neither_attachment_refuses_the_plan(tmp_path):
    from youyi_xl.plan import default_template_dir

    folder = tmp_path / "plan"
    shutil.copytree(default_template_dir(), folder)
    cell = edit(folder / "考核细则.xlsx", SETTINGS, "直接利用外资", "目标列", "利用外资目标(万美元)")
    with pytest.raises(PlanError) as caught:
        load_plan(folder)
    message = str(caught.value)
    assert f"{SETTINGS} {cell}" in message
    assert "目标列“利用外资目标(万美元)”" in message and "都找不到" in message


def test_a_missing_sheet_and_an_unreadable_file(copy, tmp_path):
    book = openpyxl.load_workbook(copy)
    del book["扣分"]
    del book["基本信息"]
    book.save(copy)
    message = refusal(copy)
    assert "找不到“扣分”表" in message and "没有“基本信息”工作表" in message
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(junk)
