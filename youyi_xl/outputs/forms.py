"""Stage 5 — the return form (填报表): one workbook per unit and period (DOMAIN §4).

Every sheet name, header, hint, width and drop-down value comes from `schema.py`;
this module only lays them out. A form is pre-filled with the unit's targets and
key projects (locked, grey), offers drop-down lists and number/date validation on
every input cell, prints on A4, and is byte-for-byte reproducible. See docs/forms.md.
"""
from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from ..core import (
    AMOUNT,
    CHOICE,
    COVER_FIELDS,
    COVER_SHEET,
    DATE,
    FORM,
    INT,
    KEY_PROJECTS,
    RETURN_TABLES,
    SUMMARY,
    TEXT,
    YESNO,
    Column,
    CoverField,
    Indicator,
    OutputError,
    Period,
    Table,
    UsageError,
    form_name,
    stamp,
)
from ..intake import OTHER_CHAIN
from ..plan import Plan
from .safeio import atomic_write, inside, make_folder, neutralize

OPTIONS_SHEET = "选项"                  # hidden sheet holding the 所属产业链 list
INPUT_ROWS = {"projects": 50, "key_projects": 15, "planned": 20}
LANDSCAPE = frozenset({"projects", "key_projects"})
TITLE_ROW, UNIT_ROW, HEADER_ROW = 0, 1, 2
FIRST_ROW = HEADER_ROW + 1
DATE_RANGE = (dt.date(2000, 1, 1), dt.date(2100, 12, 31))
WORKBOOK_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False,
                    "strings_to_urls": False, "in_memory": True}
# What a unit may still do on a protected sheet (no password: see docs/forms.md).
PROTECTION = {"format_cells": True, "format_columns": True, "format_rows": True,
              "insert_rows": True, "delete_rows": True, "sort": True, "autofilter": True,
              "select_locked_cells": True, "select_unlocked_cells": True}
FONT, NOTE_FONT = "宋体", "仿宋"
GREY, HEADER_FILL = "#EDEDED", "#D9D9D9"
COVER_WIDTHS = (4, 18, 56, 4)            # margin, label, value, margin
NUMBER_FORMATS = {AMOUNT: "#,##0.00", INT: "0", DATE: "yyyy-mm-dd", TEXT: "@"}


def make_forms(plan: Plan, period: Period | str, out: str | Path,
               units: Iterable[str] | None = None, *, overwrite: bool = False) -> list[Path]:
    """Write one form per unit (all plan units by default) into `out`; returns the paths."""
    period, out = Period.parse(period), Path(out)
    make_folder(out)
    names = [u.name for u in plan.units] if units is None else [_unit(plan, n) for n in units]
    return [make_form(plan, name, period, inside(out, form_name(name, period)), overwrite=overwrite)
            for name in names]


def make_form(plan: Plan, unit_name: str, period: Period | str, path: str | Path,
              *, overwrite: bool = False) -> Path:
    """Write the form of one unit to `path` atomically and return the path.

    An existing file with other content (it may be a unit's filled return) is left alone
    and OutputError is raised, unless `overwrite`; an identical file is rewritten.
    """
    period, path = Period.parse(period), Path(path)
    data = build_form(plan, _unit(plan, unit_name), period)
    if path.exists() and not overwrite and path.read_bytes() != data:
        raise OutputError(f"“{path}”已存在且内容不同（可能是单位报送的填报表），未覆盖；"
                          "请换一个输出文件夹，或确认可以覆盖后加上 --force 重新生成（在 Python 中为 overwrite=True）")
    atomic_write(path, data)
    return path


def build_form(plan: Plan, unit: str, period: Period) -> bytes:
    """The form of one unit as .xlsx bytes (the same bytes for the same plan and period)."""
    return _FormWriter(plan, unit, period).build()


def _unit(plan: Plan, name: str) -> str:
    unit = plan.unit(name)
    if unit is None:
        raise UsageError(f"单位“{name}”不在目标分解表的单位名单中")
    return unit.name


@dataclass(frozen=True)
class _Block:
    """Where a table's input cells are: rows [first, last] and which of them are pre-filled."""

    first: int
    last: int
    prefilled_rows: int = 0


class _FormWriter:
    """Lays out one workbook; one method per sheet or sheet part."""

    def __init__(self, plan: Plan, unit: str, period: Period):
        self.plan, self.name, self.period = plan, unit, period
        self.unit = neutralize(unit)            # as printed; self.name looks the plan up
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.cache: dict[tuple, Any] = {}
        self.chains = (*plan.chain_names, OTHER_CHAIN)
        self.chain_source = "=" + quote_sheetname(OPTIONS_SHEET) + f"!$A$2:$A${len(self.chains) + 1}"

    def build(self) -> bytes:
        self.book.set_properties(self.properties())
        self.cover(self.book.add_worksheet(COVER_SHEET))
        for table in RETURN_TABLES:
            self.table_sheet(self.book.add_worksheet(table.sheet), table)
        self.options(self.book.add_worksheet(OPTIONS_SHEET))
        self.book.close()
        return stamp(self.buffer.getvalue(), FORM)      # a form left blank is not read as a return

    def properties(self) -> dict[str, Any]:
        return {"title": self.form_title(), "subject": f"{self.unit} {self.period.label}",
                "author": self.plan.settings.lead, "company": self.plan.settings.lead, "category": "填报表",
                "created": dt.datetime(self.period.year, self.period.month, 1)}

    def form_title(self) -> str:
        return f"{self.plan.county}{self.period.year}年招商引资和项目建设工作进展填报表"

    # -- formats -------------------------------------------------------------
    def fmt(self, role: str, kind: str = TEXT, locked: bool = True) -> Any:
        """One cached format per (role, kind, locked)."""
        key = (role, kind, locked)
        if key not in self.cache:
            self.cache[key] = self.book.add_format(_format_spec(role, kind, locked))
        return self.cache[key]

    # -- 封面 ----------------------------------------------------------------
    def cover(self, ws) -> None:
        for c, width in enumerate(COVER_WIDTHS):
            ws.set_column(c, c, width)
        ws.set_row(0, 48)
        ws.merge_range(0, 0, 0, 3, self.form_title(), self.fmt("cover_title"))
        ws.merge_range(1, 0, 1, 3, f"（{self.period.label}）", self.fmt("subtitle"))
        row = 3
        for field_ in COVER_FIELDS:
            self.cover_field(ws, row, field_)
            row += 2                      # a spacer row: the reader never takes a label as a value
        self.notes(ws, row, (1, 2), COVER_WIDTHS[1] + COVER_WIDTHS[2], self.cover_rules())
        self.page_setup(ws, landscape=False)
        ws.protect("", PROTECTION)
        ws.activate()

    def cover_field(self, ws, row: int, field_: CoverField) -> None:
        ws.set_row(row, 30)
        label = field_.label + ("*" if field_.required else "")
        ws.write_string(row, 1, label, self.fmt("label"))
        value = {"unit": self.unit, "period": self.period.label}.get(field_.key)
        if value is not None:
            ws.write_string(row, 2, value, self.fmt("cell", TEXT, locked=True))
            return
        ws.write_blank(row, 2, None, self.fmt("cell", field_.kind, locked=False))
        spec = _validation(Column(field_.key, field_.label, field_.kind, hint=field_.hint), "")
        if spec:
            _validate(ws, row, 2, row, 2, spec)

    def cover_rules(self) -> list[str]:
        p, end = self.period, self.period.end
        return [
            f"本表填报{p.year}年1月1日至{end.month}月{end.day}日的累计数（报送期：{p.label}）。",
            "金额单位为万元，其中外资为万美元；只填数字，不要带单位或“约”“待定”等文字。",
            f"日期按“{p.year}-03-05”的格式填写（年-月-日）。",
            "表头标有“*”的列为必填项；有下拉列表的单元格请从列表中选择。",
            "灰色单元格为县里下达的年度目标和预填内容，请勿修改。",
            "请勿改动工作表名称和表头，不要删除工作表；行数不够时可插入行。",
            "填报完成后请保存为.xlsx格式（Excel工作簿）报送，文件名保留单位名称。",
            "各表下方另有填表说明，请按说明填写。",
        ]

    # -- the four tables -------------------------------------------------------
    def table_sheet(self, ws, table: Table) -> None:
        for c, column in enumerate(table.columns):
            ws.set_column(c, c, column.width)
        self.title_rows(ws, table)
        self.header(ws, table)
        block = self.summary_rows(ws) if table is SUMMARY else self.input_rows(ws, table)
        self.validations(ws, table, block)
        self.notes(ws, block.last + 2, (0, len(table.columns) - 1),
                   sum(c.width for c in table.columns), self.table_rules(table))
        if table is not SUMMARY:
            ws.autofilter(HEADER_ROW, 0, block.last, len(table.columns) - 1)
        self.page_setup(ws, landscape=table.key in LANDSCAPE)
        ws.repeat_rows(HEADER_ROW)
        ws.freeze_panes(FIRST_ROW, _frozen_columns(table))
        ws.protect("", PROTECTION)

    def title_rows(self, ws, table: Table) -> None:
        last = len(table.columns) - 1
        ws.set_row(TITLE_ROW, 36)
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last,
                       f"{self.unit}{self.period.label}{table.title}", self.fmt("title"))
        units = [c.unit for c in table.columns if c.unit] or [i.unit for i in self.plan.indicators]
        text = (f"填报单位：{self.unit}　　报送期：{self.period.label}"
                f"　　单位：{'、'.join(dict.fromkeys(units))}")
        ws.merge_range(UNIT_ROW, 0, UNIT_ROW, last, text, self.fmt("subtitle_right"))

    def header(self, ws, table: Table) -> None:
        ws.set_row(HEADER_ROW, 36)
        plain, mark = self.fmt("header"), self.fmt("mark")
        for c, column in enumerate(table.columns):
            if column.required:
                ws.write_rich_string(HEADER_ROW, c, plain, column.label, mark, "*", plain)
            else:
                ws.write_string(HEADER_ROW, c, column.label, plain)

    def input_rows(self, ws, table: Table) -> _Block:
        projects = self.plan.key_projects_of(self.name) if table is KEY_PROJECTS else ()
        last = FIRST_ROW + len(projects) + INPUT_ROWS[table.key] - 1
        for i, project in enumerate(projects):
            self.prefilled_row(ws, table, FIRST_ROW + i, project)
        for r in range(FIRST_ROW + len(projects), last + 1):
            self.blank_row(ws, table, r)
        return _Block(FIRST_ROW, last, len(projects))

    def prefilled_row(self, ws, table: Table, r: int, project) -> None:
        for c, column in enumerate(table.columns):
            if column.key == "seq":
                ws.write_number(r, c, r - FIRST_ROW + 1, self.fmt("seq", locked=False))
            elif column.prefilled:
                _write(ws, r, c, getattr(project, column.key), self.fmt("cell", column.kind, True))
            else:
                ws.write_blank(r, c, None, self.fmt("cell", column.kind, locked=False))
        lines = max(_lines(str(getattr(project, c.key) or ""), c.width)
                    for c in table.columns if c.prefilled)
        if lines > 1:
            ws.set_row(r, 15 * lines + 3)

    def blank_row(self, ws, table: Table, r: int) -> None:
        for c, column in enumerate(table.columns):
            if column.key == "seq":
                ws.write_number(r, c, r - FIRST_ROW + 1, self.fmt("seq", locked=False))
            else:
                ws.write_blank(r, c, None, self.fmt("cell", column.kind, locked=False))

    def summary_rows(self, ws) -> _Block:
        col = {c.key: i for i, c in enumerate(SUMMARY.columns)}
        for i, ind in enumerate(self.plan.indicators):
            r = FIRST_ROW + i
            ws.set_row(r, 20)
            kind = INT if ind.is_count else AMOUNT
            target = self.plan.target(self.name, ind.key) or 0
            ws.write_string(r, col["indicator"], ind.summary_label, self.fmt("cell", TEXT, True))
            ws.write_number(r, col["target"], target, self.fmt("cell", kind, True))
            ws.write_blank(r, col["actual"], None, self.fmt("cell", kind, locked=False))
            _validate(ws, r, col["actual"], r, col["actual"], self.actual_validation(ind))
            target_cell = xl_rowcol_to_cell(r, col["target"])
            actual_cell = xl_rowcol_to_cell(r, col["actual"])
            ws.write_formula(r, col["rate"], f'=IF(AND(ISNUMBER({actual_cell}),{target_cell}>0),'
                             f'{actual_cell}/{target_cell},"")', self.fmt("rate"), "")
        count = len(self.plan.indicators)
        return _Block(FIRST_ROW, FIRST_ROW + count - 1, count)

    def actual_validation(self, ind: Indicator) -> dict[str, Any]:
        column = SUMMARY.column("actual")
        kind = INT if ind.is_count else AMOUNT
        end = self.period.end
        hint = (f"填写{end.year}年1月1日至{end.month}月{end.day}日累计完成数，单位：{ind.unit}；"
                "应与明细表一致")
        return _validation(Column(column.key, column.label, kind, unit=ind.unit, hint=hint), "")

    def validations(self, ws, table: Table, block: _Block) -> None:
        if table is SUMMARY:
            return                        # per row, in summary_rows (units differ by row)
        for c, column in enumerate(table.columns):
            spec = _validation(column, self.chain_source)
            first = block.first + block.prefilled_rows if column.prefilled else block.first
            if spec and first <= block.last:
                _validate(ws, first, c, block.last, c, spec)

    def table_rules(self, table: Table) -> list[str]:
        end, year = self.period.end, self.period.year
        span = f"{year}年1月1日至{end.month}月{end.day}日"
        return _TABLE_RULES[table.key](span, year)

    # -- shared parts ------------------------------------------------------------
    def notes(self, ws, row: int, columns: tuple[int, int], width: float, rules: list[str]) -> None:
        """The 填表说明 block, merged over `columns` (`width` characters): the reader stops here."""
        first_col, last_col = columns
        lines = ["填表说明：", *(f"{i}. {text}" for i, text in enumerate(rules, 1))]
        for i, text in enumerate(lines):
            ws.set_row(row + i, 15 * _lines(text, width) + 4)
            fmt = self.fmt("note_head" if i == 0 else "note")
            if first_col == last_col:
                ws.write_string(row + i, first_col, text, fmt)
            else:
                ws.merge_range(row + i, first_col, row + i, last_col, text, fmt)

    def page_setup(self, ws, landscape: bool) -> None:
        ws.set_paper(9)
        ws.set_landscape() if landscape else ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.7)
        ws.center_horizontally()
        unit = self.unit.replace("&", "&&")
        ws.set_header(f'&L&"{FONT},常规"&10填报单位：{unit}&R&"{FONT},常规"&10报送期：{self.period.label}')
        ws.set_footer(f'&C&"{FONT},常规"&10第 &P 页 共 &N 页')

    def options(self, ws) -> None:
        ws.write_string(0, 0, "所属产业链", self.fmt("header"))
        for i, name in enumerate(self.chains, 1):
            ws.write_string(i, 0, neutralize(name), self.fmt("cell"))
        ws.set_column(0, 0, 30)
        ws.hide()
        ws.protect("", PROTECTION)


# --------------------------------------------------------------------------
# cells, formats and validation
# --------------------------------------------------------------------------

def _write(ws, r: int, c: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, neutralize(str(value)), fmt)


def _lines(text: str, width: float) -> int:
    """Printed lines of a wrapped text in a cell `width` characters wide (CJK counts 2)."""
    units = sum(1.1 if ord(ch) < 0x2E80 else 2.1 for ch in text)
    return max(1, math.ceil(units / max(width - 1.5, 1)))


def _frozen_columns(table: Table) -> int:
    """Keep 序号 and 项目名称 in view while scrolling right through a wide table."""
    keys = [c.key for c in table.columns]
    return keys.index("name") + 1 if table.key in LANDSCAPE and "name" in keys else 0


def _format_spec(role: str, kind: str, locked: bool) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "font_charset": 134}
    cell = {**base, "border": 1, "locked": locked, "text_wrap": True,
            "num_format": NUMBER_FORMATS.get(kind, "General"),
            "align": "left" if kind == TEXT else "center" if kind in (DATE, CHOICE, YESNO) else "right"}
    if locked:
        cell["bg_color"] = GREY
    specs = {
        "cover_title": {**base, "bold": True, "font_size": 18, "align": "center", "text_wrap": True},
        "title": {**base, "bold": True, "font_size": 16, "align": "center"},
        "subtitle": {**base, "font_size": 14, "align": "center"},
        "subtitle_right": {**base, "align": "right"},
        "header": {**base, "bold": True, "border": 1, "align": "center", "text_wrap": True,
                   "bg_color": HEADER_FILL},
        "mark": {**base, "bold": True, "font_color": "#C00000"},
        "label": {**base, "bold": True, "border": 1, "align": "center", "bg_color": HEADER_FILL},
        "cell": cell,
        "seq": {**base, "border": 1, "align": "center", "locked": False},
        "rate": {**base, "border": 1, "align": "right", "num_format": "0.0%", "bg_color": GREY},
        "note_head": {**base, "font_name": NOTE_FONT, "bold": True, "align": "left"},
        "note": {**base, "font_name": NOTE_FONT, "align": "left", "text_wrap": True, "valign": "top"},
    }
    return specs[role]


def _validation(column: Column, chain_source: str) -> dict[str, Any] | None:
    """The data validation of one input column: drop-down, number or date rule plus its hint."""
    label = column.label
    if column.kind in (CHOICE, YESNO) or (column.key == "chain" and chain_source):
        source = chain_source if column.key == "chain" else list(column.choices or ("是", "否"))
        strict = column.kind != TEXT       # a free-text 所属产业链 column only warns
        spec = {"validate": "list", "source": source, "error_type": "stop" if strict else "warning",
                "error_message": f"请从下拉列表中选择“{label}”。"}
    elif column.kind in (AMOUNT, INT):
        spec = {"validate": "decimal" if column.kind == AMOUNT else "integer", "criteria": ">=",
                "value": 0, "error_type": "warning",
                "error_message": f"“{label}”应填写不小于0的{'数字' if column.kind == AMOUNT else '整数'}"
                                 f"（单位：{column.unit}），不要带单位或文字。确定要保留吗？"}
    elif column.kind == DATE:
        spec = {"validate": "date", "criteria": "between", "minimum": DATE_RANGE[0],
                "maximum": DATE_RANGE[1], "error_type": "stop",
                "error_message": f"“{label}”应填写日期，如 2022-03-05。"}
    elif column.hint:
        spec = {"validate": "any"}
    else:
        return None
    spec["error_title"] = "填写有误"
    if column.hint:
        spec.update(input_title=label, input_message=column.hint)
    return spec


def _validate(ws, first_row: int, col: int, last_row: int, last_col: int, spec: dict) -> None:
    if ws.data_validation(first_row, col, last_row, last_col, dict(spec)) != 0:
        raise ValueError(f"invalid data validation for {ws.name}!{xl_rowcol_to_cell(first_row, col)}: {spec}")


_TABLE_RULES = {
    "projects": lambda span, year: [
        f"填写{span}签约的招商引资项目，一个项目填一行；行数不够时请插入行。",
        "表头标“*”的列为必填项；资金来源、所属产业链、是否开工请从下拉列表选择。",
        "签约总投资、本年到位资金、其中省外资金的单位为万元，其中外资的单位为万美元。",
        f"日期按“{year}-03-05”格式填写；是否开工选“是”的须填写开工日期，选“否”的不填开工日期。",
        "其中省外资金、其中外资（折合人民币）不得大于本年到位资金；没有的可不填。",
    ],
    "key_projects": lambda span, year: [
        "灰色单元格为重点项目清单预填内容，请勿修改；清单外新增的重点项目填在下方空行。",
        f"本年累计完成投资填写{span}累计完成数，单位为万元。",
        "开工状态从下拉列表选择；新建项目已开工或已竣工的须填写开工日期，未开工的不填开工日期。",
        "形象进度、存在问题请简要填写。",
    ],
    "planned": lambda span, year: [
        f"填写{span}新策划生成、总投资5000万元以上的产业项目，一个项目填一行。",
        f"总投资单位为万元；策划生成日期按“{year}-03-05”格式填写。",
    ],
    "summary": lambda span, year: [
        "年度目标为县里下达的目标任务（灰色），请勿修改。",
        f"本年累计完成填写{span}的累计数；个数、金额应与招商引资项目、重点项目进展、策划储备项目各表一致。",
        "固定资产投资按统计部门口径填写本单位本年累计完成数。",
        "完成率由表格自动计算，无需填写。",
    ],
}
