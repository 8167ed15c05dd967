"""Mutation helpers and a limited child runner for the hardening and fuzz tests.

Two halves:

* `mutate(rng, data, name)` turns the bytes of a workbook into a hostile variant:
  byte flips (in the file or inside an inflated zip member, so the zip's CRCs stay
  valid and the parser sees the damage), truncation, deleted or duplicated zip
  members, sheet XML with swapped cell types and formulas without values, huge or
  negative row/column references, odd unicode and control characters in strings,
  huge .ods repeat counts, overwritten CFB words, a wrong file extension. Everything
  depends only on the `random.Random` passed in and the input bytes, so a mutant is
  rebuilt exactly from (master seed, index) by `make_mutant`.
* `ChildPool.run(requests)` runs `youyi_xl.intake.folder.collect` on many folders in a
  few long-lived child processes, each under an address-space limit, one folder at
  a time with a time limit per folder. A child that dies (signal, abort), hangs or
  prints a traceback is blamed on the folder it was working on, replaced by a fresh
  child, and the folder is tried once more alone so the report says whether it
  fails on its own.
"""
from __future__ import annotations

import io
import json
import os
import random
import re
import selectors
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
DATA_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".et", ".ods"})
PERIOD = "2022-03"
TIMEOUT = 10.0                  # seconds per folder
MEMORY = 1 << 30                # bytes of address space per child
STARTUP_TIMEOUT = 60.0          # imports and the plan, once per child
MAX_INFLATE = 8 * 1024 * 1024   # members inflated in the parent for member-level mutations
FIXED_ZIP_TIME = (2022, 3, 31, 0, 0, 0)
MARK = "@@youyi-child@@"


# --------------------------------------------------------------------------
# corpus and sources
# --------------------------------------------------------------------------

def corpus_files(subfolder: str = "") -> list[Path]:
    """Data files of the shared corpus (or one of its folders), sorted; [] when absent."""
    root = CORPUS / subfolder if subfolder else CORPUS
    if not root.is_dir():
        return []
    return sorted((p for p in root.rglob("*") if p.is_file()
                   and (p.suffix.lower() in DATA_SUFFIXES or p.stat().st_size == 0)),
                  key=lambda p: p.relative_to(CORPUS).as_posix())


def canonical_zip(data: bytes) -> bytes:
    """A zip rewritten with fixed member times and core.xml dates, so that files saved
    by openpyxl (which stamps the current time) give the same bytes every run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2022-03-31T00:00:00Z", content)
            target.writestr(zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --------------------------------------------------------------------------
# mutations
# --------------------------------------------------------------------------

Mutation = Callable[[random.Random, bytes], "bytes | None"]


def zip_members(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    """The members of a zip with their inflated bytes, or None (not a zip, corrupt, too big)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_INFLATE or len(infos) > 2000:
                return None
            return [(info, archive.read(info)) for info in infos]
    except Exception:  # noqa: BLE001 - any damage means "not a usable zip" here
        return None


def build_zip(members: Iterable[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")           # "Duplicate name" is what we want
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in members:
                archive.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), content,
                                 compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _rewrite_member(rng: random.Random, data: bytes, wanted: Callable[[str, bytes], bool],
                    change: Callable[[random.Random, bytes], bytes | None]) -> bytes | None:
    """Apply `change` to one member that `wanted` picks; None when none fits or nothing changed."""
    members = zip_members(data)
    if not members:
        return None
    candidates = [i for i, (info, content) in enumerate(members) if wanted(info.filename, content)]
    if not candidates:
        return None
    pick = rng.choice(candidates)
    changed = change(rng, members[pick][1])
    if changed is None or changed == members[pick][1]:
        return None
    return build_zip((info.filename, changed if i == pick else content)
                for i, (info, content) in enumerate(members))


def _is_sheet(name: str, content: bytes) -> bool:
    return b"sheetData" in content or b"<table:table-row" in content


def _is_xml(name: str, content: bytes) -> bool:
    return name.endswith((".xml", ".rels")) and bool(content)


def flip_bytes(rng: random.Random, data: bytes) -> bytes | None:
    if not data:
        return None
    buffer = bytearray(data)
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32))):
        buffer[rng.randrange(len(buffer))] ^= rng.randrange(1, 256)
    return bytes(buffer)


def flip_member_bytes(rng: random.Random, data: bytes) -> bytes | None:
    """Flip bytes inside an inflated XML member: CRCs stay valid, the XML is damaged."""
    return _rewrite_member(rng, data, _is_xml, flip_bytes)


def truncate(rng: random.Random, data: bytes) -> bytes | None:
    return data[:rng.randrange(len(data))] if data else None


def truncate_member(rng: random.Random, data: bytes) -> bytes | None:
    return _rewrite_member(rng, data, _is_xml, truncate)


def drop_member(rng: random.Random, data: bytes) -> bytes | None:
    members = zip_members(data)
    if not members:
        return None
    drop = rng.randrange(len(members))
    return build_zip((info.filename, content) for i, (info, content) in enumerate(members) if i != drop)


def duplicate_member(rng: random.Random, data: bytes) -> bytes | None:
    """A second member with the same name (or the same name in other case, or a backslash path)."""
    members = zip_members(data)
    if not members:
        return None
    info, content = rng.choice(members)
    name = rng.choice((info.filename, info.filename.upper(), info.filename.replace("/", "\\")))
    extra = rng.choice((content, flip_bytes(rng, content) or content, b""))
    items = [(i.filename, c) for i, c in members]
    items.insert(rng.randrange(len(items) + 1), (name, extra))
    return build_zip(items)


_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_T_ATTR = re.compile(rb"\st\s*=\s*\"[^\"]*\"")
_TYPES = (b"s", b"n", b"e", b"b", b"str", b"inlineStr", b"d", None) * 3 + (b"x",)
_VALUES = (b"0", b"1", b"-1", b"2", b"44621", b"999999999", b"4294967296", b"-4294967297",
           b"1e308", b"-1e400", b"NaN", b"INF", b"", b" ", b"#DIV/0!", b"#REF!", b"TRUE", b"abc",
           b"2022-03-05T00:00:00", b"2022-13-45", b"0.1", b"1" * 400, b"\xe7\xba\xa6500")
_FORMULAS = (b"SUM(A1:A2)", b"1/0", b"A1", b"", b"HYPERLINK(\"http://x\")", b"A1048577")


def swap_cell_types(rng: random.Random, data: bytes) -> bytes | None:
    """Sheet XML cells with other types (s/n/e/b/str/inlineStr ...), other values,
    and formulas without a stored value."""
    return _rewrite_member(rng, data, _is_sheet, _swap_types_in_sheet)


def _swap_types_in_sheet(rng: random.Random, xml: bytes) -> bytes | None:
    rate = rng.choice((0.02, 0.1, 0.5, 1.0))

    def change(match: re.Match) -> bytes:
        if rng.random() > rate:
            return match[0]
        prefix, attrs, inner = match[1], _T_ATTR.sub(b"", match[2]), match[3] or b""
        kind = rng.choice(_TYPES)
        if kind is not None:
            attrs += b' t="' + kind + b'"'
        roll = rng.random()
        if roll < 0.3:      # a formula without <v>
            inner = b"<" + prefix + b"f>" + rng.choice(_FORMULAS) + b"</" + prefix + b"f>"
        elif roll < 0.7:    # another stored value
            inner = b"<" + prefix + b"v>" + rng.choice(_VALUES) + b"</" + prefix + b"v>"
        elif roll < 0.8:    # a formula and an empty value
            inner = b"<" + prefix + b"f>" + rng.choice(_FORMULAS) + b"</" + prefix + b"f><" \
                + prefix + b"v></" + prefix + b"v>"
        elif roll < 0.9:    # an inline string
            inner = b"<" + prefix + b"is><" + prefix + b"t>" + rng.choice(_VALUES) + b"</" \
                + prefix + b"t></" + prefix + b"is>"
        return b"<" + prefix + b"c" + attrs + b">" + inner + b"</" + prefix + b"c>"

    return _CELL.sub(change, xml)


_CELL_REF = re.compile(rb"(<(?:\w+:)?c\b[^>]*?\sr=\")([^\"]*)(\")")
_ROW_REF = re.compile(rb"(<(?:\w+:)?row\b[^>]*?\sr=\")([^\"]*)(\")")
_WILD_CELL_REFS = (b"A1048576", b"XFD1", b"XFD1048576", b"A0", b"A-1", b"-5", b"ZZZZ1",
                   b"A99999999999", b"", b"A1", b"AZ9999", b"BA1", b"A10000", b"a1", b"$A$1",
                   b"A1:B2", b"\xe5\x8d\x95", b"A01", b"1A", b"AAAA1048577")
_WILD_ROW_REFS = (b"0", b"-1", b"1048576", b"1048577", b"4294967297", b"99999999999", b"",
                  b"1", b"x", b"1e3", b"-4294967296")


def wild_references(rng: random.Random, data: bytes) -> bytes | None:
    """Huge, negative, empty or malformed r= attributes on cells and rows."""
    return _rewrite_member(rng, data, _is_sheet, _wild_refs_in_sheet)


def _wild_refs_in_sheet(rng: random.Random, xml: bytes) -> bytes | None:
    rate = rng.choice((0.01, 0.05, 0.3))
    forced = [True]         # at least one reference changes

    def change(pool):
        def replace(match: re.Match) -> bytes:
            if forced[0] or rng.random() < rate:
                forced[0] = False
                return match[1] + rng.choice(pool) + match[3]
            return match[0]
        return replace

    xml = _CELL_REF.sub(change(_WILD_CELL_REFS), xml)
    if rng.random() < 0.5:
        xml = _ROW_REF.sub(change(_WILD_ROW_REFS), xml)
    if rng.random() < 0.3:   # and a cell without r after one with a huge r
        xml = xml.replace(b"</row>", b'<c r="XFC1048576"><v>1</v></c><c><v>2</v></c></row>', 1)
    return xml


_TEXT = re.compile(rb"(<(?:\w+:)?t\b[^>]*>)(.*?)(</(?:\w+:)?t>)", re.S)
_ODS_TEXT = re.compile(rb"(<text:p\b[^>]*>)(.*?)(</text:p>)", re.S)
# Text that is well-formed XML (escaped as needed) and reaches the intake ...
_ODD_TEXT = ("\u0085", "\u200b", "\u200e", "\u202e", "\ufeff", "\U0001f600", "e\u0301", "\u3000",
             "１２３", "约", "万元", "亿元", "=1+1", "@SUM(A1)", "-2+3", "\t=cmd|' /C calc'!A0",
             "_x0007_", "_xD800_", "_x0000_", "&#x10FFFF;", "&amp;lt;", "&lt;b&gt;", "\r\n",
             "A" * 5000, "是", "否", "2022年13月5日", "3月5日", "0000年一季度", "9999年12月",
             "1" * 400, "-0", "1e308", "NaN", "inf", "0x10", "１，２３４．５", "−5", "(5)", "5-",
             "友谊镇", "发展和改革局", "../../x", "CON", "&#9;", "&#10;")
# ... and characters XML 1.0 forbids, raw or as character references (parsers must refuse them).
_ILLEGAL_TEXT = ("\x00", "\x07", "\x08", "\x0b", "\x1b", "\x1f", "\ufffe", "\uffff", "&#7;", "&#x0;",
                 "&#xD800;", "]]>", "<", "&")


def odd_strings(rng: random.Random, data: bytes) -> bytes | None:
    """Random unicode and control characters (raw, as char refs, as _xHHHH_) in the
    shared strings, or in inline strings and .ods text when there is no string table."""
    def wanted(name: str, content: bytes) -> bool:
        return b"<sst" in content or b"<si" in content or b"<is>" in content \
            or b"<text:p" in content

    return _rewrite_member(rng, data, wanted, _odd_text_in_member)


_TOKEN = re.compile(r"&#?\w+;|.", re.S)


def _odd_text_in_member(rng: random.Random, xml: bytes) -> bytes | None:
    rate = rng.choice((0.05, 0.3, 1.0))
    pattern = _ODS_TEXT if b"<text:p" in xml and b"<sst" not in xml else _TEXT

    def change(match: re.Match) -> bytes:
        if rng.random() > rate:
            return match[0]
        # whole characters and entity references (&#21451;), so an insertion never splits one
        tokens = _TOKEN.findall(match[2].decode("utf-8", "replace"))
        for _ in range(rng.randint(1, 4)):
            pool = _ILLEGAL_TEXT if rng.random() < 0.03 else _ODD_TEXT
            odd = rng.choice(pool)
            if rng.random() < 0.8:
                tokens.insert(rng.randrange(len(tokens) + 1), odd)
            else:
                tokens = [odd]
        return match[1] + "".join(tokens).encode("utf-8", "surrogatepass") + match[3]

    return pattern.sub(change, xml)


_REPEATED = re.compile(rb"(number-(?:rows|columns)-repeated=\")(\d+)(\")")


def ods_repeats(rng: random.Random, data: bytes) -> bytes | None:
    """.ods rows or cells repeated a huge number of times."""
    def change(rng: random.Random, xml: bytes) -> bytes | None:
        if _REPEATED.search(xml):
            return _REPEATED.sub(lambda m: m[1] + rng.choice((b"1048576", b"999999999", b"16384",
                                                               b"0", m[2])) + m[3], xml)
        return xml.replace(b"<table:table-row", b'<table:table-row table:number-rows-repeated='
                           b'"1048576"', 1)
    return _rewrite_member(rng, data, lambda n, c: n == "content.xml", change)


_SHEET_NAME = re.compile(rb"(<(?:\w+:)?sheet\b[^>]*?\sname=\")([^\"]*)(\")")
_ODD_SHEET_NAMES = ("", "封面", "招商引资项目", "指标汇总", "Sheet1", "a" * 300, "../../x", "CON",
                    "&lt;b&gt;", "\u202e封面", "封 面", "&#7;", "_x0007_", "重点项目进展")


def odd_sheet_names(rng: random.Random, data: bytes) -> bytes | None:
    """Sheet names in the workbook part swapped between sheets, duplicated, emptied,
    made very long or given odd characters."""
    def change(rng: random.Random, xml: bytes) -> bytes | None:
        names = [m[2] for m in _SHEET_NAME.finditer(xml)]
        if not names:
            return None
        if len(names) > 1 and rng.random() < 0.5:
            rng.shuffle(names)
        else:
            names[rng.randrange(len(names))] = rng.choice(_ODD_SHEET_NAMES).encode("utf-8")
        replacement = iter(names)
        return _SHEET_NAME.sub(lambda m: m[1] + next(replacement) + m[3], xml)

    return _rewrite_member(rng, data, lambda n, c: b"<sheets" in c or b"<x:sheets" in c, change)


_WILD_WORDS = (b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\xfe\xff\xff\xff", b"\xff\xff\xff\x7f",
               b"\x00\x00\x01\x00", b"\x10\x00\x00\x00")


def overwrite_words(rng: random.Random, data: bytes) -> bytes | None:
    """Aligned 4-byte words (sector numbers, sizes, record lengths) set to extreme values."""
    if len(data) < 8:
        return None
    buffer = bytearray(data)
    for _ in range(rng.choice((1, 2, 4, 16))):
        position = rng.randrange(len(buffer) // 4) * 4
        buffer[position:position + 4] = rng.choice(_WILD_WORDS)
    return bytes(buffer[:len(data)])


_XLS_CELLS = (0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00BD, 0x00BE)
_XLS_WORDS = (0, 1, 0xFF, 0x100, 0x3FFF, 0x4000, 0x7FFF, 0xFFFE, 0xFFFF)


def xls_records(rng: random.Random, data: bytes) -> bytes | None:
    """An .xls record changed in place: DIMENSIONS bounds, a cell's row or column, a
    BOUNDSHEET offset or a record length (records are found in the workbook stream and
    patched where their bytes occur once in the file)."""
    from youyi_xl.workbook.preflight import cfb_stream

    stream = cfb_stream(data, "Workbook", "Book") if data[:4] == b"\xd0\xcf\x11\xe0" else None
    if not stream:
        return None
    records, position = [], 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        records.append((position, kind, length))
        position += 4 + length
    wanted = [r for r in records if r[1] in (*_XLS_CELLS, 0x0200, 0x0085)] or records
    for _ in range(20):
        start, kind, length = rng.choice(wanted)
        head = stream[start:start + 4 + min(length, 12)]
        at = data.find(head)
        if at >= 0 and data.find(head, at + 1) < 0 and len(head) >= 8:
            break
    else:
        return None
    buffer = bytearray(data)
    roll = rng.random()
    if kind == 0x0200 and roll < 0.8 and length >= 14:      # rwMic, rwMac (u32), colMic, colMac
        struct.pack_into("<IIHH", buffer, at + 4, rng.choice((0, 1, 10, 65535, 1 << 20, 0xFFFFFFFF)),
                         rng.choice((0, 1, 2, 65536, 1 << 20, 0xFFFFFFFF)),
                         rng.choice(_XLS_WORDS), rng.choice(_XLS_WORDS))
    elif kind == 0x0085 and roll < 0.8:                       # the sheet's stream offset
        struct.pack_into("<I", buffer, at + 4, rng.randrange(len(stream) + 16))
    elif kind in _XLS_CELLS and roll < 0.8:                   # row, column
        struct.pack_into("<HH", buffer, at + 4, rng.choice(_XLS_WORDS), rng.choice(_XLS_WORDS))
    else:                                                     # the record length
        struct.pack_into("<H", buffer, at + 2, rng.choice(_XLS_WORDS))
    return bytes(buffer)


MUTATIONS: dict[str, Mutation] = {
    "flip_bytes": flip_bytes,
    "flip_member_bytes": flip_member_bytes,
    "truncate": truncate,
    "truncate_member": truncate_member,
    "drop_member": drop_member,
    "duplicate_member": duplicate_member,
    "swap_cell_types": swap_cell_types,
    "wild_references": wild_references,
    "odd_strings": odd_strings,
    "ods_repeats": ods_repeats,
    "odd_sheet_names": odd_sheet_names,
    "overwrite_words": overwrite_words,
    "xls_records": xls_records,
}
# How often each is picked: the XML-level ones reach the reader's and validator's code,
# whole-file damage mostly reaches the preflight.
WEIGHTS = {"flip_bytes": 1, "flip_member_bytes": 2, "truncate": 1, "truncate_member": 1,
           "drop_member": 2, "duplicate_member": 1, "swap_cell_types": 6, "wild_references": 5,
           "odd_strings": 6, "odd_sheet_names": 2, "ods_repeats": 1, "overwrite_words": 1,
           "xls_records": 4}
SUFFIXES = (".xlsx", ".xls", ".xlsm", ".ods", ".et")


def mutate(rng: random.Random, data: bytes, name: str) -> tuple[bytes, str, list[str]]:
    """(mutant bytes, file name, the mutations applied); one to three stacked mutations."""
    applied: list[str] = []
    names, weights = list(WEIGHTS), list(WEIGHTS.values())
    for _ in range(rng.choice((1, 1, 1, 1, 2, 3))):
        for _attempt in range(6):      # a mutation that does not fit this file is skipped
            kind = rng.choices(names, weights)[0]
            changed = MUTATIONS[kind](rng, data)
            if changed is not None and changed != data:
                data = changed
                applied.append(kind)
                break
    if not applied:
        data, applied = flip_bytes(rng, data) or b"\x00", ["flip_bytes"]
    if rng.random() < 0.08:
        name = Path(name).stem + rng.choice(SUFFIXES)
        applied.append("rename")
    return data, name, applied


@dataclass(frozen=True)
class Source:
    """A file to mutate: a label to report and its bytes."""

    label: str
    name: str
    data: bytes
    weight: float = 1.0


@dataclass(frozen=True)
class Mutant:
    index: int
    seed: str
    source: str
    name: str
    mutations: tuple[str, ...]
    data: bytes


def make_mutant(sources: list[Source], master_seed: int, index: int) -> Mutant:
    """Mutant number `index` of a run: the same sources and seed give the same bytes."""
    seed = f"{master_seed}:{index}"
    rng = random.Random(seed)
    source = rng.choices(sources, [s.weight for s in sources])[0]
    data, name, applied = mutate(rng, source.data, source.name)
    return Mutant(index, seed, source.label, name, tuple(applied), data)


# --------------------------------------------------------------------------
# the child process
# --------------------------------------------------------------------------

CHILD = r"""
import json, sys, traceback
memory, period, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
except ImportError:
    pass
from collections import Counter
from pathlib import Path
from youyi_xl.intake.folder import collect
from youyi_xl.workbook.reader import read_workbook
from youyi_xl.plan.attachments import load_plan
import pandas  # noqa: F401 - imported once here, not inside the first folder's time
plan = load_plan()

def cells(folder):
    found = {}
    for path in sorted(Path(folder).iterdir()):
        book, _ = read_workbook(path)
        found[path.name] = None if book is None else sum(
            1 for s in book.sheets for row in s.rows for v in row if v != "")
    return found

def summary(batch, want_cells, folder):
    issues = batch.issue_list
    json.dumps([i.to_dict() for i in issues], ensure_ascii=False)   # what `check --json` prints
    frames = {"issues": batch.issues, "units": batch.units, "projects": batch.projects,
              "key_projects": batch.key_projects, "planned": batch.planned,
              "reported": batch.reported}
    out = {"codes": dict(sorted(Counter(i.code for i in issues).items())),
           "unreadable": [i.message for i in issues if i.code == "file-unreadable"],
           "accepted": len(batch.accepted), "counts": batch.counts,
           "rows": {k: len(v) for k, v in frames.items()}}
    if want_cells:
        out["cells"] = cells(folder)
    return out

def grids(path):
    # read_workbook alone on one file: every non-empty value of every sheet, and the issues
    book, issues = read_workbook(path)
    sheets = None if book is None else [
        {"name": s.name, "values": [v if isinstance(v, (str, int, float)) else str(v)
                                    for row in s.rows for v in row if v != ""],
         "special": len(s.special)} for s in book.sheets]
    return {"sheets": sheets, "issues": [[i.code, i.message] for i in issues]}

print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    print(mark, request["id"], file=sys.stderr, flush=True)
    try:
        if request.get("read"):
            answer = {"id": request["id"], "result": grids(request["folder"])}
        else:
            batch = collect(request["folder"], period, plan)
            answer = {"id": request["id"], "result": summary(batch, request.get("cells"), request["folder"])}
    except Exception:
        answer = {"id": request["id"], "error": traceback.format_exc()[-3000:]}
    print(json.dumps(answer, ensure_ascii=False, default=str), flush=True)
"""


@dataclass
class Outcome:
    """What collect gave for one folder, or why the child failed on it."""

    id: str
    folder: str
    result: dict | None = None
    failure: str | None = None
    seconds: float = 0.0
    alone: str | None = None      # the failure when retried in a fresh child, "ok" if it passed

    @property
    def ok(self) -> bool:
        return self.failure is None


class _ChildDied(Exception):
    pass


class Child:
    """One child process that runs collect on folders sent to it, one at a time."""

    def __init__(self, memory: int = MEMORY, period: str = PERIOD, cwd: Path | None = None):
        self._stderr = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD, str(memory), period, MARK],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._stderr, cwd=cwd or REPO, env=env)
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.proc.stdout, selectors.EVENT_READ)
        self._stderr_seen = 0
        line = self._readline(STARTUP_TIMEOUT)
        if line is None or not json.loads(line).get("ready"):
            self.close()
            raise RuntimeError(f"child did not start: {self.stderr_tail()}")

    def run(self, ident: str, folder: str, cells: bool = False, timeout: float = TIMEOUT,
            read: bool = False) -> Outcome:
        """collect on `folder`; with `read`, read_workbook alone on the file `folder`."""
        started = time.monotonic()
        outcome = Outcome(ident, folder)
        try:
            request = {"id": ident, "folder": folder, "cells": cells, "read": read}
            self.proc.stdin.write((json.dumps(request) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise _ChildDied("child was gone before the folder was sent")
        line = self._readline(timeout)
        outcome.seconds = time.monotonic() - started
        if line is None:
            outcome.failure = self._why_no_answer(timeout)
            return outcome
        answer = json.loads(line)
        stderr = self._new_stderr()
        if "error" in answer:
            outcome.failure = "uncaught exception:\n" + answer["error"]
        elif "Traceback" in stderr:
            outcome.failure = "traceback on stderr:\n" + stderr[-3000:]
        else:
            outcome.result = answer["result"]
        return outcome

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def _why_no_answer(self, timeout: float) -> str:
        if self.alive:
            self.close()
            return f"no answer within {timeout:g} s (hang); child killed"
        code = self.proc.returncode
        stderr = self._new_stderr()[-2000:]
        if code < 0:
            return f"child killed by {signal.Signals(-code).name}: {stderr}"
        return f"child exited with rc={code}: {stderr}"

    def _readline(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not self._selector.select(left):
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                self.proc.wait()
                return None
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _new_stderr(self) -> str:
        self._stderr.seek(self._stderr_seen)
        text = self._stderr.read()
        self._stderr_seen += len(text)
        lines = [ln for ln in text.decode("utf-8", "replace").splitlines() if not ln.startswith(MARK)]
        return "\n".join(lines)

    def stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-2000:].decode("utf-8", "replace")

    def close(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait()
        self._selector.close()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._stderr.close()


@dataclass
class ChildPool:
    """Runs requests (id, folder) over `workers` children; outcomes come back in order."""

    workers: int = 2
    memory: int = MEMORY
    timeout: float = TIMEOUT
    cells: bool = False
    read: bool = False            # read_workbook on files instead of collect on folders
    cwd: Path | None = None
    children: int = field(default=0, init=False)      # child processes started
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _errors: list[BaseException] = field(default_factory=list, init=False, repr=False)

    def run(self, requests: list[tuple[str, str]]) -> list[Outcome]:
        shares = [requests[i::self.workers] for i in range(self.workers)]
        results: dict[str, Outcome] = {}
        threads = [threading.Thread(target=self._work, args=(share, results)) for share in shares if share]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self._errors:
            raise RuntimeError(f"the child runner failed: {self._errors[0]!r}") from self._errors[0]
        for outcome in results.values():
            if not outcome.ok:
                outcome.alone = self._alone(outcome)
        return [results[ident] for ident, _ in requests]

    def _work(self, share: list[tuple[str, str]], results: dict[str, Outcome]) -> None:
        try:
            self._work_on(share, results)
        except Exception as exc:  # noqa: BLE001 - handed to the main thread by run()
            self._errors.append(exc)

    def _work_on(self, share: list[tuple[str, str]], results: dict[str, Outcome]) -> None:
        child = self._child()
        try:
            for ident, folder in share:
                try:
                    outcome = child.run(ident, folder, self.cells, self.timeout, self.read)
                except _ChildDied:
                    child.close()
                    child = self._child()
                    outcome = child.run(ident, folder, self.cells, self.timeout, self.read)
                results[ident] = outcome
                if not child.alive:       # killed or hung: a fresh child for the rest
                    child.close()
                    child = self._child()
        finally:
            child.close()

    def _child(self) -> Child:
        with self._lock:
            self.children += 1
        return Child(self.memory, cwd=self.cwd)

    def _alone(self, outcome: Outcome) -> str:
        child = Child(self.memory, cwd=self.cwd)
        try:
            again = child.run(outcome.id, outcome.folder, self.cells, self.timeout, self.read)
        finally:
            child.close()
        return "ok" if again.ok else again.failure
