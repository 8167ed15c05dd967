"""workbook.package: members inflated straight from the bytes give what zipfile gives, and
whatever is unusual is left to zipfile (its errors, unchanged)."""
from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from youyi_xl.workbook import package
from youyi_xl.workbook.package import Package


def _zip(members: dict[str, bytes], method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


MEMBERS = {"xl/worksheets/sheet1.xml": b"<sheetData>" + "友谊镇".encode() * 500 + b"</sheetData>",
           "中文/名字.xml": b"<a/>", "empty.xml": b""}


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_members_read_as_zipfile_reads_them(method, monkeypatch):
    data = _zip(MEMBERS, method)
    taken = []
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda self, name, pwd=None: taken.append(name))
    fast = Package(data)
    assert {name: fast.read(name) for name in MEMBERS} == MEMBERS
    assert fast.read(fast.getinfo("empty.xml")) == b"" and taken == []    # zipfile's read never needed


def _corrupt(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) >= 1
    return data.replace(old, new, 1)


def test_a_damaged_member_gets_zipfiles_own_error():
    data = _zip({"a.xml": b"x" * 1000}, zipfile.ZIP_STORED)
    damaged = _corrupt(data, b"x" * 10, b"y" * 10)          # the CRC no longer holds
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        Package(damaged).read("a.xml")
    renamed = _corrupt(data, b"PK\x03\x04" + data[4:30] + b"a.xml", b"PK\x03\x04" + data[4:30] + b"b.xml")
    with pytest.raises(zipfile.BadZipFile, match="name"):      # local header and directory disagree
        Package(renamed).read("a.xml")


def test_a_truncated_member_is_left_to_zipfile():
    data = _zip({"a.xml": bytes(range(256)) * 64})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("a.xml")
    cut = bytearray(data)
    start = info.header_offset + 30 + len("a.xml")
    cut[start:start + 8] = b"\xff" * 8                           # the deflate stream is broken
    with pytest.raises((zipfile.BadZipFile, zlib.error)):
        Package(bytes(cut)).read("a.xml")


def test_the_last_package_is_opened_once():
    data = _zip(MEMBERS)
    assert package(data) is package(data)
    assert package(bytes(bytearray(data))) is not package(data)     # kept by the identity of its bytes
    other = _zip({"b.xml": b"<b/>"})
    assert package(other).read("b.xml") == b"<b/>" and package(data).read("empty.xml") == b""
