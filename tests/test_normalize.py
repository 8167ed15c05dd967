"""The parsers of what units type (youyi_xl.core.normalize), each tested directly: value, code
(None, an error code or a warning code) and the note that goes into the issue."""
from __future__ import annotations

import datetime as dt
import math

import pytest

from youyi_xl.core.normalize import (
    MAX_MAGNITUDE,
    clean_text,
    compact,
    excel_error,
    header_key,
    invisible_chars,
    is_blank,
    parse_choice,
    parse_date,
    parse_number,
    parse_yes_no,
    plausible,
    strip_invisible,
    tidy_text,
    unit_factor,
)
from youyi_xl.core.period import Period, read_reported_period

D = dt.date
YEAR = 2022


# --- text ------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    (None, ""), (" 友谊镇 ", "友谊镇"), ("友谊  镇", "友谊 镇"), ("ＡＢＣ１２３", "ABC123"), (12.0, "12"),
    (12.5, "12.5"), (7, "7"), ("（全角）", "(全角)"), ("a\tb\nc", "a b c"),
])
def test_clean_text(value, expected):
    assert clean_text(value) == expected


INVISIBLE = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202e", "\u2066",
             "\u034f", "\ufe0f", "\u3164", "\u115f", "\u2800", "\U000e0041", "\U000e0100")


@pytest.mark.parametrize("char", INVISIBLE)
def test_invisible_characters_are_removed_before_names_are_compared(char):
    written = f"{char}友谊{char}镇{char}"
    assert clean_text(written) == compact(written) == tidy_text(written) == strip_invisible(written) == "友谊镇"
    assert header_key(f"项目{char}名称") == "项目名称"
    assert invisible_chars(written) == [f"U+{ord(char):04X}"]
    assert is_blank(char)


def test_every_format_character_of_unicode_is_invisible():
    """Category Cf (format characters) as this Python's Unicode database has them: every one."""
    import sys
    import unicodedata

    format_chars = "".join(chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf")
    assert len(format_chars) > 150 and strip_invisible(format_chars) == ""
    assert strip_invisible("友谊镇 ABC（1）") == "友谊镇 ABC（1）"      # nothing visible goes


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u202f", "\u2007", "\u205f"])
def test_wide_and_non_breaking_spaces_are_spaces(space):
    assert clean_text(f"友谊{space}镇") == "友谊 镇" and compact(f"友谊{space}镇") == "友谊镇"


def test_tidy_text_keeps_what_the_unit_wrote():
    assert tidy_text("  （示例）  项目 ") == "（示例） 项目"       # full-width kept, runs of spaces collapsed
    assert tidy_text(3.0) == "3"


@pytest.mark.parametrize("value,expected", [("友 谊 镇", "友谊镇"), ("ＡＢ　Ｃ", "ABC"), (None, "")])
def test_compact(value, expected):
    assert compact(value) == expected


@pytest.mark.parametrize("value,expected", [
    ("签约总投资（万元）*", "签约总投资(万元)"), ("项目 名称", "项目名称"), ("※总投资:", "总投资"),
    ("〔备注〕", "(备注)"), ("ABC", "abc"), (None, ""),
])
def test_header_key(value, expected):
    assert header_key(value) == expected


@pytest.mark.parametrize("value", ["", None, "无", "/", "-", "—", "暂无", " N/A ", "——"])
def test_blank_marks(value):
    assert is_blank(value)


@pytest.mark.parametrize("value", ["0", 0, "无锡项目", "-5", "未开工"])
def test_not_blank(value):
    assert not is_blank(value)


@pytest.mark.parametrize("value,expected", [("#DIV/0!", "#DIV/0!"), ("#ref! ", "#REF!"), ("#N/A", "#N/A"),
                                            ("#项目", None), ("", None), (3, None), ("Err:502", "Err:502"),
                                            ("Error", None)])
def test_excel_error(value, expected):
    assert excel_error(value) == expected


# --- numbers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value,unit,number", [
    (500, "万元", 500.0), (12.5, "万元", 12.5), ("500", "万元", 500.0), ("1,234.5", "万元", 1234.5),
    ("１２３", "万元", 123.0), ("500万元", "万元", 500.0), ("500万", "万元", 500.0), ("-3", "万元", -3.0),
    (".5", "万元", 0.5), ("3个", "个", 3.0), ("2项", "个", 2.0), ("100万美元", "万美元", 100.0),
])
def test_parse_number_clean(value, unit, number):
    assert parse_number(value, unit) == (number, None, "")


@pytest.mark.parametrize("value,unit,number,note", [
    ("0.5亿元", "万元", 5000.0, "“0.5亿元”按5000万元计"), ("2亿", "万元", 20000.0, "“2亿”按20000万元计"),
    ("3000元", "万元", 0.3, "“3000元”按0.3万元计"), ("1亿美元", "万美元", 10000.0, "“1亿美元”按10000万美元计"),
])
def test_parse_number_converts_units_with_a_warning(value, unit, number, note):
    assert parse_number(value, unit) == (number, "unit-converted", note)


@pytest.mark.parametrize("value,unit,note", [
    ("约500", "万元", "“约500”不是数字"), ("待定", "万元", "“待定”不是数字"),
    ("#DIV/0!", "万元", "“#DIV/0!”是Excel错误值，不是数字"), (True, "万元", "“True”是逻辑值，不是数字"),
    (D(2022, 3, 5), "万元", "“2022-03-05”是日期或时间，不是数字"), ("100万美元", "万元", "“100万美元”的单位与本列单位“万元”不符"),
    ("9" * 400, "万元", f"“{'9' * 400}”不是数字"), (math.inf, "万元", "“inf”不是有效数字"),
])
def test_parse_number_refuses_with_the_reason(value, unit, note):
    assert parse_number(value, unit) == (None, "number-invalid", note)


@pytest.mark.parametrize("value", [None, "", "无", "/"])
def test_parse_number_blank(value):
    assert parse_number(value, "万元") == (None, None, "")


@pytest.mark.parametrize("written,unit,factor", [
    ("亿元", "万元", 10000.0), ("元", "万元", 0.0001), ("万元", "万元", 1.0), ("亿美元", "万美元", 10000.0),
    ("万元", "万美元", 1.0), ("", "万元", 1.0),
])
def test_unit_factor(written, unit, factor):
    assert unit_factor(written, unit) == pytest.approx(factor)


# --- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    (D(2022, 3, 5), D(2022, 3, 5)), (dt.datetime(2022, 3, 5, 14, 30), D(2022, 3, 5)),
    ("2022-03-05", D(2022, 3, 5)), ("2022/3/5", D(2022, 3, 5)), ("2022.3.5", D(2022, 3, 5)),
    ("2022年3月5日", D(2022, 3, 5)), ("2022年3月5号", D(2022, 3, 5)), ("20220305", D(2022, 3, 5)),
    (20220305, D(2022, 3, 5)), (44625, D(2022, 3, 5)), ("44625", D(2022, 3, 5)),
    ("２０２２－０３－０５", D(2022, 3, 5)), ("2022-03-05 10:00", D(2022, 3, 5)),
])
def test_parse_date_clean(value, expected):
    assert parse_date(value, YEAR) == (expected, None, "")


def test_a_date_without_its_year_takes_the_collections_year_with_a_warning():
    assert parse_date("3月5日", 2022) == (D(2022, 3, 5), "year-assumed", "“3月5日”未写年份，按2022年计")
    assert parse_date("3月5日", 2023).value == D(2023, 3, 5)


@pytest.mark.parametrize("value,note", [
    ("2022年13月5日", "“2022年13月5日”不是存在的日期"), ("2022年2月30日", "“2022年2月30日”不是存在的日期"),
    ("下个月", "“下个月”不是日期"), ("#VALUE!", "“#VALUE!”是Excel错误值，不是日期"), (False, "“False”是逻辑值，不是日期"),
    (5, "“5”不是日期"), (math.nan, "“nan”不是日期"), ("2月30日", "“2月30日”不是存在的日期"),
])
def test_parse_date_refuses_with_the_reason(value, note):
    assert parse_date(value, YEAR) == (None, "date-invalid", note)


@pytest.mark.parametrize("value", [None, "", "无", "-"])
def test_parse_date_blank(value):
    assert parse_date(value, YEAR) == (None, None, "")


# --- yes / no and choices --------------------------------------------------------------------

@pytest.mark.parametrize("value,expected", [
    ("是", True), ("否", False), ("√", True), ("×", False), ("Y", True), ("n", False), (True, True),
    (0, False), (1, True), ("已开工", True), ("未开工", False), ("ｙｅｓ", True),
])
def test_parse_yes_no(value, expected):
    assert parse_yes_no(value) == (expected, None, "")


def test_parse_yes_no_blank_and_refused():
    assert parse_yes_no("") == (None, None, "")
    assert parse_yes_no("待定") == (None, "choice-invalid", "“待定”应填“是”或“否”")
    assert parse_yes_no("-").code == "choice-invalid"      # a dash is no answer to 是否


CHOICES = ("新建", "续建")


@pytest.mark.parametrize("value,expected", [("新建", "新建"), (" 续 建 ", "续建"), ("新开工", "新建"), ("", None)])
def test_parse_choice(value, expected):
    assert parse_choice(value, CHOICES, {"新开工": "新建"}) == (expected, None, "")


def test_parse_choice_refused_lists_the_choices():
    assert parse_choice("改建", CHOICES, {}) == (None, "choice-invalid", "“改建”不在可选项（新建、续建）中")


# --- magnitudes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1e30, -1e30, 1e308, "10000000000000", 1.5e12])
def test_no_figure_is_larger_than_the_limit(value):
    parsed = parse_number(value, "万元")
    assert parsed.value is None and parsed.code == "number-invalid" and "合理范围" in parsed.note


def test_the_limit_can_be_lower_and_is_never_higher():
    assert parse_number(2e8, "万元", limit=1.07e8).code == "number-invalid"
    assert parse_number(1e8, "万元", limit=1.07e8).value == 1e8
    assert parse_number(MAX_MAGNITUDE, "万元", limit=1e20).value == MAX_MAGNITUDE
    assert parse_number(MAX_MAGNITUDE * 2, "万元", limit=1e20).code == "number-invalid"
    assert plausible(parse_number("0.5亿元", "万元"), "万元", 1e3).code == "number-invalid"
    assert plausible(parse_number("0.5亿元", "万元"), "万元", 1e4).code == "unit-converted"


# --- 报送期 ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("written, month", [
    ("2022年1-6月", 6), ("2022年1—6月", 6), ("2022年上半年", 6), ("2022-06", 6), ("202206", 6),
    ("2022年1月-6月", 6), ("2022年1至6月份累计", 6), ("22年1-6月", 6), ("2022年第二季度", 6),
    (dt.date(2022, 6, 30), 6), ("2022年一季度", 3),
])
def test_reported_period_with_its_year(written, month):
    assert read_reported_period(written, YEAR) == (Period(2022, month), None, "")


@pytest.mark.parametrize("written, month", [
    ("1-6月", 6), ("1—6月", 6), ("上半年", 6), ("1~6月份", 6), ("一至六月", 6), ("6月", 6), ("截至6月底", 6),
    ("1-3月", 3), ("前三季度", 9), ("1-12月", 12),
])
def test_reported_period_without_the_year_takes_the_collections_year(written, month):
    parsed = read_reported_period(written, YEAR)
    assert parsed.value == Period(2022, month) and parsed.code == "year-assumed" and "按2022年计" in parsed.note


@pytest.mark.parametrize("written", ["4-6月", "6", "1-6", "2022", "2022年", "2022年13月", "上旬", "", None])
def test_reported_period_unreadable(written):
    assert read_reported_period(written, YEAR).value is None


def test_nfkc_is_unicode_nfkc_on_any_mix_of_full_width_and_composing_characters():
    """core.nfkc maps full-width ASCII and the ideographic space one to one before normalising:
    the same text as unicodedata's NFKC for every mix, including marks that compose with what
    the mapping produces (Ａ + U+0301 -> Á) and half-width kana with their voicing marks."""
    import random
    import unicodedata

    from youyi_xl.core import nfkc
    pool = [chr(c) for c in [*range(0x20, 0x7F), *range(0xFF01, 0xFF5F), 0x3000, 0x0301, 0x3099, 0x309A,
                             0xFF76, 0xFF9E, 0xFF9F, 0x2460, 0x338F, 0xFA10, 0x4E2D, 0x2F00, 0xAC00, 0x1100,
                             0x1161, 0x00A0, 0x2163]]
    pick = random.Random(7)
    for _ in range(20000):
        text = "".join(pick.choice(pool) for _ in range(pick.randint(1, 8)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)
    assert nfkc("玉米深加工（一期）：１号") == "玉米深加工(一期):1号"
    normal = "玉米深加工项目"
    assert nfkc(normal) is normal
