"""Write the 考核细则 workbook (DOMAIN §6) that the clerk edits in Excel.

    python tools/build_rules.py [--out DIR]      (default: the repo's templates/)

Every figure comes from youyi_xl.plan.rules (DEFAULT_WEIGHTS, DEFAULT_DEDUCTIONS, ...),
every header from the tables declared there, every indicator label from
youyi_xl.core.indicators. Document properties are fixed, so two runs give identical bytes.
Sheets: 说明, 指标权重, 扣分, 颜色, 先进后进, 一票否决 — all A4, ready to print.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_range

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from youyi_xl.plan import rules as R  # noqa: E402
from youyi_xl.core.indicators import INDICATORS  # noqa: E402
from youyi_xl.core.schema import Table  # noqa: E402

ISSUED = dt.datetime(2022, 2, 24, 9, 0, 0)
ISSUER = "友谊县发展和改革局"
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 2
FIRST_ROW = HEADER_ROW + 1
VETO_BLANK_ROWS = 8
EXPLANATION_WIDTH = 80          # characters: A4 portrait without scaling
FILLS = {"绿": "#C6EFCE", "黄": "#FFEB9C", "红": "#FFC7CE", "灰": "#D9D9D9"}

EXPLANATION = (
    "一、计分方法",
    "1. 完成率 = 本年累计完成 ÷ 年度目标；序时进度 = 报送月份 ÷ 12（1—3月为25%，1—6月为50%，1—9月为75%，1—12月为100%）。",
    "2. 序时完成率 = 完成率 ÷ 序时进度。",
    "3. 单项得分 = 权重 × 序时完成率，序时完成率超过封顶系数的按封顶系数计（默认1.2，即单项最多得权重的1.2倍）。",
    "4. 某单位某项指标没有年度目标（为0或空）的，该项不计分，其余计分指标的权重按比例折算为100分。",
    "5. 综合得分 = 各项得分之和 − 扣分；综合序时完成率 = 各项得分之和 ÷ 100。",
    "二、扣分",
    "未按时报送的单位扣“未按时报送”分值；报送数据有错误（数据有误）的单位扣“数据有误”分值，见“扣分”表。",
    "三、颜色标识",
    "序时完成率达到绿色下限的标绿，达到黄色下限的标黄，低于黄色下限的标红，无目标的标灰，见“颜色”表。",
    "四、排名、先进和后进",
    "乡镇、部门分别按综合得分排名，得分相同（保留两位小数）的并列，如1、2、2、4。",
    "每组得分前若干名（“先进单位名额”）为先进；每组得分后若干名（“后进单位名额”）中综合序时完成率低于序时进度的为后进，"
    "达到序时进度的单位不列为后进；未报送单位不列为先进。",
    "启用一票否决（“先进后进”表中填“是”）时，“一票否决”表中所列单位不得评为先进，由其后的单位递补。",
    "五、修改说明",
    "可以修改权重、封顶系数、是否计分、扣分分值、颜色下限和名额；权重合计不必等于100，按比例折算。",
    "请勿修改表头文字和指标名称；某项指标不计分时请把“是否计分”改为“否”，不要删除该行。",
)


def make_formats(wb: xlsxwriter.Workbook) -> dict[str, Any]:
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "font_charset": 134}
    cell = {**base, "border": 1, "text_wrap": True}
    formats = {
        "title": wb.add_format({**base, "bold": True, "font_size": 16, "align": "center"}),
        "note": wb.add_format({**base, "font_size": 10, "align": "left", "text_wrap": True}),
        "heading": wb.add_format({**base, "font_name": "黑体", "font_size": 12}),
        "header": wb.add_format({**cell, "bold": True, "align": "center", "bg_color": "#D9D9D9"}),
        "center": wb.add_format({**cell, "align": "center"}),
        "left": wb.add_format({**cell, "align": "left"}),
        "input": wb.add_format({**cell, "align": "center", "num_format": "0.##", "locked": False,
                                "bg_color": "#FFFFCC"}),
        "input_text": wb.add_format({**cell, "align": "left", "locked": False, "bg_color": "#FFFFCC"}),
        "total": wb.add_format({**cell, "bold": True, "align": "center", "num_format": "0.##"}),
    }
    for name, colour in FILLS.items():
        formats["fill_" + name] = wb.add_format({**cell, "align": "center", "bg_color": colour})
    return formats


def header(ws: Any, fmt: dict, table: Table, title: str, note: str, widths: list[float]) -> None:
    last = len(table.columns) - 1
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, fmt["title"])
    ws.set_row(TITLE_ROW, 36)
    ws.merge_range(NOTE_ROW, 0, NOTE_ROW, last, note, fmt["note"])
    ws.set_row(NOTE_ROW, 20)
    for col, (column, width) in enumerate(zip(table.columns, widths)):
        ws.write_string(HEADER_ROW, col, column.label, fmt["header"])
        ws.set_column(col, col, width)
    ws.set_row(HEADER_ROW, 24)


def print_setup(ws: Any, last_row: int, last_col: int, landscape: bool = False) -> None:
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.6, right=0.6, top=0.7, bottom=0.7)
    ws.set_footer("&C第 &P 页 共 &N 页", {"margin": 0.3})
    ws.print_area(0, 0, last_row, last_col)


def notes(ws: Any, fmt: dict, first_row: int, last_col: int, lines: tuple[str, ...]) -> int:
    for offset, line in enumerate(lines):
        ws.merge_range(first_row + offset, 0, first_row + offset, last_col, line, fmt["note"])
        ws.set_row(first_row + offset, 30 if len(line) > 40 else 18)
    return first_row + len(lines) - 1


def protect(ws: Any) -> None:
    """Headers and labels are locked (no password); the yellow input cells are not."""
    ws.protect("", {"format_columns": True, "format_rows": True, "insert_rows": True,
                    "delete_rows": True, "select_locked_cells": True, "select_unlocked_cells": True})


# --------------------------------------------------------------------------
# sheets
# --------------------------------------------------------------------------

def write_explanation(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet("说明")
    ws.set_column(0, 0, EXPLANATION_WIDTH)
    ws.write_string(0, 0, R.TITLE, fmt["title"])
    ws.set_row(0, 36)
    for row, line in enumerate(EXPLANATION, start=2):
        heading = line[:2] in ("一、", "二、", "三、", "四、", "五、")
        ws.write_string(row, 0, line, fmt["heading"] if heading else fmt["note"])
        lines = -(-len(line) * 2 // (EXPLANATION_WIDTH - 4))     # a CJK character is two wide
        ws.set_row(row, 22 if heading else 16 * lines + 4)
    print_setup(ws, len(EXPLANATION) + 1, 0)


def write_weights(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(R.WEIGHTS.sheet)
    header(ws, fmt, R.WEIGHTS, "考核指标权重", "单位：分。黄色单元格可修改；权重合计不必等于100，按比例折算。",
           [6, 40, 10, 10, 10, 10, 26])
    for i, ind in enumerate(INDICATORS):
        row = FIRST_ROW + i
        ws.write_number(row, 0, i + 1, fmt["center"])
        ws.write_string(row, 1, ind.label, fmt["left"])
        ws.write_string(row, 2, ind.unit, fmt["center"])
        ws.write_number(row, 3, R.DEFAULT_WEIGHTS[ind.key], fmt["input"])
        ws.write_number(row, 4, R.DEFAULT_CAP, fmt["input"])
        ws.write_string(row, 5, "是", fmt["input"])
        ws.write_string(row, 6, ind.key, fmt["left"])
        ws.set_row(row, 20)
    last = FIRST_ROW + len(INDICATORS) - 1
    total_row = write_weight_total(ws, fmt, last)
    ws.set_column(6, 6, 26, None, {"hidden": True})   # 指标代码: for the program, not the clerk
    validations(ws, last)
    end = notes(ws, fmt, total_row + 2, 5, (
        "填表说明：1.权重为0或正数；某项不计分时把“是否计分”改为“否”，不要删除该行。",
        "2.封顶系数不小于1，默认1.2（单项得分最多为权重的1.2倍）。",
        "3.单位某项无年度目标的，该项不计分，其余权重折算为100分。"))
    ws.repeat_rows(HEADER_ROW)
    ws.freeze_panes(FIRST_ROW, 0)
    print_setup(ws, end, 5)
    protect(ws)


def write_weight_total(ws: Any, fmt: dict, last: int) -> int:
    """合计 of the scored weights: a formula carrying its value (readers that do not calculate)."""
    row = last + 1
    for col in range(7):
        ws.write_blank(row, col, None, fmt["total"])
    ws.write_string(row, 1, "合计", fmt["total"])
    ws.write_formula(row, 3, f"=SUMIF({xl_range(FIRST_ROW, 5, last, 5)},\"是\","
                     f"{xl_range(FIRST_ROW, 3, last, 3)})", fmt["total"], sum(R.DEFAULT_WEIGHTS.values()))
    return row


def validations(ws: Any, last: int) -> None:
    ws.data_validation(FIRST_ROW, 3, last, 3, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "权重", "input_message": "填写0或正数（分）",
        "error_title": "权重", "error_message": "权重应为0或正数"})
    ws.data_validation(FIRST_ROW, 4, last, 4, {
        "validate": "decimal", "criteria": "between", "minimum": 1, "maximum": 10,
        "input_title": "封顶系数", "input_message": "不小于1，默认1.2",
        "error_title": "封顶系数", "error_message": "封顶系数应在1到10之间"})
    ws.data_validation(FIRST_ROW, 5, last, 5, {
        "validate": "list", "source": ["是", "否"],
        "input_title": "是否计分", "input_message": "选择“是”或“否”"})


def write_deductions(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(R.DEDUCTIONS.sheet)
    header(ws, fmt, R.DEDUCTIONS, "扣分标准", "单位：分。在综合得分中扣除。", [6, 18, 10, 50])
    explain = {"missing": "本期未按时报送填报表的单位（未报送）",
               "errors": "报送的填报表有错误、需要修改的单位（数据有误），每单位扣一次"}
    for i, (key, names) in enumerate(R.DEDUCTION_ITEMS.items()):
        row = FIRST_ROW + i
        ws.write_number(row, 0, i + 1, fmt["center"])
        ws.write_string(row, 1, names[0], fmt["center"])
        ws.write_number(row, 2, R.DEFAULT_DEDUCTIONS[key], fmt["input"])
        ws.write_string(row, 3, explain[key], fmt["left"])
        ws.set_row(row, 22)
    ws.data_validation(FIRST_ROW, 2, FIRST_ROW + 1, 2, {
        "validate": "decimal", "criteria": ">=", "value": 0,
        "input_title": "扣分", "input_message": "填写扣除的分数，不扣分填0"})
    print_setup(ws, FIRST_ROW + 1, 3)
    protect(ws)


def write_colours(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(R.COLOURS.sheet)
    header(ws, fmt, R.COLOURS, "颜色标识", "按序时完成率（完成率 ÷ 序时进度）标识颜色。", [10, 22, 40])
    rows = (("绿", R.DEFAULT_GREEN * 100, "达到或超过序时进度"),
            ("黄", R.DEFAULT_YELLOW * 100, "接近序时进度（低于绿色下限）"),
            ("红", None, "低于黄色下限，明显滞后"),
            ("灰", None, "该单位无此项年度目标，不计分"))
    for i, (name, limit, meaning) in enumerate(rows):
        row = FIRST_ROW + i
        ws.write_string(row, 0, name, fmt["fill_" + name])
        if limit is None:
            ws.write_string(row, 1, "—", fmt["center"])
        else:
            ws.write_number(row, 1, limit, fmt["input"])
        ws.write_string(row, 2, meaning, fmt["left"])
        ws.set_row(row, 22)
    ws.data_validation(FIRST_ROW, 1, FIRST_ROW + 1, 1, {
        "validate": "decimal", "criteria": "between", "minimum": 1, "maximum": 500,
        "input_title": "序时完成率下限", "input_message": "填写百分数，如100、80"})
    print_setup(ws, FIRST_ROW + len(rows) - 1, 2)
    protect(ws)


def write_ranking(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(R.RANKING_SHEET)
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 10)
    ws.set_column(2, 2, 56)
    ws.merge_range(0, 0, 0, 2, "先进、后进单位评定", fmt["title"])
    ws.set_row(0, 36)
    rows = ((R.RANKING_LABELS["advanced"][0], R.DEFAULT_ADVANCED, "乡镇、部门每组得分前几名为先进"),
            (R.RANKING_LABELS["lagging"][0], R.DEFAULT_LAGGING,
             "每组得分后几名中低于序时进度的为后进（达到序时进度的不列为后进）"),
            (R.RANKING_LABELS["veto"][0], "否", "填“是”时，“一票否决”表所列单位不得评为先进"))
    for i, (label, value, meaning) in enumerate(rows):
        row = 2 + i
        ws.write_string(row, 0, label, fmt["center"])
        if isinstance(value, str):
            ws.write_string(row, 1, value, fmt["input"])
        else:
            ws.write_number(row, 1, value, fmt["input"])
        ws.write_string(row, 2, meaning, fmt["left"])
        ws.set_row(row, 24)
    ws.data_validation(2, 1, 3, 1, {"validate": "integer", "criteria": ">=", "value": 0,
                                    "input_title": "名额", "input_message": "每组名额，填0或正整数"})
    ws.data_validation(4, 1, 4, 1, {"validate": "list", "source": ["是", "否"]})
    print_setup(ws, 4, 2)
    protect(ws)


def write_veto(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    ws = wb.add_worksheet(R.VETO.sheet)
    header(ws, fmt, R.VETO, "一票否决单位名单",
           "“先进后进”表中“启用一票否决”填“是”时生效。经认定存在弄虚作假、虚报数据等情形的单位填入本表。",
           [6, 24, 34, 30])
    for i in range(VETO_BLANK_ROWS):
        row = FIRST_ROW + i
        ws.write_number(row, 0, i + 1, fmt["center"])
        for col in (1, 2, 3):
            ws.write_blank(row, col, None, fmt["input_text"])
        ws.set_row(row, 22)
    last = FIRST_ROW + VETO_BLANK_ROWS - 1
    ws.set_row(NOTE_ROW, 34)
    print_setup(ws, last, 3)
    protect(ws)


def build(out_dir: Path) -> Path:
    """Write 考核细则.xlsx into out_dir and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / R.RULES_FILE
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_numbers": False})
    wb.set_properties({"title": R.TITLE, "author": ISSUER, "company": ISSUER, "created": ISSUED,
                       "subject": "友谊县2022年招商引资和项目建设工作考核细则",
                       "comments": "由 tools/build_rules.py 生成；权重等可在Excel中修改"})
    fmt = make_formats(wb)
    for write in (write_explanation, write_weights, write_deductions, write_colours,
                  write_ranking, write_veto):
        write(wb, fmt)
    wb.worksheets()[1].activate()
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成考核细则模板（考核细则.xlsx）")
    parser.add_argument("--out", type=Path, default=ROOT / "templates", help="输出目录")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
