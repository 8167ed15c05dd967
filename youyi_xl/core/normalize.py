"""Turning what units type into values: text, numbers with units, dates, yes/no.

Every parser returns a `Parsed` (value, code, note). `code` is None when the
value was read cleanly, an issue code when it could not be read
(number-invalid, date-invalid, choice-invalid), or a warning code when it was
read with an assumption (unit-converted, year-assumed). Parsers never raise on
bad input: problems in the data are values.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

EXCEL_EPOCH = dt.date(1899, 12, 30)
# Plausible Excel serials for dates of a return: 1990-01-01 .. 2100-12-31.
SERIAL_MIN, SERIAL_MAX = 32874, 73415

# Written in an empty cell by hand, these mean "nothing" (docs/decisions.md).
BLANK_MARKS = frozenset({"", "无", "/", "-", "—", "－", "——", "--", "空", "暂无", "n/a", "N/A"})


# Characters that show nothing (docs/decisions.md): every format character of Unicode (category
# Cf: zero-width space, joiners, word joiner, BOM, soft hyphen, direction marks, tags ...),
# variation selectors and the combining grapheme joiner, and the blank letters (Hangul fillers,
# the braille blank). Text pasted from WeChat or web pages carries them; they are removed before
# any name is compared or shown. NBSP and the other wide spaces are spaces (NFKC and str.split).
_INVISIBLE_BMP = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u115f\u1160"
    "\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb")
_INVISIBLE_ASTRAL = (
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef")
_INVISIBLE_CLASS = _INVISIBLE_BMP + _INVISIBLE_ASTRAL
_INVISIBLE = re.compile(f"[{_INVISIBLE_CLASS}]")
# What a text holding an invisible character holds too: the BMP ones or any character beyond the
# BMP. Searched for first, at about a third of the cost (sre looks a BMP class up in one table,
# while a class with characters beyond it is a list of ranges tried in turn); most text holds none.
_MAYBE_INVISIBLE = re.compile(f"[{_INVISIBLE_BMP}\U00010000-\U0010ffff]")


def strip_invisible(text: str) -> str:
    """`text` without the characters that show nothing (zero-width spaces, BOMs, soft hyphens ...)."""
    return text if text.isascii() or not _MAYBE_INVISIBLE.search(text) else _INVISIBLE.sub("", text)


def invisible_chars(text: str) -> list[str]:
    """The invisible characters `text` holds, as U+XXXX (for a message that explains a mismatch)."""
    return [] if text.isascii() else list(dict.fromkeys(f"U+{ord(c):04X}" for c in _INVISIBLE.findall(text)))


class Parsed(NamedTuple):
    value: Any
    code: str | None = None   # None, an error code, or a warning code
    note: str = ""            # Chinese detail for the issue message


def clean_text(value: Any) -> str:
    """Cell content as text: NFKC (full-width to half-width), invisible characters removed,
    trimmed, spaces collapsed."""
    if value is None:
        return ""
    if type(value) is not str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        value = str(value)
    return " ".join(_normal(value).split())


def _normal(value: str) -> str:
    """NFKC without invisible characters (spaces left as they are)."""
    if value.isascii():
        return value
    return strip_invisible(nfkc(value))


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster for the common case of Chinese text with
    full-width brackets, digits or colons and the ideographic space: those map one to one to their
    ASCII forms (exactly their NFKC decomposition), and what is left is most often normalised
    already (a check in C); anything else goes through the full normalisation."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    found = _NFKC_MADE.get(text)        # a row's name is normalised for its table end, then its identity
    if found is None:
        if len(_NFKC_MADE) >= _NFKC_KEPT:
            _NFKC_MADE.clear()
        found = _NFKC_MADE[text] = _narrowed(text)
    return found


def _narrowed(text: str) -> str:
    narrowed = text.replace("（", "(").replace("）", ")").replace("：", ":")     # the most common, in C
    if unicodedata.is_normalized("NFKC", narrowed):
        return narrowed
    narrowed = narrowed.translate(_FULL_WIDTH)
    return narrowed if unicodedata.is_normalized("NFKC", narrowed) else unicodedata.normalize("NFKC", narrowed)


_NFKC_MADE: dict[str, str] = {}
_NFKC_KEPT = 4096


# U+FF01-FF5E are ASCII 0x21-0x7E in full width, U+3000 the ideographic space: NFKC maps each to
# that one ASCII character (no further decomposition, so normalising after the mapping is the same).
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def tidy_text(value: Any) -> str:
    """Text as the unit wrote it, only without invisible characters, trimmed and with runs of
    spaces collapsed (for display)."""
    if type(value) is not str:
        return clean_text(value)
    return " ".join(strip_invisible(value).split())


def compact(value: Any) -> str:
    """Text with every space removed: the form used to compare names and labels."""
    return "".join((_normal(value) if type(value) is str else clean_text(value)).split())


_HEADER_STRIP = re.compile(f"[*※★:：\\s{_INVISIBLE_CLASS}]")
_MAYBE_HEADER_STRIP = re.compile(f"[*※★:：\\s{_INVISIBLE_BMP}\\U00010000-\\U0010ffff]")   # as _MAYBE_INVISIBLE


def header_key(value: Any) -> str:
    """Normalised header text: no spaces, no required-marks, ASCII brackets, lower case."""
    return _header_key(value if type(value) is str else "" if value is None else str(value))


@lru_cache(maxsize=16384)       # the same headers and labels in every return of a batch
def _header_key(text: str) -> str:
    text = nfkc(text)
    if _MAYBE_HEADER_STRIP.search(text):       # a data cell (a locate looks past the header) most often holds none
        text = _HEADER_STRIP.sub("", text)
    return text.replace("〔", "(").replace("〕", ")").lower()


def is_missing(value: Any) -> bool:
    """No figure and nothing to show: None, an empty or all-space string, NaN, NaT, pandas NA.
    The one test the outputs and the views use for a value that is not there."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(value != value)
    except TypeError:           # pandas NA refuses to be a bool
        return True


def is_blank(value: Any) -> bool:
    """Empty, or one of the hand-written blank marks (无, /, -, …)."""
    if value is None or value == "":
        return True
    if type(value) is str and len(value) <= 8:
        return value in BLANK_MARKS or _blank_text(value)      # a mark is its own compact form
    return False


@lru_cache(maxsize=4096)        # short texts repeat (是, 省内, 新加坡, 无): compacted once each
def _blank_text(text: str) -> bool:
    return compact(text) in BLANK_MARKS


# --- numbers ----------------------------------------------------------------

# suffix -> (currency, factor to 万 of that currency)
_SUFFIXES: tuple[tuple[str, str, float], ...] = (
    ("亿美元", "美元", 10000.0), ("万美元", "美元", 1.0), ("美元", "美元", 0.0001),
    ("亿元", "元", 10000.0), ("万元", "元", 1.0), ("亿", "元", 10000.0), ("万", "元", 1.0),
    ("元", "元", 0.0001), ("个", "个", 1.0), ("项", "个", 1.0),
)
_SCALE = {suffix: (currency, factor) for suffix, currency, factor in _SUFFIXES}     # suffix -> its row
MAX_MAGNITUDE = 1e12       # no amount or count of a return is larger (docs/decisions.md)
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_ERROR_VALUES = ("#DIV/0!", "#REF!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!",
                 "#GETTING_DATA", "#SPILL!", "#CALC!")
_LIBRE_ERROR = re.compile(r"Err:\d{3}")      # what LibreOffice shows for its own errors (Err:502)


def unit_factor(written: str, unit: str) -> float:
    """What a figure in `written` (亿元, 元, 亿美元 …) is multiplied by to be in the column's
    `unit` (万元 or 万美元): the same table as the value suffixes; 1.0 when they do not convert."""
    scale = _SCALE
    if written not in scale or unit not in scale:
        return 1.0
    (have, factor), (want, base) = scale[written], scale[unit]
    return factor / base if have == want else 1.0


def excel_error(value: Any) -> str | None:
    """The Excel error literal a cell holds (#DIV/0! ...), or LibreOffice's own (Err:502), or None."""
    if isinstance(value, str) and value[:1] in ("#", "E"):
        text = value.strip().upper()
        if text in _ERROR_VALUES:
            return text
        if _LIBRE_ERROR.fullmatch(value.strip()):
            return value.strip()
    return None


def parse_number(value: Any, unit: str = "万元", limit: float = MAX_MAGNITUDE) -> Parsed:
    """A number in the column's unit (万元, 万美元 or 个). Blank gives value None. A number whose
    size is above `limit` (at most MAX_MAGNITUDE) is no figure any return has: number-invalid."""
    if isinstance(value, bool):
        return Parsed(None, "number-invalid", f"“{value}”是逻辑值，不是数字")
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return Parsed(None, "number-invalid", f"“{value}”不是有效数字")
        return plausible(Parsed(float(value)), unit, limit)
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return Parsed(None, "number-invalid", f"“{value}”是日期或时间，不是数字")
    if is_blank(value):
        return Parsed(None)
    error = excel_error(value)
    if error:
        return Parsed(None, "number-invalid", f"“{error}”是Excel错误值，不是数字")
    return plausible(_parse_number_text(compact(value).replace(",", ""), unit), unit, limit)


def plausible(parsed: Parsed, unit: str = "", limit: float = MAX_MAGNITUDE) -> Parsed:
    """`parsed`, or number-invalid when its value is larger (in size) than `limit`: a cell may
    hold 1e30, but no county has such a figure, and two of 1e308 add up to inf."""
    value = parsed.value
    limit = min(limit, MAX_MAGNITUDE)
    if type(value) is not float or -limit <= value <= limit:
        return parsed
    return Parsed(None, "number-invalid", f"“{value:g}”远超合理范围（上限为{limit:,.0f}{unit}），"
                                          "可能多填了位数或填错了单位")


def _parse_number_text(text: str, unit: str) -> Parsed:
    want = "美元" if "美元" in unit else ("个" if unit == "个" else "元")
    for suffix, currency, factor in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            number = _full_number(text[: -len(suffix)])
            if number is None:
                break
            if currency != want:
                return Parsed(None, "number-invalid", f"“{text}”的单位与本列单位“{unit}”不符")
            if factor == 1.0:
                return Parsed(number)
            converted = round(number * factor, 6)
            note = f"“{text}”按{converted:g}{unit}计"
            return Parsed(converted, "unit-converted", note)
    number = _full_number(text)
    if number is None:
        return Parsed(None, "number-invalid", f"“{text}”不是数字")
    return Parsed(number)


def _full_number(text: str) -> float | None:
    """The number `text` spells, or None; 400 digits overflow to inf, which is no number."""
    number = float(text) if _NUMBER.fullmatch(text) else None
    return number if number is not None and math.isfinite(number) else None


# --- dates ------------------------------------------------------------------

_DATE_FULL = re.compile(r"(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*[日号]?"
                        r"(\s*\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_DATE_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_NO_YEAR = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")


def parse_date(value: Any, year: int) -> Parsed:
    """A calendar date. Blank gives None; '3月5日' gives `year`-03-05 with year-assumed."""
    if isinstance(value, dt.datetime):
        return Parsed(value.date())
    if isinstance(value, dt.date):
        return Parsed(value)
    if isinstance(value, bool):
        return Parsed(None, "date-invalid", f"“{value}”是逻辑值，不是日期")
    if isinstance(value, (int, float)):
        return _date_from_number(value)
    if is_blank(value):
        return Parsed(None)
    error = excel_error(value)
    if error:
        return Parsed(None, "date-invalid", f"“{error}”是Excel错误值，不是日期")
    return _parse_date_text(clean_text(value), year)


def _date_from_number(value: float) -> Parsed:
    if not math.isfinite(value):      # a cell can store 1e400 (inf) or NaN
        return Parsed(None, "date-invalid", f"“{value}”不是日期")
    if value == int(value) and 19000101 <= value <= 21001231:
        return _make_date(*_DATE_COMPACT.fullmatch(str(int(value))).groups(), text=str(int(value)))
    if SERIAL_MIN <= value <= SERIAL_MAX:
        return Parsed(EXCEL_EPOCH + dt.timedelta(days=int(value)))
    return Parsed(None, "date-invalid", f"“{value:g}”不是日期")


def _parse_date_text(text: str, year: int) -> Parsed:
    match = _DATE_FULL.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match:
        return _make_date(*match.groups()[:3], text=text)
    match = _DATE_NO_YEAR.fullmatch(text)
    if match:
        parsed = _make_date(year, *match.groups(), text=text)
        if parsed.code:
            return parsed
        return Parsed(parsed.value, "year-assumed", f"“{text}”未写年份，按{year}年计")
    number = _full_number(text)
    if number is not None:
        return _date_from_number(number)
    return Parsed(None, "date-invalid", f"“{text}”不是日期")


def _make_date(year, month, day, text: str) -> Parsed:
    try:
        return Parsed(dt.date(int(year), int(month), int(day)))
    except ValueError:
        return Parsed(None, "date-invalid", f"“{text}”不是存在的日期")


# --- yes / no and choices ---------------------------------------------------

_YES = frozenset({"是", "√", "✓", "✔", "y", "yes", "true", "1", "已开工", "开工"})
_NO = frozenset({"否", "×", "✗", "✘", "x", "n", "no", "false", "0", "未开工", "不是"})


def parse_yes_no(value: Any) -> Parsed:
    """是/否 and their usual spellings; blank gives None."""
    if isinstance(value, bool):
        return Parsed(value)
    if isinstance(value, (int, float)) and value in (0, 1):
        return Parsed(bool(value))
    if is_blank(value) and value not in ("-", "—"):
        return Parsed(None)
    text = compact(value).lower()
    if text in _YES:
        return Parsed(True)
    if text in _NO:
        return Parsed(False)
    return Parsed(None, "choice-invalid", f"“{clean_text(value)}”应填“是”或“否”")


def parse_choice(value: Any, choices: tuple[str, ...], aliases: dict[str, str]) -> Parsed:
    """One of the drop-down values (after normalising), or choice-invalid."""
    if is_blank(value):
        return Parsed(None)
    text = compact(value)
    if text in choices:
        return Parsed(text)
    if text in aliases:
        return Parsed(aliases[text])
    options = "、".join(choices)
    return Parsed(None, "choice-invalid", f"“{clean_text(value)}”不在可选项（{options}）中")
