"""A reporting period: a month of 2022, cumulative from January 1 (DOMAIN §1)."""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .errors import UsageError
from .normalize import Parsed, clean_text

_CN_NUM = "零一二三四五六七八九十"
_QUARTER_NAMES = {3: "一季度", 6: "上半年", 9: "前三季度", 12: "全年"}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str | "Period") -> "Period":
        """'2022-03' (or 2022.3, 202203, 2022年3月) -> Period; UsageError otherwise."""
        if isinstance(text, Period):
            return text
        match = re.fullmatch(r"(\d{4})\s*[-./年]?\s*(\d{1,2})\s*月?", clean_text(text))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise UsageError(f"报送期“{text}”无法识别，请写成 2022-03 这样的年-月格式")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}"

    def __str__(self) -> str:
        return self.key

    @property
    def end(self) -> dt.date:
        """Last day of the period: counts include everything on or before it."""
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def time_progress(self) -> float:
        """序时进度: the share of the year that has elapsed (month / 12)."""
        return self.month / 12

    @property
    def label(self) -> str:
        """As 报送期 is written on a return: 2022年1-3月 (2022年1月 for January)."""
        if self.month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1-{self.month}月"

    @property
    def dash_label(self) -> str:
        """As a bulletin writes the range, with the 一字线: 2022年1—3月."""
        if self.month == 1:
            return f"{self.year}年1月"
        return f"{self.year}年1—{self.month}月"

    @property
    def phase(self) -> str:
        """一季度 / 上半年 / 前三季度 / 全年, or 1—N月 for other months."""
        return _QUARTER_NAMES.get(self.month, f"1—{self.month}月" if self.month > 1 else "1月")

    def previous_quarter_end(self) -> "Period | None":
        return Period(self.year, self.month - 3) if self.month > 3 else None


_YEAR = re.compile(r"(\d{4})年?度?|(\d{2})年度?")
_MONTHS = re.compile(r"(?:截至|截止|至)?(?:1月?[-—–~～至到])?(\d{1,2})(月)?份?(?:底|末)?(?:累计)?(?:数)?")
_QUARTER_TEXT = {"一季度": 3, "第一季度": 3, "1季度": 3, "上半年": 6, "二季度": 6, "第二季度": 6,
                 "前三季度": 9, "三季度": 9, "第三季度": 9, "全年": 12, "四季度": 12, "第四季度": 12}
_CN_MONTHS = (("十二", "12"), ("十一", "11"), ("十", "10"), ("一", "1"), ("二", "2"), ("三", "3"),
              ("四", "4"), ("五", "5"), ("六", "6"), ("七", "7"), ("八", "8"), ("九", "9"))


def parse_reported_period(value: Any, year: int) -> Period | None:
    """Read 报送期 as units write it: 2022年1-3月, 2022年一季度, 2022-03, 1-6月, 上半年, a date.
    None if unreadable. `year` is the collection's year, taken where the text names none."""
    return read_reported_period(value, year).value


def read_reported_period(value: Any, year: int) -> Parsed:
    """报送期 as a Period: Parsed(Period) when the text names its year, Parsed(Period,
    "year-assumed", note) when it names none ("1-6月", "上半年", "1—6月": the collection's
    `year`), Parsed(None) when it cannot be read."""
    if isinstance(value, (dt.date, dt.datetime)):
        return Parsed(Period(value.year, value.month))
    text = "".join(clean_text(value).split())
    if not text:
        return Parsed(None)
    found = _YEAR.match(text)
    written = (int(found[1]) if found[1] else 2000 + int(found[2])) if found else None
    rest = text[found.end():].lstrip("-./") if found else text
    month = _reported_month(rest, bare=found is None)
    if month is None:
        return Parsed(None)
    if written is not None:
        return Parsed(Period(written, month))
    return Parsed(Period(year, month), "year-assumed", f"“{text}”未写年份，按{year}年计")


def _reported_month(text: str, bare: bool) -> int | None:
    """The last month of the range `text` names (1-6月, 一季度, 06), or None; `bare` text (no
    year before it) must say 月 or name a quarter, so that a stray number is not a period."""
    for name, month in _QUARTER_TEXT.items():
        if text in (name, name + "累计"):
            return month
    for chinese, digits in _CN_MONTHS:
        text = text.replace(chinese, digits)
    match = _MONTHS.fullmatch(text)
    if not match or not 1 <= int(match[1]) <= 12 or (bare and not match[2]):
        return None
    return int(match[1])


def cn_date(date: dt.date) -> str:
    """2022年4月6日: how a bulletin and a hint write a date (Arabic numerals, no zero padding)."""
    return f"{date.year}年{date.month}月{date.day}日"


def chinese_number(n: int) -> str:
    """1..99 in Chinese numerals (for headings such as 一、二、)."""
    if n <= 10:
        return _CN_NUM[n]
    tens, ones = divmod(n, 10)
    return (_CN_NUM[tens] if tens > 1 else "") + "十" + (_CN_NUM[ones] if ones else "")
