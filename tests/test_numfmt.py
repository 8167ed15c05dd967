"""Numbers in the county's bulletin style (DOMAIN §6): youyi_xl.outputs.numfmt."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from youyi_xl.core import is_missing
from youyi_xl.outputs import numfmt as nf


@pytest.mark.parametrize("value", [None, math.nan, float("nan"), "", "  "])
def test_missing_values_print_as_a_dash(value):
    assert is_missing(value)
    for function in (nf.decimal, nf.yi, nf.wan, nf.money, nf.percent, nf.score):
        assert function(value) == nf.MISSING
    assert nf.amount(value, "个") == nf.MISSING
    assert nf.schedule(value, 0.25) == nf.MISSING


def test_one_missing_test_for_every_kind_of_absent_value():
    """The outputs had two is_missing helpers that disagreed (pandas NA was a figure for one of
    them); core.is_missing is now the only one, and the outputs' modules use it."""
    import pandas as pd

    from youyi_xl.outputs import xlstyle

    assert all(is_missing(v) for v in (pd.NA, pd.NaT, None, float("nan"), " \t"))
    assert not any(is_missing(v) for v in (0, False, dt.date(2022, 3, 1), "无"))
    assert nf.is_missing is is_missing and xlstyle.is_missing is is_missing


def test_zero_and_numbers_are_not_missing():
    assert not is_missing(0)
    assert not is_missing(0.0)
    assert not is_missing("12")


@pytest.mark.parametrize("value, places, text", [
    (1234.5, 2, "1234.5"), (38, 2, "38"), (38.0, 2, "38"), (0.25, 2, "0.25"),
    (12.345, 2, "12.35"), (12.344, 2, "12.34"), (0.001, 2, "0"), (-0.001, 2, "0"),
    (1999.999, 2, "2000"), (7.5, 0, "8"),
])
def test_decimal_drops_trailing_zeros(value, places, text):
    assert nf.decimal(value, places) == text


@pytest.mark.parametrize("wan, text", [
    (54000, "5.40亿元"), (45000, "4.50亿元"), (107000, "10.70亿元"), (17064, "1.71亿元"),
    (10000, "1.00亿元"), (0, "0.00亿元"), (12345.678, "1.23亿元"), (26750, "2.68亿元"),  # half up
])
def test_yi_has_two_decimals(wan, text):
    assert nf.yi(wan) == text


@pytest.mark.parametrize("wan, text", [
    (850, "850万元"), (850.5, "850.5万元"), (12.345, "12.35万元"), (0, "0万元"),
])
def test_wan_has_up_to_two_decimals(wan, text):
    assert nf.wan(wan) == text


@pytest.mark.parametrize("wan, text", [
    (9999, "9999万元"), (10000, "1.00亿元"), (26750, "2.68亿元"), (26749, "2.67亿元"), (3000, "3000万元"),
    (-12000, "-1.20亿元"),
])
def test_money_in_prose_switches_to_yi_from_one_yi(wan, text):
    assert nf.money(wan) == text


@pytest.mark.parametrize("value, unit, text", [
    (9, "个", "9个"), (9.0, "个", "9个"), (54000, "万元", "5.40亿元"), (850, "万元", "850万元"),
    (120, "万美元", "120万美元"), (120.5, "万美元", "120.5万美元"),
])
def test_amount_writes_each_unit(value, unit, text):
    assert nf.amount(value, unit) == text


@pytest.mark.parametrize("rate, text", [
    (0.316, "31.6%"), (0.25, "25.0%"), (1, "100.0%"), (0.2368, "23.7%"), (1.2345, "123.5%"), (0, "0.0%"),
])
def test_percent_has_one_decimal(rate, text):
    assert nf.percent(rate) == text


@pytest.mark.parametrize("rate, progress, text", [
    (0.316, 0.25, "超序时进度6.6个百分点"),          # DOMAIN §6's own example
    (9 / 38, 0.25, "低于序时进度1.3个百分点"),
    (0.25, 0.25, "与序时进度持平"),
    (0.2504, 0.25, "与序时进度持平"),               # equal as printed: 25.0% and 25.0%
    (0.6, 0.5, "超序时进度10.0个百分点"),
    (0, 9 / 12, "低于序时进度75.0个百分点"),
    (7 / 12 + 0.0001, 7 / 12, "与序时进度持平"),
])
def test_schedule_in_percentage_points(rate, progress, text):
    assert nf.schedule(rate, progress) == text


def test_points_gap_agrees_with_the_printed_percentages():
    # 23.68% prints as 23.7%; against 25.0% the gap printed must be 1.3, not 1.32
    assert nf.points_gap(9 / 38, 0.25) == -1.3
    assert nf.points_gap(None, 0.25) is None


def test_score_has_two_decimals():
    assert nf.score(96.5) == "96.50分"
    assert nf.score(-5) == "-5.00分"


@pytest.mark.parametrize("month, text", [(1, "1月"), (2, "1—2月"), (3, "1—3月"), (12, "1—12月")])
def test_month_range_uses_the_yizixian(month, text):
    assert nf.month_range(month) == text
    assert "\u2014" in text or month == 1     # 一字线 U+2014, not a hyphen


def test_cn_date_is_arabic_without_leading_zeros():
    assert nf.cn_date(dt.date(2022, 4, 6)) == "2022年4月6日"
    assert nf.cn_date(dt.date(2022, 12, 31)) == "2022年12月31日"


@pytest.mark.parametrize("n, numeral", [(1, "一"), (5, "五"), (10, "十"), (11, "十一"), (20, "二十"),
                                        (21, "二十一"), (99, "九十九")])
def test_cn_numeral(n, numeral):
    assert nf.cn_numeral(n) == numeral


@pytest.mark.parametrize("n", [0, 100, -1])
def test_cn_numeral_range(n):
    with pytest.raises(ValueError):
        nf.cn_numeral(n)


def test_heading_numbers():
    assert nf.heading_number(3) == "三、"
    assert nf.subheading_number(2) == "（二）"
    assert nf.point_number(1) == "一是"


def test_names_and_counts():
    assert nf.names(["友谊镇", "兴隆镇"]) == "友谊镇、兴隆镇"
    assert nf.names([]) == ""
    assert nf.names_count([]) == ""
    assert nf.names_count(["友谊镇"]) == "友谊镇"
    assert nf.names_count(["友谊镇", "兴隆镇"]) == "友谊镇、兴隆镇等2个单位"
    assert nf.names_count(["水稻", "大豆", "玉米"], "条产业链", limit=2) == "水稻、大豆等3条产业链"
    assert nf.names_count(["a", "b"], limit=5) == "a、b等2个单位"


def test_one_money_style_within_a_sentence():
    """The sentence's largest amount decides: from 1亿元 every amount in 亿元, else every one in 万元."""
    style = nf.money_style(9000, 45000)
    assert (style(9000), style(45000)) == ("0.90亿元", "4.50亿元")
    style = nf.money_style(850, 9999.99, None, float("nan"))
    assert (style(850), style(9999.99)) == ("850万元", "9999.99万元")
    assert nf.money_style()(0) == "0万元"
    assert nf.amount(9000, "万元", nf.money_style(9000, 45000)) == "0.90亿元"
    assert nf.amount(9000, "万元") == "9000万元"                    # alone, by its own size
    assert nf.amount(9, "个", nf.money_style(45000)) == "9个"          # counts keep their unit


def test_chain_names_take_full_width_brackets():
    assert nf.full_width("玉米(含鲜食玉米)") == "玉米（含鲜食玉米）"
    assert nf.full_width("畜牧（蛋鸡/生猪/肉牛）") == "畜牧（蛋鸡/生猪/肉牛）"
