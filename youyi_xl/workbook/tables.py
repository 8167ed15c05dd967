"""Finding a declared table inside a sheet grid: by its header row, never by position.

Shared by the plan reader (attachment templates) and the intake (returns).
A grid is a list of rows from A1 (rows[r][c] is Excel row r+1, column c+1).
"""
from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from ..core import Column, Table, clean_text, compact, header_key, nfkc

HEADER_SCAN_ROWS = 40        # a header further down than this is not looked for
LOOK_PAST_HEADER = 3         # rows still examined below a good header (a second header row)
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "全县合计", "总合计", "合 计"})
_NOTE_START = re.compile(r"^(填表说明|填报说明|注[:：]|注\d|说明[:：]|备注[:：]|附注|制表|以下空白|以下无)")
# A note that no project name begins with: it ends the table whatever else its row holds.
_NOTE_LINE = re.compile(r"^(填表说明|填报说明|填写说明|注[:：]|说明[:：]|备注[:：]|附注[:：]|\(?以下空白|\(?以下无)")
# A sign-off line under a table (docs/decisions.md): its first cell names a role, a contact, a
# date or a seal, before a colon (单位负责人：…, 填报日期：…), alone (审核人 | 李四 in two cells,
# 单位（盖章）) or, for a person, before a space and a short name (经办人 赵六).
_SIGN_OFF_WORDS = ("负责人|领导|审核|审核人|复核|复核人|审批|审批人|审定|审定人|签发|签发人|核稿|核稿人|"
                   "填报人|填表人|制表人|统计人|统计员|经办|经办人|联系人|电话|手机|日期|时间|盖章|签字|签名|"
                   "签章|公章")
_SIGN_OFF = re.compile(r"^[\u4e00-\u9fff]{0,8}\(?(?:" + _SIGN_OFF_WORDS + r")\)?(?::|$)")
_SIGN_OFF_NAMED = re.compile(r"^[\u4e00-\u9fff]{0,4}(?:负责人|领导|审核人?|复核人?|填报人|填表人|制表人|"
                             r"统计人|统计员|经办人?|联系人|日期) +(?:[\u4e00-\u9fff]{2,4}|[\d\-./年月日 ]+)$")
# Every character a sign-off or note pattern must hold somewhere (each alternative's first one):
# a cell whose head holds none of them, and that normalisation cannot change, ends no table.
_ENDING_CHARS = frozenset(word[0] for word in _SIGN_OFF_WORDS.split("|")) | frozenset("填注说备附以")
_FOOTER_TEXT = 40           # characters of a row's first cell examined for a sign-off
# Each pattern's word begins within the first 10 characters of the cleaned cell (_SIGN_OFF: up to
# 8 ideographs and a bracket before it). Ideographs, ASCII letters and digits are what NFKC, the
# removal of invisible characters and of spaces leave as they are: a cell that begins with 10 of
# them (or is no more), none of them a word's first character, ends no table.
_ENDING_REACH = 10
_PLAIN_RANGES = (("0", "9"), ("A", "Z"), ("a", "z"), ("\u4e00", "\u9fff"))
_PLAIN_LEAD = re.compile("[" + "".join(f"{lo}-{hi}" for lo, hi in _PLAIN_RANGES) + "]+")


def _plain_except(excluded: frozenset[str]) -> re.Pattern[str]:
    """_PLAIN_LEAD without the characters `excluded`: one class (all in the BMP, so sre looks each
    character up in one table), instead of a match and then a set test of every character."""
    parts = []
    for lo, hi in _PLAIN_RANGES:
        start = ord(lo)
        for c in sorted(ord(ch) for ch in excluded if lo <= ch <= hi):
            if start < c:
                parts.append(f"{chr(start)}-{chr(c - 1)}")
            start = c + 1
        if start <= ord(hi):
            parts.append(f"{chr(start)}-{hi}")
    return re.compile("[" + "".join(parts) + "]+")


_QUIET_LEAD = _plain_except(_ENDING_CHARS)      # a lead that _PLAIN_LEAD matches, with no _ENDING_CHARS
_SECTION = re.compile(r"^[一二三四五六七八九十]+[、.．]")
_UNIT_PART = re.compile(r"\([^()]*\)$")   # "签约总投资(亿元)" -> "签约总投资"
_HEADER_UNIT = re.compile(r"\((亿元|万元|元|万美元|亿美元|美元)\)$")


@functools.lru_cache(maxsize=1024)     # a form's headers, asked for each table of every return
def header_unit(text: str) -> str:
    """The money unit a written header states, e.g. 亿元 for 签约总投资（亿元）; '' if none."""
    match = _HEADER_UNIT.search(header_key(text))
    return match.group(1) if match else ""


@dataclass
class Located:
    """Where a table sits in a sheet and which column holds which field."""

    table: Table
    sheet_name: str
    header_row: int                      # 0-based row of the (last) header row
    data_start: int                      # first row below the header
    columns: dict[str, int]              # column key -> 0-based column index
    header_text: dict[str, str] = field(default_factory=dict)  # key -> header as written
    extra: list[tuple[int, str]] = field(default_factory=list)  # unknown headers (col, text)

    @property
    def score(self) -> int:
        return len(self.columns)

    def missing_required(self) -> list[Column]:
        return [c for c in self.table.required_columns if c.key not in self.columns]


def _alias_index(table: Table) -> dict[str, list[Column]]:
    index: dict[str, list[Column]] = {}
    for column in table.columns:
        for key in column.header_keys():
            index.setdefault(key, []).append(column)
    return index


@functools.lru_cache(maxsize=64)
def alias_index(table: Table) -> dict[str, list[Column]]:
    """header_key -> candidate columns, built once per table (tables are values: a plan's
    attachment tables, with its declared target columns, are tables of their own)."""
    return _alias_index(table)


def _match_row(row: Sequence[Any], table: Table) -> dict[str, tuple[int, str]]:
    """Map column keys to (column index, header text) for one candidate header row (never to be
    changed: the returns of a batch share their header rows, and the answer is kept; a row
    wider than a form's, from a hostile file, is matched each time so the cache stays small)."""
    for value in row:           # a row without text (numbers, or nothing) names no column: not kept
        if isinstance(value, str) and value.strip():
            break
    else:
        return {}
    if len(row) > KEPT_ROW_CELLS:
        return _matched.__wrapped__(tuple(row), table)
    return _matched(tuple(row), table)


KEPT_ROW_CELLS = 64


@functools.lru_cache(maxsize=1024)
def _matched(row: tuple, table: Table) -> dict[str, tuple[int, str]]:
    index = alias_index(table)
    found: dict[str, tuple[int, str]] = {}
    pending: list[tuple[int, str, list[Column]]] = []
    for c, value in enumerate(row):
        if not isinstance(value, str) or not value.strip():
            continue
        key = header_key(value)
        # a unit part is looked for only in a key that ends with one (most cells of a data row do not)
        candidates = index.get(key) or (key[-1:] == ")" and index.get(_UNIT_PART.sub("", key)))
        if not candidates:
            continue
        if len(candidates) == 1 and not candidates[0].follows:
            found.setdefault(candidates[0].key, (c, value))
        else:
            pending.append((c, value, candidates))
    _resolve_ambiguous(found, pending)
    return found


def _resolve_ambiguous(found: dict[str, tuple[int, str]],
                       pending: list[tuple[int, str, list[Column]]]) -> None:
    """An alias shared by columns ("其中新建") goes to the column it follows."""
    for c, value, candidates in pending:
        best = None
        for column in candidates:
            if column.key in found:
                continue
            anchor = found.get(column.follows, (None,))[0] if column.follows else None
            if anchor is None or anchor < c:
                distance = c - anchor if anchor is not None else 10**6
                if best is None or distance < best[0]:
                    best = (distance, column)
        if best:
            found[best[1].key] = (c, value)


def _enough(found: dict[str, Any], table: Table) -> bool:
    required = _required_keys(table)
    hits = sum(1 for k in required if k in found)
    return len(found) >= table.min_header_matches and hits * 2 >= len(required)


@functools.lru_cache(maxsize=64)
def _required_keys(table: Table) -> tuple[str, ...]:
    """The keys of a table's required columns (asked for each row a locate looks at)."""
    return tuple(c.key for c in table.required_columns)


def locate(rows: Sequence[Sequence[Any]], table: Table, sheet_name: str = "") -> Located | None:
    """The best header row for `table` in a grid, or None when no row looks like it."""
    best: tuple[int, int, dict[str, tuple[int, str]]] | None = None
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if best is not None and r > best[0] + LOOK_PAST_HEADER and _enough(best[2], table):
            break                      # the header was found; data rows follow
        found = _match_row(row, table)
        if found and (best is None or len(found) > len(best[2])):
            best = (r, r + 1, found)
    if best is None or not _enough(best[2], table):
        return None
    header_row, data_start, found = _merge_subheader(rows, table, *best)
    return Located(table, sheet_name, header_row, data_start,
                   {k: c for k, (c, _) in found.items()},
                   {k: t for k, (_, t) in found.items()},
                   _extra_headers(rows, header_row, found))


def _merge_subheader(rows, table, r, data_start, found):
    """Two-row headers (a merged 其中 over 省外资金 / 外资): take matches from the row below."""
    if r + 1 >= len(rows):
        return r, data_start, found
    below = _match_row(rows[r + 1], table)
    new = {k: v for k, v in below.items() if k not in found}
    used = {c for c, _ in found.values()}
    new = {k: v for k, v in new.items() if v[0] not in used}
    if not new:
        return r, data_start, found
    return r + 1, r + 2, {**found, **new}


def _extra_headers(rows, header_row, found) -> list[tuple[int, str]]:
    used = {c for c, _ in found.values()}
    row = rows[header_row]
    return [(c, clean_text(v)) for c, v in enumerate(row)
            if c not in used and isinstance(v, str) and v.strip() and c > 0]


@dataclass
class DataRow:
    index: int                  # 0-based sheet row
    values: Sequence[Any]
    kind: str                   # data / total / section


def data_rows(rows: Sequence[Sequence[Any]], located: Located) -> Iterator[DataRow]:
    """Rows under the header: blank rows skipped, 合计 rows marked; the table ends at the first
    line that is not data (a note such as 填表说明, or a sign-off line such as 单位负责人：…)."""
    used = sorted(set(located.columns.values()))
    seq = located.columns.get("seq", -1)
    pick = picker(used)
    for r in range(located.data_start, len(rows)):
        row = rows[r]
        lead = _lead(row, seq)
        if lead is None:
            continue
        if type(lead) is str and ends_table(lead):
            return
        cells = pick(row)
        filled = len(cells) - cells.count("") - cells.count(None)      # counted in C
        if not filled:
            continue
        if filled <= 2:             # a short line: a note (填表说明 …) ends the table, a 一、 heads a section
            first = next(v for v in cells if v != "" and v is not None)
            first = first.lstrip() if type(first) is str else ""
            if first and _NOTE_START.match(compact(first[:8])):
                return
            if filled == 1 and first and _SECTION.match(first) and not _is_total(cells):
                yield DataRow(r, row, "section")
                continue
        yield DataRow(r, row, "total" if _is_total(cells) else "data")


def _is_total(cells: Sequence[Any]) -> bool:
    """A 合计 / 总计 / 小计 row: one of its first four cells says so."""
    for value in cells[:4]:
        if type(value) is str and "计" in value and compact(value) in TOTAL_WORDS:
            return True
    return False


def picker(columns: Sequence[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function giving the cells of a row at `columns`, in that order ('' past the row's end)."""
    last = max(columns, default=-1)
    take = operator.itemgetter(*columns) if len(columns) > 1 else None

    def pick(row: Sequence[Any]) -> Sequence[Any]:
        if take is not None and len(row) > last:
            return take(row)
        return [row[c] if c < len(row) else "" for c in columns]
    return pick


def _lead(row: Sequence[Any], seq: int) -> Any:
    """The first filled cell of a row, passing over a number in the 序号 column (forms number
    their blank rows, and a unit writes its sign-off line beside the number); None for a row
    that holds nothing else."""
    for c, value in enumerate(row):
        if value == "" or value is None or (c == seq and _is_number(value)):
            continue
        return value
    return None


def _is_number(value: Any) -> bool:
    return type(value) in (int, float) or (type(value) is str and value.strip().isdigit())


def ends_table(text: str) -> bool:
    """True for the first cell of a line that ends a table: a sign-off (单位负责人：张三, 审核人,
    填报日期：…) or a note (填表说明, 注：…, 以下空白), however many cells the line spreads over."""
    if _QUIET_LEAD.fullmatch(text, 0, _ENDING_REACH):
        return False        # most first cells (a project's name): no pattern can match
    head = text[:_FOOTER_TEXT]
    if _ENDING_CHARS.isdisjoint(head) and ((normal := nfkc(head)) is head or _ENDING_CHARS.isdisjoint(normal)):
        return False
    text = clean_text(head)
    return bool(_SIGN_OFF.match(text) or _SIGN_OFF_NAMED.match(text) or _NOTE_LINE.match(text))


def cell(row: Sequence[Any], located: Located, key: str) -> Any:
    """The raw value of field `key` in a data row ('' when the column is absent)."""
    c = located.columns.get(key)
    if c is None or c >= len(row):
        return ""
    return row[c]


def find_label_values(rows: Sequence[Sequence[Any]], labels: dict[str, tuple[str, ...]],
                      max_rows: int = 60, reach: int = 5) -> dict[str, tuple[Any, int, int]]:
    """Label/value cells (a cover sheet): key -> (value, row, col) of the value cell.

    The value is the first non-empty cell right of the label in the same row (at most
    `reach` cells away), or else the cell below the label.
    """
    wanted = {header_key(name): key for key, names in labels.items() for name in names}
    result: dict[str, tuple[Any, int, int]] = {}
    for r, row in enumerate(rows[:max_rows]):
        for c, value in enumerate(row):
            if not isinstance(value, str) or not value.strip():
                continue
            key = wanted.get(header_key(value))
            if key is None or key in result:
                continue
            result[key] = _value_beside(rows, r, c, wanted, reach)
    return result


def _value_beside(rows, r, c, labels: dict[str, str], reach: int = 5) -> tuple[Any, int, int]:
    row = rows[r]
    for cc in range(c + 1, min(len(row), c + 1 + reach)):
        value = row[cc]
        if value != "" and value is not None:
            if isinstance(value, str) and header_key(value) in labels:
                break           # the next label: this one was left empty
            return value, r, cc
    below = rows[r + 1][c] if r + 1 < len(rows) and c < len(rows[r + 1]) else ""
    if below not in ("", None) and not (isinstance(below, str) and header_key(below) in labels):
        return below, r + 1, c
    return "", r, c + 1
