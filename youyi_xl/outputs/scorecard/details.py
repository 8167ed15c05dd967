"""The 成绩单's detail sheets: 产业链, 重点项目, the ledgers, 数据问题, 未报送单位 and 说明."""
from __future__ import annotations

from operator import attrgetter
from pathlib import Path
from typing import Any, Iterable, Sequence

from ...core import (
    AMOUNT,
    CODES,
    DATE,
    INT,
    ISSUE_LABELS,
    STARTED_STATUSES,
    Severity,
    Table,
)
from .. import xlstyle as xs
from ..bigsheet import BigTable
from ..numfmt import figure, full_width
from ..xlstyle import Column, Styled
from .base import (
    LEFT_OUT_LEGEND,
    SEVERITY_LEGEND,
    TABLE_TOP,
    VALID_LABELS,
    _band,
    _band_meanings,
    _Context,
    _header_height,
    _page,
    _progress_text,
    _records,
    _simple_table,
    _text,
    _title,
)

# --------------------------------------------------------------------------
# 产业链 and 重点项目 (attachments 2 and 3)
# --------------------------------------------------------------------------

CHAIN_COLUMNS = (
    Column("序号", 4, xs.INT_KIND), Column("产业链", 12, xs.WRAP), Column("链长", 10, xs.WRAP),
    Column("牵头单位", 11, xs.WRAP), Column("配合单位", 16, xs.WRAP),
    Column("目标", 5, xs.COUNT_KIND), Column("完成", 5, xs.COUNT_KIND), Column("完成率", 9),
    Column("目标", 5, xs.COUNT_KIND), Column("完成", 5, xs.COUNT_KIND), Column("完成率", 9),
    Column("计入项目", 28, xs.WRAP), Column("项目所属单位", 18, xs.WRAP),
)
CHAIN_PRINTED = 12               # 项目所属单位 stays on screen


def _chain_groups(floor: float) -> tuple[tuple[int, int, str], ...]:
    return ((5, 7, f"签约{floor:g}万元以上项目(个)"), (8, 10, "落地开工项目(个)"))


def _chain_targets(result: Any) -> str:
    """每条产业链全年目标：签约5000万元以上项目2个、落地开工项目1个 — or 见附件2 when they differ."""
    floor = result.plan.settings.chain_min_investment
    targets = {(c.signed_target, c.started_target) for c in result.plan.chains}
    if len(targets) != 1:
        return f"各产业链签约{floor:g}万元以上项目、落地开工项目的全年目标见方案附件2"
    signed, started = targets.pop()
    return f"每条产业链全年目标：签约{floor:g}万元以上项目{signed:g}个、落地开工项目{started:g}个（方案附件2）"


def _chains(sheet: Any, cx: _Context) -> None:
    note = (f"{_progress_text(cx.result)}。{_chain_targets(cx.result)}；"
            "按各单位报送的招商引资项目统计，同一项目被两个单位填报只计一次。")
    records = _records(cx.result.chain_table)
    rows = []
    for n, r in enumerate(records, start=1):
        rows.append([n, full_width(r["chain"]), r["leader"], r["lead_unit"], r["partners"],
                     r["signed_target"], r["signed_actual"], _band(cx.fm, r["signed_rate"], r["signed_colour"]),
                     r["started_target"], r["started_actual"], _band(cx.fm, r["started_rate"], r["started_colour"]),
                     _text(r["projects"]), _text(r["units"])])
    first = _page(sheet, cx, CHAIN_COLUMNS, _title(cx.result, "产业链建设推进情况"), note, landscape=True,
                  header_rows=2, freeze_cols=2, printed=CHAIN_PRINTED)
    xs.write_grouped_header(sheet, cx.fm, TABLE_TOP, CHAIN_COLUMNS,
                            _chain_groups(cx.result.plan.settings.chain_min_investment))
    end = xs.write_rows(sheet, cx.fm, first, CHAIN_COLUMNS, rows)
    if records:
        _chain_total(sheet, cx, end, records)
    sheet.print_area(0, 0, end, CHAIN_PRINTED - 1)
    sheet.autofilter(first - 1, 0, max(end - 1, first), len(CHAIN_COLUMNS) - 1)


def _chain_total(sheet: Any, cx: _Context, row: int, records: list[dict[str, Any]]) -> None:
    """合计: the targets and counts summed, their 完成率 coloured like a chain's."""
    cells: list[Any] = [None, "合计", None, None, None]
    for key in ("signed", "started"):
        target = sum(figure(r[f"{key}_target"]) for r in records)
        actual = sum(figure(r[f"{key}_actual"]) for r in records)
        cells += [target, actual, _total_band(cx, target, actual)]
    _total_row(sheet, cx, row, CHAIN_COLUMNS, cells + [None, None])


def _total_band(cx: _Context, target: float, actual: float) -> Styled:
    """A 合计 row's 完成率, coloured by its 序时完成率 under the rules in force."""
    if not target:
        return _band(cx.fm, None, "grey")
    rate = actual / target
    return _band(cx.fm, rate, cx.result.rules.colour(rate / cx.result.time_progress))


def _total_row(sheet: Any, cx: _Context, row: int, columns: Sequence[Column], cells: Sequence[Any]) -> None:
    """A 合计 row on the grey total fill, bold, under a table."""
    for c, value in enumerate(cells):
        if isinstance(value, Styled):
            xs.put(sheet, row, c, value.value, value.format)
            continue
        kind = columns[c].kind
        fmt = cx.fm.get(bold=True, bg_color=xs.TOTAL_FILL,
                        **({"num_format": xs.KIND_FORMATS[kind]} if kind in xs.KIND_FORMATS else {}),
                        **({"align": "center"} if c < 2 else {}))
        xs.put(sheet, row, c, value, fmt)
    sheet.set_row(row, 20)


KEY_PROJECT_COLUMNS = (
    Column("序号", 4, xs.INT_KIND), Column("项目名称", 22, xs.WRAP), Column("项目类别", 10, xs.WRAP),
    Column("建设性质", 5, xs.CENTER), Column("责任单位", 10, xs.WRAP), Column("包保县级领导", 8, xs.WRAP),
    Column("年度计划投资(万元)", 10.5, xs.MONEY_KIND), Column("本年累计完成投资(万元)", 10.5, xs.MONEY_KIND),
    Column("完成率", 9), Column("开工状态", 6, xs.CENTER), Column("形象进度", 14, xs.WRAP),
    Column("存在问题", 14, xs.WRAP),
    Column("所属产业链", 12, xs.WRAP), Column("是否清单内", 8), Column("是否填报", 8), Column("开工日期", 11, xs.DATE_KIND),
    Column("来源文件", 20, xs.WRAP), Column("来源行", 6, xs.INT_KIND),
)
KEY_PROJECT_PRINTED = 12         # 所属产业链 … 来源行 stay on screen
NOT_REPORTED = "未填报"


def _key_projects(sheet: Any, cx: _Context) -> None:
    note = (f"{_progress_text(cx.result)}。清单内项目来自方案附件3“重点项目清单”，责任单位未填报进展的项目"
            f"完成率写“{NOT_REPORTED}”；清单外项目是各单位另行填报的项目。完成率=本年累计完成投资÷年度计划投资。"
            "所属产业链、是否清单内、开工日期和来源文件在打印区右侧。")
    records = _records(cx.result.key_project_table)
    rows = []
    for n, r in enumerate(records, start=1):
        rate = (_band(cx.fm, r["rate"], r["colour"]) if r["reported"]
                else Styled(NOT_REPORTED, cx.fm.text(align="center", bold=True, font_color=xs.LAGGING_FONT)))
        rows.append([n, r["name"], r["category"], r["nature"], r["unit"], _text(r.get("leader")),
                     r["plan_investment"], r["completed_investment"], rate, _text(r["status"]),
                     _text(r.get("progress")), _text(r.get("problems")), _text(r["chain"]),
                     "清单内" if r["listed"] else "清单外", "已填报" if r["reported"] else NOT_REPORTED,
                     r["start_date"], _text(r["file"]), r["row"]])
    end = _simple_table(sheet, cx, KEY_PROJECT_COLUMNS, rows, _title(cx.result, "重点项目推进情况"), note,
                        freeze_cols=2, printed=KEY_PROJECT_PRINTED)
    if records:
        plan = sum(figure(r["plan_investment"]) for r in records)
        done = sum(figure(r["completed_investment"]) for r in records)
        started = sum(1 for r in records if r["status"] in STARTED_STATUSES)
        cells = [None, f"合计（{len(records)}个项目）", None, None, None, None, plan, done,
                 _total_band(cx, plan, done), f"{started}个"] + [None] * (len(KEY_PROJECT_COLUMNS) - 10)
        _total_row(sheet, cx, end, KEY_PROJECT_COLUMNS, cells)


# --------------------------------------------------------------------------
# ledgers: every counted row with its source
# --------------------------------------------------------------------------

_LEDGER_KINDS = {AMOUNT: xs.MONEY_KIND, INT: xs.COUNT_KIND, DATE: xs.DATE_KIND}
LEDGER_TAIL = (Column("是否计入", 9, xs.WRAP), Column("重复统计单位", 10, xs.WRAP), Column("来源文件", 16, xs.WRAP),
               Column("来源工作表", 8, xs.WRAP), Column("来源行", 5, xs.INT_KIND))
LEDGER_MAX_WIDTH = 24           # A3 landscape, text 7 pt or more


def ledger_columns(table: Table) -> list[Column]:
    """序号, 单位, the schema's columns (labels declared once in schema.py), then the source."""
    body = [Column(c.label, min(c.width, LEDGER_MAX_WIDTH), _LEDGER_KINDS.get(c.kind, xs.WRAP))
            for c in table.columns if c.key != "seq"]
    return [Column("序号", 6, xs.INT_KIND), Column("填报单位", 14, xs.WRAP), *body, *LEDGER_TAIL]


def _ledger(sheet: Any, cx: _Context, table: Table, what: str) -> None:
    columns = ledger_columns(table)
    keys = [c.key for c in table.columns if c.key != "seq"]
    note = ("各单位报送表中的全部行。“是否计入”为“未计入（有错误）”的行有错误，不计入任何指标，"
            "问题见“数据问题”工作表；来源文件、工作表和行号指向报送表中的原始位置。")
    batch = cx.result.batch
    size = batch.row_count(table.key)           # the records themselves are read only by splice()
    first = _page(sheet, cx, columns, _title(cx.result, what), note, landscape=True, freeze_cols=3,
                  legend=LEFT_OUT_LEGEND, paper=xs.A3)
    xs.write_header(sheet, cx.fm, TABLE_TOP, columns)
    sheet.set_row(TABLE_TOP, _header_height(columns))
    red = cx.fm.band("red")     # the rows' source holds no part of the workbook (freed once closed)
    big = BigTable(sheet, first, xs.column_formats(cx.fm, columns), [], [red],
                   xs.wrapped_columns(columns), lambda start: _ledger_rows(red, batch, table.key, keys, start), size)
    big.reserve()
    cx.big.append(big)
    sheet.autofilter(TABLE_TOP, 0, max(big.last_row, first), len(columns) - 1)


def _ledger_rows(red: Any, batch: Any, table: str, keys: list[str], start: int = 0) -> Iterable[list[Any]]:
    """Ledger rows from the 0-based `start` on: 序号, unit, the table's columns, then whether it
    counts and its source (the same fields as the batch DataFrames, without building them);
    `red` the format of a row left out."""
    counted, left_out = VALID_LABELS[True], Styled(VALID_LABELS[False], red)
    body = attrgetter(*keys) if len(keys) > 1 else (lambda row: (getattr(row, keys[0]),) if keys else ())
    for n, row in enumerate(batch.rows(table, start=start), start=start + 1):
        yield [n, row.unit, *body(row), counted if row.valid else left_out,
               "、".join(batch.claimed_by(row)), row.file, row.sheet, row.row]


# --------------------------------------------------------------------------
# 数据问题, 未报送单位
# --------------------------------------------------------------------------

ISSUE_WIDTHS = {"unit": 12, "severity": 6, "sheet": 12, "cell": 7, "message": 40, "hint": 34, "value": 14,
                "file": 20, "field": 14, "code": 24}
ISSUE_PRINTED = 7                # 单位 … 填报值; 文件, 字段 and 问题代码 stay on screen
NO_UNIT = "（未识别单位）"
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def issue_columns() -> list[Column]:
    """The columns of the 数据问题 sheet (those of ISSUE_WIDTHS), with their Chinese labels."""
    return [Column(ISSUE_LABELS[k], ISSUE_WIDTHS[k], xs.WRAP) for k in ISSUE_WIDTHS]


def _issues(sheet: Any, cx: _Context) -> None:
    frame = cx.result.issues
    counts = frame["severity"].value_counts()
    plan_issues = list(cx.result.plan.issues)       # pipeline.run puts them first; they stay first
    plan_first = len(plan_issues) if cx.result.issue_list[:len(plan_issues)] == plan_issues else 0
    order_text = (f"前{plan_first}条是目标分解表（考评办的模板）的问题，由考评办修改；其余" if plan_first else "") \
        + "按单位、再按级别排列"
    note = (f"共{len(frame)}条：错误{counts.get('error', 0)}条（所在行或表不计入统计，{'报送表的错误' if plan_first else ''}须由报送单位修改），"
            f"警告{counts.get('warning', 0)}条（数据已采用，请核实），提示{counts.get('info', 0)}条。"
            f"{order_text}；怎样修改见“修改建议”列，各单位的退回意见在“退回意见”文件夹中。")
    shown = list(ISSUE_WIDTHS)
    sev, unit, code = shown.index("severity"), shown.index("unit"), shown.index("code")
    fills = {s.value: cx.fm.get(text_wrap=True, align="center", bold=True, bg_color=xs.SEVERITY_FILL[s.value],
                                font_color=xs.SEVERITY_FONT[s.value]) for s in Severity}
    order = {u.name: i for i, u in enumerate(cx.result.plan.units)}
    rows = []
    rows_in = list(frame[shown].itertuples(index=False, name=None))
    ordered = rows_in[:plan_first] + _issue_order(rows_in[plan_first:], sev, unit, order)
    for n, values in enumerate(ordered):
        row = list(values)
        if n < plan_first and not row[unit]:
            row[unit] = PLAN_ISSUE_UNIT
        row[code] = f"{CODES[row[code]].title}（{row[code]}）" if row[code] in CODES else row[code]
        row[sev] = Styled(Severity(row[sev]).label, fills[row[sev]])
        row[unit] = row[unit] or NO_UNIT
        rows.append(row)
    _simple_table(sheet, cx, issue_columns(), rows, _title(cx.result, "报送数据问题清单"), note, freeze_cols=1,
                  legend=SEVERITY_LEGEND, printed=ISSUE_PRINTED)


def _issue_order(rows: Iterable[tuple], sev: int, unit: int, order: dict[str, int]) -> list[tuple]:
    """By unit (plan order, then units the plan does not know, then no unit), then severity; the
    batch's sheet-and-cell order within (the sort is stable). The plan's own problems, which
    `pipeline.run` puts first in the result's issues, stay first (DOMAIN §9)."""
    return sorted(rows, key=lambda r: (order.get(r[unit], len(order) + (not r[unit])), r[unit] or "",
                                       _SEVERITY_RANK.get(r[sev], 3)))


PLAN_ISSUE_UNIT = "（目标分解表）"   # the 单位 column of the plan's own problems


MISSING_COLUMNS = (Column("序号", 6, xs.INT_KIND), Column("单位", 20), Column("单位类别", 10),
                   Column("情况", 16), Column("扣分", 8, xs.POINTS_KIND), Column("说明", 40, xs.WRAP))


def _missing(sheet: Any, cx: _Context) -> None:
    rows = _missing_rows(cx.result)
    note = (f"截至汇总时未报送{cx.result.period.dash_label}填报表的单位，以及报送的文件无法采用的单位"
            f"（按未按时报送对待前，请先与单位核实）。" if rows else "全部单位均已报送。")
    _simple_table(sheet, cx, MISSING_COLUMNS, rows, _title(cx.result, "未报送单位名单"), note,
                  landscape=False, freeze_cols=0, legend=None)


def _missing_rows(result: Any) -> list[list[Any]]:
    accepted = {r.unit for r in result.batch.accepted}
    units = result.unit_table
    # the units listed, and the columns written: not every value of every unit (see _unit_status_table)
    listed = units.loc[(units["status"] == "missing") | ~units["unit"].isin(accepted),
                       ["unit", "group", "status", "deduction", "file"]]
    rows = []
    for r in _records(listed):
        if r["status"] == "missing":
            rows.append([len(rows) + 1, r["unit"], r["group"], "未报送", r["deduction"], "未收到填报表"])
        elif r["unit"] not in accepted:
            rows.append([len(rows) + 1, r["unit"], r["group"], "报送文件无法采用", r["deduction"],
                         f"“{r['file']}”无法采用，原因见“数据问题”工作表"])
    return rows


# --------------------------------------------------------------------------
# 说明
# --------------------------------------------------------------------------

EXPLAIN_WIDTHS = (14, 34, 10, 12, 10, 10)
SHEET_NOTES = (
    ("总览", "全县14项指标的年度目标、累计完成、完成率与序时进度，单位报送情况，完成率图"),
    ("乡镇排名、部门排名", "各单位逐项完成率（着色）、综合得分、名次、先进/后进；点“+”展开各项目标、完成和得分"),
    ("产业链、重点项目", "方案附件2、附件3的推进情况"),
    ("招商项目明细、重点项目明细、策划项目明细", "各单位报送的每一行，标明是否计入和来源文件、工作表、行号"),
    ("数据问题、未报送单位", "核查发现的问题（逐个单元格）和未报送名单"),
)


def _explain(sheet: Any, cx: _Context) -> None:
    fm, result = cx.fm, cx.result
    for c, width in enumerate(EXPLAIN_WIDTHS):
        sheet.set_column(c, c, width)
    xs.write_title(sheet, fm, len(EXPLAIN_WIDTHS), _title(result, "招商引资和项目建设成绩单说明"))
    row = 2
    for label, text in _explain_paragraphs(result):
        row = _paragraph(sheet, fm, row, label, text)
    row = _paragraph(sheet, fm, row, "六、颜色", "每项完成率按序时完成率着色，并在数字前印有颜色字，黑白打印也能分辨：")
    for colour, meaning in _band_meanings(result):
        sheet.write_string(row, 1, xs.BANDS[colour].word, fm.band(colour))
        sheet.merge_range(row, 2, row, 5, meaning, fm.text())
        row += 1
    row = _weights_table(sheet, fm, row + 1, result.rules, result.plan.indicators)
    row = _paragraph(sheet, fm, row + 1, "八、各工作表", "")
    for name, text in SHEET_NOTES:
        row = _paragraph(sheet, fm, row, "", f"{name}：{text}")
    rerun = result.rerun
    if rerun is not None and rerun.moved:       # a period run again after corrections: who moved
        row = _paragraph(sheet, fm, row + 1, "九、更正后变化", "；".join(
            f"{unit}由{then}变为{now}" for unit, then, now in rerun.moved) + "（与本期上次汇总相比）。")
    xs.setup_print(sheet, landscape=False, repeat=(0, 0), freeze=(1, 0))


def _explain_paragraphs(result: Any) -> list[tuple[str, str]]:
    rules, period, batch = result.rules, result.period, result.batch
    source = Path(rules.source).name if getattr(rules, "source", "") else "内置默认值（DOMAIN §6）"
    deductions = rules.deductions
    return [
        ("一、数据来源", f"各单位报送的{period.dash_label}填报表，{files_received(batch)}"
                      f"按方案附件1—3的口径统计，累计到{period.end.month}月{period.end.day}日。明细表列出每一行的来源文件、"
                      "工作表和行号，排名表列出每个单位的来源文件。"),
        ("二、序时进度", f"序时进度=已过月数÷12={period.month}/12={result.time_progress:.1%}。"),
        ("三、完成率", "完成率=本年累计完成÷年度目标；序时完成率=完成率÷序时进度（100%即正好跟上时间进度）。"),
        ("四、计分方法", f"单项得分=权重×min(序时完成率, 封顶系数)；本单位没有目标的指标不计分，其余指标的权重按比例折算为100分。"
                      f"综合得分=指标得分−扣分：未按时报送扣{deductions.get('missing', 0):g}分，"
                      f"报送数据有误扣{deductions.get('errors', 0):g}分。乡镇和部门分别排名，得分相同的并列。考核细则：{source}。"),
        ("五、先进和后进", f"各组综合得分前{rules.advanced_count}名为先进（未报送单位不评先进）；后{rules.lagging_count}名"
                        f"且综合序时完成率低于序时进度的为后进，达到序时进度的单位不列为后进。"
                        f"一票否决：{'已启用' if rules.veto else '未启用'}。"),
    ]


def files_received(batch: Any) -> str:
    """共收到25个文件，采用24份（1份是同一单位较早报送的版本…）: every file of the folder counted."""
    older, others = len(batch.superseded), _other_files(batch)
    unusable = len(batch.returns) - len(batch.accepted)
    total = len(batch.returns) + older + others
    parts = [f"{older}份是同一单位较早报送的版本，未采用" if older else "",
             f"{unusable}份无法采用" if unusable else "", f"{others}个不是Excel工作簿，已忽略" if others else ""]
    detail = "；".join(p for p in parts if p)
    return (f"共收到{total}个文件，采用{len(batch.accepted)}份" + (f"（{detail}，详见“数据问题”）" if detail else "")
            + "。")


def _other_files(batch: Any) -> int:
    """Files of the folder that are not workbooks (each has one extra-ignored issue naming no sheet)."""
    return len({i.file for i in batch.issue_list if i.code == "extra-ignored" and not i.sheet and not i.unit})


def _paragraph(sheet: Any, fm: xs.Formats, row: int, label: str, text: str) -> int:
    """A labelled paragraph merged over the text columns; returns the next row."""
    sheet.write_string(row, 0, label, fm.get(border=0, font_name=xs.HEITI, valign="top"))
    body = fm.get(border=0, font_name=xs.FANGSONG, font_size=11, text_wrap=True, valign="top")
    sheet.merge_range(row, 1, row, len(EXPLAIN_WIDTHS) - 1, text, body)
    lines = max(1, -(-xs.text_width(text) // (sum(EXPLAIN_WIDTHS[1:]) * 0.9)))
    sheet.set_row(row, 16 * lines)
    return row + 1


def _weights_table(sheet: Any, fm: xs.Formats, row: int, rules: Any, indicators: Sequence[Any]) -> int:
    """七、指标权重: the 考核细则 in force, weights scaled to 100."""
    sheet.write_string(row, 0, "七、指标权重", fm.get(border=0, font_name=xs.HEITI))
    columns = (Column("指标", 34, xs.WRAP), Column("计量单位", 10), Column("权重(分)", 12, xs.POINTS_KIND),
               Column("封顶系数", 10, xs.POINTS_KIND), Column("是否计分", 10))
    xs.write_header(sheet, fm, row, columns, first=1)
    weights = rules.weights
    by_key = {r.key: r for r in rules.indicators}
    rows = [[ind.label, ind.unit, weights.get(ind.key, 0.0), by_key[ind.key].cap,
             "是" if by_key[ind.key].scored else "否"] for ind in indicators if ind.key in by_key]
    return xs.write_rows(sheet, fm, row + 1, columns, rows, first=1)
