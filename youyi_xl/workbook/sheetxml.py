"""A worksheet's XML before calamine builds its grid: the grid's bound (a cell at XFD1048576
would make calamine allocate 17 billion cells) and its special cells — error results and
formulas without a stored value, which calamine reads as ''. Read with regular expressions over
the bytes: no DTD or entity is ever expanded.
"""
from __future__ import annotations

import functools
import html
import re

from .preflight import TOO_LARGE, Limits, grid_detail

FAST_MAX_ROWS, FAST_MAX_COLS = 9999, 52     # the box the fast scan proves: A1:AZ9999
TALL_MAX_ROWS, TALL_MAX_COLS = 99999, 20    # and the tall one (a plan's 10,000-unit lists): A1:T99999

XML_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"
XML_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
XML_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*" + XML_QUOTED + rb")*)"


class Refused(Exception):
    """A sheet this module will not hand to the parser (reason, Chinese detail)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def check_grid(name: str, height: int, width: int, limits: Limits, before: int = 0) -> None:
    detail = grid_detail(name, height, width, limits, before)
    if detail:
        raise Refused(TOO_LARGE, detail)


# --- sheet XML: grid bound and special cells --------------------------------

_TAG = re.compile(rb"<" + XML_NS + rb"(c|row)" + XML_ATTRS + rb"\s*(/?)>")
_CELL_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?c[\s/>]")
# Every cell tag in the form <c r="A1" ...> with r first: the common case, bounded in C.
_REF_FIRST = re.compile(rb"<" + XML_NS + rb"c\s+r=\"([A-Z]{1,3})([0-9]{1,7})\""
                        + rb"(?:\s+[^\s=/>]+\s*=\s*" + XML_QUOTED + rb")*\s*(/?)>")
# A cell tag that is not plainly `<c r="..."` with a reference inside A1:AZ9999 (or A1:T99999).
_HAZARD = re.compile(rb"<c(?![^\s/>])(?! r=\"A?[A-Z][0-9]{1,4}\")")
_TALL_HAZARD = re.compile(rb"<c(?![^\s/>])(?! r=\"[A-T][0-9]{1,5}\")")
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_ERROR_MARK = b' t="e"'
# Any length of letters and digits: calamine reads r="AAAA1" or r="A99999999999" as a
# huge position, so such a reference must count as huge here too, never as missing.
_REF = re.compile(rb"\sr\s*=\s*[\"']\$?([A-Za-z]+)\$?([0-9]+)[\"']")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"']([0-9]+)[\"']")
_TYPE = re.compile(rb"\st\s*=\s*[\"']([^\"']*)[\"']")
_ERROR_TYPE = re.compile(rb"\st\s*=\s*[\"']e[\"']")
_VALUE = re.compile(rb"<" + XML_NS + rb"v(?:\s[^>]*)?(?:/>|>([^<]*)<)")
_FORMULA = re.compile(rb"<" + XML_NS + rb"f[\s/>]")
_INLINE = re.compile(rb"<" + XML_NS + rb"is[\s/>]")
_CELL_END = re.compile(rb"</" + XML_NS + rb"c>")


def scan_sheet(xml: bytes, name: str, limits: Limits) -> dict[tuple[int, int], str]:
    """The special cells of one sheet; Refused when its grid is over the cap."""
    if _in_box(xml, limits):
        return _find_specials(xml, b"")
    prefixes = _CELL_PREFIX.findall(xml)
    refs = _REF_FIRST.findall(xml)
    if len(refs) == len(prefixes) and len(set(prefixes)) <= 1:
        _bound_refs(refs, name, limits)
        return _find_specials(xml, prefixes[0] if prefixes else b"")
    return _full_scan(xml, name, limits)


def _in_box(xml: bytes, limits: Limits) -> bool:
    """Every cell tag is plainly `<c r="..."` inside a box no larger than the grid cap (one
    search in C each): the grid is bounded without reading a reference."""
    if _PREFIXED_CELL.search(xml):
        return False
    for most, pattern in ((FAST_MAX_ROWS * FAST_MAX_COLS, _HAZARD),
                          (TALL_MAX_ROWS * TALL_MAX_COLS, _TALL_HAZARD)):
        if most <= limits.max_grid_cells and not pattern.search(xml):
            return True
    return False


def _bound_refs(refs: list[tuple[bytes, ...]], name: str, limits: Limits) -> None:
    """Bound the grid from (letters, digits, slash) of every cell tag."""
    filled = [(letters, digits) for letters, digits, empty in refs if not empty]
    if filled:
        height = max(map(int, (digits for _, digits in filled)))
        width = max(map(_column_index, {letters for letters, _ in filled})) + 1
        check_grid(name, height, width, limits)


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + char - 64
    return index - 1


@functools.lru_cache(maxsize=8)
def _cell_tags(prefix: bytes) -> tuple[re.Pattern, bytes, bytes]:
    """(formula-tag pattern, cell start, cell end) for a namespace prefix such as b'x:'."""
    return (re.compile(b"<" + re.escape(prefix) + rb"f[\s/>]"),
            b"<" + prefix + b"c", b"</" + prefix + b"c>")


def _find_specials(xml: bytes, prefix: bytes) -> dict[tuple[int, int], str]:
    """Special cells of a sheet whose every cell tag carries `r`; only the cells
    around a formula tag or a t="e" attribute are parsed."""
    formula, start_tag, end_tag = _cell_tags(prefix)
    if b"<" + prefix + b"f" not in xml and _ERROR_MARK not in xml:
        return {}               # most sheets: no formula tag, no error cell (a search in C)
    marks = [m.start() for m in formula.finditer(xml)]
    errors = []
    position = xml.find(_ERROR_MARK)
    while position != -1:
        errors.append(position)
        position = xml.find(_ERROR_MARK, position + 1)
    if not prefix:
        plain = _plain_specials(xml, marks, len(errors))
        if plain is not None:
            return plain        # every formula cell plain: judged from its formula tag on
    found: dict[tuple[int, int], str] = {}
    for start in {_cell_start(xml, start_tag, mark) for mark in marks + errors} - {-1}:
        tag = _TAG.match(xml, start)
        end = xml.find(end_tag, tag.end()) if tag and not tag.group(3) else -1
        ref = _REF.search(tag.group(2)) if end > 0 else None
        value = _special_value(tag.group(2), xml[tag.end():end]) if ref else None
        if value:
            found[(int(ref[2]) - 1, _column_index(ref[1]))] = value
    return found


# A formula cell as Excel, WPS, openpyxl and xlsxwriter write it: r first, double quotes, the
# formula tag and at most a <v> inside (a sheet of 完成率 formulas has one a row).
_PLAIN_FORMULA = re.compile(rb'(?:<f>[^<]*</f>|<f\s[^<>]*/>|<f\s[^<>]*>[^<]*</f>)(<v>[^<]*</v>|<v/>)?</c>')
_PLAIN_CELL_TAG = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"((?:\s+[\w:.-]+="[^"<>]*")*)>')
_PLAIN_TYPE = re.compile(rb'\st="([^"]*)"')


def _plain_specials(xml: bytes, marks: list[int], errors: int) -> dict[tuple[int, int], str] | None:
    """The special cells of an unprefixed sheet when the formula tag at each of `marks` sits
    in a plain formula cell and the sheet's `errors` t="e" marks all belong to those cells,
    judged as _special_value judges them; None otherwise (the cell-by-cell path decides)."""
    found: dict[tuple[int, int], str] = {}
    typed_error = 0
    for mark in marks:
        match = _PLAIN_FORMULA.match(xml, mark)
        start = xml.rfind(b"<c ", 0, mark) if match else -1
        tag = _PLAIN_CELL_TAG.match(xml, start) if start >= 0 else None
        if tag is None or tag.end() != mark:
            return None
        letters, digits, attrs = tag.groups()
        kind = _PLAIN_TYPE.search(attrs) if attrs else None
        kind = kind[1] if kind else b"n"
        value = match[1]            # <v>…</v>, <v/> or None
        text = None if value is None else value[3:-4].strip()
        if kind == b"e":
            typed_error += 1
            if text:
                found[(int(digits) - 1, _column_index(letters))] = html.unescape(text.decode("utf-8", "replace"))
                continue
        if text is None or (not text and kind != b"str"):
            found[(int(digits) - 1, _column_index(letters))] = "="
    return found if typed_error == errors else None


def _cell_start(xml: bytes, start_tag: bytes, position: int) -> int:
    """Where the cell tag holding `position` begins (skipping <col>, <color> ...)."""
    start = xml.rfind(start_tag, 0, position)
    while start != -1 and xml[start + len(start_tag):start + len(start_tag) + 1] not in b" \t\r\n":
        start = xml.rfind(start_tag, 0, start)
    return start


def _special_value(attrs: bytes, content: bytes) -> str | None:
    """'#DIV/0!' for an error cell, '=' for a formula without a stored value, else None.

    An empty <v/> after a formula is a stored empty string only in a t="str"
    cell (Excel's =IF(...,"",...)); openpyxl writes <v></v> for formulas it
    never calculated, so anywhere else it counts as no value. A t="inlineStr"
    cell stores its result in <is>.
    """
    kind = _TYPE.search(attrs)
    kind = kind[1] if kind else b"n"
    value = _VALUE.search(content)
    text = None if value is None else (value[1] or b"").strip()
    if kind == b"e" and text:
        return html.unescape(text.decode("utf-8", "replace"))
    if kind == b"inlineStr" and _INLINE.search(content):
        return None
    if _FORMULA.search(content) and (text is None or (not text and kind != b"str")):
        return "="
    return None


def _full_scan(xml: bytes, name: str, limits: Limits) -> dict[tuple[int, int], str]:
    """Walk every row and cell tag, counting positions where `r` is missing."""
    found: dict[tuple[int, int], str] = {}
    height = width = cells = 0
    maybe_special = bool(_FORMULA.search(xml) or _ERROR_TYPE.search(xml))
    for row, col, tag in _cells(xml):
        cells += 1
        if tag.group(3):          # <c .../> holds nothing; calamine skips it
            continue
        if row >= height or col >= width:
            height, width = max(height, row + 1), max(width, col + 1)
            check_grid(name, height, width, limits)
        if not maybe_special:
            continue
        end = _CELL_END.search(xml, tag.end())
        value = _special_value(tag.group(2), xml[tag.end():end.start() if end else len(xml)])
        if value:
            found[(row, col)] = value
    if cells != len(_CELL_PREFIX.findall(xml)):
        raise Refused(TOO_LARGE, f"工作表“{name}”的XML结构异常，无法确认数据范围")
    return found


def _cells(xml: bytes):
    """(row, col, tag match) for every cell tag, in document order."""
    row = col = -1
    for tag in _TAG.finditer(xml):
        if tag.group(1) == b"row":
            number = _ROW_NUMBER.search(tag.group(2))
            row, col = (int(number[1]) - 1 if number else row + 1), -1
            continue
        ref = _REF.search(tag.group(2))
        if ref:
            row, col = int(ref[2]) - 1, _column_index(ref[1])
        else:
            row, col = max(row, 0), col + 1
        yield row, col, tag
