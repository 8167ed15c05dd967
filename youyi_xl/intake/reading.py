"""Stage 2 — intake: one returned workbook into parsed rows and issues.

`read_return()` is a pure function of (file, plan, period): it finds the cover
and the four tables by sheet name or header row, parses every cell the form
needs as DOMAIN §4 says, and records each problem as an `Issue`. The batch
(many files) is assembled in `collect.py`; rule checks live in `validate.py`.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field, replace
from math import isfinite
from pathlib import Path
from typing import Any, Callable

from ..core import (
    AMOUNT,
    BY_KEY,
    CHOICE,
    COVER_FIELDS,
    COVER_SHEET,
    DATE,
    INT,
    KEYS,
    RETURN_TABLES,
    SUMMARY,
    TEXT,
    YESNO,
    Column,
    Issue,
    Parsed,
    Period,
    Table,
    clean_text,
    compact,
    header_key,
    is_blank,
    make_issue,
    parse_choice,
    parse_date,
    parse_number,
    parse_reported_period,
    parse_yes_no,
    summary_label,
    tidy_text,
    unit_factor,
)
from ..plan import Plan
from ..workbook import (
    Located,
    SheetData,
    WorkbookData,
    cell_ref,
    data_rows,
    find_label_values,
    header_unit,
    locate,
    read_workbook,
)

OTHER_CHAIN = "其他"


@dataclass(eq=False)   # identity: two returns are never "equal" (and comparing would be slow)
class ReturnData:
    """Everything read from one returned workbook."""

    file: str                                  # as shown to the clerk: path relative to the folder
    path: str
    sha256: str = ""
    mtime: float = 0.0
    unit: str | None = None                    # canonical plan unit
    unit_written: str = ""
    period_written: str = ""
    fill_date: dt.date | None = None
    cover: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    tables_ok: dict[str, bool] = field(default_factory=dict)
    located: dict[str, tuple[str, int, dict[str, int]]] = field(default_factory=dict)
    summary: dict[str, dict[str, Any]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    file_error: bool = False                   # a whole-file error: the return is left out

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    def add(self, code: str, message: str, hint: str = "", **where: Any) -> None:
        where.setdefault("file", self.file)
        where.setdefault("unit", self.unit or self.unit_written)
        self.issues.append(make_issue(code, message, hint, **where))


# --------------------------------------------------------------------------
# the whole return
# --------------------------------------------------------------------------

def read_return(path: str | Path, plan: Plan, period: Period, display: str | None = None) -> ReturnData:
    """Read one returned workbook (never raises on bad data)."""
    path = Path(path)
    ret = ReturnData(file=display or path.name, path=str(path))
    ret.sha256, ret.mtime = _fingerprint(path)
    book, problems = read_workbook(path)
    if book is None:
        guess = _unit_in_file_name(ret.file, plan) or ""   # only to show whose file it is
        ret.issues.extend(replace(issue, file=ret.file, unit=guess) for issue in problems)
        ret.file_error = True
        return ret
    sheets = _assign_sheets(book)
    _read_cover(ret, book, sheets.get("cover"), plan, period)
    for table in RETURN_TABLES:
        _read_table(ret, table, sheets.get(table.key), plan)
    _report_extra_sheets(ret, book, sheets)
    return ret


def _fingerprint(path: Path) -> tuple[str, float]:
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return digest, os.stat(path).st_mtime
    except OSError:
        return "", 0.0


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
    names = {compact(n) for n in (table.sheet, *table.sheet_aliases)}
    return next((s for s in book.sheets if compact(s.name) in names), None)


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
            parsed = parse_date(value)
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
        ret.add("unit-unknown", f"填报单位“{ret.unit_written}”不在目标分解表的单位名单中",
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
    written = parse_reported_period(value)
    if written != period:
        detail = f"“{ret.period_written}”" + ("无法识别" if written is None else f"是{written.label}")
        ret.add("period-mismatch", f"报送期{detail}，本次收集的是{period.label}",
                f"请填写本期（{period.label}）累计数据后重新报送", **where)
        ret.file_error = True


# --------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------

def _read_table(ret: ReturnData, table: Table, entry, plan: Plan) -> None:
    ret.rows[table.key] = []
    if entry is None:
        ret.tables_ok[table.key] = False
        ret.add("sheet-missing", f"找不到“{table.sheet}”表（按工作表名和表头都未找到）",
                f"请使用下发的填报表，保留“{table.sheet}”工作表及其表头", sheet=table.sheet)
        return
    sheet, located = entry
    ret.located[table.key] = (sheet.name, located.data_start, dict(located.columns))
    missing = located.missing_required()
    for column in missing:
        ret.add("column-missing", f"“{sheet.name}”表缺少必填列“{column.label}”",
                "请恢复下发表格中的该列", sheet=sheet.name,
                cell=cell_ref(located.header_row, 0), field=column.label)
    _report_extra_columns(ret, sheet, located)
    ret.tables_ok[table.key] = not missing
    if missing:
        return
    reader = _RowReader(ret, sheet, located, plan)
    if table is SUMMARY:
        _read_summary(ret, reader)
    else:
        ret.rows[table.key] = reader.read_all()


def _report_extra_columns(ret: ReturnData, sheet: SheetData, located: Located) -> None:
    extra = [text for _, text in located.extra]
    if extra:
        ret.add("extra-ignored", f"“{sheet.name}”表的列“{'”“'.join(extra)}”不是填报表的列，已忽略",
                "无需处理", sheet=sheet.name, cell=cell_ref(located.header_row, located.extra[0][0]))


class _RowReader:
    """Parses the data rows of one located table, column by column."""

    def __init__(self, ret: ReturnData, sheet: SheetData, located: Located, plan: Plan):
        self.ret, self.sheet, self.located, self.plan = ret, sheet, located, plan
        self.table = located.table
        self.chains = plan.chain_keys
        self.factors = {key: self._header_factor(key) for key in located.columns}
        self.keys = list(located.columns)
        self.indexes = [located.columns[k] for k in self.keys]
        self.defaults = {c.key: (0.0 if c.zero_if_blank else None) for c in self.table.columns}
        self.fast = [_fast_reader(self.table.column(k), self.factors[k], self.chains) for k in self.keys]

    def _header_factor(self, key: str) -> float:
        column = self.table.column(key)
        if column.kind != AMOUNT:
            return 1.0
        written = header_unit(self.located.header_text.get(key, ""))
        return unit_factor(written, column.unit)

    def read_all(self) -> list[dict[str, Any]]:
        rows = []
        for row in data_rows(self.sheet.rows, self.located):
            if row.kind == "data":
                parsed = self.read_row(row.index, row.values)
                if parsed is not None:
                    rows.append(parsed)
        return rows

    def read_row(self, r: int, values) -> dict[str, Any] | None:
        width = len(values)
        raw = [values[c] if c < width else "" for c in self.indexes]
        if self._blank_row(r, raw):
            return None
        record: dict[str, Any] = dict(self.defaults, _row=r + 1, _sheet=self.sheet.name)
        special = self.sheet.special
        for key, c, fast, value in zip(self.keys, self.indexes, self.fast, raw):
            found = _SLOW if special and (r, c) in special else fast(value)
            record[key] = self.read_cell(r, key, value) if found is _SLOW else found
        return record

    def _blank_row(self, r: int, raw: list[Any]) -> bool:
        if all(v == "" or v is None for v in raw[1:]) and not self.sheet.special:
            return True                     # the common case, decided without parsing
        special = self.sheet.special
        return all(is_blank(v) and (not special or (r, c) not in special)
                   for k, c, v in zip(self.keys, self.indexes, raw) if k != "seq")

    def where(self, r: int, key: str, value: Any = "") -> dict[str, str]:
        return {"sheet": self.sheet.name, "cell": cell_ref(r, self.located.columns[key]),
                "field": self.table.column(key).label, "value": clean_text(value)}

    def read_cell(self, r: int, key: str, value: Any) -> Any:
        column = self.table.column(key)
        special = self.sheet.special.get((r, self.located.columns[key])) if self.sheet.special else None
        if special is not None:
            if special == "=":
                self.ret.add("formula-uncached", f"“{column.label}”是公式，但文件中没有计算结果",
                             "请用Excel或WPS打开、确认数值后保存再报送（或把公式改为数值）",
                             **self.where(r, key, "(公式)"))
                return None
            value = special
        parsed = self.parse(column, value)
        return self.settle(r, column, value, parsed)

    def parse(self, column: Column, value: Any) -> Parsed:
        if column.kind == AMOUNT:
            parsed = parse_number(value, column.unit)
            factor = self.factors.get(column.key, 1.0)
            if factor != 1.0 and parsed.value is not None and parsed.code is None:
                written = header_unit(self.located.header_text[column.key])
                return Parsed(round(parsed.value * factor, 6), "unit-converted",
                              f"“{parsed.value:g}”按表头单位{written}换算为"
                              f"{parsed.value * factor:g}{column.unit}")
            return parsed
        if column.kind == INT:
            return parse_number(value, "个")
        if column.kind == DATE:
            return parse_date(value)
        if column.kind == YESNO:
            return parse_yes_no(value)
        if column.kind == CHOICE:
            return self.parse_choice(column, value)
        return Parsed(None if is_blank(value) else tidy_text(value))

    def parse_choice(self, column: Column, value: Any) -> Parsed:
        if column.key != "chain":
            return parse_choice(value, column.choices, column.choice_map)
        if is_blank(value):
            return Parsed(None)
        name = self.chains.get(compact(value)) or _loose_chain(compact(value), self.chains)
        if name or compact(value) == OTHER_CHAIN:
            return Parsed(name or OTHER_CHAIN)
        return Parsed(clean_text(value), "chain-unknown", f"“{clean_text(value)}”不是附件2中的产业链")

    def settle(self, r: int, column: Column, value: Any, parsed: Parsed) -> Any:
        if parsed.code in ("number-invalid", "date-invalid", "choice-invalid"):
            self.ret.add(parsed.code, f"{column.label}填写的{parsed.note}", _HINTS[parsed.code](column),
                         **self.where(r, column.key, value))
            return None
        if parsed.code:
            self.ret.add(parsed.code, f"{column.label}填写的{parsed.note}", _WARN_HINTS[parsed.code],
                         **self.where(r, column.key, value))
        if parsed.value is None:
            if column.required:
                self.ret.add("value-missing", f"“{column.label}”为必填项，本行未填写",
                             column.hint or f"请填写{column.label}", **self.where(r, column.key, value))
            if column.zero_if_blank:
                return 0.0
        return parsed.value


_SLOW = object()    # a fast reader's answer for "take the full path" (blank, text number, …)


def _fast_reader(column: Column, factor: float, chains: dict[str, str]) -> Callable[[Any], Any]:
    """The value of a cell that is already clean (a float in a number column, a date, a listed
    choice), or _SLOW. Clean cells are most cells; everything else goes through read_cell."""
    kind = column.kind
    if kind in (AMOUNT, INT) and factor == 1.0:
        return lambda v: float(v) if (type(v) is float and isfinite(v)) or type(v) is int else _SLOW
    if kind == DATE:
        return lambda v: v.date() if type(v) is dt.datetime else (v if type(v) is dt.date else _SLOW)
    if kind == TEXT:
        return lambda v: _clean_str(v) if type(v) is str else _SLOW
    if kind == YESNO:
        return lambda v: _YES_NO.get(v, _SLOW) if type(v) is str else _SLOW
    if kind == CHOICE:
        allowed = {n: n for n in chains.values()} if column.key == "chain" else {c: c for c in column.choices}
        return lambda v: allowed.get(v, _SLOW) if type(v) is str else _SLOW
    return lambda v: _SLOW


_YES_NO = {"是": True, "否": False}


def _clean_str(value: str) -> Any:
    text = " ".join(value.split())
    return text if len(text) > 3 or (text and not is_blank(text)) else _SLOW


def _loose_chain(text: str, chains: dict[str, str]) -> str | None:
    """'玉米产业链' or '玉米' for '玉米(含鲜食玉米)': one chain whose core name matches."""
    core = text.removesuffix("产业链").split("(")[0]
    hits = {n for k, n in chains.items() if core and k.removesuffix("产业链").split("(")[0] == core}
    return hits.pop() if len(hits) == 1 else None


_HINTS: dict[str, Callable[[Column], str]] = {
    "number-invalid": lambda c: f"请只填写数字（单位：{c.unit or '个'}），不要写文字或估计值",
    "date-invalid": lambda c: "请填写实际日期，如 2022-03-05 或 2022年3月5日",
    "choice-invalid": lambda c: "请从下拉列表中选择：" + "、".join(c.choices or ("是", "否")),
}
_WARN_HINTS = {
    "unit-converted": "已自动换算；建议直接填写以万元为单位的数字",
    "year-assumed": "请写明年份，如 2022年3月5日",
    "chain-unknown": "请从下拉列表选择附件2中的产业链；本项目计入本单位，不计入任何产业链",
}


# --------------------------------------------------------------------------
# 指标汇总
# --------------------------------------------------------------------------

def _summary_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for key in KEYS:
        ind = BY_KEY[key]
        for name in (summary_label(key), ind.label, ind.short, ind.column, ind.header):
            names.setdefault(header_key(name), key)
    return names


_SUMMARY_NAMES = _summary_names()


def _read_summary(ret: ReturnData, reader: _RowReader) -> None:
    for row in data_rows(reader.sheet.rows, reader.located):
        if row.kind != "data":
            continue
        label = row.values[reader.located.columns["indicator"]]
        key = _SUMMARY_NAMES.get(header_key(label))
        if key is None or key in ret.summary:
            continue
        entry: dict[str, Any] = {"_row": row.index + 1, "_sheet": reader.sheet.name}
        for field_key in ("target", "actual"):
            if field_key in reader.located.columns:
                value = row.values[reader.located.columns[field_key]]
                entry[field_key] = reader.read_cell(row.index, field_key, value)
                entry[field_key + "_cell"] = cell_ref(row.index, reader.located.columns[field_key])
        ret.summary[key] = entry
