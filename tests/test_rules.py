"""The 考核细则 workbook: the shipped defaults (DOMAIN §6), the builder, reading a clerk's copy,
and a clear RulesError — naming file, sheet and cell — for weights that cannot be used."""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from builders import set_cell as edit

from youyi_xl.core.errors import RulesError
from youyi_xl.core.indicators import BY_KEY, INDICATORS, KEYS
from youyi_xl.plan.rules import (DEFAULT_WEIGHTS, Rules, default_rules, default_rules_file, load_rules,
                            rules_file)

ROOT = Path(__file__).resolve().parents[1]
BUILDER = ROOT / "tools" / "build_rules.py"
SHIPPED = ROOT / "templates" / "考核细则.xlsx"
WEIGHTS, CAP, SCORED = "权重(分)", "封顶系数", "是否计分"


@pytest.fixture
def copy(tmp_path) -> Path:
    """A clerk's copy of the shipped workbook."""
    target = tmp_path / "考核细则.xlsx"
    shutil.copy(SHIPPED, target)
    return target


def edit_weights(path: Path, values: dict[str, object]) -> None:
    for key, value in values.items():
        edit(path, "指标权重", BY_KEY[key].label, WEIGHTS, value)


# --------------------------------------------------------------------------
# the shipped workbook and its builder
# --------------------------------------------------------------------------

def test_shipped_workbook_holds_the_defaults():
    rules = load_rules()
    assert rules == Rules(default_rules().indicators, source=str(default_rules_file()))
    assert {r.key: r.weight for r in rules.indicators} == DEFAULT_WEIGHTS
    assert sum(DEFAULT_WEIGHTS.values()) == 100 and set(DEFAULT_WEIGHTS) == set(KEYS)
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
    assert book.sheetnames == ["说明", "指标权重", "扣分", "颜色", "先进后进", "一票否决"]
    ws = book["指标权重"]
    labels = [ws.cell(r, 2).value for r in range(4, 4 + len(INDICATORS))]
    assert labels == [ind.label for ind in INDICATORS]
    assert ws.column_dimensions["G"].hidden                     # 指标代码, for the program
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
    edit(copy, "指标权重", "直接利用外资", SCORED, "否")
    edit(copy, "指标权重", "直接利用外资", WEIGHTS, None)      # no weight needed when not scored
    edit(copy, "指标权重", "固定资产投资", CAP, 1.5)
    rules = load_rules(copy)
    assert not rules.rule("foreign_direct_investment").scored
    assert "foreign_direct_investment" not in rules.weights
    assert rules.rule("fixed_asset_investment").cap == 1.5


def test_rows_are_matched_by_label_wherever_they_are(copy):
    book = openpyxl.load_workbook(copy)
    ws = book["指标权重"]
    first, last = 4, 3 + len(INDICATORS)
    rows = [[ws.cell(r, c).value for c in range(1, 8)] for r in range(first, last + 1)]
    rows.reverse()                                     # the clerk sorted the rows
    rows[0][6] = None                                  # and lost a key: the label still matches
    for r, values in enumerate(rows, start=first):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    ws.insert_rows(2, 2)                               # and added two rows above the table
    book.save(copy)
    assert load_rules(copy).indicators == default_rules().indicators


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
    rules = default_rules()
    assert [rules.colour(v) for v in (None, 1.2, 1.0, 0.9999999, 0.99, 0.8, 0.79)] == \
        ["grey", "green", "green", "green", "yellow", "yellow", "red"]


# --------------------------------------------------------------------------
# unusable workbooks: RulesError naming file, sheet and cell
# --------------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    ("约15", "不是数字"), (-5, "负数"), (None, "没有权重")])
def test_unusable_weight_names_the_cell(copy, value, words):
    cell = edit(copy, "指标权重", "落地开工招商引资项目", WEIGHTS, value)
    with pytest.raises(RulesError) as caught:
        load_rules(copy)
    message = str(caught.value)
    assert "考核细则.xlsx" in message and "指标权重" in message and cell in message and words in message
    assert cell == "D5"


def test_all_weights_zero(copy):
    edit_weights(copy, {k: 0 for k in KEYS})
    with pytest.raises(RulesError, match="指标权重.*全部为0"):
        load_rules(copy)


@pytest.mark.parametrize("sheet, label, column, value, words", [
    ("指标权重", "固定资产投资", CAP, 0.5, "封顶系数0.5小于1"),
    ("指标权重", "固定资产投资", SCORED, "也许", "是否计分"),
    ("指标权重", "固定资产投资", "指标", "招商签约项目", "重复"),
    ("扣分", "数据有误", "扣分(分)", "两分", "不是数字"),
    ("扣分", "数据有误", "扣分项目", "迟报", "不是可用的扣分项目"),
    ("颜色", "黄", "序时完成率不低于(%)", 120, "应不低于黄色下限"),
])
def test_other_unusable_cells(copy, sheet, label, column, value, words):
    cell = edit(copy, sheet, label, column, value)
    with pytest.raises(RulesError) as caught:
        load_rules(copy)
    message = str(caught.value)
    assert f"工作表“{sheet}”" in message and words in message
    assert cell in message or "颜色" == sheet


def test_an_unknown_label_without_a_key(copy):
    edit(copy, "指标权重", "招商签约项目", "指标代码", None)
    cell = edit(copy, "指标权重", "招商签约项目", "指标", "招商项目数")
    with pytest.raises(RulesError, match=f"指标权重.*{cell}.*“招商项目数”不是考核指标"):
        load_rules(copy)


def test_a_renamed_label_still_matches_by_its_key(copy):
    edit(copy, "指标权重", "招商签约项目", WEIGHTS, 20)
    edit(copy, "指标权重", "招商签约项目", "指标", "招商签约项目数")
    assert load_rules(copy).rule("signed_projects").weight == 20


def test_a_deleted_indicator_row_is_named(copy):
    book = openpyxl.load_workbook(copy)
    ws = book["指标权重"]
    row = next(r[0].row for r in ws.iter_rows() if r[1].value == "直接利用外资")
    ws.delete_rows(row)
    book.save(copy)
    with pytest.raises(RulesError, match="缺少指标“直接利用外资”.*是否计分"):
        load_rules(copy)


def test_quota_must_be_a_whole_number(copy):
    book = openpyxl.load_workbook(copy)
    book["先进后进"]["B3"] = 2.5
    book.save(copy)
    with pytest.raises(RulesError, match="先进后进.*B3.*正整数"):
        load_rules(copy)


def test_a_missing_table_and_an_unreadable_file(copy, tmp_path):
    book = openpyxl.load_workbook(copy)
    del book["扣分"]
    book.save(copy)
    with pytest.raises(RulesError, match="找不到“扣分”表"):
        load_rules(copy)
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    with pytest.raises(RulesError, match="无法读取"):
        load_rules(junk)
