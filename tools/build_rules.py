"""Write the 考核细则 workbook (DOMAIN §6, §8) that the clerk edits in Excel.

    python tools/build_rules.py [--out DIR]      (default: the repo's templates/)

The 2022 友谊县 plan's declarations come from tools/template_data.py (SETTINGS, DECLARED);
every header from the tables declared in youyi_xl.plan (INDICATOR_SETTINGS, DEDUCTIONS …);
the defaults of 扣分, 颜色 and 先进后进 from youyi_xl.plan.rules. Document properties are fixed,
so two runs give identical bytes. Sheets: 说明, 基本信息, 指标设置, 扣分, 颜色, 先进后进,
一票否决 — all A4, ready to print.
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
sys.path.insert(0, str(ROOT / "tools"))

from template_data import COUNTY, DECLARED, SETTINGS, YEAR  # noqa: E402

from youyi_xl.core.schema import Table  # noqa: E402
from youyi_xl.plan import INDICATOR_SETTINGS  # noqa: E402
from youyi_xl.plan import rules as R  # noqa: E402
from youyi_xl.plan.settings import DEFAULT_CAP  # noqa: E402

TITLE = f"{COUNTY}{YEAR}年招商引资和项目建设工作考核细则"

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
    "五、指标设置",
    "“指标设置”表每行一个考核指标，顺序即成绩单、通报中的顺序。数据来源填填报表中的表（招商引资项目、重点项目进展、"
    "策划储备项目、指标汇总）；统计方式填计数（符合条件的行数）、求和（求和字段之和）或填报（单位在指标汇总中自填的数）。",
    "条件写法：字段=值（如 是否开工=是）、字段=值1,值2（任一，如 开工状态=已开工,已竣工）、字段≥数（如 总投资(万元)≥5000）、"
    "字段≤数、字段在本期（本年度内且不晚于本期末，如 签约日期在本期）；多个条件用“；”隔开。字段名与填报表的表头一致。",
    "目标列填附件1或附件3中存放各单位该项年度目标的列的表头；全县目标用于核对分解表合计。",
    "六、修改说明",
    "可以修改基本信息、指标设置、权重、封顶系数、是否计分、扣分分值、颜色下限和名额；权重合计不必等于100，按比例折算。",
    "新一年度或其他县（区）使用时，改“基本信息”的年度和名称、“指标设置”的指标，并换上新的附件1—3即可，无需修改程序。",
    "某项指标不计分时请把“是否计分”改为“否”；指标代码用于历史数据对比，已有的指标请勿修改代码。",
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
    ws.write_string(0, 0, TITLE, fmt["title"])
    ws.set_row(0, 36)
    for row, line in enumerate(EXPLANATION, start=2):
        heading = line[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")
        ws.write_string(row, 0, line, fmt["heading"] if heading else fmt["note"])
        lines = -(-len(line) * 2 // (EXPLANATION_WIDTH - 4))     # a CJK character is two wide
        ws.set_row(row, 22 if heading else 16 * lines + 4)
    print_setup(ws, len(EXPLANATION) + 1, 0)


def write_settings(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    """基本信息: one label and one value per row (the labels are what youyi_xl.plan reads)."""
    ws = wb.add_worksheet("基本信息")
    ws.set_column(0, 0, 26)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 40)
    ws.merge_range(0, 0, 0, 2, "基本信息", fmt["title"])
    ws.set_row(0, 36)
    ws.merge_range(1, 0, 1, 2, "黄色单元格可修改：新一年度或其他县（区）使用时改这里。", fmt["note"])
    _label_value_rows(ws, fmt, SETTINGS, fmt["input_text"],
                      lambda value: 30 if isinstance(value, str) and len(value) > 26 else 22)
    print_setup(ws, 1 + len(SETTINGS), 2)
    protect(ws)


INDICATOR_WIDTHS = (5, 22, 26, 12, 7, 14, 13, 8, 20, 36, 26, 9, 7, 7, 7, 28, 11)


def write_indicators(wb: xlsxwriter.Workbook, fmt: dict) -> None:
    """指标设置: one row per indicator, in the order of every output (DOMAIN §8)."""
    ws = wb.add_worksheet(INDICATOR_SETTINGS.sheet)
    header(ws, fmt, INDICATOR_SETTINGS, "考核指标设置",
           "每行一个指标，顺序即成绩单、通报中的顺序。黄色单元格可修改；条件写法见“说明”。权重合计不必等于100，按比例折算。",
           list(INDICATOR_WIDTHS))
    for i, d in enumerate(DECLARED):
        row = FIRST_ROW + i
        values = (i + 1, d.key, d.name, d.short, d.unit, d.category, d.source, d.method, d.sum_field, d.conditions,
                  d.target, d.county, d.weight, DEFAULT_CAP, "是", d.prose, d.noun)
        for col, value in enumerate(values):
            style = fmt["center"] if col in (0, 4, 7) else fmt["input_text"] if col >= 2 else fmt["left"]
            if isinstance(value, (int, float)):
                ws.write_number(row, col, value, fmt["input"] if col >= 11 else fmt["center"])
            elif value is None:
                ws.write_blank(row, col, None, fmt["input"])
            else:
                ws.write_string(row, col, value, style)
        ws.set_row(row, 30)
    last = FIRST_ROW + len(DECLARED) - 1
    ws.data_validation(FIRST_ROW, 7, last, 7, {"validate": "list", "source": ["计数", "求和", "填报"]})
    ws.data_validation(FIRST_ROW, 6, last, 6, {"validate": "list",
                                               "source": ["招商引资项目", "重点项目进展", "策划储备项目", "指标汇总"]})
    ws.data_validation(FIRST_ROW, 14, last, 14, {"validate": "list", "source": ["是", "否"]})
    ws.set_column(1, 1, INDICATOR_WIDTHS[1], None, {"hidden": True})   # 指标代码: for the history, not the clerk
    end = notes(ws, fmt, last + 2, 10, (
        "填表说明：1.权重为0或正数；某项不计分时把“是否计分”改为“否”。封顶系数不小于1，默认1.2。",
        "2.单位某项无年度目标的，该项不计分，其余权重折算为100分。",
        "3.条件：字段=值、字段=值1,值2、字段≥数、字段≤数、字段在本期，多个条件用“；”隔开。"))
    ws.repeat_rows(HEADER_ROW)
    ws.freeze_panes(FIRST_ROW, 3)
    print_setup(ws, end, len(INDICATOR_WIDTHS) - 1, landscape=True)
    protect(ws)


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
    _label_value_rows(ws, fmt, rows, fmt["input"], lambda value: 24)
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
    wb.set_properties({"title": TITLE, "author": ISSUER, "company": ISSUER, "created": ISSUED,
                       "subject": "友谊县2022年招商引资和项目建设工作考核细则",
                       "comments": "由 tools/build_rules.py 生成；基本信息、指标设置、权重等可在Excel中修改"})
    fmt = make_formats(wb)
    for write in (write_explanation, write_settings, write_indicators, write_deductions, write_colours,
                  write_ranking, write_veto):
        write(wb, fmt)
    wb.worksheets()[2].activate()
    wb.close()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成考核细则模板（考核细则.xlsx）")
    parser.add_argument("--out", type=Path, default=ROOT / "templates", help="输出目录")
    args = parser.parse_args(argv)
    print(build(args.out))
    return 0


def _label_value_rows(ws, fmt, rows, text_format, height) -> None:
    """项目 | 填写值 (yellow, editable) | 说明 rows from row 3 on; `height(value)` sets each row's."""
    for i, (label, value, meaning) in enumerate(rows):
        row = 2 + i
        ws.write_string(row, 0, label, fmt["center"])
        if isinstance(value, str):
            ws.write_string(row, 1, value, text_format)
        else:
            ws.write_number(row, 1, value, fmt["input"])
        ws.write_string(row, 2, meaning, fmt["left"])
        ws.set_row(row, height(value))


if __name__ == "__main__":
    sys.exit(main())
