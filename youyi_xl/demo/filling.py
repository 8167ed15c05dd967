"""Typing values into a generated form (youyi_xl.outputs.forms) through openpyxl, as a unit would:
every cell found by its header text (the schema's labels), never by letter; saved with fixed zip
times and document dates, so the same values give the same bytes."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from copy import copy
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl
from openpyxl.utils import get_column_letter

from ..core import (
    COVER_FIELDS,
    COVER_SHEET,
    KEY_PROJECTS,
    PLANNED,
    PROJECTS,
    SUMMARY,
    YESNO,
    Table,
    compact,
    header_key,
)
from ..outputs import atomic_write
from ..plan import Plan, load_plan

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def fill_form(path: str | Path, *, cover: Row | None = None, projects: Iterable[Row] = (),
              key_projects: Iterable[Row] = (), planned: Iterable[Row] = (),
              summary: Mapping[str, Any] | None = None, out: str | Path | None = None,
              plan: Plan | None = None) -> Path:
    """Type the given values into a generated form; save to `out` (default: in place).

    Rows are dicts keyed by schema column keys; values are written as given (a date, a
    number, or text such as "0.3亿元"); True/False in a 是/否 column become 是/否. Key-project
    rows go to the pre-filled row of the same 项目名称, other rows to the next blank row
    (the 填表说明 block moves down when they run out). `summary` maps indicator keys to the
    本年累计完成 figure, or to a dict of 指标汇总 column keys (the keys of `plan`'s indicators, the
    shipped plan by default).
    """
    book = openpyxl.load_workbook(path)
    if cover:
        _fill_cover(book[COVER_SHEET], cover)
    for table, rows in ((PROJECTS, projects), (PLANNED, planned)):
        sheet = _TableSheet(book[table.sheet], table)
        for row in rows:
            sheet.write(sheet.next_blank(), row)
    key_sheet = _TableSheet(book[KEY_PROJECTS.sheet], KEY_PROJECTS)
    for row in key_projects:
        key_sheet.write(key_sheet.row_named(row.get("name")) or key_sheet.next_blank(), row)
    if summary:
        labels = {i.key: i.summary_label for i in (plan or load_plan()).indicators}
        _fill_summary(_TableSheet(book[SUMMARY.sheet], SUMMARY), summary, labels)
    target = Path(out) if out is not None else Path(path)
    saved = _saved_at(cover, book.properties.created)
    atomic_write(target, reproducible_bytes(book, saved))
    return target


def _saved_at(cover: Row | None, created: dt.datetime | None) -> dt.datetime:
    """When the unit 'saved' the file: its 填报日期 at 16:30, else the form's creation time."""
    day = (cover or {}).get("fill_date")
    if isinstance(day, dt.date):
        return dt.datetime(day.year, day.month, day.day, 16, 30)
    return created or dt.datetime(2022, 1, 1)


def reproducible_bytes(book, saved: dt.datetime) -> bytes:
    """The workbook as .xlsx bytes with fixed zip times and a fixed 'modified' date."""
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = saved.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            member.compress_type, member.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(member, data)
    return result.getvalue()


def _fill_cover(ws, values: Row) -> None:
    labels = {header_key(f.label): f.key for f in COVER_FIELDS}
    unknown = set(values) - {f.key for f in COVER_FIELDS}
    if unknown:
        raise KeyError(f"not cover fields: {sorted(unknown)}")
    for row in ws.iter_rows():
        for cell in row:
            key = labels.get(header_key(cell.value)) if isinstance(cell.value, str) else None
            if key in values:
                ws.cell(cell.row, cell.column + 1).value = values[key]


class _TableSheet:
    """One table of the form: its header row, column positions and input rows."""

    def __init__(self, ws, table: Table):
        self.ws, self.table = ws, table
        self.header_row, self.columns = self._find_header()
        self.notes_row = self._find_notes()
        self.used: set[int] = set()

    def _find_header(self) -> tuple[int, dict[str, int]]:
        keys = {k: c.key for c in self.table.columns for k in c.header_keys()}
        best: tuple[int, dict[str, int]] = (0, {})
        for row in self.ws.iter_rows(max_row=40):
            found = {keys[header_key(c.value)]: c.column for c in row
                     if isinstance(c.value, str) and header_key(c.value) in keys}
            if len(found) > len(best[1]):
                best = (row[0].row, found)
        if len(best[1]) < len(self.table.columns):
            raise ValueError(f"{self.ws.title}: header row not found")
        return best

    def _find_notes(self) -> int:
        for r in range(self.header_row + 1, self.ws.max_row + 1):
            value = self.ws.cell(r, 1).value
            if isinstance(value, str) and value.startswith(NOTE_START):
                return r
        return self.ws.max_row + 1

    def is_blank(self, r: int) -> bool:
        return all(self.ws.cell(r, c).value in (None, "")
                   for key, c in self.columns.items() if key != "seq")

    def next_blank(self) -> int:
        for r in range(self.header_row + 1, self.notes_row):
            if r not in self.used and self.is_blank(r):
                return r
        self._make_room(10)
        return self.next_blank()

    def row_named(self, name: Any) -> int | None:
        c = self.columns["name"]
        for r in range(self.header_row + 1, self.notes_row):
            if name and compact(self.ws.cell(r, c).value) == compact(name):
                return r
        return None

    def write(self, r: int, row: Row) -> None:
        unknown = set(row) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.table.sheet}: not columns of the form: {sorted(unknown)}")
        for key, value in row.items():
            if self.table.column(key).kind == YESNO and isinstance(value, bool):
                value = "是" if value else "否"
            self.ws.cell(r, self.columns[key]).value = None if value == "" else value
        self.used.add(r)

    def _make_room(self, n: int) -> None:
        """Move the 填表说明 block `n` rows down; the freed rows copy the last input row's style."""
        ws, notes = self.ws, self.notes_row
        shift_down(ws, notes, n)
        for r in range(notes, notes + n):
            for c in range(1, ws.max_column + 1):
                ws.cell(r, c)._style = copy(ws.cell(notes - 1, c)._style)
        self.notes_row += n


def shift_down(ws, first: int, n: int) -> None:
    """Move rows first.. (and the merged ranges among them) `n` rows down."""
    merged = [m for m in ws.merged_cells.ranges if m.min_row >= first]
    for m in merged:
        ws.unmerge_cells(str(m))
    ws.move_range(f"A{first}:{get_column_letter(ws.max_column)}{ws.max_row}", rows=n)
    for m in merged:
        m.shift(row_shift=n)
        ws.merge_cells(str(m))


def _fill_summary(sheet: _TableSheet, summary: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    rows: dict[str, int] = {}
    c = sheet.columns["indicator"]
    for r in range(sheet.header_row + 1, sheet.notes_row):
        rows[header_key(sheet.ws.cell(r, c).value)] = r
    for key, value in summary.items():
        r = rows[header_key(labels.get(key, key))]
        sheet.write(r, value if isinstance(value, Mapping) else {"actual": value})
