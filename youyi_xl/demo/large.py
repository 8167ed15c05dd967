"""A large plan and a large batch of clean returns, for the benchmarks."""
from __future__ import annotations

import datetime as dt
import re
import shutil
from copy import copy
from pathlib import Path
from typing import Any, Mapping

import openpyxl

from ..core import (
    UsageError,
    compact,
    header_key,
)
from ..outputs import atomic_write
from ..plan import default_template_dir, load_plan
from .filling import reproducible_bytes, shift_down

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# ==========================================================================
# A large plan (benchmarks)
# ==========================================================================

_GROWN_SHEETS = (("attachment1.xlsx", "目标分解", "单位名称"), ("attachment3.xlsx", "目标分解", "单位名称"),
                 ("attachment3.xlsx", "重点项目清单", "责任单位"))
_SUM = re.compile(r"^=SUM\(([A-Z]+)\d+:([A-Z]+)\d+\)$")


def make_large_plan(n: int, folder: str | Path, templates: str | Path | None = None) -> Path:
    """Write attachment1–3 for `n` units into `folder` (for benchmarks); returns the folder.

    The first units are the templates' own (the shipped 26 by default); the others copy them
    in turn with a number: 友谊镇002, 兴隆镇002, …, each with the targets of its model and
    copies of its key projects (…项目(002)). Layout, styles and notes are the templates', so
    load_plan reads the result like a clerk's file. Its totals exceed the county targets of
    the notice (county-target-mismatch warnings), as they must for a made-up county of n units.
    """
    source = Path(templates) if templates is not None else default_template_dir()
    units = [u.name for u in load_plan(source).units]
    if n < len(units):
        raise UsageError(f"单位数{n}少于模板中的{len(units)}个单位")
    copies = [(units[k % len(units)], f"{units[k % len(units)]}{k // len(units) + 1:03d}")
              for k in range(len(units), n)]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "attachment2.xlsx", folder / "attachment2.xlsx")
    for name in ("attachment1.xlsx", "attachment3.xlsx"):
        book = openpyxl.load_workbook(source / name)
        for file, sheet, match in _GROWN_SHEETS:
            if file == name:
                _grow(book[sheet], copies, match)
        atomic_write(folder / name, reproducible_bytes(book, dt.datetime(2022, 2, 24, 9, 0)))
    return folder


def _layout(ws) -> tuple[int, int, dict[str, int]]:
    """(header row, 合计 row, 1-based column of each header) of an attachment sheet."""
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    total = next(r for r in range(header + 1, ws.max_row + 1)
                 if any(ws.cell(r, c).value == "合计" for c in range(1, 4)))
    columns = {header_key(ws.cell(header, c).value): c for c in range(1, ws.max_column + 1)
               if ws.cell(header, c).value}
    return header, total, columns


def _grow(ws, copies: list[tuple[str, str]], match: str) -> None:
    """Above 合计, add a copy of every row of each model unit (column `match`) for its copy."""
    header, total, columns = _layout(ws)
    models = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(header + 1, total)]
    unit = columns[header_key(match)] - 1
    name, note = columns.get(header_key("项目名称")), columns.get(header_key("备注"))
    rows = []
    for model, new in copies:
        for row in (list(m) for m in models if compact(m[unit]) == model):
            row[unit] = new
            if name:
                row[name - 1] = f"{row[name - 1]}({new[len(model):]})"
            if note:
                row[note - 1] = None              # no 别名 for a copy
            rows.append(row)
    if rows:
        shift_down(ws, total, len(rows))
        for i, values in enumerate(rows):
            for c, value in enumerate(values, 1):
                cell = ws.cell(total + i, c)
                cell.value, cell._style = value, copy(ws.cell(total - 1, c)._style)
        _retotal(ws, header, total + len(rows))


def _retotal(ws, header: int, total: int) -> None:
    """Number the rows 1.. and make every =SUM(...) of the 合计 row cover them all."""
    for i, r in enumerate(range(header + 1, total), 1):
        ws.cell(r, 1).value = i
    for c in range(1, ws.max_column + 1):
        match = _SUM.match(str(ws.cell(total, c).value or ""))
        if match:
            ws.cell(total, c).value = f"=SUM({match.group(1)}{header + 1}:{match.group(2)}{total - 1})"
