"""Build return workbooks for tests with openpyxl, the way units really send them.

`write_return()` lays a return out like the generated form (封面 + four tables,
headers from the schema), and its keyword options produce the messy-but-valid
variants of DOMAIN §4: title rows above a table, columns in another order,
renamed sheets, merged header cells, blank rows, notes below the table.
Rows are dicts keyed by schema column keys; values are written as given
(a string stays a string, so "１２３" or "0.5亿元" reach the reader as text).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl

from shipped import summary_label
from youyi_xl.core.schema import COVER_FIELDS, KEY_PROJECTS, PLANNED, PROJECTS, SUMMARY, Table

PROJECT = {
    "name": "年产5万吨鲜食玉米加工项目", "investor": "黑龙江某某食品有限公司", "investor_location": "山东省",
    "fund_source": "省外", "chain": "玉米(含鲜食玉米)", "sign_date": dt.date(2022, 2, 10),
    "total_investment": 6000, "started": "是", "start_date": dt.date(2022, 3, 1), "funds_in": 1000,
    "funds_out_of_province": 800, "funds_foreign": None, "leader": "副县长（示例）", "note": "",
}
KEY_PROJECT = {
    "name": "友谊县年产10万吨饲料加工项目", "category": "500万元以上产业项目", "nature": "续建",
    "total_investment": 6000, "plan_investment": 3500, "completed_investment": 900, "status": "已开工",
    "start_date": dt.date(2021, 5, 1), "progress": "主体完工", "problems": "", "chain": "畜牧(蛋鸡/生猪/肉牛)",
}
PLANNED_PROJECT = {
    "name": "友谊县大豆精深加工项目（策划）", "total_investment": 8000, "chain": "大豆",
    "plan_date": dt.date(2022, 1, 20), "progress": "完成项目建议书",
}


def project(**changes: Any) -> dict[str, Any]:
    return {**PROJECT, **changes}


def key_project(**changes: Any) -> dict[str, Any]:
    return {**KEY_PROJECT, **changes}


def planned_project(**changes: Any) -> dict[str, Any]:
    return {**PLANNED_PROJECT, **changes}


def write_return(path: Path, *, unit: Any = "友谊镇人民政府", period: Any = "2022年1-3月",
                 fill_date: Any = dt.date(2022, 4, 3), projects: Iterable[Mapping] = (project(),),
                 key_projects: Iterable[Mapping] = (key_project(),),
                 planned: Iterable[Mapping] = (), summary: Mapping[str, Any] | None = None,
                 targets: Mapping[str, Any] | None = None, title_rows: int = 1,
                 order: Mapping[str, list[str]] | None = None, sheet_names: Mapping[str, str] | None = None,
                 merged_subheader: bool = False, blank_rows: bool = False, notes: bool = True,
                 extra_sheet: bool = False, drop_tables: Iterable[str] = (),
                 header_text: Mapping[str, Mapping[str, str]] | None = None) -> Path:
    """Write one return; see the module docstring for the layout options."""
    wb = openpyxl.Workbook()
    _cover(wb.active, unit, period, fill_date)
    names = dict(sheet_names or {})
    tables = {PROJECTS: projects, KEY_PROJECTS: key_projects, PLANNED: planned}
    for table, rows in tables.items():
        if table.key in drop_tables:
            continue
        ws = wb.create_sheet(names.get(table.key, table.sheet))
        columns = (order or {}).get(table.key) or [c.key for c in table.columns]
        _table(ws, table, columns, list(rows), title_rows, merged_subheader and table is PROJECTS,
               blank_rows, notes, (header_text or {}).get(table.key, {}))
    if "summary" not in drop_tables:
        actuals = {"fixed_asset_investment": 1500} if summary is None else summary
        _summary(wb.create_sheet(names.get("summary", SUMMARY.sheet)), actuals, targets or {})
    if extra_sheet:
        wb.create_sheet("草稿")["A1"] = "单位内部草稿，请忽略"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _cover(ws, unit, period, fill_date) -> None:
    ws.title = "封面"
    ws["A1"] = "友谊县2022年招商引资和项目建设工作进展填报表"
    values = {"unit": unit, "period": period, "filler": "张三", "phone": "0469-1234567",
              "leader": "李四", "fill_date": fill_date}
    for r, f in enumerate(COVER_FIELDS, start=3):
        ws.cell(r, 1, f.label)
        ws.cell(r, 2, values.get(f.key))


def _table(ws, table: Table, columns: list[str], rows: list[Mapping], title_rows: int, merged: bool,
           blank_rows: bool, notes: bool, header_text: Mapping[str, str]) -> None:
    for r in range(1, title_rows + 1):
        ws.cell(r, 1, table.title if r == 1 else "单位：万元")
    header = title_rows + 1
    labels = [header_text.get(k, table.column(k).label + ("*" if table.column(k).required else ""))
              for k in columns]
    if merged:
        header = _merged_header(ws, header, columns, labels)
    else:
        for c, label in enumerate(labels, start=1):
            ws.cell(header, c, label)
    r = header + 1
    for i, row in enumerate(rows):
        if blank_rows and i == 1:
            r += 1                     # a blank row inside the table
        for c, key in enumerate(columns, start=1):
            value = i + 1 if key == "seq" and "seq" not in row else row.get(key)
            ws.cell(r, c, value)
        r += 1
    if notes:
        ws.cell(r + 1, 1, "填表说明：1.金额单位为万元；2.日期填写到日。")
        ws.cell(r + 2, 1, "2.本表为1月1日至期末累计数。")


def _merged_header(ws, header: int, columns: list[str], labels: list[str]) -> int:
    """Two header rows: 其中 merged over 省外资金 and 外资, other headers merged vertically."""
    parts = {"funds_out_of_province": "省外资金(万元)", "funds_foreign": "外资(万美元)"}
    for c, (key, label) in enumerate(zip(columns, labels), start=1):
        if key in parts:
            ws.cell(header + 1, c, parts[key])
        else:
            ws.cell(header, c, label)
            ws.merge_cells(start_row=header, start_column=c, end_row=header + 1, end_column=c)
    first = 1 + min(columns.index(k) for k in parts)
    ws.cell(header, first, "其中")
    ws.merge_cells(start_row=header, start_column=first, end_row=header, end_column=first + 1)
    return header + 1


def _summary(ws, actuals: Mapping[str, Any], targets: Mapping[str, Any]) -> None:
    ws["A1"] = SUMMARY.title
    for c, column in enumerate(SUMMARY.columns, start=1):
        ws.cell(2, c, column.label)
    from shipped import KEYS

    for r, key in enumerate(KEYS, start=3):
        ws.cell(r, 1, summary_label(key))
        ws.cell(r, 2, targets.get(key))
        ws.cell(r, 3, actuals.get(key))


def set_cell(path: Path, sheet: str, label: Any, column: str, value: Any) -> str:
    """Write `value` into an existing workbook, in the row whose cells include `label` and the
    column headed `column` (as a clerk edits a copy of a template); return the cell reference."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    header = next(r for r in ws.iter_rows() if any(c.value == column for c in r))
    col = next(c.column for c in header if c.value == column)
    row = next(r for r in ws.iter_rows(min_row=header[0].row + 1) if any(c.value == label for c in r))
    cell = ws.cell(row[0].row, col)
    cell.value = value
    book.save(path)
    return cell.coordinate
