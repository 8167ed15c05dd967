"""What loading a return with openpyxl would cost, judged from its zip before openpyxl sees it.

The 退回意见 is a marked copy of the unit's own workbook, made with openpyxl, which has no
limits: it builds one object per cell of a merged or hyperlinked range (a merge over a whole
column is a million MergedCells, over a whole sheet seventeen billion: the run never ends), one
per row tag, cell tag, comment and style record. So every part that makes openpyxl allocate is
counted first, each weighted by what openpyxl spends on it (measured, in the time one cell
costs), and a workbook over the budget is not copied: the 退回意见 is rebuilt from the grids the
safe reader already gives (outputs/feedback.py). Counting stops as soon as the budget is spent,
so the scan costs little even on a hostile file; parts are inflated in memory only, within the
limits preflight has already checked.
"""
from __future__ import annotations

import io
import re
import zipfile
from typing import Iterable

# openpyxl 3.1, load + save, measured on a 2-core machine (docs/reading.md): a cell costs ~37 µs.
WEIGHTS = {
    "cell": 1.0,            # <c> tag, filled or only styled
    "row": 1.4,             # <row> tag (row dimensions, even for an empty row)
    "merged cell": 1.0,     # every cell a merged range covers (MergedCell objects)
    "merge": 7.0,           # each merged range
    "link cell": 2.5,       # every cell a hyperlink's ref covers (the link is copied to each)
    "comment": 5.4,         # each comment (and its VML shape on save)
    "style": 3.3,           # each xf, font, fill, border, numFmt, dxf, cellStyle record
    "rule": 6.5,            # each conditional-format rule or data validation
    "name": 1.4,            # each defined name
    "break": 1.8,           # each page break (<brk>)
    "sqref": 0.7,           # each reference of a sqref list (validations, formats, selections)
    "tag": 0.03,            # every tag of every part, whatever it is (parsing it)
    "drawing byte": 0.02,   # charts and drawings are parsed into objects
}
COPY_BUDGET = 100_000       # cell equivalents: ~3.7 s of openpyxl; a form-made return needs ~2,500

_REF = re.compile(rb"\bref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?([0-9]{1,7})(?::\$?([A-Za-z]{1,3})\$?([0-9]{1,7}))?[\"']")
WHOLE_SHEET = 1048576.0 * 16384
_SQREF = re.compile(rb"\bsqref\s*=\s*[\"']([^\"']*)[\"']")
_STYLE_TAGS = (b"xf", b"font", b"fill", b"border", b"numFmt", b"dxf", b"cellStyle")


class _Spent(Exception):
    """The budget is spent: the copy is refused (what, how much)."""


class _Meter:
    def __init__(self, budget: float):
        self.budget, self.cost = budget, 0.0
        self.worst: dict[str, float] = {}

    def add(self, kind: str, count: float) -> None:
        if count:
            self.cost += WEIGHTS[kind] * count
            self.worst[kind] = self.worst.get(kind, 0) + count
            if self.cost > self.budget:
                raise _Spent(kind)


def copy_refusal(data: bytes, budget: float | None = None) -> str | None:
    """Why openpyxl should not load this .xlsx/.xlsm (a Chinese sentence), or None when it may
    (its parts cost at most `budget` cell equivalents, COPY_BUDGET by default)."""
    meter = _Meter(COPY_BUDGET if budget is None else budget)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                _measure(meter, info.filename.replace("\\", "/").casefold(), archive, info)
    except _Spent as spent:
        return _reason(str(spent), meter)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        return f"文件结构异常（{type(exc).__name__}）"
    return None


def _measure(meter: _Meter, name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    if info.is_dir() or not name.endswith((".xml", ".vml", ".rels")):
        return
    if "/charts/" in name or "/drawings/" in name:
        meter.add("drawing byte", info.file_size)
        if not name.endswith(".vml"):
            return
    xml = archive.read(info)
    meter.add("tag", xml.count(b"<"))
    if b"sheetData" in xml:
        _worksheet(meter, xml)
    if b"<comment" in xml or b":comment" in xml:
        meter.add("comment", _tags(xml, b"comment"))
    if name.endswith("styles.xml"):
        meter.add("style", sum(_tags(xml, tag) for tag in _STYLE_TAGS))
    if b"definedName" in xml:
        meter.add("name", _tags(xml, b"definedName"))


def _worksheet(meter: _Meter, xml: bytes) -> None:
    meter.add("row", _tags(xml, b"row"))
    meter.add("cell", _tags(xml, b"c"))
    meter.add("rule", _tags(xml, b"cfRule") + _tags(xml, b"dataValidation"))
    meter.add("break", _tags(xml, b"brk"))
    meter.add("sqref", sum(found[1].count(b" ") + 1 for found in _SQREF.finditer(xml)))
    for kind, tag in (("merged cell", b"mergeCell"), ("link cell", b"hyperlink")):
        for ranges in _ranges(xml, tag):
            meter.add("merge" if kind == "merged cell" else "link cell", 1)
            meter.add(kind, ranges)


def _ranges(xml: bytes, tag: bytes) -> Iterable[float]:
    """The number of cells each <mergeCell ref>/<hyperlink ref> covers (a ref that cannot be
    read counts as a whole sheet: openpyxl would fail on it or cover more than any return)."""
    pattern = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + tag + rb"\b[^>]*>")
    for found in pattern.finditer(xml):
        ref = _REF.search(found[0])
        if ref is None:
            yield WHOLE_SHEET
            continue
        col0, row0 = _column(ref[1]), int(ref[2])
        col1, row1 = (_column(ref[3]), int(ref[4])) if ref[3] else (col0, row0)
        yield float((abs(row1 - row0) + 1) * (abs(col1 - col0) + 1))


def _column(letters: bytes) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + char - 64
    return index


def _tags(xml: bytes, name: bytes) -> int:
    """How many <name …> tags `xml` holds (also with a namespace prefix, x:name)."""
    count = sum(xml.count(b"<" + name + end) for end in (b" ", b">", b"/>", b"\t", b"\n", b"\r"))
    if b":" + name in xml:
        count += sum(1 for _ in re.finditer(rb"<[A-Za-z_][\w.-]*:" + name + rb"[\s/>]", xml))
    return count


_LABELS = {"cell": "单元格达{n}个", "row": "行数达{n}行", "merged cell": "合并单元格覆盖{n}个单元格",
           "merge": "合并单元格达{n}处", "link cell": "超链接覆盖{n}个单元格", "comment": "批注达{n}条",
           "style": "样式达{n}种", "rule": "条件格式和数据验证达{n}条", "name": "名称达{n}个",
           "break": "分页符达{n}个", "sqref": "区域引用达{n}处", "tag": "XML元素达{n}个",
           "drawing byte": "图表和图形达{n}字节"}


def _reason(kind: str, meter: _Meter) -> str:
    detail = _LABELS.get(kind, kind + "{n}").format(n=f"{meter.worst.get(kind, 0):,.0f}")
    return f"文件过大或结构异常（{detail}），无法原样复制"
