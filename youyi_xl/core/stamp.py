"""youyi-xl's mark on the packages it writes, so that a later collect never reads its own
outputs as returns, wherever they lie (DOMAIN §9).

Every .xlsx and .docx youyi-xl writes carries the custom document property ``youyi-xl``
(docProps/custom.xml, kept by Excel, WPS and LibreOffice): the kind of file, and, for the kinds
a unit may edit and send back (退回意见, 填报表), a SHA-256 fingerprint of the package's
content parts as written: of their names, sizes and CRC-32s, which the zip's central directory
holds, so that judging a file inflates nothing but its small custom.xml. A 成绩单 or 通报 is youyi-xl's own whatever was done to it; a 退回意见 or 填报表
only while its content is unchanged — a unit that corrected the cells of its 退回意见 and sent
it back sent a return, and a filled-in form is a return.

Bytes in, bytes out: nothing here opens a file.
"""
from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

MARK_PROPERTY = "youyi-xl"                # the custom property's name
SCORECARD, NOTICE, FEEDBACK, FORM = "成绩单", "通报", "退回意见", "填报表"
ALWAYS_OWN = frozenset({SCORECARD, NOTICE})      # never a return, even when edited
KINDS = frozenset({SCORECARD, NOTICE, FEEDBACK, FORM})
HTML_GENERATOR = '<meta name="generator" content="youyi-xl">'

CUSTOM_PART = "docProps/custom.xml"
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"
_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_UNHASHED = ("docProps/", "[Content_Types].xml", "_rels/.rels")   # what stamping and saving rewrite
MAX_CUSTOM_BYTES = 1024 * 1024

_PROPERTY_VALUE = re.compile(
    rb"<(?:\w+:)?property\b[^>]*\bname\s*=\s*[\"']" + MARK_PROPERTY.encode() + rb"[\"'][^>]*>\s*"
    rb"<(?:\w+:)?lpwstr\b[^>]*>([^<]{0,200})</(?:\w+:)?lpwstr>")
_OUR_PROPERTY = re.compile(r"<property\b[^>]*\bname=\"" + re.escape(MARK_PROPERTY) + r"\".*?</property>", re.S)
_PID = re.compile(r"\bpid=\"(\d+)\"")
_ROOT = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?<Properties\b([^>]*)>")   # the root's own declarations


@dataclass(frozen=True)
class Mark:
    """The mark read from a package: its kind, and whether its content is as youyi-xl wrote it."""

    kind: str
    unchanged: bool

    @property
    def own(self) -> bool:
        """True for a file that is youyi-xl's output and not a return."""
        return self.kind in ALWAYS_OWN or (self.kind in KINDS and self.unchanged)


def property_value(kind: str, digest: str = "") -> str:
    """The property's text: '成绩单' or '退回意见 sha256:…'."""
    return f"{kind} sha256:{digest}" if digest else kind


def fingerprint(infos: list[zipfile.ZipInfo]) -> str:
    """SHA-256 over the name, size and CRC-32 of each content part (not docProps,
    [Content_Types].xml, _rels/.rels, which stamping and every save rewrite). Any program that
    saves the package writes its parts anew; the CRC changes with the content."""
    digest = hashlib.sha256()
    for info in sorted((i for i in infos if not i.filename.startswith(_UNHASHED)), key=lambda i: i.filename):
        name = info.filename.encode("utf-8", "surrogateescape")
        digest.update(struct.pack(">I", len(name)) + name + struct.pack(">QI", info.file_size, info.CRC))
    return digest.hexdigest()


def stamp(data: bytes, kind: str) -> bytes:
    """The package `data` (.xlsx/.docx just written) with the youyi-xl property of `kind`.

    Deterministic: the same package gives the same bytes. A property of that name already
    there (a form's mark, carried into a 退回意见 copy) is replaced; others are kept."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        infos = source.infolist()
        members = {info.filename: source.read(info) for info in infos}
    value = property_value(kind, fingerprint(infos) if kind not in ALWAYS_OWN else "")
    rels = members.get("_rels/.rels", b"").decode("utf-8")
    part = _custom_target(rels.encode("utf-8"))
    if part is None:
        part = CUSTOM_PART
        tag = f'<Relationship Id="rIdYouyiXl" Type="{_REL_TYPE}" Target="{part}"/>'
        members["_rels/.rels"] = rels.replace("</Relationships>", tag + "</Relationships>").encode("utf-8")
        members["[Content_Types].xml"] = _with_override(members["[Content_Types].xml"].decode("utf-8"), part)
    members[part] = _custom_xml(members.get(part), value).encode("utf-8")
    return _zip(infos, members)


def read_mark(data: bytes, archive: zipfile.ZipFile | None = None) -> Mark | None:
    """The youyi-xl mark of a package (one that passed preflight), or None. `archive`: the
    package of `data` opened already."""
    try:
        archive = archive if archive is not None else zipfile.ZipFile(io.BytesIO(data))
        part = _custom_target(_small(archive, "_rels/.rels") or b"") or CUSTOM_PART
        found = _PROPERTY_VALUE.search(_small(archive, part) or b"")
        if found is None:
            return None
        kind, _, digest = found.group(1).decode("utf-8", "replace").strip().partition(" sha256:")
        return Mark(kind, bool(digest) and digest == fingerprint(archive.infolist()))
    except (zipfile.BadZipFile, zlib.error, struct.error, ValueError, OSError, EOFError, NotImplementedError):
        return None                              # a damaged package is not youyi-xl's (the reader says why)


def _small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= MAX_CUSTOM_BYTES else None


def _custom_target(rels: bytes) -> str | None:
    """The part the package's custom-properties relationship points at, if it has one."""
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        if _REL_TYPE.encode() in tag:
            target = re.search(rb"\bTarget\s*=\s*[\"']([^\"']*)[\"']", tag)
            if target:
                return target.group(1).decode("utf-8", "replace").lstrip("/")
    return None


def _custom_xml(existing: bytes | None, value: str) -> str:
    prop = (f'<property fmtid="{_FMTID}" pid="PID" name="{MARK_PROPERTY}">'
            f'<vt:lpwstr xmlns:vt="{_VT}">{value}</vt:lpwstr></property>')
    text = existing.decode("utf-8", "replace") if existing else ""
    root = _ROOT.match(text)
    if root and f'xmlns="{_NS}"' in root.group(1) and text.rstrip().endswith("</Properties>"):
        text = _OUR_PROPERTY.sub("", text)
        pid = max((int(p) for p in _PID.findall(text)), default=1) + 1
        head, _, tail = text.rpartition("</Properties>")
        return head + prop.replace("PID", str(pid)) + "</Properties>" + tail
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Properties xmlns="{_NS}" xmlns:vt="{_VT}">{prop.replace("PID", "2")}</Properties>')


def _with_override(types: str, part: str) -> bytes:
    if f'PartName="/{part}"' in types:
        return types.encode("utf-8")
    tag = f'<Override PartName="/{part}" ContentType="{_CONTENT_TYPE}"/>'
    return types.replace("</Types>", tag + "</Types>").encode("utf-8")


def _zip(infos: list[zipfile.ZipInfo], members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    when = infos[0].date_time if infos else (1980, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in infos:
            target.writestr(_copy(info), members.pop(info.filename))
        for name, content in members.items():                      # a new docProps/custom.xml
            target.writestr(zipfile.ZipInfo(name, when), content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _copy(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(info.filename, info.date_time)
    copy.compress_type, copy.external_attr = info.compress_type, info.external_attr
    return copy
