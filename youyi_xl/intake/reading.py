"""Stage 3 — intake: one returned workbook into a `ReturnData` (DOMAIN §4).

`read_return()` is a pure function of (file, plan, period): it reads the file once, finds the
cover and the four tables by sheet name or header row, parses every cell the form needs
(`rows.RowReader`), and records each problem as an `Issue`. The checks that need whole rows
or tables are in `checks`; the folder and the batch in `folder` and `batch`.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from ..core import (
    COVER_FIELDS,
    COVER_SHEET,
    DATE,
    RETURN_TABLES,
    SUMMARY,
    Period,
    Table,
    cell_ref,
    clean_text,
    compact,
    header_key,
    invisible_chars,
    is_blank,
    parse_date,
    read_reported_period,
)
from ..plan import Plan
from ..workbook import (
    Located,
    SheetData,
    Source,
    WorkbookData,
    find_label_values,
    locate,
    read_source,
    read_workbook,
)
from .returndata import ReturnData, TableRead
from .rows import RowReader


def read_return(path: str | Path | Source, plan: Plan, period: Period, display: str | None = None, *,
                source: Source | None = None, member: str = "") -> ReturnData:
    """Read one returned workbook (never raises on bad data); the file is opened once, or not at
    all when `path` (or `source`) is its `workbook.Source` read already — a member of a .zip at
    `path`, named `member`, say."""
    if isinstance(path, Source):
        source, path = path, path.path
    source = source if source is not None else read_source(path)
    ret = ReturnData(file=display or source.path.name, path=str(path), sha256=source.sha256,
                     mtime=source.mtime, format=source.checked.format, member=member)
    book, problems = read_workbook(source)
    if book is None:
        guess = _unit_in_file_name(ret.file, plan) or ""   # only to show whose file it is
        ret.issues.extend(replace(issue, file=ret.file, unit=guess) for issue in problems)
        ret.file_error = True
        return ret
    sheets = _assign_sheets(book)
    _read_cover(ret, book, sheets.get("cover"), plan, period)
    for table in RETURN_TABLES:
        _read_table(ret, table, sheets.get(table.key), plan, period)
    _report_extra_sheets(ret, book, sheets)
    return ret


def _assign_sheets(book: WorkbookData) -> dict[str, tuple[SheetData, Located | None]]:
    """Which sheet holds which table: by name first, then by the best header match."""
    result: dict[str, tuple[SheetData, Located | None]] = {}
    taken: set[str] = set()
    cover = _cover_sheet(book)
    if cover is not None:
        result["cover"] = (cover, None)
        taken.add(cover.name)
    for table in RETURN_TABLES:
        sheet = _named(book, table)
        if sheet is not None and sheet.name not in taken:
            located = locate(sheet.rows, table, sheet.name)
            if located:
                result[table.key] = (sheet, located)
                taken.add(sheet.name)
    _assign_by_header(book, result, taken)
    return result


def _named(book: WorkbookData, table: Table) -> SheetData | None:
    names = _sheet_names(table)
    return next((s for s in book.sheets if compact(s.name) in names), None)


@lru_cache(maxsize=64)
def _sheet_names(table: Table) -> frozenset[str]:
    """The compact forms of a table's sheet names (asked for in every return)."""
    return frozenset(compact(n) for n in (table.sheet, *table.sheet_aliases))


def _assign_by_header(book, result, taken) -> None:
    candidates = []
    for table in RETURN_TABLES:
        if table.key in result:
            continue
        for sheet in book.sheets:
            if sheet.name in taken:
                continue
            located = locate(sheet.rows, table, sheet.name)
            if located:
                candidates.append((-located.score, sheet.name, table.key, sheet, located))
    for _, name, key, sheet, located in sorted(candidates, key=lambda c: c[:3]):
        if key not in result and name not in taken:
            result[key] = (sheet, located)
            taken.add(name)


def _cover_sheet(book: WorkbookData) -> SheetData | None:
    named = next((s for s in book.sheets if compact(s.name) == COVER_SHEET), None)
    if named is not None:
        return named
    unit_labels = {header_key(n) for n in (COVER_FIELDS[0].label, COVER_FIELDS[0].aliases[0])}
    for sheet in book.sheets:
        for row in sheet.rows[:20]:
            if any(isinstance(v, str) and header_key(v) in unit_labels for v in row):
                return sheet
    return None


def _report_extra_sheets(ret: ReturnData, book: WorkbookData, sheets) -> None:
    used = {entry[0].name for entry in sheets.values()}
    extra = [s.name for s in book.sheets
             if s.visible and s.name not in used and any(any(r) for r in s.rows)]
    if extra:
        ret.add("extra-ignored", f"工作表“{'”“'.join(extra)}”不是填报表的内容，已忽略",
                "无需处理；如数据填在这些表中，请移到对应的填报表", sheet="、".join(extra))


# --------------------------------------------------------------------------
# cover: unit and period
# --------------------------------------------------------------------------

def _read_cover(ret: ReturnData, book: WorkbookData, entry, plan: Plan, period: Period) -> None:
    if entry is None:
        _unit_from_file_name(ret, plan)
        ret.add("sheet-missing", "找不到“封面”工作表（填报单位、报送期）",
                "请使用下发的填报表，在封面填写填报单位和报送期", sheet=COVER_SHEET)
        return
    sheet = entry[0]
    labels = {f.key: (f.label, *f.aliases) for f in COVER_FIELDS}
    found = find_label_values(sheet.rows, labels)
    for f in COVER_FIELDS:
        value, r, c = found.get(f.key, ("", 0, 1))
        if f.kind == DATE:
            parsed = parse_date(value, period.year)
            ret.fill_date = parsed.value if isinstance(parsed.value, dt.date) else None
        ret.cover[f.key] = clean_text(value)
    _identify_unit(ret, sheet, found, plan)
    _check_period(ret, sheet, found, period)


def _identify_unit(ret: ReturnData, sheet: SheetData, found, plan: Plan) -> None:
    value, r, c = found.get("unit", ("", 0, 1))
    ret.unit_written = clean_text(value)
    where = {"sheet": sheet.name, "cell": cell_ref(r, c), "field": "填报单位", "value": ret.unit_written}
    if is_blank(value):
        _unit_from_file_name(ret, plan)
        ret.add("value-missing", "封面未填写填报单位", "请在封面“填报单位”填写单位全称", **where)
        return
    unit = plan.unit(value)
    if unit is None:
        hidden = invisible_chars(str(value))
        note = f"（其中含看不见的字符{'、'.join(hidden)}，已忽略）" if hidden else ""
        ret.add("unit-unknown", f"填报单位“{ret.unit_written}”{note}不在目标分解表的单位名单中",
                "请填写目标分解表中的单位名称，如“友谊镇人民政府”或“发展和改革局”", **where)
        ret.file_error = True
        return
    ret.unit = unit.name
    named = _unit_in_file_name(ret.file, plan)
    if named and named != unit.name:
        ret.add("unit-name-mismatch", f"文件名写的是“{named}”，封面填报单位是“{unit.name}”",
                "请核对是否发错文件；本表按封面单位统计", **where)


def _unit_in_file_name(file: str, plan: Plan) -> str | None:
    return plan.unit_in_text(Path(file).stem)


def _unit_from_file_name(ret: ReturnData, plan: Plan) -> None:
    named = _unit_in_file_name(ret.file, plan)
    if named:
        ret.unit = named
        return
    ret.add("unit-unknown", "无法确定报送单位：封面缺少填报单位，文件名中也没有单位名称",
            "请在封面填写填报单位后重新报送", sheet=COVER_SHEET, field="填报单位")
    ret.file_error = True


def _check_period(ret: ReturnData, sheet: SheetData, found, period: Period) -> None:
    value, r, c = found.get("period", ("", 0, 1))
    ret.period_written = clean_text(value)
    where = {"sheet": sheet.name, "cell": cell_ref(r, c), "field": "报送期", "value": ret.period_written}
    if is_blank(value):
        ret.add("value-missing", "封面未填写报送期", f"请填写“{period.label}”", **where)
        return
    parsed = read_reported_period(value, period.year)
    written = parsed.value
    if written != period:
        detail = f"“{ret.period_written}”" + ("无法识别" if written is None else f"是{written.label}")
        ret.add("period-mismatch", f"报送期{detail}，本次收集的是{period.label}",
                f"请填写本期（{period.label}）累计数据后重新报送", **where)
        ret.file_error = True
    elif parsed.code == "year-assumed":
        ret.add("year-assumed", f"报送期{parsed.note}", f"请写明年份，如“{period.label}”", **where)


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------

def _read_table(ret: ReturnData, table: Table, entry, plan: Plan, period: Period) -> None:
    if entry is None:
        ret.add("sheet-missing", f"找不到“{table.sheet}”表（按工作表名和表头都未找到）",
                f"请使用下发的填报表，保留“{table.sheet}”工作表及其表头", sheet=table.sheet)
        return
    sheet, located = entry
    missing = located.missing_required()
    for column in missing:
        ret.add("column-missing", f"“{sheet.name}”表缺少必填列“{column.label}”",
                "请恢复下发表格中的该列", sheet=sheet.name,
                cell=cell_ref(located.header_row, 0), field=column.label)
    _report_extra_columns(ret, sheet, located)
    read = TableRead(table.key, sheet.name, located.header_row, dict(located.columns), ok=not missing)
    if not missing:
        reader = RowReader(ret, sheet, located, plan, period)
        if table is SUMMARY:
            ret.reported = reader.read_reported()
        else:
            read = replace(read, records=reader.read_records())
    ret.tables[table.key] = read


def _report_extra_columns(ret: ReturnData, sheet: SheetData, located: Located) -> None:
    extra = [text for _, text in located.extra]
    if extra:
        ret.add("extra-ignored", f"“{sheet.name}”表的列“{'”“'.join(extra)}”不是填报表的列，已忽略",
                "无需处理", sheet=sheet.name, cell=cell_ref(located.header_row, located.extra[0][0]))
