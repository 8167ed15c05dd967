"""What intake knows about one returned file: `ReturnData`, part of the `Batch` contract.

A return holds the file's identity (name, path, fingerprint), what its cover says (unit,
period), one `TableRead` per table found (where it sits and its parsed records), the unit's
own 指标汇总 figures (`Reported`), and every issue found in the file. Records are immutable;
`settle()` marks the rows an error points at as not counted, once the checks have run.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field, replace
from itertools import compress, repeat
from math import copysign
from operator import not_
from typing import Any, Iterator, Mapping

from ..core import Issue, Reported, cell_ref, make_issue


@dataclass(frozen=True)
class TableRead:
    """One table of a return: the sheet it was found on, its header row and columns, and its
    records. `ok` is False when a required column is missing (the table is left out)."""

    table: str                          # the schema table key: projects, key_projects, …
    sheet: str
    header_row: int                     # 0-based row of the (last) header row
    columns: Mapping[str, int]          # column key -> 0-based column index
    ok: bool = True
    records: tuple = ()

    def cell(self, row: int, key: str) -> str:
        """The A1 reference of field `key` in Excel row `row` (the first column if absent)."""
        return cell_ref(row - 1, self.columns.get(key, 0))

    def __reduce__(self):
        """Pickled a column at a time (a worker's records reach the main process faster), and
        rebuilt there with the values other returns share (`shared_values`)."""
        fields = (self.table, self.sheet, self.header_row, self.columns, self.ok)
        if not self.records:
            return _table_read, (*fields, None, ())
        return _table_read, (*fields, type(self.records[0]), tuple(zip(*self.records)))


# --------------------------------------------------------------------------
# one copy of a value many returns hold
# --------------------------------------------------------------------------
# A batch's returns repeat the same texts, dates and figures in row after row (the sheet name,
# 省外, 绿色食品, a leader, the first of a month, 0 and 3000 万元). Unpickled from a worker, each
# return has its own copies (pickle never shares a float); during a collect they are replaced by
# the first one seen, which keeps a province's 600,000 rows in about half the memory. Equal
# values of one type are the same value, but 1 == 1.0 == True and 0.0 == -0.0 are not: only texts,
# dates and floats enter a pool (so a float meets only floats equal to it), never -0.0. A column stops
# taking new values once it has met SHARED_PER_COLUMN different ones (a column of names); floats
# are still looked up then (zeros and round figures recur among any number of others).
SHARED_PER_COLUMN = 8192
_SHAREABLE = (str, dt.date, float)
_shared: dict[tuple, dict] | None = None


@contextlib.contextmanager
def shared_values() -> Iterator[None]:
    """Within the block, records unpickled in this process share equal texts, dates and figures."""
    global _shared
    outer, _shared = _shared, {}
    try:
        yield
    finally:
        _shared = outer


def _table_read(table, sheet, header_row, columns, ok, record, values) -> TableRead:
    if record is None:
        return TableRead(table, sheet, header_row, columns, ok)
    if _shared is not None:
        values = [_share(_shared.setdefault((table, i), {}), column) for i, column in enumerate(values)]
    return TableRead(table, sheet, header_row, columns, ok, tuple(map(record._make, zip(*values))))


def _share(pool: dict, column: tuple) -> tuple:
    kinds = set(map(type, column))
    if kinds.isdisjoint(_SHAREABLE):
        return column       # flags, row numbers
    full = len(pool) >= SHARED_PER_COLUMN
    if kinds <= _TEXTS:     # texts and dates (and None, which is shared with itself): in C
        return column if full else tuple(map(pool.setdefault, column, column))
    if kinds == _FLOATS and not _negative_zero(column):
        return tuple(map(pool.get if full else pool.setdefault, column, column))
    if full and float not in kinds:
        return column       # a column of (mostly) unique texts
    keep = pool.get if full else pool.setdefault    # full: figures are still looked up
    return tuple(keep(v, v) if type(v) in _SHAREABLE and (v or type(v) is not float or copysign(1.0, v) > 0)
                 else v for v in column)


_TEXTS = frozenset({str, dt.date, type(None)})
_FLOATS = frozenset({float})


def _negative_zero(column: tuple) -> bool:
    """Whether a column of floats holds -0.0 (equal to 0.0, so never looked up), found in C."""
    zeros = list(compress(column, map(not_, column)))
    return bool(zeros) and min(map(copysign, repeat(1.0), zeros)) < 0


@dataclass(eq=False)   # identity: two returns are never "equal" (and comparing would be slow)
class ReturnData:
    """Everything read from one returned workbook."""

    file: str                                  # as shown to the clerk: path relative to the folder
    path: str
    sha256: str = ""
    mtime: float = 0.0
    format: str = ""                           # xlsx / xlsm / xls / ods, by content
    unit: str | None = None                    # canonical plan unit
    unit_written: str = ""
    period_written: str = ""
    fill_date: dt.date | None = None
    cover: dict[str, str] = field(default_factory=dict)
    tables: dict[str, TableRead] = field(default_factory=dict)
    reported: dict[str, Reported] = field(default_factory=dict)   # 指标汇总 by indicator key
    issues: list[Issue] = field(default_factory=list)
    file_error: bool = False                   # a whole-file error: the return is left out
    member: str = ""                           # inside a .zip at `path`: the member's name

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    def add(self, code: str, message: str, hint: str = "", **where: Any) -> None:
        where.setdefault("file", self.file)
        where.setdefault("unit", self.unit or self.unit_written)
        self.issues.append(make_issue(code, message, hint, **where))

    def records(self, table: str) -> tuple:
        """Every parsed row of `table` (none when the table is missing or left out)."""
        read = self.tables.get(table)
        return read.records if read is not None and read.ok else ()

    def counted(self, table: str) -> list:
        """The rows of `table` that count: those no error points at (DOMAIN §4.1)."""
        return [r for r in self.records(table) if r.valid]

    def table_ok(self, table: str) -> bool:
        read = self.tables.get(table)
        return read is not None and read.ok

    def settle(self) -> None:
        """Mark every row (and 指标汇总 entry) that an error points at as not counted."""
        bad = {(i.sheet, i.row) for i in self.issues if i.is_error and i.row}
        if not bad:
            return
        for key, read in self.tables.items():
            records = tuple(r._replace(valid=False) if (r.sheet, r.row) in bad else r
                            for r in read.records)
            self.tables[key] = replace(read, records=records)
        self.reported = {k: e._replace(valid=False) if (e.sheet, e.row) in bad else e
                         for k, e in self.reported.items()}
