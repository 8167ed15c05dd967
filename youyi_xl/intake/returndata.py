"""What intake knows about one returned file: `ReturnData`, part of the `Batch` contract.

A return holds the file's identity (name, path, fingerprint), what its cover says (unit,
period), one `TableRead` per table found (where it sits and its parsed records), the unit's
own 指标汇总 figures (`Reported`), and every issue found in the file. Records are immutable;
`settle()` marks the rows an error points at as not counted, once the checks have run.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

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
