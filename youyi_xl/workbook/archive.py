"""Returns inside a .zip archive — how e-mail attachments are usually downloaded.

A clerk who saves "全部下载" from the mailbox gets one .zip of the units' workbooks. Each
workbook member is read as a return, in memory: nothing is extracted to disk. The archive is
judged first by its central directory with the same bounds as a workbook package (member
count, declared sizes, compression ratio, names pointing outside, encryption), and each
member then goes through the same pre-flight as a file in the folder (`check_bytes`).

Member names: a zip made on Chinese Windows (the built-in "发送到压缩文件夹", or WinRAR and
360压缩 in their default mode) stores names in GBK without the UTF-8 flag; Python decodes them
as cp437 (mojibake). They are decoded again here: UTF-8 when the bytes are UTF-8, else GBK
(GB18030), else as Python read them.
"""
from __future__ import annotations

import io
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .preflight import (
    DEFAULT_LIMITS,
    INCOMPLETE,
    TOO_LARGE,
    Limits,
    Preflight,
    Source,
    _mb,
    _problem,
    _zip_encryption,
    _zip_limits,
    check_bytes,
    read_source,
)

UTF8_FLAG = 0x800


@dataclass(frozen=True)
class Archive:
    """What a .zip holds: its workbook members read into memory, the other members' names,
    and why the archive as a whole cannot be used (problem), if it cannot."""

    source: Source
    members: tuple[Source, ...] = ()          # each Source.path is archive path / member name
    names: tuple[str, ...] = ()               # the members' decoded names, in the same order
    others: tuple[str, ...] = ()              # members that are no workbook (decoded names)
    problem: Preflight | None = None


def is_archive(data: bytes | None) -> bool:
    return bool(data) and data.startswith(b"PK\x03\x04") and _is_plain_zip(data)


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its maker meant it (GBK names of Chinese Windows decoded)."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def read_archive(path: str | Path, suffixes: frozenset[str], limits: Limits = DEFAULT_LIMITS,
                 source: Source | None = None) -> Archive:
    """Open the .zip at `path` once and read its workbook members (by suffix) into memory."""
    source = source if source is not None else read_source(path, limits)
    if source.data is None:
        return Archive(source, problem=source.checked)
    try:
        with zipfile.ZipFile(io.BytesIO(source.data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            problem = _zip_limits(infos, limits) or _zip_encryption(infos)
            if problem is not None:
                return Archive(source, problem=problem)
            return _members(source, archive, infos, suffixes, limits)
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError) as exc:
        return Archive(source, problem=_problem("zip", "", INCOMPLETE,
                                                f"压缩包已损坏或被截断（{type(exc).__name__}）"))


def read_member(path: str | Path, name: str, limits: Limits = DEFAULT_LIMITS) -> Source:
    """One member of an archive, by its decoded name, read again (the 退回意见 copy)."""
    archive = read_archive(path, frozenset({PurePosixPath(name).suffix.lower()}), limits)
    for member, decoded in zip(archive.members, archive.names):
        if decoded == name:
            return member
    problem = archive.problem or _problem("zip", "", INCOMPLETE, f"压缩包中已没有“{name}”")
    return Source(Path(path) / name, None, problem)


def _members(source: Source, archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo],
             suffixes: frozenset[str], limits: Limits) -> Archive:
    members, names, others = [], [], []
    for info in sorted(infos, key=member_name):
        name = member_name(info)
        base = PurePosixPath(name.replace("\\", "/")).name
        if base.startswith(("~$", ".~lock", ".")) or "__MACOSX" in name:
            continue
        if PurePosixPath(base).suffix.lower() not in suffixes:
            others.append(name)
            continue
        path = source.path / name
        if info.file_size > limits.max_file_bytes:
            detail = f"文件大小{_mb(info.file_size)}，超过{_mb(limits.max_file_bytes)}上限"
            members.append(Source(path, None, _problem("other", "", TOO_LARGE, detail), info.file_size,
                                  _stamp(info, source.mtime)))
        else:
            data = archive.read(info)
            members.append(Source(path, data, check_bytes(data, limits), len(data), _stamp(info, source.mtime)))
        names.append(name)
    return Archive(source, tuple(members), tuple(names), tuple(others))


def _stamp(info: zipfile.ZipInfo, default: float) -> float:
    """The member's own modification time (local time, as zip stores it), for picking the
    newest of two versions; the archive's when the member's is not a date."""
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return default


def _is_plain_zip(data: bytes) -> bool:
    """A zip that is no workbook package: no [Content_Types].xml and no ODF mimetype."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError, NotImplementedError):
        return False
    return "[Content_Types].xml" not in names and "mimetype" not in names
