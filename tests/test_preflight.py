"""preflight: what a file is, judged from its bytes before any parser runs.

Every hostile file here is built in the test, small on disk (the zip bomb is a
few KB that declare megabytes); corpus files are only read, never modified.
"""
from __future__ import annotations

import io
import random
import struct
import time
import warnings
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from youyi_xl.core import column_letters
from youyi_xl.workbook import preflight as pf
from youyi_xl.workbook.preflight import Limits, check_bytes, preflight

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

ENCRYPTED_FILES = [
    "public/calamine/pass_protected.xlsx",       # OOXML in a CFB container (EncryptionInfo)
    "public/calamine/pass_protected.ods",        # ODS manifest with encryption-data
    "public/calamine/issue_385.xls",             # BIFF8 FILEPASS in a regular-sector stream
    "public/python-calamine/password.xlsx",      # agile-encrypted OOXML
    "public/sheetjs/password_2002_40_xor.xls",   # XOR obfuscation: FILEPASS after WRITEPROT
    "public/sheetjs/password_2002_128_strong.xls",  # RC4: workbook stream in the mini stream
]


def _xlsx_bytes() -> bytes:
    book = Workbook()
    book.active["A1"] = "单位"
    book.active["B1"] = 42
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- not a workbook / broken ------------------------------------------------

def test_valid_xlsx_passes(tmp_path):
    result = preflight(_write(tmp_path, "ok.xlsx", _xlsx_bytes()))
    assert result.ok and result.problem is None
    assert (result.kind, result.format) == ("zip", "xlsx")
    assert result.message == "" and result.hint == ""


def test_text_renamed_to_xlsx_is_not_excel(tmp_path):
    # what a CSV export saved under an .xlsx name looks like
    path = _write(tmp_path, "renamed.xlsx", "单位,数值\n友谊镇,=HYPERLINK(\"x\")\n".encode())
    result = preflight(path)
    assert (result.kind, result.problem) == ("text", pf.NOT_EXCEL)
    assert pf.NOT_EXCEL in result.message and result.hint


def test_html_saved_as_xls_is_not_excel(tmp_path):
    # many reporting systems export an HTML table under an .xls name
    html = b"<html><body><table><tr><td>1</td></tr></table></body></html>"
    assert preflight(_write(tmp_path, "export.xls", html)).problem == pf.NOT_EXCEL


def test_empty_file_is_incomplete(tmp_path):
    result = preflight(_write(tmp_path, "empty.xlsx", b""))
    assert (result.kind, result.problem) == ("empty", pf.INCOMPLETE)


def test_truncated_zip_is_incomplete(tmp_path):
    data = _xlsx_bytes()
    result = preflight(_write(tmp_path, "cut.xlsx", data[: len(data) * 6 // 10]))
    assert (result.kind, result.problem) == ("zip", pf.INCOMPLETE)


def test_missing_file_is_unreadable(tmp_path):
    assert preflight(tmp_path / "nowhere.xlsx").problem == pf.UNREADABLE


def test_zip_without_workbook_parts_is_not_excel():
    assert check_bytes(_zip({"notes.txt": b"hello"})).problem == pf.NOT_EXCEL


def test_word_package_is_not_excel():
    types = b'<Types><Override ContentType="application/vnd.openxmlformats-officedocument.' \
            b'wordprocessingml.document.main+xml"/></Types>'
    assert check_bytes(_zip({"[Content_Types].xml": types})).problem == pf.NOT_EXCEL


def test_macro_workbook_is_xlsm():
    data = _xlsx_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {i.filename: source.read(i) for i in source.infolist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"spreadsheetml.sheet.main+xml", b"ms-excel.sheet.macroEnabled.main+xml")
    assert check_bytes(_zip(members)).format == "xlsm"


def test_xlsb_is_unsupported():
    rels = (b'<Relationships><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/>'
            b"</Relationships>")
    types = b'<Types><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.' \
            b'binary.macroEnabled.main"/></Types>'
    result = check_bytes(_zip({"[Content_Types].xml": types, "_rels/.rels": rels}))
    assert (result.format, result.problem) == ("xlsb", pf.UNSUPPORTED)


def test_raw_biff4_is_unsupported():
    # a BIFF4 worksheet is raw records (BOF 0x0409), not a CFB container
    data = struct.pack("<HHHHH", 0x0409, 6, 0, 0x10, 0) + b"\x00" * 64
    assert (check_bytes(data).kind, check_bytes(data).problem) == ("biff", pf.UNSUPPORTED)


def test_file_over_the_size_cap(tmp_path):
    path = _write(tmp_path, "big.xlsx", _xlsx_bytes())
    assert preflight(path, Limits(max_file_bytes=100)).problem == pf.TOO_LARGE


# --- zip central directory ----------------------------------------------------

def test_zip_bomb_member_ratio():
    # 5 MB of zeros deflate to ~5 KB: ratio ~1000:1, over 100:1 for a member over 100 KB
    data = _zip({"[Content_Types].xml": b"spreadsheetml",
                 "xl/worksheets/sheet1.xml": bytes(5 << 20)})
    assert len(data) < 64 * 1024
    result = check_bytes(data)
    assert (result.kind, result.problem) == ("zip", pf.TOO_LARGE)


def test_total_inflated_size_cap():
    member = random.Random(1).randbytes(1 << 20)   # 1 MB that does not compress: ratio 1:1
    data = _zip({"[Content_Types].xml": b"spreadsheetml", "a.xml": member, "b.xml": member})
    assert check_bytes(data).ok
    assert check_bytes(data, Limits(max_inflated_bytes=1 << 20)).problem == pf.TOO_LARGE


def test_ratio_is_only_judged_for_large_members():
    small = _zip({"[Content_Types].xml": b"spreadsheetml", "x.xml": bytes(50_000)})
    assert check_bytes(small).ok
    assert check_bytes(small, Limits(ratio_min_member_bytes=10_000)).problem == pf.TOO_LARGE


def test_too_many_members():
    members = {f"xl/m{i}.xml": b"" for i in range(pf.MAX_MEMBERS)}
    members["[Content_Types].xml"] = b"spreadsheetml"
    assert check_bytes(_zip(members)).problem == pf.TOO_LARGE
    assert check_bytes(_zip(members), Limits(max_members=2000)).ok


@pytest.mark.parametrize("second", ["xl/workbook.xml", "XL/Workbook.xml"])
def test_duplicate_member_names(second):
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)     # zipfile warns "Duplicate name"
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", b"spreadsheetml")
            archive.writestr("xl/workbook.xml", b"<a/>")
            archive.writestr(second, b"<b/>")
    assert check_bytes(buffer.getvalue()).problem == pf.TOO_LARGE


def test_encrypted_zip_member_flag():
    data = bytearray(_xlsx_bytes())
    central = data.find(b"PK\x01\x02")
    flags = struct.unpack_from("<H", data, central + 8)[0]
    struct.pack_into("<H", data, central + 8, flags | 0x1)  # general purpose bit 0: encrypted
    assert check_bytes(bytes(data)).problem == pf.ENCRYPTED


def test_ods_manifest_encryption():
    manifest = b'<manifest:file-entry><manifest:encryption-data manifest:checksum="x"/>'
    data = _zip({"mimetype": pf.ODS_MIMETYPE, "META-INF/manifest.xml": manifest,
                 "content.xml": b"<x/>"}, zipfile.ZIP_STORED)
    result = check_bytes(data)
    assert (result.format, result.problem) == ("ods", pf.ENCRYPTED)
    assert result.message == pf.ENCRYPTED_MESSAGE


def _table(rows: int, columns: int, with_value: bool = True) -> str:
    """One ODS table: `rows` repeated rows of `columns` repeated cells."""
    cell = (f'<table:table-cell office:value-type="float" office:value="1" '
            f'table:number-columns-repeated="{columns}"><text:p>1</text:p></table:table-cell>'
            if with_value else f'<table:table-cell table:number-columns-repeated="{columns}"/>')
    return (f'<table:table table:name="表1"><table:table-row table:number-rows-repeated="{rows}">'
            f"{cell}</table:table-row></table:table>")


def _ods(*tables: str) -> bytes:
    content = ('<office:document-content xmlns:table="t" xmlns:office="o" xmlns:text="x">'
               f'<office:body><office:spreadsheet>{"".join(tables)}</office:spreadsheet>'
               "</office:body></office:document-content>")
    return _zip({"mimetype": pf.ODS_MIMETYPE, "content.xml": content.encode()})


def test_ods_repeated_cells_over_the_grid_cap():
    # 1 KB that asks calamine for 90 million cells: it would abort the interpreter
    result = check_bytes(_ods(_table(10_000, 9_000)))
    assert (result.format, result.problem) == ("ods", pf.TOO_LARGE)
    assert check_bytes(_ods(_table(3, 2))).ok


def test_ods_empty_repeated_cells_do_not_count():
    # LibreOffice ends each sheet with ~1M empty repeated rows; they hold nothing
    assert check_bytes(_ods(_table(1_048_000, 1024, with_value=False))).ok


# --- CFB: encrypted OOXML and .xls ---------------------------------------------

@needs_corpus
@pytest.mark.parametrize("name", ENCRYPTED_FILES)
def test_encrypted_corpus_files(name):
    result = preflight(CORPUS / name)
    assert result.problem == pf.ENCRYPTED
    assert result.message == "文件已加密，请去掉密码后重新报送"


@needs_corpus
@pytest.mark.parametrize("name, fmt", [
    ("public/sheetjs/wps/fn.et", "xls"),          # WPS .et is BIFF8 in CFB
    ("public/calamine/biff5_write.xls", "xls"),   # BIFF5 'Book' stream
    ("public/calamine/covered.ods", "ods"),
    ("public/calamine/strict_iso_paths.xlsx", "xlsx"),
])
def test_readable_corpus_formats(name, fmt):
    result = preflight(CORPUS / name)
    assert result.ok and result.format == fmt


@needs_corpus
def test_biff4_corpus_file_is_unsupported():
    result = preflight(CORPUS / "public/xlrd/biff4_no_format_no_window2.xls")
    assert (result.kind, result.problem) == ("biff", pf.UNSUPPORTED)


@needs_corpus
@pytest.mark.parametrize("name", ["public/xlrd/Formate.xls",      # regular sectors
                                  "public/xlrd/ragged.xls"])      # mini stream
def test_cfb_stream_starts_with_bof(name):
    stream = pf.cfb_stream((CORPUS / name).read_bytes(), "Workbook", "Book")
    assert stream is not None and struct.unpack_from("<H", stream)[0] == 0x0809


@needs_corpus
def test_cfb_stream_names_match_exactly_and_in_order():
    # it has a BIFF5 'Book' and a BIFF8 'WorkBook': calamine reads 'Book' (names are exact)
    stream = pf.cfb_stream((CORPUS / "public/calamine/biff5-rich-text-string.xls").read_bytes(),
                           "Workbook", "Book")
    assert len(stream) == 4061 and stream[4:6] == b"\x00\x05"     # BOF of BIFF5


# --- CFB files built here: 512-byte sectors, sector 0 the FAT, then the directory,
# then each stream (padded to 4096 bytes, the mini stream cutoff, so no mini stream)

_END, _FREE, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFF
_BOF = struct.pack("<HHHHHH", 0x0809, 8, 0x0600, 0x0005, 0, 0)      # BIFF8 workbook globals
_FILEPASS = struct.pack("<HHHHH", 0x002F, 6, 0, 0, 0)


def _cfb(streams: dict[str, bytes], more_entries: int = 0) -> bytes:
    """A CFB file holding `streams` (and `more_entries` small ones in an absent mini
    stream); the directory is a tree laid out as a heap under the root entry."""
    bodies = [b.ljust(max(4096, -(-len(b) // 512) * 512), b"\0") if b else b"" for b in streams.values()]
    names = [*streams, *(f"s{n}" for n in range(more_entries))]
    dir_sectors = -(-(len(names) + 1) // 4)
    fat_sectors = -(-(dir_sectors + sum(len(b) for b in bodies) // 512) // 127)
    fat = [0xFFFFFFFD] * fat_sectors + [*range(fat_sectors + 1, fat_sectors + dir_sectors), _END]
    entries = [_entry("Root Entry", 5, _END, 0, child=1 if names else _NONE)]
    for sid, name in enumerate(names, 1):
        tree = {"left": 2 * sid if 2 * sid <= len(names) else _NONE,
                "right": 2 * sid + 1 if 2 * sid < len(names) else _NONE}
        if sid > len(bodies):
            entries.append(_entry(name, 2, sid, 64, **tree))     # in the mini stream (absent)
        elif bodies[sid - 1]:
            start, count = len(fat), len(bodies[sid - 1]) // 512
            fat += [*range(start + 1, start + count), _END]
            entries.append(_entry(name, 2, start, count * 512, **tree))
        else:
            entries.append(_entry(name, 2, _END, 0, **tree))      # empty
    header = struct.pack("<8s16xHHHHH6x9I", pf.CFB_MAGIC, 0x3E, 3, 0xFFFE, 9, 6, 0, fat_sectors,
                         fat_sectors, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<109I", *range(fat_sectors), *[_FREE] * (109 - fat_sectors))
    fat += [_FREE] * (fat_sectors * 128 - len(fat))
    directory = b"".join(entries).ljust(dir_sectors * 512, b"\0")
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + b"".join(bodies)


def _entry(name: str, kind: int, start: int, size: int, left=_NONE, right=_NONE, child=_NONE) -> bytes:
    raw = name.encode("utf-16-le")
    return struct.pack("<64sHBBIII16xI16xII4x", raw, len(raw) + 2, kind, 1, left, right, child, 0,
                       start, size)


def _patched(data: bytes, *patches: tuple[int, int]) -> bytes:
    """`data` with 32-bit words (offset, value) overwritten."""
    buffer = bytearray(data)
    for offset, value in patches:
        struct.pack_into("<I", buffer, offset, value)
    return bytes(buffer)


_ENCRYPTED_OOXML = {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x24" * 200, "EncryptedPackage": b"\x10" * 5000}


def test_built_cfb_is_read():
    stream = pf.cfb_stream(_cfb({"Workbook": _BOF}), "Workbook", "Book")
    assert stream[:len(_BOF)] == _BOF and len(stream) == 4096
    assert check_bytes(_cfb({"Workbook": _BOF})) == pf.Preflight("cfb", "xls")


def test_cfb_encrypted_ooxml_is_encrypted():
    result = check_bytes(_cfb(_ENCRYPTED_OOXML))
    assert (result.kind, result.format, result.problem) == ("cfb", "xlsx", pf.ENCRYPTED)
    assert result.message == pf.ENCRYPTED_MESSAGE


@pytest.mark.parametrize("stream", ["WordDocument", "PowerPoint Document"])
def test_cfb_word_or_powerpoint_is_not_excel(stream):
    result = check_bytes(_cfb({stream: b"\xec\xa5\xc1\x00" + b"\0" * 60, "1Table": b"\0" * 100}))
    assert (result.kind, result.problem) == ("cfb", pf.NOT_EXCEL)
    assert result.message == "不是Excel文件：内容是Word或PowerPoint文档"


@pytest.mark.parametrize("records", [_BOF + _FILEPASS,
                                     _BOF + struct.pack("<HH", 0x0086, 0) + _FILEPASS])   # WRITEPROT
def test_xls_with_filepass_is_encrypted(records):
    result = check_bytes(_cfb({"Workbook": records}))
    assert (result.kind, result.format, result.problem) == ("cfb", "xls", pf.ENCRYPTED)
    assert result.message == pf.ENCRYPTED_MESSAGE
    assert check_bytes(_cfb({"Book": records})).problem == pf.ENCRYPTED     # BIFF5's stream name


def test_truncated_cfb():
    xls, ooxml = _cfb({"Workbook": _BOF + _FILEPASS}), _cfb(_ENCRYPTED_OOXML)
    short = check_bytes(xls[:511])
    assert (short.kind, short.problem, short.message) == ("cfb", pf.INCOMPLETE, "文件不完整：文件头不完整")
    assert check_bytes(xls[:2048]).problem == pf.ENCRYPTED       # the stream's first sector is there
    assert check_bytes(ooxml[:1536 + 512]).problem == pf.ENCRYPTED    # the directory is there
    assert check_bytes(xls[:1024]) == pf.Preflight("cfb", "xls")   # no directory: left to the parser
    assert pf.cfb_stream(xls[:2048], "Workbook") is None           # shorter than it declares


def test_small_cfb_is_read_from_memory():
    # olefile takes bytes under 1536 for a file name: they must reach it as a file object
    data = _cfb({"EncryptionInfo": b"", "EncryptedPackage": b""})[:1024 + 3 * 128]
    assert len(data) < 1536 and check_bytes(data).problem == pf.ENCRYPTED


_WORKBOOK = _cfb({"Workbook": _BOF})   # sector 0 the FAT, 1 the directory, 2-9 the stream
_FAT, _DIRECTORY = 512, 1024           # file offsets


def _sector(number: int) -> int:
    return (number + 1) * 512


@pytest.mark.parametrize("patches", [
    [(_FAT + 4 * 9, 2), (_DIRECTORY + 128 + 0x78, 0xFFFFF000)],   # the stream loops, declares 4 GB
    [(_FAT + 4 * 5, 2)],                                          # it loops within its size
    [(_FAT + 4 * 1, 1)],                                          # the directory loops on itself
    [(0x2C, 109 + 127 * 10**6), (0x44, 2), (0x48, 10**6), (_sector(2) + 508, 2)]   # a million DIFAT
    + [(_sector(2) + 4 * n, 0) for n in range(127)],               # sectors, one looping, listing the FAT
    [(_DIRECTORY + 128 + 0x78, 100), (0x3C, 2), (0x40, 0xFFFFFFFF), (_FAT + 8, 2),  # small stream:
     (_DIRECTORY + 0x74, 3), (_DIRECTORY + 0x78, 0xFFFFFFC0), (_FAT + 12, 3)],      # mini chains loop
], ids=["stream-4GB", "stream", "directory", "difat", "mini-stream"])
def test_cfb_whose_chains_loop_ends(patches):
    data = _patched(_WORKBOOK, *patches)
    started = time.perf_counter()
    assert check_bytes(data) == pf.Preflight("cfb", "xls")     # left to the parser
    pf.cfb_stream(data, "Workbook")
    assert time.perf_counter() - started < 2


def test_cfb_with_many_directory_entries():
    data = _cfb({"Workbook": _BOF}, more_entries=20_000)    # olefile checks each against those before
    started = time.perf_counter()
    assert pf.cfb_stream(data, "Workbook")[:len(_BOF)] == _BOF
    assert time.perf_counter() - started < 2


@needs_corpus
@pytest.mark.parametrize("column", [0xFF, 0x3FFF])
def test_xls_cell_far_away_is_refused(tmp_path, column):
    # one LABELSST cell moved to row 65536: calamine would build (or fail to build) the grid
    data = bytearray((CORPUS / "public/xlrd/Formate.xls").read_bytes())
    record = data.rfind(b"\xfd\x00\x0a\x00")
    struct.pack_into("<HH", data, record + 4, 0xFFFF, column)
    assert preflight(CORPUS / "public/xlrd/Formate.xls").ok
    assert preflight(_write(tmp_path, "far.xls", bytes(data))).problem == pf.TOO_LARGE


@needs_corpus
def test_xls_sheets_together_over_the_total_cap():
    # Formate.xls: four small sheets whose grids add up to some tens of cells
    path = CORPUS / "public/xlrd/Formate.xls"
    assert preflight(path, Limits(max_total_cells=200)).ok
    assert preflight(path, Limits(max_total_cells=40)).problem == pf.TOO_LARGE


def test_ods_tables_together_over_the_total_cap():
    twice = _ods(_table(10, 10), _table(10, 10))
    assert check_bytes(twice, Limits(max_total_cells=200)).ok
    assert check_bytes(twice, Limits(max_total_cells=150)).problem == pf.TOO_LARGE


def test_grid_detail_names_the_sheet_and_the_corner():
    detail = pf.grid_detail("填报表", 1_048_576, 16_384)
    assert "填报表" in detail and "XFD1048576" in detail
    assert pf.grid_detail("填报表", 1000, 52) is None


@pytest.mark.parametrize("col, letters", [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"),
                                          (701, "ZZ"), (702, "AAA"), (16383, "XFD")])
def test_column_letters(col, letters):
    assert column_letters(col) == letters


def test_zip_slip_member_names_are_refused(tmp_path):
    """Members named to escape a folder on extraction: no workbook writer makes them."""
    import io
    import zipfile as zf

    from youyi_xl.workbook.preflight import TOO_LARGE, preflight

    for bad in ("../../tmp/x.txt", "/tmp/x.txt", "C:/x.txt", "xl\\..\\..\\x.txt"):
        buffer = io.BytesIO()
        with zf.ZipFile(buffer, "w") as z:
            z.writestr("[Content_Types].xml", "<Types>spreadsheetml</Types>")
            z.writestr(bad, "x")
        path = tmp_path / "slip.xlsx"
        path.write_bytes(buffer.getvalue())
        assert preflight(path).problem == TOO_LARGE, bad


def _record(kind: int, body: bytes) -> bytes:
    return struct.pack("<HH", kind, len(body)) + body


def test_xls_error_results_are_read_from_their_records():
    """calamine reads an error result as '': a FORMULA record whose cached value is an error
    (byte 0 = 2, bytes 6-7 = FFFF, byte 2 the code) and a BOOLERR record with fError = 1."""
    def formula(row, col, value):
        return _record(0x0006, struct.pack("<HHH", row, col, 15) + value + b"\x00" * 6)

    stream = b"".join([
        _record(0x0809, b"\x00\x06\x10\x00" + b"\x00" * 12),
        formula(4, 10, bytes([2, 0, 0x17, 0, 0, 0, 0xFF, 0xFF])),       # #REF!
        formula(5, 10, struct.pack("<d", 12.5)),                           # a number
        formula(6, 10, bytes([1, 0, 1, 0, 0, 0, 0xFF, 0xFF])),            # TRUE
        _record(0x0205, struct.pack("<HHHBB", 7, 2, 15, 0x2A, 1)),        # #N/A
        _record(0x0205, struct.pack("<HHHBB", 8, 2, 15, 1, 0)),           # TRUE
        _record(0x0205, struct.pack("<HHHBB", 9, 2, 15, 0x07, 1)),        # #DIV/0!
        _record(0x000A, b""),
        _record(0x0205, struct.pack("<HHHBB", 10, 2, 15, 0x07, 1)),       # after EOF: another sheet
    ])
    assert pf._xls_sheet_errors(stream, 0) == {(4, 10): "#REF!", (7, 2): "#N/A", (9, 2): "#DIV/0!"}


# --- files that must never be read whole, or opened at all (DOMAIN §9) -------------

def test_a_huge_file_is_refused_before_any_byte_is_read(tmp_path, monkeypatch):
    """A 2.5 GB file named .xlsx (sparse here): judged by its size first, never read."""
    path = tmp_path / "友谊镇.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(2_500 * 1024 * 1024)
    reads = []
    real_fdopen = pf.os.fdopen

    class Counting:                               # the stream read_source reads from
        def __init__(self, stream):
            self.stream = stream

        def read(self, size=-1):
            reads.append(size)
            return self.stream.read(size)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

    monkeypatch.setattr(pf.os, "fdopen", lambda *args, **kwargs: Counting(real_fdopen(*args, **kwargs)))
    source = pf.read_source(path)
    assert source.data is None and source.checked.problem == pf.TOO_LARGE and source.size > 2 * 1024 ** 3
    assert reads == []                            # not one byte read


FIFO_READER = """
import os, sys
from youyi_xl.workbook import preflight
if sys.argv[2] == "no-nonblock":          # Windows has no O_NONBLOCK: the fallback is a stat first
    preflight._NONBLOCK = 0
print(preflight.read_source(sys.argv[1]).checked.message)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("mode", ["nonblock", "no-nonblock"])
def test_a_fifo_where_a_return_was_is_refused_without_blocking(tmp_path, mode):
    """A file replaced by a FIFO between listing and reading: open() would wait for a writer
    for ever; it is refused at once (in a child, bounded by a timeout)."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "友谊镇.xlsx"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-c", FIFO_READER, str(fifo), mode], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "不是普通文件" in done.stdout, done.stderr


@pytest.mark.parametrize("winerror, reason", [(32, "占用"), (112, "磁盘空间不足"), (206, "路径过长")])
def test_windows_error_numbers_have_a_chinese_reason(winerror, reason):
    exc = PermissionError(13, "Access is denied")
    exc.winerror = winerror                      # as Windows reports a file open in WPS, a full disk …
    assert reason in pf.os_reason(exc)


def test_posix_error_numbers_have_a_chinese_reason():
    import errno

    assert pf.os_reason(OSError(errno.ENOSPC, "No space left on device")) == "磁盘空间不足"
    assert "没有权限" in pf.os_reason(PermissionError(errno.EACCES, "Permission denied"))
