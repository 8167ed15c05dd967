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
    message_for,
    read_source,
    xls_error_cells,
)
from .sheetxml import XML_ATTRS, XML_NS, XML_QUOTED, Refused, check_grid, scan_sheet

MAX_MAPPING_PART_BYTES = 10 * 1024 * 1024   # workbook.xml and .rels read for the sheet map
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
    except Refused as refused:
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
        check_grid(meta.name, sheet.end[0] + 1, sheet.end[1] + 1, limits, before)
    rows = sheet.to_python(skip_empty_area=False)
    if special:
        check_grid(meta.name, max(r for r, _ in special) + 1, max(c for _, c in special) + 1,
                    limits, before)
        _cover(rows, special)
    if merged is None:
        merged = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []]
    visible = meta.visible == calamine.SheetVisibleEnum.Visible
    return SheetData(meta.name, rows, dict(special), merged, visible)


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
    when it may stay as it is; Refused past MAX_SHARED_STRINGS entries."""
    with archive.open(info) as stream:
        declared, _ = _declared_count(stream.read(SST_HEAD_BYTES))
    if declared is not None and declared <= FREE_RESERVE and info.file_size <= SMALL_SST_BYTES:
        return None
    xml = archive.read(info)
    entries = sum(1 for _ in _SI_TAG.finditer(xml))
    if entries > MAX_SHARED_STRINGS:
        raise Refused(TOO_LARGE, f"共享字符串表有{entries:,}项，超过{MAX_SHARED_STRINGS:,}项上限")
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

_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(" + XML_QUOTED + rb")")
_SHEET_TAG = re.compile(rb"<" + XML_NS + rb"sheet" + XML_ATTRS + rb"\s*/?>")
_RELATIONSHIP_TAG = re.compile(rb"<" + XML_NS + rb"Relationship" + XML_ATTRS + rb"\s*/?>")


def _scan_package(archive: zipfile.ZipFile, names: list[str], limits: Limits) -> dict[str, dict]:
    """Specials of every sheet calamine will build; each sheet's grid bounded first."""
    parts = _sheet_parts(archive)
    scans = {name: scan_sheet(archive.read(_info(archive, parts[name])), name, limits)
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
                scan_sheet(xml, info.filename, limits)
