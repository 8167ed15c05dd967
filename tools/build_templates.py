"""Write the three attachment templates (DOMAIN §3) as a county office issues them.

    python tools/build_templates.py [--out DIR]      (default: the repo's templates/)

Headers and sheet names come from youyi_xl.core.schema, each indicator's target column from
the 2022 declarations (tools/template_data.py DECLARED, the 指标设置 of the shipped 考核细则);
the sample contents from tools/template_data.py. The 目标分解 sheet of attachment 3 is derived
from its 重点项目清单, and every county total is checked against the declared 全县目标 before
anything is written. Document properties are fixed, so two runs give identical bytes.
"""
from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter
from xlsxwriter.utility import xl_range

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import template_data as data  # noqa: E402
from youyi_xl.core import schema  # noqa: E402
from youyi_xl.core.schema import AMOUNT, INT, Column, Table  # noqa: E402


def _target(d: data.Declared, width: float) -> Column:
    return Column(d.key, d.target, INT if d.unit == "个" else AMOUNT, unit=d.unit, width=width)


_BASE_2021 = Column("base_2021", "2021年实际利用省外资金(万元)", AMOUNT, unit="万元", width=14)
_ONE = [d for d in data.DECLARED if d.attachment == 1]
_WIDTHS_1 = {"signed_projects": 10, "started_projects": 10, "out_of_province_funds": 14,
             "foreign_direct_investment": 12}
_TARGETS_1 = tuple(_target(d, _WIDTHS_1.get(d.key, 11)) for d in _ONE)
ATTACHMENT1 = schema.replace(schema.with_targets(schema.ATTACHMENT1, (*_TARGETS_1[:2], _BASE_2021, *_TARGETS_1[2:])),
                             title=f"{data.COUNTY}{data.YEAR}年度招商引资工作目标任务分解表")
ATTACHMENT2 = schema.replace(schema.ATTACHMENT2, title=f"{data.COUNTY}{data.YEAR}年产业链建设任务分解表")
ATTACHMENT3 = schema.replace(
    schema.with_targets(schema.ATTACHMENT3, tuple(_target(d, 11) for d in data.DECLARED if d.attachment == 3)),
    title=f"{data.COUNTY}{data.YEAR}年“省、市百大项目”“投资500万元以上产业项目”和固定资产投资目标任务分解表")
KEY_PROJECT_LIST = schema.replace(schema.KEY_PROJECT_LIST,
                                  title=f"{data.COUNTY}{data.YEAR}年省、市百大项目和500万元以上产业项目清单")

ISSUED = dt.datetime(2022, 2, 24, 9, 0, 0)
ISSUER = "友谊县人民政府办公室"
NUMERIC = (INT, AMOUNT)
# Columns whose text is long: left-aligned and wrapped; the others are centred.
LEFT_KEYS = {"name", "partners", "focus", "note"}
CATEGORY_PREFIX = {data.PROVINCIAL: "provincial", data.MUNICIPAL: "municipal",
                   data.INDUSTRIAL: "industrial"}

# Layout rows of every sheet (0-based): 附件 label, title, 单位 note, header, data...
LABEL_ROW, TITLE_ROW, UNIT_ROW, HEADER_ROW = 0, 1, 2, 3
FIRST_DATA_ROW = HEADER_ROW + 1


class SheetSpec(NamedTuple):
    table: Table
    label: str                      # 附件1
    unit_note: str                  # 单位：个、万元
    rows: list[dict[str, Any]]      # column key -> value, one dict per table row
    total_key: str                  # the column that reads 合计
    notes: tuple[str, ...]
    widths: dict[str, float] = {}   # column key -> width, where the schema hint is too narrow
    landscape: bool = True          # A4 landscape for wide tables, portrait otherwise


# --------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------

def attachment1_rows() -> list[dict[str, Any]]:
    return [{"seq": i, "unit": u.name, "group": u.group,
             "signed_projects": u.signed, "started_projects": u.started,
             "base_2021": u.base_2021, "out_of_province_funds": u.base_2021 * 11 // 10,
             "foreign_direct_investment": u.fdi, "note": alias_note(u.aliases)}
            for i, u in enumerate(data.UNITS, 1)]


def alias_note(aliases: tuple[str, ...]) -> str:
    return "别名：" + "、".join(aliases) if aliases else ""


def attachment2_rows() -> list[dict[str, Any]]:
    return [{"seq": i, "chain": c.name, "leader": c.leader, "lead_unit": c.lead_unit,
             "partners": "、".join(c.partners), "signed": data.CHAIN_SIGNED_TARGET,
             "started": data.CHAIN_STARTED_TARGET, "focus": c.focus, "note": "示例"}
            for i, c in enumerate(data.CHAINS, 1)]


def key_project_rows() -> list[dict[str, Any]]:
    return [{"seq": i, "name": p.name, "category": p.category, "nature": p.nature,
             "unit": p.unit, "leader": p.leader, "chain": p.chain, "total_investment": p.total,
             "plan_investment": p.plan, "start_month": p.start, "note": "示例"}
            for i, p in enumerate(data.KEY_PROJECTS, 1)]


def project_targets(unit: str) -> dict[str, int]:
    """The 目标分解 project columns of one unit, counted from KEY_PROJECTS."""
    keys = [c.key for c in ATTACHMENT3.columns]
    out = dict.fromkeys(keys, 0)
    for p in (p for p in data.KEY_PROJECTS if p.unit == unit):
        prefix = CATEGORY_PREFIX[p.category]
        for key, add in ((f"{prefix}_projects", 1), (f"{prefix}_plan_investment", p.plan),
                         (f"{prefix}_new_projects", int(p.nature == data.NEW))):
            if key in out:
                out[key] += add
    return out


def attachment3_rows() -> list[dict[str, Any]]:
    rows = []
    for i, u in enumerate(data.UNITS, 1):
        row = project_targets(u.name)
        row.update(seq=i, unit=u.name, group=u.group, planned_projects=u.planned,
                   fixed_asset_investment=u.fixed_asset, note="")
        rows.append(row)
    return rows


# --------------------------------------------------------------------------
# Consistency with the notice (DOMAIN §2)
# --------------------------------------------------------------------------

def check_county_totals(att1: list[dict], att3: list[dict]) -> None:
    """Raise AssertionError when a column does not total to the notice's county target."""
    for ind in data.DECLARED:
        if ind.county is None:
            continue
        rows = att1 if ind.attachment == 1 else att3
        total = sum(r[ind.key] for r in rows)
        assert total == ind.county, f"{ind.key}: {total} != {ind.county}"
    plan = sum(r["out_of_province_funds"] for r in att1)
    assert plan * 10 == sum(r["base_2021"] for r in att1) * 11, "省外资金 target is not base × 1.10"


def check_references() -> None:
    """Every unit, chain and category named in the sample data exists."""
    units = {u.name for u in data.UNITS}
    chains = {c.name for c in data.CHAINS}
    assert len(units) == len(data.UNITS) and len(chains) == len(data.CHAINS)
    for c in data.CHAINS:
        assert c.lead_unit in units and set(c.partners) <= units, c.name
    for p in data.KEY_PROJECTS:
        assert p.unit in units and p.chain in chains and p.plan <= p.total, p.name
        assert p.category in CATEGORY_PREFIX and p.nature in (data.NEW, data.CONTINUED), p.name


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------

def text_width(text: str) -> float:
    """Width of text in Excel character units: a CJK character is about two."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.1 for ch in text)


def line_count(text: str, width: float) -> int:
    return max(1, math.ceil(text_width(text) / max(width - 1.5, 1.0)))


def column_widths(spec: SheetSpec) -> list[float]:
    widths = []
    for col in spec.table.columns:
        longest = max((text_width(str(r.get(col.key, ""))) for r in spec.rows), default=0)
        fitted = max(col.width, min(longest + 2, 40))
        widths.append(spec.widths.get(col.key, fitted))
    return widths


def make_formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "font_charset": 134}
    cell = {**base, "border": 1, "text_wrap": True}
    return {
        "label": wb.add_format({**base, "font_name": "黑体", "font_size": 12}),
        "title": wb.add_format({**base, "bold": True, "font_size": 18, "align": "center"}),
        "unit": wb.add_format({**base, "font_size": 10, "align": "right"}),
        "header": wb.add_format({**cell, "bold": True, "align": "center", "bg_color": "#D9D9D9"}),
        "center": wb.add_format({**cell, "align": "center"}),
        "left": wb.add_format({**cell, "align": "left", "indent": 1}),
        INT: wb.add_format({**cell, "align": "center", "num_format": "0"}),
        AMOUNT: wb.add_format({**cell, "align": "center", "num_format": "#,##0"}),
        "total": wb.add_format({**cell, "bold": True, "align": "center"}),
        "total_" + INT: wb.add_format({**cell, "bold": True, "align": "center", "num_format": "0"}),
        "total_" + AMOUNT: wb.add_format({**cell, "bold": True, "align": "center",
                                          "num_format": "#,##0"}),
        "note": wb.add_format({**base, "font_size": 10, "align": "left", "text_wrap": True}),
    }


def cell_format(fmt: dict[str, Any], col: Column) -> Any:
    if col.kind in NUMERIC:
        return fmt[col.kind]
    return fmt["left" if col.key in LEFT_KEYS else "center"]


def row_height(texts: list[str], widths: list[float], minimum: float) -> float:
    lines = max(line_count(t, w) for t, w in zip(texts, widths))
    return max(minimum, lines * 14.5 + 6)


def write_heading(ws: Any, fmt: dict, spec: SheetSpec, last_col: int) -> None:
    ws.write_string(LABEL_ROW, 0, spec.label, fmt["label"])
    ws.set_row(LABEL_ROW, 20)
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last_col, spec.table.title, fmt["title"])
    ws.set_row(TITLE_ROW, 42)
    ws.merge_range(UNIT_ROW, 0, UNIT_ROW, last_col, spec.unit_note, fmt["unit"])
    ws.set_row(UNIT_ROW, 20)


def write_header(ws: Any, fmt: dict, spec: SheetSpec, widths: list[float]) -> None:
    labels = [c.label for c in spec.table.columns]
    for col, label in enumerate(labels):
        ws.write_string(HEADER_ROW, col, label, fmt["header"])
    ws.set_row(HEADER_ROW, row_height(labels, widths, 30))


def write_value(ws: Any, row: int, col: int, value: Any, cell_fmt: Any) -> None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        ws.write_number(row, col, value, cell_fmt)
    elif value in (None, ""):
        ws.write_blank(row, col, None, cell_fmt)
    else:
        ws.write_string(row, col, str(value), cell_fmt)


def write_rows(ws: Any, fmt: dict, spec: SheetSpec, widths: list[float]) -> None:
    for offset, values in enumerate(spec.rows):
        row = FIRST_DATA_ROW + offset
        for col, column in enumerate(spec.table.columns):
            write_value(ws, row, col, values.get(column.key, ""), cell_format(fmt, column))
        texts = [str(values.get(c.key, "")) for c in spec.table.columns]
        ws.set_row(row, row_height(texts, widths, 21))


def write_total(ws: Any, fmt: dict, spec: SheetSpec) -> int:
    """The 合计 row: SUM formulas that carry their result, for readers that do not calculate."""
    row, last = FIRST_DATA_ROW + len(spec.rows), FIRST_DATA_ROW + len(spec.rows) - 1
    for col, column in enumerate(spec.table.columns):
        if column.kind in NUMERIC:
            total = sum(r[column.key] for r in spec.rows)
            formula = f"=SUM({xl_range(FIRST_DATA_ROW, col, last, col)})"
            ws.write_formula(row, col, formula, fmt["total_" + column.kind], total)
        elif column.key == spec.total_key:
            ws.write_string(row, col, "合计", fmt["total"])
        else:
            ws.write_blank(row, col, None, fmt["total"])
    ws.set_row(row, 22)
    return row


def write_notes(ws: Any, fmt: dict, spec: SheetSpec, first_row: int, widths: list[float]) -> None:
    last_col = len(widths) - 1
    for offset, note in enumerate(spec.notes):
        row = first_row + offset
        ws.merge_range(row, 0, row, last_col, note, fmt["note"])
        ws.set_row(row, row_height([note], [sum(widths) * 1.1], 18))


def set_print(ws: Any, spec: SheetSpec, widths: list[float], last_row: int) -> None:
    ws.set_paper(9)
    if spec.landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.3})
    ws.freeze_panes(FIRST_DATA_ROW, 0)
    ws.print_area(LABEL_ROW, 0, last_row, len(widths) - 1)


def write_sheet(wb: xlsxwriter.Workbook, fmt: dict, spec: SheetSpec) -> None:
    ws = wb.add_worksheet(spec.table.sheet)
    widths = column_widths(spec)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    write_heading(ws, fmt, spec, len(widths) - 1)
    write_header(ws, fmt, spec, widths)
    write_rows(ws, fmt, spec, widths)
    total_row = write_total(ws, fmt, spec)
    write_notes(ws, fmt, spec, total_row + 1, widths)
    set_print(ws, spec, widths, total_row + len(spec.notes))


# --------------------------------------------------------------------------
# Workbooks
# --------------------------------------------------------------------------

def sheet_specs() -> dict[str, list[SheetSpec]]:
    """File stem -> the sheets of that workbook, in order."""
    att1, att3 = attachment1_rows(), attachment3_rows()
    check_references()
    check_county_totals(att1, att3)
    notes = data.NOTES
    return {
        "attachment1": [SheetSpec(ATTACHMENT1, "附件1", "单位：个、万元、万美元", att1, "unit",
                                  notes["attachment1"], {"note": 30}, landscape=False)],
        "attachment2": [SheetSpec(ATTACHMENT2, "附件2", "单位：个", attachment2_rows(), "chain",
                                  notes["attachment2"], {"leader": 26, "partners": 30,
                                                         "signed": 12, "focus": 36, "note": 8})],
        "attachment3": [
            SheetSpec(ATTACHMENT3, "附件3", "单位：个、万元", att3, "unit",
                      notes["attachment3"], {"note": 8}),
            SheetSpec(KEY_PROJECT_LIST, "附件3", "单位：万元", key_project_rows(), "name",
                      notes["key_project_list"], {"name": 44, "note": 8}),
        ],
    }


def write_workbook(path: Path, specs: list[SheetSpec]) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                         "strings_to_numbers": False})
    wb.set_properties({"title": specs[0].table.title, "author": ISSUER, "company": ISSUER,
                       "subject": "友谊县2022年招商引资和项目建设工作方案附件", "created": ISSUED,
                       "comments": "由 tools/build_templates.py 生成；分解数为示例"})
    fmt = make_formats(wb)
    for spec in specs:
        write_sheet(wb, fmt, spec)
    wb.close()


def build(out_dir: Path) -> list[Path]:
    """Write attachment1-3.xlsx into out_dir and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, specs in sheet_specs().items():
        path = out_dir / f"{stem}.xlsx"
        write_workbook(path, specs)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成附件1-3模板（友谊县2022年目标任务分解表）")
    parser.add_argument("--out", type=Path, default=ROOT / "templates", help="输出目录")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
