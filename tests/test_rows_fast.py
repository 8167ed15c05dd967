"""The quick paths of reading a return's rows, tables and texts give the general paths' answers.

Each test compares a quick path with the general one it stands for (as the code was before the
quick path, written out here) on generated inputs: spaces of every width, full-width forms,
invisible characters inside and beyond the BMP, blank marks, numbers, dates.
"""
from __future__ import annotations

import datetime as dt
import random
import sys
import unicodedata

import pytest

from youyi_xl.core import normalize
from youyi_xl.core.normalize import (
    _HEADER_STRIP,
    _INVISIBLE,
    BLANK_MARKS,
    clean_text,
    compact,
    header_key,
    is_blank,
    nfkc,
    strip_invisible,
)
from youyi_xl.core.schema import KEY_PROJECTS, PLANNED, PROJECTS, SUMMARY
from youyi_xl.intake import rows
from youyi_xl.workbook import tables

# invisible (BMP, beyond it, printable or not), spaces, full-width, blank marks, what NFKC changes
POOL = ["东建乡", "玉米", "项目", "公司", "有限", "（", "）", "(", ")", "：", ":", "*", "※", "★", " ", "  ",
        "\u3000", "\u00a0", "\t", "\n", "\u200b", "\ufeff", "\u00ad", "\u034f", "\ufe0f", "\u3164", "\u2800",
        "\U000e0041", "\U000e0100", "\U000110bd", "\U0001d173", "𠀋", "😀", "Ａ", "１", "ｶ", "ﾞ", "\u0301",
        "①", "㎏", "〔", "〕", "无", "/", "-", "—", "－", "空", "n/a", "N/A", "暂无", "是", "否", "A", "b",
        "3", "万元", "亿元", "计", "合计", "1期", "İ"]


def texts(seed: int, count: int = 4000, most: int = 6):
    pick = random.Random(seed)
    for _ in range(count):
        yield "".join(pick.choice(POOL) for _ in range(pick.randint(0, most)))


def old_normal(value: str) -> str:
    return value if value.isascii() else _INVISIBLE.sub("", nfkc(value))


def old_compact(value):
    return "".join((old_normal(value) if type(value) is str else clean_text(value)).split())


def test_the_quick_invisible_searches_find_every_character_the_full_ones_find():
    """_MAYBE_INVISIBLE and _MAYBE_HEADER_STRIP match every character _INVISIBLE and _HEADER_STRIP
    match (every code point): where they find nothing, the full patterns would remove nothing."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1))
    assert set(_INVISIBLE.findall(every)) <= set(normalize._MAYBE_INVISIBLE.findall(every))
    assert set(_HEADER_STRIP.findall(every)) <= set(normalize._MAYBE_HEADER_STRIP.findall(every))
    assert all(ord(c) <= 0xFFFF for c in normalize._INVISIBLE_BMP)


@pytest.mark.parametrize("seed", [1, 2])
def test_compact_strip_invisible_and_header_key_are_the_general_forms(seed):
    for text in texts(seed):
        assert compact(text) == old_compact(text), ascii(text)
        assert strip_invisible(text) == (text if text.isascii() else _INVISIBLE.sub("", text)), ascii(text)
        assert normalize._normal(text) == old_normal(text), ascii(text)
        expected = _HEADER_STRIP.sub("", nfkc(text)).replace("〔", "(").replace("〕", ")").lower()
        assert normalize._header_key.__wrapped__(text) == header_key(text) == expected, ascii(text)
    for value in (None, 0, 1.0, 2.5, True, dt.date(2022, 3, 5), "", " "):
        assert compact(value) == old_compact(value)


@pytest.mark.parametrize("seed", [3, 4])
def test_is_blank_of_a_short_text_is_its_compact_form_among_the_marks(seed):
    assert all(compact(mark) in BLANK_MARKS for mark in BLANK_MARKS)     # why a mark is blank as it is
    for text in [*texts(seed, most=3), *BLANK_MARKS]:
        expected = text == "" or (len(text) <= 8 and old_compact(text) in BLANK_MARKS)
        assert is_blank(text) == expected, ascii(text)


def old_text_reader(empty):
    def clean_str(value):
        text = normalize.tidy_text(value)
        return text if len(text) > 3 or (text and not is_blank(text)) else rows._SLOW
    return lambda v: clean_str(v) if type(v) is str and v else empty if v == "" or v is None else rows._SLOW


@pytest.mark.parametrize("seed", [5, 6])
def test_the_text_reader_is_the_old_reader_and_agrees_with_read_cell(seed):
    """The fast text reader gives what the full parse of a text cell gives (read_cell's value:
    every invisible character removed, printable ones such as U+3164 and U+2800 too)."""
    column = PROJECTS.column("name")
    values = [*texts(seed), None, 0.0, 3, True, dt.date(2022, 1, 2), "项目\u3164名", "\u2800项目", "项\ufe0f目甲"]
    for empty in (None, rows._SLOW):
        quick, old = rows._fast_reader(column, 1.0, {}, 1e12, empty), old_text_reader(empty)
        for value in values:
            assert quick(value) == old(value) or (quick(value) is old(value)), ascii(value)
            found = quick(value)
            if type(value) is str and found is not rows._SLOW and found is not empty:
                assert found == (None if is_blank(value) else normalize.tidy_text(value)), ascii(value)
                assert not normalize.invisible_chars(found), ascii(found)


@pytest.mark.parametrize("seed", [7, 8])
def test_the_quiet_lead_is_a_plain_lead_without_an_ending_character(seed):
    pick = random.Random(seed)
    plain = "东建乡玉米项目公司友谊AZaz09"
    pool = [*plain, *tables._ENDING_CHARS, "（", "(", " ", "\u3000", "Ａ", "\u200b", "〇", "\u9fff", "\u4e00",
            "\u9fa6", "_", "é"]
    for _ in range(20000):
        text = "".join(pick.choice(pool) for _ in range(pick.randint(0, 14)))
        lead = text[:tables._ENDING_REACH]
        expected = bool(tables._PLAIN_LEAD.fullmatch(lead)) and tables._ENDING_CHARS.isdisjoint(lead)
        assert bool(tables._QUIET_LEAD.fullmatch(text, 0, tables._ENDING_REACH)) == expected, text
    # every character of the plain ranges, alone
    for lo, hi in tables._PLAIN_RANGES:
        for code in range(ord(lo) - 1, ord(hi) + 2):
            c = chr(code)
            expected = bool(tables._PLAIN_LEAD.fullmatch(c)) and c not in tables._ENDING_CHARS
            assert bool(tables._QUIET_LEAD.fullmatch(c)) == expected, hex(code)


HEADERS = ["序号", "项目名称*", "投资方*", "签约总投资（亿元）", "签约总投资(万元)*", "其中新建", "其中外资(万美元)",
           "总投资", "总投资（万元）", "备注", "指标", "年度目标", "本年累计完成", "开工日期", "所属产业链",
           # unit parts no alias names: matched by the key without them
           "项目名称（全称）", "投资方(企业)", "指标(单位)", "开工日期(年月日)", "备注(其他)", "年度目标（个）"]


def old_matched(row, table):
    index = tables.alias_index(table)
    found, pending = {}, []
    for c, value in enumerate(row):
        if not isinstance(value, str) or not value.strip():
            continue
        key = header_key(value)
        candidates = index.get(key) or index.get(tables._UNIT_PART.sub("", key))
        if not candidates:
            continue
        if len(candidates) == 1 and not candidates[0].follows:
            found.setdefault(candidates[0].key, (c, value))
        else:
            pending.append((c, value, candidates))
    tables._resolve_ambiguous(found, pending)
    return found


@pytest.mark.parametrize("table", [PROJECTS, KEY_PROJECTS, PLANNED, SUMMARY], ids=lambda t: t.key)
def test_match_row_is_the_full_match_of_every_row(table):
    """Rows of headers, data, numbers and nothing: _match_row (with its quick answer for rows
    without text, and its unit part looked for only in keys ending with one) is _matched."""
    pick = random.Random(9)
    cells = [*HEADERS, "", "", "  ", None, 1.0, 0, 2.5, True, dt.date(2022, 3, 1), "东建乡026项目（1期）",
             "(万元)", "（亿元）", "名称(", *texts(10, 20)]
    for _ in range(3000):
        row = [pick.choice(cells) for _ in range(pick.randint(0, 12))]
        assert tables._match_row(row, table) == old_matched(row, table), row


def old_blank_row(reader, r, raw):
    special = reader.sheet.special
    if not special and raw.count("") + raw.count(None) == len(raw):
        return True
    return all(is_blank(v) and (not special or (r, c) not in special) for c, v in zip(reader.indexes, raw))


class _Reader:
    def __init__(self, special, indexes):
        self.sheet = type("Sheet", (), {"special": special})()
        self.indexes = indexes


@pytest.mark.parametrize("seed", [11, 12])
def test_a_blank_row_is_what_it_was(seed):
    pick = random.Random(seed)
    cells = ["", "", None, "无", "/", " - ", "　", "\u200b", "暂 无", "x", 0.0, 1.0, False, dt.date(2022, 1, 1),
             "东建乡026项目"]
    for _ in range(5000):
        width = pick.randint(1, 6)
        indexes = list(range(1, width + 1))
        special = {(3, c): "#DIV/0!" for c in indexes if pick.random() < 0.15} if pick.random() < 0.5 else {}
        raw = [pick.choice(cells) for _ in range(width)]
        reader = _Reader(special, indexes)
        quick = all(map(is_blank, raw)) and not rows.RowReader._holds_special(reader, 3)
        assert quick == old_blank_row(reader, 3, raw), (raw, special)


def test_nfkc_is_still_unicode_nfkc_on_the_pool():
    for text in texts(13):
        assert nfkc(text) == unicodedata.normalize("NFKC", text), ascii(text)
