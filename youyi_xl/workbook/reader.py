"""Read a returned workbook into plain Python values, safely (DOMAIN §4, §4.2).

`read_workbook` never raises on a bad file: every problem becomes one
`file-unreadable` issue. `preflight` judges the file first (kind, encryption,
zip sizes, the grids of .xls/.ods sheets); the values then come from
python-calamine, and this module adds what calamine cannot give for
.xlsx/.xlsm, by scanning each sheet's XML:

* a bound on the dense grid *before* calamine allocates it: calamine builds
  height x width cells and aborts the interpreter when that allocation fails,
  so a 5 KB file holding A1 and XFD1048576 would end a whole batch;
* the cells whose value calamine hides (an Excel error such as ``#DIV/0!``,
  or a formula with no stored value, both read as '' by calamine).

The scan is cheap on ordinary returns: one regular-expression search proves
that every cell lies inside A1:AZ9999, and only the cells around a formula or
an error are parsed.
"""
from __future__ import annotations

import functools
import html
import io
import os
import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import python_calamine as calamine

from ..core import Issue, make_issue
from .ods import scan_ods
from .package import package
from .preflight import (
    DEFAULT_LIMITS,
    ENCRYPTED,
    HINTS,
    INCOMPLETE,
    TOO_LARGE,
    UNREADABLE,
    Limits,
    Source,
    grid_detail,
    message_for,
    read_source,
    xls_error_cells,
)

MAX_MAPPING_PART_BYTES = 10 * 1024 * 1024   # workbook.xml and .rels read for the sheet map
FAST_MAX_ROWS, FAST_MAX_COLS = 9999, 52     # the box the fast scan proves: A1:AZ9999
TALL_MAX_ROWS, TALL_MAX_COLS = 99999, 20    # and the tall one (a plan's 10,000-unit lists): A1:T99999
_NS_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
MAX_SHARED_STRINGS = 1_000_000              # entries of a shared-string table (a return has ~300)
FREE_RESERVE = 100_000                      # a declared count calamine may reserve without harm
SMALL_SST_BYTES = 4 * 1024 * 1024           # a table this small holds under a million entries
SST_HEAD_BYTES = 4096                       # where the <sst> tag and its counts are

OOXML_FORMATS = ("xlsx", "xlsm")


@dataclass(frozen=True)
class SheetData:
    """One worksheet as a dense grid from A1: rows[r][c] is Excel row r+1, column c+1.

    Values are '' (empty), str, float, int, bool, datetime.date/datetime (and,
    rarely, datetime.time/timedelta). `special[(r, c)]` holds an Excel error
    literal ("#DIV/0!") or "=" (a formula without a stored value) for cells
    that read as ''; the grid always covers them. `merged` holds inclusive
    zero-based (r0, c0, r1, c1) ranges (.xlsx/.xls only).
    """

    name: str
    rows: list[list[Any]]
    special: dict[tuple[int, int], str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    visible: bool = True


@dataclass(frozen=True)
class WorkbookData:
    """The worksheets of one file, in workbook order (chart and macro sheets left out)."""

    path: Path
    format: str
    sheets: list[SheetData]

    def sheet(self, name: str) -> SheetData | None:
        """The sheet called `name`, or None."""
        return next((s for s in self.sheets if s.name == name), None)


# --- reading ----------------------------------------------------------------

class _Refused(Exception):
    """A sheet this module will not hand to the parser (reason, Chinese detail)."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


# What parsers raise on bad input. CalamineError covers PasswordError, XmlError,
# ZipError and WorksheetNotFound; UnicodeDecodeError is a ValueError.
_PARSER_ERRORS = (calamine.CalamineError, zipfile.BadZipFile, zlib.error, KeyError, IndexError,
                  ValueError, OSError, EOFError, struct.error)


def read_workbook(path: str | os.PathLike | Source, limits: Limits = DEFAULT_LIMITS
                  ) -> tuple[WorkbookData | None, list[Issue]]:
    """Read one workbook: (data, []) or (None, [one file-unreadable issue]).

    `path` may be a `Source` already read (its bytes are parsed, the file is not opened again)."""
    source = path if isinstance(path, Source) else read_source(path, limits)
    path = source.path
    try:
        return _read(source, limits)
    except Exception as exc:  # noqa: BLE001 - the one boundary: a batch must never stop on one file
        return None, [_unreadable(path, UNREADABLE, f"读取时出错（{type(exc).__name__}）")]
    except BaseException as exc:
        if not _is_panic(exc):
            raise
        return None, [_unreadable(path, UNREADABLE, "读取时出错（calamine内部错误，文件结构异常）")]


def _is_panic(exc: BaseException) -> bool:
    """A Rust panic inside calamine: pyo3 raises PanicException, which derives from
    BaseException (not Exception), e.g. on a truncated or damaged .xls."""
    return type(exc).__name__ == "PanicException"


def _read(source: Source, limits: Limits) -> tuple[WorkbookData | None, list[Issue]]:
    path, data, checked = source.path, source.data, source.checked
    if not checked.ok or data is None:
        return None, [_issue(path, checked.problem or UNREADABLE, checked.message)]
    try:
        sheets = _parse(data, checked.format, limits)
    except _Refused as refused:
        return None, [_unreadable(path, refused.reason, refused.detail)]
    except _PARSER_ERRORS as exc:
        return None, [_unreadable(path, _reason_for(exc), _describe(exc))]
    return WorkbookData(path, checked.format, sheets), []


def _reason_for(exc: BaseException) -> str:
    if isinstance(exc, calamine.PasswordError):
        return ENCRYPTED
    if isinstance(exc, (calamine.ZipError, zipfile.BadZipFile, zlib.error, EOFError)):
        return INCOMPLETE
    text = str(exc).lower()
    if "end of file" in text or "truncat" in text or "too small" in text:
        return INCOMPLETE
    return UNREADABLE


def _describe(exc: BaseException) -> str:
    detail = " ".join(str(exc).split())[:120]
    if detail == "Cannot detect file format":   # from_filelike hides the parser's own error
        detail = "内容已损坏或结构异常"
    return f"读取时出错（{type(exc).__name__}{': ' + detail if detail else ''}）"


def _unreadable(path: Path, reason: str, detail: str) -> Issue:
    return _issue(path, reason, message_for(reason, detail))


def _issue(path: Path, reason: str, message: str) -> Issue:
    return make_issue("file-unreadable", message, HINTS.get(reason, HINTS[UNREADABLE]),
                      file=path.name)


def _parse(data: bytes, fmt: str, limits: Limits) -> list[SheetData]:
    if fmt not in OOXML_FORMATS:
        return _parse_with(data, fmt, limits, None)
    archive = package(data)
    return _parse_with(_bounded_shared_strings(archive, data), fmt, limits, archive)


def _parse_with(data: bytes, fmt: str, limits: Limits, archive: zipfile.ZipFile | None) -> list[SheetData]:
    with calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as book:
        every = book.sheets_metadata
        metas = [m for m in every if m.typ == calamine.SheetTypeEnum.WorkSheet]
        scans: dict[str, dict] = {}
        merges: dict[str, list] = {}
        if archive is not None:   # xlsx sheets are built later, one by one, on request
            scans = _scan_package(archive, [m.name for m in metas], limits)
        elif fmt == "xls":        # error results calamine reads as '' (BIFF FORMULA, BOOLERR)
            found = xls_error_cells(data)
            scans = {m.name: found[i] for i, m in enumerate(every) if i < len(found) and found[i]}
        elif fmt == "ods":        # error results and merged ranges, which calamine does not give
            scans, merges = scan_ods(data)
        sheets: list[SheetData] = []
        for meta in metas:        # one calamine range alive at a time
            before = sum(len(s.rows) * len(s.rows[0]) for s in sheets if s.rows)
            sheets.append(_read_sheet(book, meta, scans.get(meta.name, {}), limits, before,
                                      merges.get(meta.name)))
        return sheets


def _read_sheet(book: calamine.CalamineWorkbook, meta: calamine.SheetMetadata,
                special: dict[tuple[int, int], str], limits: Limits, before: int,
                merged: list[tuple[int, int, int, int]] | None = None) -> SheetData:
    sheet = book.get_sheet_by_name(meta.name)
    if sheet.end is not None:
        _check_grid(meta.name, sheet.end[0] + 1, sheet.end[1] + 1, limits, before)
    rows = sheet.to_python(skip_empty_area=False)
    if special:
        _check_grid(meta.name, max(r for r, _ in special) + 1, max(c for _, c in special) + 1,
                    limits, before)
        _cover(rows, special)
    if merged is None:
        merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
    visible = meta.visible == calamine.SheetVisibleEnum.Visible
    return SheetData(meta.name, rows, dict(special), merged, visible)


def _check_grid(name: str, height: int, width: int, limits: Limits, before: int = 0) -> None:
    detail = grid_detail(name, height, width, limits, before)
    if detail:
        raise _Refused(TOO_LARGE, detail)


def _cover(rows: list[list[Any]], special: dict[tuple[int, int], str]) -> None:
    """Pad the grid with '' so that every special cell lies inside it."""
    height = max(len(rows), max(r for r, _ in special) + 1)
    width = max(len(rows[0]) if rows else 0, max(c for _, c in special) + 1)
    for row in rows:
        row.extend([""] * (width - len(row)))
    rows.extend([""] * width for _ in range(height - len(rows)))


# --- shared strings: what calamine reserves before reading -------------------

_SST_TAG = re.compile(rb"<" + _NS_PREFIX + rb"sst\b[^>]*>")
_UNIQUE_COUNT = re.compile(rb"(\buniqueCount\s*=\s*)([\"'])([^\"']*)\2")
_SI_TAG = re.compile(rb"<" + _NS_PREFIX + rb"si[\s/>]")


def _bounded_shared_strings(archive: zipfile.ZipFile, data: bytes) -> bytes:
    """The package with a shared-string table calamine can read safely. calamine reserves the
    table from its declared uniqueCount before reading a string, and aborts the interpreter when
    that fails (2,147,483,647 entries: 51 GB): a count above what the table holds is replaced by
    the number of entries it has. A table of more than MAX_SHARED_STRINGS entries is refused.
    An ordinary table (a small count, a part under SMALL_SST_BYTES) is judged by its head.
    `archive` is the package of `data`, opened."""
    fixed = {}
    for info in archive.infolist():
        if info.filename.replace("\\", "/").casefold().endswith("sharedstrings.xml"):
            patched = _bounded_table(archive, info)
            if patched is not None:
                fixed[info.filename] = patched
    if not fixed:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in archive.infolist():
            target.writestr(info, fixed.get(info.filename) or archive.read(info))
    return out.getvalue()


def _bounded_table(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The part with uniqueCount set to the entries it has when it declares (much) more; None
    when it may stay as it is; _Refused past MAX_SHARED_STRINGS entries."""
    with archive.open(info) as stream:
        declared, _ = _declared_count(stream.read(SST_HEAD_BYTES))
    if declared is not None and declared <= FREE_RESERVE and info.file_size <= SMALL_SST_BYTES:
        return None
    xml = archive.read(info)
    entries = sum(1 for _ in _SI_TAG.finditer(xml))
    if entries > MAX_SHARED_STRINGS:
        raise _Refused(TOO_LARGE, f"共享字符串表有{entries:,}项，超过{MAX_SHARED_STRINGS:,}项上限")
    declared, found = _declared_count(xml)
    if found is None or (declared is not None and declared <= max(entries, FREE_RESERVE)):
        return None
    return xml[:found.start(3)] + str(entries).encode() + xml[found.end(3):]


def _declared_count(xml: bytes) -> tuple[int | None, re.Match | None]:
    """The uniqueCount the <sst> tag declares (0 when it declares none; None when the tag is not
    in `xml` or its count is no plain number, which calamine may read as anything), and where."""
    tag = _SST_TAG.search(xml)
    found = _UNIQUE_COUNT.search(xml, tag.start(), tag.end()) if tag else None
    if found is None:
        return (0 if tag else None), None
    declared = html.unescape(found[3].decode("ascii", "replace")).strip()
    return (int(declared) if declared.isdigit() else None), found


# --- package layout: which zip member holds which sheet ---------------------

_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_ATTRS = rb"((?:\s+[^\s=/>]+\s*=\s*" + _QUOTED + rb")*)"
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(" + _QUOTED + rb")")
_SHEET_TAG = re.compile(rb"<" + _NS + rb"sheet" + _ATTRS + rb"\s*/?>")
_RELATIONSHIP_TAG = re.compile(rb"<" + _NS + rb"Relationship" + _ATTRS + rb"\s*/?>")


def _scan_package(archive: zipfile.ZipFile, names: list[str], limits: Limits) -> dict[str, dict]:
    """Specials of every sheet calamine will build; each sheet's grid bounded first."""
    parts = _sheet_parts(archive)
    scans = {name: _scan_sheet(archive.read(_info(archive, parts[name])), name, limits)
             for name in names if name in parts}
    if len(scans) < len(names):
        _bound_members(archive, {parts[name] for name in scans}, limits)
    return scans


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member, through _rels/.rels, the workbook part and its rels.

    Handles Strict OOXML, namespace prefixes and parts outside xl/. Any
    failure gives {}: no specials, and the grid bound falls back to scanning
    every member. Attributes are read with regular expressions, so no DTD or
    entity is ever expanded.
    """
    try:
        book = next(target for kind, target in _relationships(archive, "_rels/.rels").values()
                    if kind.endswith("/officeDocument"))
        folder, base = posixpath.split(book)
        targets = _relationships(archive, posixpath.join(folder, "_rels", base + ".rels"))
        sheets = _parsed(_sheet_tags, _mapping_part(archive, book))
    except (StopIteration, KeyError, ValueError):
        return {}
    return {a["name"]: targets[a["id"]][1] for a in sheets
            if "name" in a and a.get("id") in targets}


# The returns of one batch share their forms' layout: a small mapping part is parsed once per content.
CACHED_PART_BYTES = 64 * 1024


def _parsed(parse: Callable, *args: Any) -> Any:
    """parse(*args), from its cache when the part (the last argument) is small; a large one is
    parsed each time, so a hostile batch cannot fill the cache."""
    return parse(*args) if len(args[-1]) <= CACHED_PART_BYTES else parse.__wrapped__(*args)


@functools.lru_cache(maxsize=256)
def _sheet_tags(xml: bytes) -> tuple[dict[str, str], ...]:
    return tuple(_attributes(m[1]) for m in _SHEET_TAG.finditer(xml))


def _relationships(archive: zipfile.ZipFile, name: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, member name) of a .rels part; targets resolved against its folder."""
    return _parsed(_parse_relationships, name, _mapping_part(archive, name))


@functools.lru_cache(maxsize=256)
def _parse_relationships(name: str, xml: bytes) -> dict[str, tuple[str, str]]:
    folder = posixpath.dirname(posixpath.dirname(name))
    found = {}
    for match in _RELATIONSHIP_TAG.finditer(xml):
        attrs = _attributes(match[1])
        target = attrs.get("Target", "")
        if attrs.get("TargetMode") == "External" or not target:
            continue
        resolved = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join(folder, target))
        found[attrs.get("Id", "")] = (attrs.get("Type", ""), resolved)
    return found


def _attributes(text: bytes) -> dict[str, str]:
    """Attributes of one tag by local name ('r:id' -> 'id'), entities unescaped."""
    found = {}
    for name, value in _ATTRIBUTE.findall(text):
        value = value[1:-1].decode("utf-8", "replace")
        found[name.rsplit(b":", 1)[-1].decode("ascii", "replace")] = \
            html.unescape(value) if "&" in value else value
    return found


def _mapping_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = _info(archive, name)
    if info.file_size > MAX_MAPPING_PART_BYTES:
        raise ValueError(f"{name} too large to map")
    return archive.read(info)


def _info(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    """The member called `name`, compared without case as OPC part names are."""
    try:
        return archive.getinfo(name)
    except KeyError:
        wanted = name.casefold()
        found = [i for i in archive.infolist() if i.filename.casefold() == wanted]
        return found[0] if found else archive.getinfo(name)


def _bound_members(archive: zipfile.ZipFile, done: set[str], limits: Limits) -> None:
    """Bound every member that may hold a worksheet (when the sheet map is incomplete)."""
    for info in archive.infolist():
        if info.filename not in done and not info.is_dir():
            xml = archive.read(info)
            if b"sheetData" in xml:
                _scan_sheet(xml, info.filename, limits)


# --- sheet XML: grid bound and special cells --------------------------------

_TAG = re.compile(rb"<" + _NS + rb"(c|row)" + _ATTRS + rb"\s*(/?)>")
_CELL_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?c[\s/>]")
# Every cell tag in the form <c r="A1" ...> with r first: the common case, bounded in C.
_REF_FIRST = re.compile(rb"<" + _NS + rb"c\s+r=\"([A-Z]{1,3})([0-9]{1,7})\""
                        + rb"(?:\s+[^\s=/>]+\s*=\s*" + _QUOTED + rb")*\s*(/?)>")
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
_VALUE = re.compile(rb"<" + _NS + rb"v(?:\s[^>]*)?(?:/>|>([^<]*)<)")
_FORMULA = re.compile(rb"<" + _NS + rb"f[\s/>]")
_INLINE = re.compile(rb"<" + _NS + rb"is[\s/>]")
_CELL_END = re.compile(rb"</" + _NS + rb"c>")


def _scan_sheet(xml: bytes, name: str, limits: Limits) -> dict[tuple[int, int], str]:
    """The special cells of one sheet; _Refused when its grid is over the cap."""
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
        _check_grid(name, height, width, limits)


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
            _check_grid(name, height, width, limits)
        if not maybe_special:
            continue
        end = _CELL_END.search(xml, tag.end())
        value = _special_value(tag.group(2), xml[tag.end():end.start() if end else len(xml)])
        if value:
            found[(row, col)] = value
    if cells != len(_CELL_PREFIX.findall(xml)):
        raise _Refused(TOO_LARGE, f"工作表“{name}”的XML结构异常，无法确认数据范围")
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
