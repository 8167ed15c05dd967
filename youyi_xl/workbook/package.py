"""A return's zip package, opened once and read fast.

Preflight, the mark check and the reader look into the same package one after another, so
`package(data)` keeps the last one opened. Its members are inflated straight from the bytes in
memory (a return has a dozen small parts, and zipfile's per-member machinery cost more than the
inflating); anything unusual — another compression method, encryption, a local header that does
not match the directory, a size or CRC that does not hold — is left to zipfile, which raises
what it always raised.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Any

_LOCAL_HEADER = b"PK\x03\x04"
_LOCAL_HEADER_SIZE = 30
_JUDGED_BY_ZIPFILE = 0x1 | 0x20 | 0x40      # encrypted, patched data, strong encryption


class Package(zipfile.ZipFile):
    """A zip archive over bytes in memory whose `read` inflates members directly."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self._bytes = data

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        found = None if pwd is not None else _inflate(self._bytes, info)
        return found if found is not None else super().read(info, pwd)


def _inflate(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None for zipfile to read (and judge) it."""
    if info.flag_bits & _JUDGED_BY_ZIPFILE or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    offset = info.header_offset
    head = data[offset:offset + _LOCAL_HEADER_SIZE]
    if len(head) < _LOCAL_HEADER_SIZE or head[:4] != _LOCAL_HEADER:
        return None
    name_length, extra_length = struct.unpack_from("<HH", head, 26)
    start = offset + _LOCAL_HEADER_SIZE + name_length + extra_length
    if data[offset + _LOCAL_HEADER_SIZE:offset + _LOCAL_HEADER_SIZE + name_length] != _encoded(info):
        return None
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    try:
        body = raw if info.compress_type == zipfile.ZIP_STORED else \
            zlib.decompressobj(-15).decompress(raw, info.file_size)
    except zlib.error:
        return None
    if len(body) != info.file_size or zlib.crc32(body) != info.CRC:
        return None
    return body


def _encoded(info: zipfile.ZipInfo) -> bytes:
    return info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace")


def package(data: bytes) -> Package:
    """The zip archive of a file's bytes, opened once (the last package opened is kept, by the
    identity of its bytes; never close it)."""
    if _OPENED[0] is not data:
        archive = Package(data)
        _OPENED[:] = [data, archive]
    return _OPENED[1]


_OPENED: list[Any] = [None, None]
