"""The 条件 language of 指标设置 (youyi_xl.core.indicators.parse_conditions) and how a declared
indicator counts rows: each operator, the separators (；; and ，,、 between values), the
full-width forms a Chinese input method types, and the errors, each naming the part at fault."""
from __future__ import annotations

import datetime as dt

import pytest

from youyi_xl.core.indicators import (AT_LEAST, AT_MOST, COUNT, IN, IN_PERIOD, REPORTED, SUM, Condition,
                                      ConditionError, Indicator, measure, parse_conditions)
from youyi_xl.core.schema import KEY_PROJECTS, PLANNED, PROJECTS

END = dt.date(2022, 6, 30)


def row(table=PROJECTS, **values):
    return table.make_record(values)


# --- parsing ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("签约日期在本期", (Condition("sign_date", IN_PERIOD, (), "签约日期在本期"),)),
    ("是否开工=是", (Condition("started", IN, (True,), "是否开工=是"),)),
    ("是否开工=否", (Condition("started", IN, (False,), "是否开工=否"),)),
    ("签约总投资(万元)≥10000", (Condition("total_investment", AT_LEAST, (10000.0,), "签约总投资(万元)≥10000"),)),
    ("签约总投资>=1亿元", (Condition("total_investment", AT_LEAST, (10000.0,), "签约总投资>=1亿元"),)),
    ("本年到位资金≤500", (Condition("funds_in", AT_MOST, (500.0,), "本年到位资金≤500"),)),
    ("资金来源=省外,境外", (Condition("fund_source", IN, ("省外", "境外"), "资金来源=省外,境外"),)),
])
def test_each_operator(text, expected):
    assert parse_conditions(text, PROJECTS) == expected


def test_conditions_are_joined_by_semicolons_and_values_by_commas_in_either_width():
    written = "项目类别=市级百大；建设性质=新建;开工状态=已开工，已竣工、"
    assert [(c.field, c.op, c.values) for c in parse_conditions(written, KEY_PROJECTS)] == [
        ("category", IN, ("市级百大",)), ("nature", IN, ("新建",)), ("status", IN, ("已开工", "已竣工"))]


def test_full_width_operators_spaces_and_brackets():
    assert parse_conditions(" 总投资（万元） ≧ ５０００ ； 策划生成日期 在本期 ", PLANNED) == (
        Condition("total_investment", AT_LEAST, (5000.0,), "总投资(万元)≧5000"),
        Condition("plan_date", IN_PERIOD, (), "策划生成日期在本期"))
    assert parse_conditions("本年到位资金＜＝５００", PROJECTS)[0].values == (500.0,)
    assert parse_conditions("是否开工＝是", PROJECTS)[0].values == (True,)


def test_fields_by_label_without_unit_or_by_alias_and_choices_by_alias():
    assert parse_conditions("总投资≥5000", PROJECTS)[0].field == "total_investment"      # alias of 签约总投资
    assert parse_conditions("项目类别=省百大", KEY_PROJECTS)[0].values == ("省级百大",)   # choice alias


def test_empty_is_no_condition():
    assert parse_conditions("", PROJECTS) == () and parse_conditions(None, PROJECTS) == ()


@pytest.mark.parametrize("text, words", [
    ("签约时间在本期", "字段“签约时间”不是“招商引资项目”表的列"),
    ("签约日期今年", "无法识别"),
    ("投资方在本期", "“在本期”只能用于日期列"),
    ("投资方≥5000", "不是数字列"),
    ("签约总投资≥约五千", "“约五千”不是数字"),
    ("是否开工=可能", "只能是“是”或“否”"),
    ("资金来源=外地", "“外地”不是“资金来源”的可选项"),
    ("签约日期=2022", "日期列"),
    ("是否开工=", "后面没有值"),
    ("=是", "字段“”不是"),
])
def test_errors_name_the_part(text, words):
    with pytest.raises(ConditionError) as caught:
        parse_conditions(text, PROJECTS)
    assert words in str(caught.value) and str(caught.value).startswith("条件“")


# --- counting ---------------------------------------------------------------------------------

SIGNED = parse_conditions("签约日期在本期", PROJECTS)
ROWS = [row(name="a", sign_date=dt.date(2022, 3, 1), total_investment=12000.0, started=True,
            start_date=dt.date(2022, 5, 1), funds_out_of_province=300.0),
        row(name="b", sign_date=dt.date(2022, 7, 1), total_investment=20000.0, funds_out_of_province=900.0),
        row(name="c", sign_date=dt.date(2021, 12, 1), total_investment=15000.0),
        row(name="d", sign_date=dt.date(2022, 6, 30), total_investment=9999.0, started=False,
            funds_out_of_province=None)]


def test_count_sum_and_reported():
    big = Indicator("big", "亿元以上签约项目", "个", method=COUNT, source="projects",
                    conditions=parse_conditions("签约总投资(万元)≥10000；签约日期在本期", PROJECTS))
    funds = Indicator("funds", "实际利用省外资金", "亿元", method=SUM, source="projects",
                      sum_field="funds_out_of_province", conditions=SIGNED, factor=0.0001)
    started = Indicator("started", "开工", "个", method=COUNT, source="projects",
                        conditions=parse_conditions("签约日期在本期；是否开工=是；开工日期在本期", PROJECTS))
    trade = Indicator("trade", "外贸进出口总额", "万美元", method=REPORTED)
    values = measure((big, funds, started, trade), {"projects": ROWS}, END, {"trade": 88.5})
    # big: a (12000, signed in window) only — b signed after the end, c in 2021, d below 10000
    # funds: a 300 + d None (0), in 亿元; started: a
    assert values == {"big": 1.0, "funds": 0.03, "started": 1.0, "trade": 88.5}


def test_the_window_is_the_periods_year():
    window = Condition("sign_date", IN_PERIOD)
    assert window.holds(row(sign_date=dt.date(2023, 2, 1)), dt.date(2023, 3, 31))
    assert not window.holds(row(sign_date=dt.date(2022, 2, 1)), dt.date(2023, 3, 31))
    assert not window.holds(row(sign_date=None), END)


def test_bounds_ignore_what_is_no_number():
    at_least = Condition("total_investment", AT_LEAST, (5000.0,))
    assert [at_least.holds(row(total_investment=v), END) for v in (5000.0, 4999.0, None, True)] == \
        [True, False, False, False]
