"""Numbers written the way county bulletins write them (DOMAIN §6).

- money in prose: 亿元 with two decimals ("5.40亿元"); amounts under 1亿元 stay in
  万元 ("850万元"), since "0.09亿元" hides what a clerk needs to read; one style within a
  sentence: where a sentence compares amounts, all of them take the style of the largest
  (`money_style`: "完成投资0.90亿元，占年度计划投资4.50亿元");
- money in tables: 万元 with 0–2 decimals ("1234.5");
- counts: "9个"; percentages: one decimal ("23.7%");
- distance from 序时进度 in 个百分点 ("超序时进度6.6个百分点");
- month ranges with the 一字线 ("1—3月"); dates in Arabic numerals ("2022年4月6日");
- lists of names joined with 、 ("友谊镇、兴隆镇等5个单位").

Every function accepts None or NaN for "no figure" and then returns `MISSING`.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Iterable, Sequence

from ..core import chinese_number, cn_date, is_missing  # noqa: F401 - cn_date is part of this module's API

MISSING = "—"
PROSE_YI_FROM = 10000.0      # amounts from 1亿元 on are written in 亿元 in prose


def fixed(value: object, places: int, shift: int = 0) -> str:
    """`value` × 10**shift with exactly `places` decimals, rounded half up as printed figures are.

    Works on the decimal digits of the number as written (1.2345 → 123.45 → 123.5), so a
    binary float's 123.44999… never rounds a figure down.
    """
    number = Decimal(str(float(value))).scaleb(shift)  # type: ignore[arg-type]
    return str(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP) + 0)


def figure(value: object) -> float:
    """A figure to add up or compare: a missing one (is_missing) counts as 0."""
    return 0.0 if is_missing(value) else float(value)  # type: ignore[arg-type]


def decimal(value: object, places: int = 2) -> str:
    """A number with at most `places` decimals, trailing zeros dropped: 1234.5, 38, 0.25."""
    if is_missing(value):
        return MISSING
    text = fixed(value, places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def yi(wan: object) -> str:
    """万元 → 亿元 with two decimals: 54000 → 5.40亿元."""
    if is_missing(wan):
        return MISSING
    return fixed(wan, 2, -4) + "亿元"


def wan(value: object, places: int = 2) -> str:
    """万元 with 0–2 decimals: 850 → 850万元, 12.345 → 12.35万元."""
    return MISSING if is_missing(value) else decimal(value, places) + "万元"


def money(wan_value: object) -> str:
    """Money in prose: 亿元 with two decimals from 1亿元 on, else 万元."""
    if is_missing(wan_value):
        return MISSING
    if abs(float(wan_value)) >= PROSE_YI_FROM:  # type: ignore[arg-type]
        return yi(wan_value)
    return wan(wan_value)


def money_style(*values: object) -> Callable[[object], str]:
    """The money writer of one sentence: `yi` for every amount when the largest of `values` is
    1亿元 or more, else `wan` — so a sentence never mixes 万元 and 亿元."""
    largest = max((abs(float(v)) for v in values if not is_missing(v)), default=0.0)  # type: ignore[arg-type]
    return yi if largest >= PROSE_YI_FROM else wan


def amount(value: object, unit: str, style: Callable[[object], str] | None = None) -> str:
    """A figure with its unit as prose writes it: 9个, 5.40亿元, 850万元, 120万美元. `style`
    (from `money_style`) writes 万元 amounts in the style of their sentence."""
    if is_missing(value):
        return MISSING
    if unit == "万元":
        return (style or money)(value)
    if unit == "个":
        return f"{decimal(value, 0)}个"
    return decimal(value) + unit


def percent(rate: object, places: int = 1) -> str:
    """A share (0.316) as a percentage with one decimal: 31.6%."""
    if is_missing(rate):
        return MISSING
    return fixed(rate, places, 2) + "%"


def points_gap(rate: object, progress: float) -> float | None:
    """rate − 序时进度 in percentage points, from the printed (rounded) percentages.

    Rounding both first keeps the sentence consistent: 31.6% against 25.0% is 6.6.
    """
    if is_missing(rate):
        return None
    return float(Decimal(fixed(rate, 1, 2)) - Decimal(fixed(progress, 1, 2)))


def schedule(rate: object, progress: float) -> str:
    """超序时进度6.6个百分点 / 低于序时进度1.3个百分点 / 与序时进度持平."""
    gap = points_gap(rate, progress)
    if gap is None:
        return MISSING
    if gap > 0:
        return f"超序时进度{gap:.1f}个百分点"
    if gap < 0:
        return f"低于序时进度{-gap:.1f}个百分点"
    return "与序时进度持平"


def full_width(name: str) -> str:
    """A name for prose with full-width brackets: 玉米(含鲜食玉米) → 玉米（含鲜食玉米）."""
    return str(name).replace("(", "（").replace(")", "）")


def score(value: object) -> str:
    """考评得分 with two decimals: 96.5 → 96.50分."""
    return MISSING if is_missing(value) else fixed(value, 2) + "分"


def month_range(month: int) -> str:
    """1—3月 with the 一字线; 1月 for January."""
    return "1月" if month == 1 else f"1—{month}月"


def cn_numeral(n: int) -> str:
    """1..99 in Chinese numerals: 1 → 一, 12 → 十二, 21 → 二十一."""
    if not 0 < n < 100:
        raise ValueError(f"cn_numeral takes 1..99, got {n}")
    return chinese_number(n)


def heading_number(n: int) -> str:
    """First-level heading number: 一、"""
    return cn_numeral(n) + "、"


def subheading_number(n: int) -> str:
    """Second-level heading number with full-width brackets: （一）"""
    return f"（{cn_numeral(n)}）"


def point_number(n: int) -> str:
    """Enumerating points inside a paragraph: 一是, 二是."""
    return cn_numeral(n) + "是"


def names(items: Iterable[str]) -> str:
    """Names joined with the 顿号: 友谊镇、兴隆镇、龙山镇."""
    return "、".join(str(item) for item in items)


def names_count(items: Sequence[str], noun: str = "个单位", limit: int = 0) -> str:
    """友谊县 style: 友谊镇、兴隆镇等2个单位 (noun carries the measure word: 条产业链, 个项目).

    A single name is written alone (友谊镇), without 等1个单位; with `limit`, only the first
    `limit` names are spelled out.
    """
    items = [str(item) for item in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    shown = items[:limit] if limit and len(items) > limit else items
    return f"{names(shown)}等{len(items)}{noun}"
