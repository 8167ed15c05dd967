""".ods content.xml, scanned for what python-calamine does not report: the cells whose formula
result is an error (#REF!, #DIV/0! …, read as number-invalid naming the value) and the merged
ranges (table:number-rows-spanned / -columns-spanned), each repeated cell bounded."""
from __future__ import annotations

import html
import io
import re
import zipfile

MAX_ODS_SPECIAL_REPEAT = 10_000             # cells one repeated .ods error cell stands for

_ODS_CELL = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?(table|table-row|table-cell|covered-table-cell)"
                       rb"((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>")
_ODS_ATTR = re.compile(rb"(?:^|\s)(?:[\w.-]+:)?([\w-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ODS_TEXT = re.compile(rb"<(?:[\w.-]+:)?p\b[^>]*>([^<]*)")
_ODS_CELL_END = re.compile(rb"</(?:[\w.-]+:)?table-cell>")


def scan_ods(data: bytes) -> tuple[dict[str, dict], dict[str, list]]:
    """(sheet -> special cells, sheet -> merged ranges) from an .ods file's content.xml.

    calamine reads a formula's error result (office:string-value="" with calcext:value-type=
    "error", the error text in <text:p>) as '' and gives no merged ranges for .ods; both are
    read here, with positions counted as calamine counts them (repeated rows and cells).
    Preflight has bounded the grid the repeats describe."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            xml = archive.read("content.xml")
        except KeyError:
            return {}, {}
    specials: dict[str, dict] = {}
    merges: dict[str, list] = {}
    name, row, col, repeat = "", 0, 0, 1
    for tag in _ODS_CELL.finditer(xml):
        closing, kind, raw, empty = tag.groups()
        if closing:
            row += repeat if kind == b"table-row" else 0
            continue
        attrs = _ods_attrs(raw)
        if kind == b"table":
            name, row = attrs.get("name", ""), 0
            specials[name], merges[name] = {}, []
        elif kind == b"table-row":
            col, repeat = 0, _count(attrs.get("number-rows-repeated"))
            row += repeat if empty else 0
        else:
            span = _count(attrs.get("number-columns-repeated"))
            if kind == b"table-cell":
                _ods_cell(xml, tag, attrs, (row, col, repeat, span), specials.get(name), merges.get(name))
            col += span
    return ({n: s for n, s in specials.items() if s}, merges)


def _ods_cell(xml: bytes, tag: re.Match, attrs: dict[str, str], where: tuple[int, int, int, int],
              special: dict | None, merged: list | None) -> None:
    row, col, repeat, span = where
    if special is None or merged is None:
        return
    rows_spanned, cols_spanned = _count(attrs.get("number-rows-spanned")), _count(attrs.get("number-columns-spanned"))
    if rows_spanned > 1 or cols_spanned > 1:
        merged.append((row, col, row + rows_spanned - 1, col + cols_spanned - 1))
    if "formula" not in attrs or tag.group(4) or attrs.get("value-type") not in ("string", "error", None):
        return
    end = _ODS_CELL_END.search(xml, tag.end())
    text = _ODS_TEXT.search(xml, tag.end(), end.start() if end else len(xml))
    value = html.unescape(text[1].decode("utf-8", "replace")).strip() if text else ""
    if attrs.get("calc-value-type") == "error" or (value.startswith("#") and attrs.get("string-value") == ""):
        rows = min(repeat, MAX_ODS_SPECIAL_REPEAT)
        for r in range(row, row + rows):
            for c in range(col, col + min(span, max(1, MAX_ODS_SPECIAL_REPEAT // rows))):
                special[(r, c)] = value or "#VALUE!"


def _ods_attrs(raw: bytes) -> dict[str, str]:
    """Attributes by local name; calcext:value-type is kept apart as calc-value-type."""
    found = {}
    for match in _ODS_ATTR.finditer(raw):
        key = match[1].decode("ascii", "replace")
        value = html.unescape((match[2] if match[2] is not None else match[3]).decode("utf-8", "replace"))
        if key == "value-type" and match[0].lstrip().startswith(b"calcext:"):
            key = "calc-value-type"
        found.setdefault(key, value)
    return found


def _count(value: str | None) -> int:
    """A repeat or span count (1 when absent or unreadable)."""
    return max(int(value), 1) if value and value.isdigit() and len(value) <= 10 else 1
