"""Very large plain tables written fast: rows spliced as sheet XML into an xlsxwriter workbook.

Writing the ledgers cell by cell through xlsxwriter took 10 s for 20,000 projects and 47 s for
100,000 (constant_memory: 9 s and 53 s); generated as sheet XML, 2.8 s and 12 s (docs/architecture.md).
So every ledger of the 成绩单, whatever its size, and its two ranking sheets are written this way,
one path: the writer lays out the sheet with xlsxwriter as usual (title, header, widths, print setup, filter) and hands the
data rows to a `BigTable`, which makes every format it needs known to xlsxwriter (styled blank
cells in its first rows); after `workbook.close()`, `splice()` replaces those rows with the
generated ones — numbers and dates as numbers, text as inline strings (cut to Excel's 32,767
characters, as xlsxwriter does), each cell with the style index of its xlsxwriter format, rows
whose wrapped text needs more lines with their height — and widens the sheet's dimension and
filter to the last row. The result is an ordinary .xlsx (Excel, WPS, LibreOffice, openpyxl and
calamine read it); tests/test_scorecard.py compares it with the same rows written by xlsxwriter.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import math
import os
import re
import struct
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from math import isfinite
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Sequence

from ..core import column_letters, release_free_memory
from .safeio import EXCEL_MAX_CELL_CHARS, neutralize
from .xlstyle import LINE_HEIGHT, MAX_LINES, text_lines, wrapped_lines

EPOCH = dt.datetime(1899, 12, 30)
ORDINAL_EPOCH = EPOCH.toordinal()
FLAG_TEXT = {True: "是", False: "否"}    # a yes/no cell as the ledgers show it
ZIP64_LIMIT = (1 << 31) - 1    # zipfile's: a member past it must be written as ZIP64
# per column of a table's rows, the texts whose cell is kept made (a ledger repeats its units,
# 产业链, 状态 and file names in row after row); a column of names stops taking new ones
MEMO_PER_COLUMN = 2048
COMPRESS_LEVEL = 1   # the spliced sheets are large; level 1 is ~10x faster than 6 and ~20% bigger


class PlacedSheet(NamedTuple):
    """What splice() needs of a closed workbook's worksheet."""

    name: str
    index: int


@dataclass
class BigTable:
    """Rows of one sheet to be spliced in after the workbook is closed."""

    sheet: Any                         # the xlsxwriter Worksheet
    first_row: int                     # 0-based row of the first spliced row
    formats: Sequence[Any]             # the body format of each column
    rows: list[Sequence[Any]] = field(default_factory=list)
    extra_formats: Sequence[Any] = ()  # formats used by Styled cells
    wrapped: Sequence[tuple[int, float]] = ()   # (column, width) of wrapping text: row heights
    # the rows from a 0-based index on, made only while they are written (never held as a list:
    # a forked slice makes its own)
    source: Callable[[int], Iterable[Sequence[Any]]] | None = None
    size: int = 0                      # with a source: how many rows it makes

    def detach(self) -> None:
        """Keep of the worksheet only its name and place (once the workbook is closed): the
        xlsxwriter workbook, every cell of its other sheets, can then be freed before the rows
        are made."""
        self.sheet = PlacedSheet(self.sheet.name, self.sheet.index)

    @property
    def count(self) -> int:
        return self.size if self.source is not None else len(self.rows)

    def iter_rows(self, start: int = 0, stop: int | None = None) -> Iterable[Sequence[Any]]:
        """Rows start..stop (made from the source as they are taken, or the rows given)."""
        if self.source is None:
            return self.rows[start:stop]
        made = self.source(start)
        return made if stop is None else itertools.islice(made, stop - start)

    def reserve(self) -> None:
        """Make xlsxwriter give every format a style index, read back by splice(): styled blanks
        in the first spliced row (one per column) and the row after it (one per extra format)."""
        for c, fmt in enumerate(self.formats):
            self.sheet.write_blank(self.first_row, c, None, fmt)
        for c, fmt in enumerate(self.extra_formats):
            self.sheet.write_blank(self.first_row + 1, c, None, fmt)

    @property
    def last_row(self) -> int:
        return self.first_row + self.count - 1


def _cell(ref: str, value: Any, style: int) -> str:
    """One <c> element; '' for nothing at all."""
    kind = type(value)
    if value is None or value == "" or (kind is float and not math.isfinite(value)):
        return f'<c r="{ref}" s="{style}"/>'
    if kind is str:
        text = value if value.isprintable() else neutralize(value)
        if not text:
            return f'<c r="{ref}" s="{style}"/>'
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        space = ' xml:space="preserve"' if text[0] == " " or text[-1] == " " or not text.isprintable() else ""
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if kind is bool:
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t>{FLAG_TEXT[value]}</t></is></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}" s="{style}"><v>{float(value):.16g}</v></c>'
    if isinstance(value, dt.datetime):
        return f'<c r="{ref}" s="{style}"><v>{(value - EPOCH).total_seconds() / 86400:.16g}</v></c>'
    if isinstance(value, dt.date):
        return f'<c r="{ref}" s="{style}"><v>{value.toordinal() - EPOCH.toordinal()}</v></c>'
    if hasattr(value, "dtype") and value == value:          # numpy scalars
        return f'<c r="{ref}" s="{style}"><v>{float(value):.16g}</v></c>'
    return _cell(ref, str(value), style)


def rows_xml(table: BigTable, styled: type, styles: Sequence[int], extra: dict[int, int],
             start: int = 0, stop: int | None = None, chunk: int = 2000) -> Iterator[str]:
    """The <row> elements of rows[start:stop] of a table, `chunk` rows at a time. `styles` is the
    style index of each column; `extra` maps id(format) of the extra formats to theirs; `styled`
    is the class of values that carry their own format. The pieces of a chunk are joined once
    (a ledger of 50,000 rows is a million cells)."""
    count = len(table.formats)
    letters = [column_letters(c) for c in range(count)]
    widths = [0.0] * count              # the wrapping columns' widths (0: no wrap)
    for c, width in table.wrapped:
        widths[c] = width
    # per column: its <c r="X, the rest of a text cell's tag, of a number's, of a blank's, its
    # wrapping width and its letters (one tuple, taken apart once per cell)
    cells = [(f'<c r="{letter}', f'" s="{style}" t="inlineStr"><is><t>', f'" s="{style}"><v>',
              f'" s="{style}"/>', width, letter, style)
             for letter, style, width in zip(letters, styles, widths)]
    memos = [{} for _ in cells]         # per column: text -> (the rest of its cell, its lines)
    parts: list[str] = []
    add = parts.extend
    for n, (r, values) in enumerate(enumerate(table.iter_rows(start, stop), start=table.first_row + 1 + start), 1):
        ref = str(r)
        head = len(parts)
        parts.append("")                # the <row> tag, once its height is known
        lines, measured = 1, True       # measured: every wrapping cell was plain text
        for value, (open_, text, number, blank, width, letter, style), memo in zip(values, cells, memos):
            kind = type(value)
            if kind is str:
                seen = memo.get(value)
                if seen is not None:        # a text met before in this column
                    add((open_, ref, seen[0]))
                    if seen[1] > lines:
                        lines = seen[1]
                    continue
                if value and len(value) <= EXCEL_MAX_CELL_CHARS and value.isprintable() and value.strip() == value:
                    escaped = value
                    if "&" in value or "<" in value or ">" in value:
                        escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                    rest = text + escaped + "</t></is></c>"
                    taken = text_lines(value, width) if width and 2 * len(value) > width - 1 else 1
                    if len(memo) < MEMO_PER_COLUMN:
                        memo[value] = (rest, taken)
                    add((open_, ref, rest))      # the common case
                    if taken > lines:
                        lines = taken
                    continue
                if not value:
                    add((open_, ref, blank))
                    continue
            elif kind is float:
                if isfinite(value):
                    add((open_, ref, number, f"{value:.16g}", "</v></c>"))
                    continue
            elif kind is int:
                add((open_, ref, number, f"{value:.16g}", "</v></c>"))
                continue
            elif kind is bool:
                add((open_, ref, text, FLAG_TEXT[value], "</t></is></c>"))
                continue
            elif value is None:
                add((open_, ref, blank))
                continue
            elif kind is dt.date:
                add((open_, ref, number, str(value.toordinal() - ORDINAL_EPOCH), "</v></c>"))
                continue
            if width and (isinstance(value, styled) or (isinstance(value, str) and value)):
                measured = False        # text wrapped_lines measures (breaks, a Styled text …)
            if isinstance(value, styled):
                value, style = value.value, extra.get(id(value.format), style)
            elif kind is not str and value != value:
                value = None                              # NaN / NaT / NA
            parts.append(_cell(f"{letter}{r}", value, style))
        if not measured:                # text with line breaks, styled or unusual cells
            lines = wrapped_lines(values, table.wrapped)
        lines = min(lines, MAX_LINES)
        parts[head] = f'<row r="{r}" ht="{LINE_HEIGHT * lines:g}" customHeight="1">' if lines > 1 \
            else f'<row r="{r}">'
        parts.append("</row>")
        if n % chunk == 0:
            yield "".join(parts)
            parts.clear()
    yield "".join(parts)


_STYLE = re.compile(r'<c r="([A-Z]+)\d+" s="(\d+)"')


def _reserved_styles(xml: str, row: int) -> dict[str, int]:
    """Column letters -> style index of the cells of one row of sheet XML."""
    start = xml.find(f'<row r="{row}"')
    if start < 0:
        return {}
    end = xml.find("</row>", start)
    return {col: int(style) for col, style in _STYLE.findall(xml, start, end)}


def splice(path: str | Path, tables: Sequence[BigTable], styled: type) -> None:
    """Put the rows of `tables` into the closed workbook at `path` (rewritten in place,
    streaming: neither the generated sheet XML nor the rows of a table with a source are ever
    held whole in memory — they are made a chunk at a time as the sheet is written)."""
    if not tables:
        return
    path = Path(path)
    sheets = {f"xl/worksheets/sheet{t.sheet.index + 1}.xml": t for t in tables}
    temp = path.with_name(path.name + ".splice")
    try:
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w") as target:
            for info in source.infolist():
                _copy_member(source, target, info, sheets.get(info.filename), tables, styled)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _copy_member(source, target, info: zipfile.ZipInfo, table: BigTable | None,
                 tables: Sequence[BigTable], styled: type) -> None:
    data = source.read(info.filename)
    copy = zipfile.ZipInfo(info.filename, info.date_time)    # same (fixed) time: same bytes
    copy.compress_type = zipfile.ZIP_DEFLATED
    copy._compresslevel = COMPRESS_LEVEL                      # noqa: SLF001 - zipfile has no public setter
    if info.filename == "xl/workbook.xml":
        text = data.decode("utf-8")
        for t in tables:
            text = _widen_filter_name(text, t.sheet.index, t.last_row)
        data = text.encode("utf-8")
    if table is None:
        target.writestr(copy, data)
        return
    head, rows, tail = _spliced(data.decode("utf-8"), table, styled)
    with target.open(copy, "w", force_zip64=table.count * ROOMY_ROW_BYTES > ZIP64_LIMIT) as out:
        out.write(head.encode("utf-8"))
        for chunk in rows:
            if isinstance(chunk, Deflated):
                _append_deflated(out, chunk)
            else:
                out.write(chunk)
        out.write(tail.encode("utf-8"))


def _spliced(xml: str, table: BigTable, styled: type) -> tuple[str, Iterator[str], str]:
    """The sheet XML before the spliced rows, the rows, and the XML after them."""
    start = xml.find(f'<row r="{table.first_row + 1}"')
    end = xml.find("</sheetData>")
    if start < 0 or end < start:
        raise ValueError(f"sheet {table.sheet.name}: reserved row {table.first_row + 1} not found")
    body = _reserved_styles(xml, table.first_row + 1)
    extras = _reserved_styles(xml, table.first_row + 2)
    styles = [body.get(column_letters(c), 0) for c in range(len(table.formats))]
    extra = {id(fmt): extras.get(column_letters(k), 0) for k, fmt in enumerate(table.extra_formats)}
    last = table.last_row + 1
    head = re.sub(r'(<dimension ref="[A-Z]+\d+:[A-Z]+)\d+"', rf'\g<1>{last}"', xml[:start], count=1)
    tail = re.sub(r'(<autoFilter ref="[A-Z]+\d+:[A-Z]+)\d+"', rf'\g<1>{last}"', xml[end:], count=1)
    return head, _encoded_rows(table, styled, styles, extra), tail


PARALLEL_ROWS = 20000   # rows; from here forked children make the rows, a slice each
SLICE_ROWS = 50000      # rows a slice holds at most (from PARALLEL_ROWS on, two slices at least)
MAX_CHILDREN = 4        # slices made at once (never more than the cores)
ROOMY_ROW_BYTES = 4096  # a ledger row's XML is ~1.2 KB; past this times the rows a member needs ZIP64


class Deflated(NamedTuple):
    """A slice of a sheet's rows, deflated already: a raw stream (level COMPRESS_LEVEL) ending on
    a full flush, appended as it is to the member being written (`_append_deflated`)."""

    stream: Iterable[bytes]
    size: int           # bytes before deflating
    crc: int            # their CRC-32


def _encoded_rows(table: BigTable, styled: type, styles: Sequence[int], extra: dict[int, int]
                  ) -> Iterator[bytes | Deflated]:
    """The rows' XML: as UTF-8 bytes below PARALLEL_ROWS rows, else a `Deflated` slice after
    another (`slices`), each made and deflated into a temporary file — on POSIX (a process
    without threads, two cores or more) by forked children, a few at a time while this process
    waits, else here one after another: the same bytes either way.

    Why children and slices: making a row reads its record, which writes the record's reference
    count, and a page so written while another process shares it is copied. A child copies only
    the pages of its slice and frees them when it ends, and this process, reading none, copies
    nothing; with halves made here and in one child, every page of the records was copied once
    and both copies lived to the end (10,000 returns, all of run's processes while the ledgers
    are written: 980 -> 830 MiB)."""
    count = table.count
    if count < PARALLEL_ROWS:
        for chunk in rows_xml(table, styled, styles, extra):
            yield chunk.encode("utf-8")
        return
    parts = slices(count)
    with contextlib.ExitStack() as stack:
        spills = [stack.enter_context(tempfile.TemporaryFile()) for _ in parts]
        _make_slices(spills, parts, table, styled, styles, extra)
        for spill in spills:
            yield _spilled(spill)


def slices(count: int) -> list[tuple[int, int]]:
    """The (start, stop) of each slice of `count` rows: one below PARALLEL_ROWS, else as few
    equal ones of at most SLICE_ROWS as there can be, two at least."""
    if count < PARALLEL_ROWS:
        return [(0, count)]
    k = max(2, -(-count // SLICE_ROWS))
    bounds = [count * i // k for i in range(k + 1)]
    return list(zip(bounds, bounds[1:]))


def _children() -> int:
    """How many slices forked children make at once: 0 (all here) without fork, with threads
    (a fork while a thread holds a lock hands the child a held lock) or on one core."""
    if os.name != "posix" or not hasattr(os, "fork") or threading.active_count() != 1:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, MAX_CHILDREN) if cores > 1 else 0


def _make_slices(spills: Sequence[Any], parts: Sequence[tuple[int, int]], table: BigTable, styled: type,
                 styles: Sequence[int], extra: dict[int, int]) -> None:
    """Each slice deflated into its spill: by up to `_children()` forked children at once, the
    oldest waited for first (slices take about as long); a slice whose child failed, or could
    not be forked, is made here after them."""
    at_once, here = _children(), []
    running: list[tuple[int, int]] = []           # (pid, slice), oldest first
    if at_once:
        release_free_memory()       # the free pages of this process are not shared with the children
    for index in range(len(parts)):
        if not at_once:
            here.append(index)
            continue
        if len(running) >= at_once:
            here += _reap(*running.pop(0))
        pid = _fork_slice(spills[index], table, styled, styles, extra, *parts[index])
        if pid:
            running.append((pid, index))
        else:
            here.append(index)
    for pid, index in running:
        here += _reap(pid, index)
    for index in sorted(here):
        spills[index].seek(0)
        spills[index].truncate()
        _deflate_rows(spills[index], rows_xml(table, styled, styles, extra, *parts[index]))


def _reap(pid: int, index: int) -> list[int]:
    """[] when the child making slice `index` ended well, else [index] (made here instead)."""
    return [] if os.waitpid(pid, 0)[1] == 0 else [index]


def _fork_slice(spill, table: BigTable, styled: type, styles, extra, start: int, stop: int) -> int:
    """The pid of a child deflating rows[start:stop] into `spill`; 0 when none could be forked."""
    try:
        pid = os.fork()
    except OSError:                           # no memory or no process left for one: here
        return 0
    if pid:
        return pid
    code = 1                                  # the child: deflate its slice, then leave at once
    try:
        _deflate_rows(spill, rows_xml(table, styled, styles, extra, start, stop))
        code = 0
    finally:
        os._exit(code)


_TRAILER = struct.Struct("<QI")     # after a spilled slice: its size before deflating, its CRC-32


def _deflate_rows(spill, chunks: Iterable[str]) -> None:
    """Deflate `chunks` into `spill` as a raw stream ending on a full flush, then _TRAILER."""
    deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    size = crc = 0
    for chunk in chunks:
        data = chunk.encode("utf-8")
        size += len(data)
        crc = zlib.crc32(data, crc)
        spill.write(deflate.compress(data))
    spill.write(deflate.flush(zlib.Z_FULL_FLUSH))
    spill.write(_TRAILER.pack(size, crc))
    spill.flush()


def _spilled(spill) -> Deflated:
    end = spill.seek(0, os.SEEK_END) - _TRAILER.size
    spill.seek(end)
    size, crc = _TRAILER.unpack(spill.read(_TRAILER.size))
    spill.seek(0)

    def stream() -> Iterator[bytes]:
        left = end
        while left > 0:
            block = spill.read(min(left, 1 << 20))
            if not block:
                raise OSError("spilled rows cut short")
            left -= len(block)
            yield block
    return Deflated(stream(), size, crc)


_WRITER_STATE = ("_compressor", "_fileobj", "_compress_size", "_crc", "_file_size")


def _append_deflated(out, part: Deflated) -> None:
    """Append `part` to the zip member being written through `out` (zipfile's member writer:
    its compressor, counts and CRC, which zipfile keeps private). Its compressor is fully
    flushed first, so that nothing deflated after the part refers back across it. A member
    stored without compression, or a zipfile whose writer keeps other state, gets the part
    inflated and written as any bytes are (the same member, a little slower)."""
    if not all(hasattr(out, name) for name in _WRITER_STATE) or out._compressor is None:   # noqa: SLF001
        inflate = zlib.decompressobj(-15)
        for block in part.stream:
            out.write(inflate.decompress(block))
        out.write(inflate.flush())
        return
    seam = out._compressor.flush(zlib.Z_FULL_FLUSH)               # noqa: SLF001
    out._fileobj.write(seam)                                       # noqa: SLF001
    written = len(seam)
    for block in part.stream:
        out._fileobj.write(block)                                  # noqa: SLF001
        written += len(block)
    out._compress_size += written                                  # noqa: SLF001
    out._crc = crc32_combine(out._crc, part.crc, part.size)        # noqa: SLF001
    out._file_size += part.size                                    # noqa: SLF001


def crc32_combine(first: int, second: int, length: int) -> int:
    """The CRC-32 of A+B from crc32(A), crc32(B) and len(B) (zlib's crc32_combine, which Python's
    zlib does not offer): `first` advanced over `length` zero bytes by squaring the GF(2)
    operator of one zero bit, log2(length) times."""
    if length <= 0:
        return first
    odd = [0xEDB88320] + [1 << n for n in range(31)]     # one zero bit
    even = _square(odd)                                  # two zero bits
    odd = _square(even)                                  # four
    while True:
        even = _square(odd)                              # a zero byte, then 4, 16 … bits doubling
        if length & 1:
            first = _times(even, first)
        length >>= 1
        if not length:
            break
        odd = _square(even)
        if length & 1:
            first = _times(odd, first)
        length >>= 1
        if not length:
            break
    return first ^ second


def _times(matrix: list[int], vector: int) -> int:
    total, n = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[n]
        vector >>= 1
        n += 1
    return total


def _square(matrix: list[int]) -> list[int]:
    return [_times(matrix, row) for row in matrix]


def _widen_filter_name(workbook: str, index: int, last_row: int) -> str:
    """The hidden _FilterDatabase name of the sheet follows its autofilter."""
    pattern = (rf'(<definedName name="_xlnm._FilterDatabase" localSheetId="{index}"[^>]*>'
               rf"[^<]*\$[A-Z]+\$)\d+(</definedName>)")
    return re.sub(pattern, rf"\g<1>{last_row + 1}\g<2>", workbook, count=1)
