"""Look at a returned file before any parser touches it (DOMAIN §4.2).

The kind of a file is told by its first bytes, never by its name. A zip is
judged by its central directory first (sizes, ratios, member count, duplicate
names, encryption flags); nothing is ever extracted to disk, and the only
members inflated (in memory) are the small ones that say what the package is,
plus an .ods file's content.xml. A CFB (OLE2) file is an .xls/.et workbook or
a password-protected OOXML package; both kinds of encryption are recognised
here so the clerk gets the right Chinese reason.

python-calamine aborts the whole interpreter when an allocation fails, and it
builds every sheet of an .xls or .ods file as a dense grid when it opens the
file, so the grids those files ask for are bounded here too (.xlsx sheets are
bounded by excel.py, which scans their XML anyway). Limits are module
constants gathered in `Limits`, so tests and callers can lower them.
"""
from __future__ import annotations

import hashlib
import html
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ..core import column_letters
from .cfb import cfb_streams
from .oserrors import os_reason
from .package import package

MB = 1024 * 1024
MAX_FILE_BYTES = 100 * MB          # a return is ~10 KB; 100 MB on disk is not a return
MAX_INFLATED_BYTES = 200 * MB      # sum of the members' declared sizes (corpus max: 1.6 MB)
MAX_MEMBER_RATIO = 100             # Apache POI's MIN_INFLATE_RATIO = 0.01 (corpus max: 14:1)
RATIO_MIN_MEMBER_BYTES = 100 * 1024  # the ratio is judged for members above this size only
MAX_MEMBERS = 1000                 # POI's default; the corpus needs 43
MAX_SMALL_PART_BYTES = 1 * MB      # [Content_Types].xml, mimetype, manifest.xml read in full
MAX_GRID_CELLS = 2_000_000         # cells of one sheet's dense grid, A1 to its last cell
MAX_TOTAL_CELLS = 10_000_000       # the grids of all sheets of one file together

# The reasons a file cannot be read, as the clerk sees them.
ENCRYPTED = "已加密"
NOT_EXCEL = "不是Excel文件"
INCOMPLETE = "文件不完整"
TOO_LARGE = "文件过大或异常"
UNSUPPORTED = "格式不支持"      # Excel 4.0 and older, Excel 2003 XML, .xlsb
UNREADABLE = "文件无法读取"     # any other parser failure (excel.read_workbook)

ENCRYPTED_MESSAGE = "文件已加密，请去掉密码后重新报送"

HINTS: dict[str, str] = {
    ENCRYPTED: "在Excel中输入密码打开文件，点“文件→信息→保护工作簿→用密码进行加密”，"
               "清空密码后保存（WPS：文件→文档加密→密码加密）；再重新报送。",
    NOT_EXCEL: "请用Excel或WPS打开后“另存为”Excel工作簿（*.xlsx）再报送；"
               "如报送的是压缩包，请解压后报送其中的填报表。",
    INCOMPLETE: "文件在发送或保存时损坏。请报送单位重新发送原文件；若原文件也打不开，请重新填报。",
    TOO_LARGE: "请确认这是本期填报表，删除多余的行、列、图片和工作表后另存为.xlsx再报送。",
    UNSUPPORTED: "请用Excel或WPS打开后“另存为”Excel工作簿（*.xlsx）再报送。",
    UNREADABLE: "请用Excel或WPS打开后另存为.xlsx再报送；如仍无法读取，请把文件交技术人员查看。",
}

ZIP_MAGIC = b"PK\x03\x04"
CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
BIFF_BOF = (b"\x09\x00", b"\x09\x02", b"\x09\x04")   # BIFF2, BIFF3, BIFF4 raw worksheets
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True)
class Limits:
    """Size limits applied before parsing; lower them in tests."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_inflated_bytes: int = MAX_INFLATED_BYTES
    max_member_ratio: float = MAX_MEMBER_RATIO
    ratio_min_member_bytes: int = RATIO_MIN_MEMBER_BYTES
    max_members: int = MAX_MEMBERS
    max_grid_cells: int = MAX_GRID_CELLS
    max_total_cells: int = MAX_TOTAL_CELLS


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Preflight:
    """What a file is, and why it cannot be read (problem) if it cannot."""

    kind: str               # zip | cfb | biff | text | empty | other
    format: str             # xlsx | xlsm | ods | xls (also .et) | xlsb | '' when unknown
    problem: str | None = None   # one of the reasons above, None when parsing may go on
    message: str = ""            # Chinese sentence naming the reason

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def hint(self) -> str:
        return HINTS.get(self.problem or "", "")


@dataclass(frozen=True)
class Source:
    """One input file read once: its bytes (None when it was refused before reading), its
    pre-flight, size and modification time. Every later use of the file (parsing, the
    fingerprint, the 退回意见 copy) takes the bytes from here instead of opening it again."""

    path: Path
    data: bytes | None
    checked: Preflight
    size: int = 0
    mtime: float = 0.0

    @cached_property
    def sha256(self) -> str:
        """The fingerprint recorded in the history ('' for a file that was not read)."""
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else ""


def preflight(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Inspect the file at `path` (opened read-only) without parsing it."""
    return read_source(path, limits).checked


def read_source(path: str | os.PathLike, limits: Limits = DEFAULT_LIMITS) -> Source:
    """Open `path` once, read-only, and judge it. A file that is not a regular file (a FIFO
    or a device put where a return was) or is over the size limit is refused unread."""
    path = Path(path)
    try:
        if not _NONBLOCK and not stat.S_ISREG(os.stat(path).st_mode):   # no O_NONBLOCK (Windows)
            return Source(path, None, _problem("other", "", UNREADABLE, "无法打开文件（不是普通文件）"))
        handle = os.open(path, os.O_RDONLY | _NONBLOCK | _BINARY)
    except OSError as exc:
        return Source(path, None, _problem("other", "", UNREADABLE, f"无法打开文件（{os_reason(exc)}）"))
    info = os.fstat(handle)
    if not stat.S_ISREG(info.st_mode):
        os.close(handle)
        detail = "这是一个文件夹" if stat.S_ISDIR(info.st_mode) else "不是普通文件"
        return Source(path, None, _problem("other", "", UNREADABLE, f"无法打开文件（{detail}）"))
    with os.fdopen(handle, "rb") as stream:
        if info.st_size > limits.max_file_bytes:
            detail = f"文件大小{_mb(info.st_size)}，超过{_mb(limits.max_file_bytes)}上限"
            return Source(path, None, _problem("other", "", TOO_LARGE, detail), info.st_size, info.st_mtime)
        try:
            data = stream.read(limits.max_file_bytes + 1)
        except OSError as exc:
            problem = _problem("other", "", UNREADABLE, f"读取文件时出错（{os_reason(exc)}）")
            return Source(path, None, problem, info.st_size, info.st_mtime)
    return Source(path, data, check_bytes(data, limits), len(data), info.st_mtime)


_NONBLOCK = getattr(os, "O_NONBLOCK", 0)     # a FIFO opens at once instead of waiting (POSIX)
_BINARY = getattr(os, "O_BINARY", 0)         # Windows


def check_bytes(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Preflight:
    """Inspect a file already in memory."""
    if not data:
        return _problem("empty", "", INCOMPLETE, "文件为空（0字节），可能保存或下载时中断")
    if len(data) > limits.max_file_bytes:
        return _problem("other", "", TOO_LARGE, f"文件超过{_mb(limits.max_file_bytes)}上限")
    if data.startswith(ZIP_MAGIC):
        return _check_zip(data, limits)
    if data.startswith(CFB_MAGIC):
        return _check_cfb(data, limits)
    if data[:2] in BIFF_BOF:
        return _problem("biff", "xls", UNSUPPORTED, "Excel 4.0及更早版本的.xls文件，无法读取")
    return _not_a_workbook(data)


def message_for(reason: str, detail: str) -> str:
    """The Chinese message for a reason: it always names the reason."""
    return ENCRYPTED_MESSAGE if reason == ENCRYPTED else f"{reason}：{detail}"


def _problem(kind: str, fmt: str, reason: str, detail: str) -> Preflight:
    return Preflight(kind, fmt, reason, message_for(reason, detail))


def grid_detail(name: str, height: int, width: int, limits: Limits = DEFAULT_LIMITS,
                before: int = 0) -> str | None:
    """Why a sheet of height x width cells (from A1) is refused, or None when it fits;
    `before` counts the cells of the file's sheets already read."""
    if height * width > limits.max_grid_cells:
        return (f"工作表“{name}”的数据区域达{column_letters(width - 1)}{height}"
                f"（{height * width:,}个单元格），超过{limits.max_grid_cells:,}个上限")
    if before + height * width > limits.max_total_cells:
        return (f"各工作表的数据区域合计超过{limits.max_total_cells:,}个单元格的上限"
                f"（到工作表“{name}”为止）")
    return None


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size / 1024:,.1f} KB"


# --- not a workbook ---------------------------------------------------------

_OTHER_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF", NOT_EXCEL, "内容是PDF文件"),
    (b"Rar!", NOT_EXCEL, "内容是RAR压缩包，请解压后报送其中的Excel文件"),
    (b"7z\xbc\xaf\x27\x1c", NOT_EXCEL, "内容是7z压缩包，请解压后报送其中的Excel文件"),
    (b"PK\x05\x06", NOT_EXCEL, "内容是空的压缩包"),
    (b"\x89PNG", NOT_EXCEL, "内容是图片"),
    (b"\xff\xd8\xff", NOT_EXCEL, "内容是图片"),
)


def _not_a_workbook(data: bytes) -> Preflight:
    for magic, reason, detail in _OTHER_MAGIC:
        if data.startswith(magic):
            return _problem("other", "", reason, detail)
    head = data[:4096]
    lowered = head.lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in lowered:
        return _problem("text", "", UNSUPPORTED, "内容是Excel 2003 XML表格，无法读取")
    if b"<html" in lowered or b"<table" in lowered or b"<!doctype html" in lowered:
        return _problem("text", "", NOT_EXCEL, "内容是网页（HTML），只是改成了Excel的扩展名")
    if b"\x00" not in head:
        return _problem("text", "", NOT_EXCEL, "内容是纯文本（如CSV），只是改成了Excel的扩展名")
    return _problem("other", "", NOT_EXCEL, "文件内容不是Excel工作簿")


# --- zip packages: xlsx, xlsm, ods ------------------------------------------

def _check_zip(data: bytes, limits: Limits) -> Preflight:
    try:
        archive = package(data)
        infos = archive.infolist()
        problem = _zip_limits(infos, limits) or _zip_encryption(infos)
        return problem or _zip_kind(archive, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, struct.error, OSError,
            NotImplementedError) as exc:    # NotImplementedError: unknown compression method
        return _problem("zip", "", INCOMPLETE, f"压缩包已损坏或被截断（{type(exc).__name__}）")


def _zip_limits(infos: list[zipfile.ZipInfo], limits: Limits) -> Preflight | None:
    if len(infos) > limits.max_members:
        return _problem("zip", "", TOO_LARGE,
                        f"压缩包内有{len(infos)}个部件，超过{limits.max_members}个上限")
    names = [info.filename.replace("\\", "/").casefold() for info in infos]
    if len(set(names)) != len(names):
        return _problem("zip", "", TOO_LARGE, "压缩包内有重名部件，文件结构异常")
    escaping = next((n for n in names if _escapes(n)), None)
    if escaping is not None:
        return _problem("zip", "", TOO_LARGE, f"压缩包内有指向包外的部件“{escaping[:60]}”，文件结构异常")
    total = sum(info.file_size for info in infos)
    if total > limits.max_inflated_bytes:
        return _problem("zip", "", TOO_LARGE,
                        f"解压后共{_mb(total)}，超过{_mb(limits.max_inflated_bytes)}上限")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > limits.ratio_min_member_bytes and ratio > limits.max_member_ratio:
            return _problem("zip", "", TOO_LARGE, f"部件{info.filename}压缩比{ratio:,.0f}:1，"
                                                  f"超过{limits.max_member_ratio:g}:1上限")
    return None


def _escapes(name: str) -> bool:
    """A member path no workbook has: absolute, a drive letter, or a '..' segment (zip-slip)."""
    return name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in name.split("/")


def _zip_encryption(infos: list[zipfile.ZipInfo]) -> Preflight | None:
    if any(info.flag_bits & 0x1 for info in infos):
        return _problem("zip", "", ENCRYPTED, "")
    return None


def _zip_kind(archive: zipfile.ZipFile, limits: Limits) -> Preflight:
    mimetype = _small_member(archive, "mimetype")
    if mimetype is not None:
        if not mimetype.strip().startswith(ODS_MIMETYPE):
            return _problem("zip", "", NOT_EXCEL, "内容是其他办公文档（不是电子表格）")
        manifest = _small_member(archive, "META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            return _problem("zip", "ods", ENCRYPTED, "")
        detail = _ods_grid(archive, limits)
        return _problem("zip", "ods", TOO_LARGE, detail) if detail else Preflight("zip", "ods")
    types = _small_member(archive, "[Content_Types].xml")
    if types is None:
        return _problem("zip", "", NOT_EXCEL, "内容是普通压缩包，不是Excel工作簿")
    if b"spreadsheetml" not in types and b"ms-excel" not in types:
        return _problem("zip", "", NOT_EXCEL, "内容是其他Office文档（如Word），不是Excel工作簿")
    fmt = _ooxml_format(archive, types)
    if fmt == "xlsb":                # its sheets are binary records the grid bound cannot see
        return _problem("zip", "xlsb", UNSUPPORTED, "Excel二进制工作簿（.xlsb）暂不支持")
    return Preflight("zip", fmt)


_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b[^>]*>")
_TARGET = re.compile(rb"\bTarget\s*=\s*[\"']([^\"']*)[\"']")
_MAIN_TYPE = re.compile(rb"\bType\s*=\s*[\"'][^\"']*/officeDocument[\"']")
_PART_NAME = re.compile(rb"\bPartName\s*=\s*[\"']([^\"']*)[\"']")


def _ooxml_format(archive: zipfile.ZipFile, types: bytes) -> str:
    """xlsx, xlsm or xlsb, from the workbook part named by _rels/.rels (not from the
    Default list of [Content_Types].xml, which writers fill with every known type)."""
    if any(name.lower().endswith("workbook.bin") for name in archive.namelist()):
        return "xlsb"    # a parser falls back to it when the XML workbook fails
    rels = _small_member(archive, "_rels/.rels") or b""
    tags = [t for t in _RELATIONSHIP.findall(rels) if _MAIN_TYPE.search(t)]
    target = _TARGET.search(tags[0]) if tags else None
    if target is None:
        return "xlsx"
    part = b"/" + target[1].lstrip(b"/")
    if part.lower().endswith(b".bin"):
        return "xlsb"
    for tag in _OVERRIDE.findall(types):
        name = _PART_NAME.search(tag)
        if name and name[1].lower() == part.lower():
            return "xlsm" if b"macroEnabled" in tag else "xlsx"
    return "xlsx"


def _small_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A member read in full when it exists and is small; None otherwise."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_SMALL_PART_BYTES:
        return None
    return archive.read(info)


# --- CFB (OLE2): .xls, .et, encrypted OOXML ---------------------------------
# A container cfb.py cannot follow is left to the parser.

_FILEPASS = 0x002F        # BIFF record that marks an encrypted workbook
_CFB_NAMES = ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument",
              "PowerPoint Document")


def _check_cfb(data: bytes, limits: Limits) -> Preflight:
    if len(data) < 512:
        return _problem("cfb", "", INCOMPLETE, "文件头不完整")
    ole, streams = cfb_streams(data, _CFB_NAMES)
    if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
        return _problem("cfb", "xlsx", ENCRYPTED, "")
    book = streams.get("Workbook") or streams.get("Book")
    if book is None and ("WordDocument" in streams or "PowerPoint Document" in streams):
        return _problem("cfb", "", NOT_EXCEL, "内容是Word或PowerPoint文档")
    stream = ole.read(book, len(data)) if book else b""
    if _has_filepass(stream[:64]):
        return _problem("cfb", "xls", ENCRYPTED, "")
    detail = _xls_grid(stream if book and len(stream) == book.size else b"", limits)
    return _problem("cfb", "xls", TOO_LARGE, detail) if detail else Preflight("cfb", "xls")


def cfb_stream(data: bytes, *names: str) -> bytes | None:
    """The bytes of the first stream called one of `names` in a CFB file, or None when
    there is none or its sector chain does not reach the size it declares."""
    ole, streams = cfb_streams(data, names)
    entry = next(iter(streams.values()), None)
    stream = ole.read(entry, len(data)) if entry else b""
    return stream if entry and len(stream) == entry.size else None


def _has_filepass(head: bytes) -> bool:
    """True when the workbook stream begins with FILEPASS (BIFF5/8 encryption).

    FILEPASS must follow BOF directly, or after WRITEPROT, so the first 64
    bytes of the stream (one mini sector) are enough to see it.
    """
    offset = 0
    for _ in range(3):   # BOF, optional WRITEPROT, FILEPASS
        if offset + 4 > len(head):
            return False
        record, length = struct.unpack_from("<HH", head, offset)
        if record == _FILEPASS:
            return True
        offset += 4 + length
    return False


# --- grids that .xls and .ods files ask for ---------------------------------
# calamine builds every sheet of an .xls or .ods file when it opens it, as a
# dense height x width grid, and aborts the interpreter when that allocation
# fails: a 6 KB .xls with one cell in column 16384, or a 1 KB .ods repeating a
# cell 9,000 x 10,000 times, ends a whole batch. So the grid is bounded here.

_BOF, _DIMENSIONS, _GLOBALS, _EOF, _BOUNDSHEET = 0x0809, 0x0200, 0x0005, 0x000A, 0x0085
_MULTI_CELLS = (0x00BD, 0x00BE)         # MULRK, MULBLANK: the last column ends the record
_CELL_RECORDS = frozenset({0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6,
                           *_MULTI_CELLS})
_RECORD_HEAD = struct.Struct("<HHHH")   # type, length, and a cell record's row and column


def _xls_grid(stream: bytes, limits: Limits) -> str | None:
    """Refusal detail when a sheet's cells or DIMENSIONS span more than the grid cap.

    calamine sizes its grid from both and accepts columns past IV. The stream is
    walked once from its start, and each sheet again from the offset its BOUNDSHEET
    record gives, up to its EOF record, as calamine reads it: a damaged record
    length desynchronises the first walk but not calamine. A workbook stream this
    reader cannot follow is left to the parser.
    """
    detail = _walk_xls(stream, limits)
    for number, start in enumerate(dict.fromkeys(_sheet_starts(stream)), 1):
        detail = detail or _walk_xls_sheet(stream, start, number, limits)
    return detail


def _walk_xls(stream: bytes, limits: Limits) -> str | None:
    position, end, sheet, height, width, in_sheet = 0, len(stream) - 8, 0, 0, 0, False
    before = 0
    while position <= end:
        kind, length, row, col = _RECORD_HEAD.unpack_from(stream, position)
        body, position = position + 4, position + 4 + length
        if kind in _CELL_RECORDS and in_sheet:
            if kind in _MULTI_CELLS and length >= 6 and position <= len(stream):
                col = struct.unpack_from("<H", stream, position - 2)[0]
            rows, cols = row + 1, col + 1
        elif kind == _BOF:             # body: BIFF version, then the substream type
            in_sheet = col != _GLOBALS
            sheet, before, height, width = sheet + in_sheet, before + height * width, 0, 0
            continue
        elif kind == _DIMENSIONS and in_sheet:
            rows, cols = _dimensions(stream, body, length)
        else:
            continue
        if rows > height or cols > width:
            height, width = max(height, rows), max(width, cols)
            detail = grid_detail(f"第{sheet}个工作表", height, width, limits, before)
            if detail:
                return detail
    return None


def _sheet_starts(stream: bytes) -> list[int]:
    """Stream offsets of the sheets, from the BOUNDSHEET records before the first EOF."""
    starts, position = [], 0
    while position + 8 <= len(stream):
        kind, length, start = struct.unpack_from("<HHI", stream, position)
        if kind == _EOF:
            break
        if kind == _BOUNDSHEET and start < len(stream):
            starts.append(start)
        position += 4 + length
    return starts


def _walk_xls_sheet(stream: bytes, start: int, number: int, limits: Limits) -> str | None:
    position, height, width = start, 0, 0
    while position + 8 <= len(stream):
        kind, length, row, col = _RECORD_HEAD.unpack_from(stream, position)
        body, position = position + 4, position + 4 + length
        if kind == _EOF or position > len(stream):
            break
        if kind in _CELL_RECORDS:
            if kind in _MULTI_CELLS and length >= 6:
                col = struct.unpack_from("<H", stream, position - 2)[0]
            rows, cols = row + 1, col + 1
        elif kind == _DIMENSIONS:
            rows, cols = _dimensions(stream, body, length)
        else:
            continue
        if rows > height or cols > width:
            height, width = max(height, rows), max(width, cols)
            detail = grid_detail(f"第{number}个工作表", height, width, limits)
            if detail:
                return detail
    return None


_FORMULA, _BOOLERR = 0x0006, 0x0205
BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
               0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def xls_error_cells(data: bytes) -> list[dict[tuple[int, int], str]]:
    """Per sheet, in BOUNDSHEET order (calamine's order), the cells whose value is an Excel error:
    a FORMULA record whose cached result is an error, or a BOOLERR record holding one. calamine
    reads both as '' (DOMAIN §4.3). [] when the workbook stream cannot be followed."""
    stream = cfb_stream(data, "Workbook", "Book") or b""
    return [_xls_sheet_errors(stream, start) for start in _sheet_starts(stream)]


def _xls_sheet_errors(stream: bytes, start: int) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    position = start
    while position + 8 <= len(stream):
        kind, length, row, col = _RECORD_HEAD.unpack_from(stream, position)
        body, position = position + 4, position + 4 + length
        if kind == _EOF or position > len(stream):
            break
        if kind == _FORMULA and length >= 14 and stream[body + 12:body + 14] == b"\xff\xff" \
                and stream[body + 6] == 2:
            found[(row, col)] = BIFF_ERRORS.get(stream[body + 8], "#VALUE!")
        elif kind == _BOOLERR and length >= 8 and stream[body + 7] == 1:
            found[(row, col)] = BIFF_ERRORS.get(stream[body + 6], "#VALUE!")
    return found


def _dimensions(stream: bytes, body: int, length: int) -> tuple[int, int]:
    """(rows, columns) a DIMENSIONS record declares (BIFF8: 14 bytes, BIFF5: 10), or the
    cells calamine reserves for it when larger: it computes last - first + 1 in u32,
    so a first row or column past the last wraps to about 4.3 billion."""
    if length >= 14 and body + 14 <= len(stream):
        first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", stream, body)
    elif length >= 8 and body + 8 <= len(stream):
        first_row, last_row, first_col, last_col = struct.unpack_from("<HHHH", stream, body)
    else:
        return 0, 0
    if last_row < 1 or last_col < 1:
        return 1, 1
    return (max(last_row, (last_row - first_row) % (1 << 32)),
            max(last_col, (last_col - first_col) % (1 << 32)))


_QUOTED = rb"(?:\"[^\"]*\"|'[^']*')"
_ODS_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table|table-row|table-cell|covered-table-cell)"
                      rb"((?:\s+[^\s=/>]+\s*=\s*" + _QUOTED + rb")*)\s*(/?)>")
_ODS_NAME = re.compile(rb"[\s:]name\s*=\s*[\"']([^\"']*)[\"']")
_ROWS_REPEATED = re.compile(rb"number-rows-repeated\s*=\s*[\"']([0-9]{1,10})[\"']")
_COLUMNS_REPEATED = re.compile(rb"number-columns-repeated\s*=\s*[\"']([0-9]{1,10})[\"']")


def _ods_grid(archive: zipfile.ZipFile, limits: Limits) -> str | None:
    """Refusal detail when repeated rows and cells with content expand past the cap."""
    try:
        xml = archive.read("content.xml")
    except KeyError:
        return None           # not a spreadsheet after all; the parser will say so
    row = col = repeat = height = width = before = 0
    name = b""
    for tag in _ODS_TAG.finditer(xml):
        closing, kind, attrs, empty = tag.groups()
        if kind == b"table" and not closing:
            found = _ODS_NAME.search(attrs)
            before += height * width
            row, height, width, name = 0, 0, 0, found[1] if found else name
        elif kind == b"table-row":
            if not closing:
                col, repeat = 0, _repeat(_ROWS_REPEATED, attrs)
            row += repeat if closing or empty else 0
        elif not closing and kind != b"table":
            span = _repeat(_COLUMNS_REPEATED, attrs)
            if not empty or b"value-type" in attrs:
                height, width = max(height, row + repeat), max(width, col + span)
                detail = grid_detail(html.unescape(name.decode("utf-8", "replace")),
                                     height, width, limits, before)
                if detail:
                    return detail
            col += span
    return None


def _repeat(pattern: re.Pattern, attrs: bytes) -> int:
    found = pattern.search(attrs)
    return max(int(found[1]), 1) if found else 1
