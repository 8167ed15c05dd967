"""The 成绩单 workbook (DOMAIN §7): overview, rankings, chains, key projects, ledgers, issues.

`write_scorecard(result, path)` writes one .xlsx with xlsxwriter, atomically.
Every sheet is print-ready (A4, one page wide, header rows repeated, page numbers,
frozen panes, filters), every coloured sheet carries a legend, and every colour is
printed with its word (绿/黄/红/灰) so that grey printouts keep the meaning.
Every number can be traced: the ledgers carry file, sheet and row, the rankings
the file of each unit. Layout and choices: docs/outputs.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from ..core import (
    AMOUNT,
    CODES,
    DATE,
    INT,
    ISSUE_LABELS,
    KEY_PROJECTS,
    MARK_PROPERTY,
    PLANNED,
    PROJECTS,
    SCORECARD,
    STARTED_STATUSES,
    Severity,
    Table,
    property_value,
)
from ..intake import STATUS_LABELS
from . import xlstyle as xs
from .bigsheet import BigTable, splice
from .numfmt import full_width
from .safeio import atomic_write, make_folder
from .xlstyle import Column, Styled

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False,
    "constant_memory": False,
    "default_format_properties": {"font_name": xs.SONG, "font_size": 10},
}
SHEETS = ("总览", "乡镇排名", "部门排名", "产业链", "重点项目", "招商项目明细", "重点项目明细",
          "策划项目明细", "数据问题", "未报送单位", "说明")
GROUP_SHEETS = (("乡镇", "乡镇排名"), ("部门", "部门排名"))
VALID_LABELS = {True: "计入", False: "未计入（有错误）"}
TABLE_TOP = 3                    # rows 0-1 title and note, row 2 legend; the header row is row 3
MISSING_TEXT = "—"
CHART_FONT = 10                  # chart labels print at 9 pt or more once the page is scaled to fit


def _pixels(columns: Sequence[Column]) -> int:
    """Width in pixels of the shown columns (Excel: 7 px a unit plus 5), for a chart under them."""
    return int(sum(c.width * 7 + 5 for c in columns if not c.hidden))


@dataclass
class _Context:
    """What every sheet writer needs: the workbook (charts), the shared formats, the result."""

    book: Any
    fm: xs.Formats
    result: Any
    big: list[BigTable] = field(default_factory=list)   # ledgers spliced in after close


def write_scorecard(result: Any, path: str | Path) -> Path:
    """Write the 成绩单 for `result` (an evaluate.Result) to `path`; return the path."""
    import xlsxwriter

    path = Path(path)
    make_folder(path.parent)
    with atomic_write(path) as temp:
        book = xlsxwriter.Workbook(str(temp), WORKBOOK_OPTIONS)
        book.set_properties({"title": _title(result, "招商引资和项目建设成绩单"), "author": "youyi-xl"})
        book.set_custom_property(MARK_PROPERTY, property_value(SCORECARD))    # never read as a return
        cx = _Context(book, xs.Formats(book), result)
        _write_sheets(cx)
        book.close()
        splice(temp, cx.big, Styled)
    return path


def _write_sheets(cx: _Context) -> None:
    sheets = {name: cx.book.add_worksheet(name) for name in SHEETS}
    _overview(sheets["总览"], cx)
    for group, name in GROUP_SHEETS:
        _ranking(sheets[name], cx, group)
    _chains(sheets["产业链"], cx)
    _key_projects(sheets["重点项目"], cx)
    _ledger(sheets["招商项目明细"], cx, PROJECTS, "招商引资项目明细")
    _ledger(sheets["重点项目明细"], cx, KEY_PROJECTS, "重点项目进展明细")
    _ledger(sheets["策划项目明细"], cx, PLANNED, "新策划生成项目明细")
    _issues(sheets["数据问题"], cx)
    _missing(sheets["未报送单位"], cx)
    _explain(sheets["说明"], cx)
    sheets["总览"].activate()


# --------------------------------------------------------------------------
# shared pieces
# --------------------------------------------------------------------------

def _title(result: Any, what: str) -> str:
    return f"{result.plan.county}{result.period.dash_label}{what}"


def _progress_text(result: Any) -> str:
    return f"序时进度{result.time_progress:.1%}（{result.period.month}/12）"


def _band_meanings(result: Any) -> list[tuple[str, str]]:
    green, yellow = f"{result.rules.green:.0%}", f"{result.rules.yellow:.0%}"
    return [("green", f"序时完成率≥{green}"), ("yellow", f"{yellow}—{green}"),
            ("red", f"<{yellow}"), ("grey", "无目标，不计分")]


BANDS_LEGEND = "bands"          # the legend of 序时完成率 colours (a marker resolved per result)
LEFT_OUT_LEGEND = (xs.LegendEntry("红：未计入（该行有错误，见“数据问题”）", xs.BANDS["red"].fill, xs.BANDS["red"].font),)
SEVERITY_LEGEND = tuple(xs.LegendEntry(f"{word}：{Severity(s).label}，{meaning}", xs.SEVERITY_FILL[s],
                                       xs.SEVERITY_FONT[s])
                        for s, word, meaning in (("error", "红", "须修改，所在行或表不计入"),
                                                 ("warning", "黄", "数据已采用，请核实"),
                                                 ("info", "蓝", "无需处理")))


def _band(fm: xs.Formats, value: Any, colour: Any, num_format: str = xs.PERCENT) -> Styled:
    """A rate cell: the number with its band's fill and word; 无目标 in grey without a number."""
    colour = colour if colour in xs.BANDS else "grey"
    if xs.is_missing(value):
        return Styled("无目标" if colour == "grey" else MISSING_TEXT, fm.band("grey"))
    return Styled(value, fm.band(colour, num_format))


def _number_kind(unit: str) -> str:
    return xs.COUNT_KIND if unit == "个" else xs.MONEY_KIND


def _page(sheet: Any, cx: _Context, columns: Sequence[Column], title: str, note: str, *,
          landscape: bool, header_rows: int = 1, freeze_cols: int = 1, legend: Any = BANDS_LEGEND,
          printed: int | None = None, paper: int = xs.A4, repeat: bool = True) -> int:
    """Title, note, colour legend, widths and print setup around a table whose header starts
    at TABLE_TOP; returns the first data row. `printed`: the print area is the first so many
    columns (title, note and legend span them); the others stay on screen."""
    shown = len(columns) if printed is None else printed
    widths = [0 if c.hidden else c.width for c in columns]
    xs.write_title(sheet, cx.fm, shown, title, note, widths)
    if legend:
        entries = xs.band_legend(_band_meanings(cx.result)) if legend == BANDS_LEGEND else legend
        xs.write_legend(sheet, cx.fm, 2, widths[:shown], entries)
    xs.set_columns(sheet, columns)
    first = TABLE_TOP + header_rows
    xs.setup_print(sheet, landscape=landscape, repeat=(TABLE_TOP, first - 1) if repeat else None,
                   freeze=(first, freeze_cols), header=f"&L{title}", paper=paper)
    return first


def _simple_table(sheet: Any, cx: _Context, columns: Sequence[Column], rows: Iterable[Sequence[Any]],
                  title: str, note: str, *, landscape: bool = True, freeze_cols: int = 1,
                  legend: Any = BANDS_LEGEND, printed: int | None = None, repeat: bool = True) -> int:
    """A one-header-row table with a filter; returns the row after the last one."""
    first = _page(sheet, cx, columns, title, note, landscape=landscape, freeze_cols=freeze_cols, legend=legend,
                  printed=printed, repeat=repeat)
    xs.write_header(sheet, cx.fm, TABLE_TOP, columns)
    sheet.set_row(TABLE_TOP, _header_height(columns))
    end = xs.write_rows(sheet, cx.fm, first, columns, rows)
    sheet.autofilter(TABLE_TOP, 0, max(end - 1, first), len(columns) - 1)
    if printed is not None:
        sheet.print_area(0, 0, end, printed - 1)          # the row after: a 合计 row, if any
    return end


def _header_height(columns: Sequence[Column]) -> float:
    """A header row as tall as its most wrapped header (at least two lines)."""
    lines = max((xs.text_lines(c.header, c.width) for c in columns if c.width), default=1)
    return max(2, lines) * xs.LINE_HEIGHT + 3


def _records(frame: Any) -> list[dict[str, Any]]:
    return frame.to_dict("records")


def _text(value: Any) -> str:
    return "" if xs.is_missing(value) else str(value)


# --------------------------------------------------------------------------
# 总览
# --------------------------------------------------------------------------

OVERVIEW_COLUMNS = (
    Column("序号", 5, xs.INT_KIND), Column("指标", 34), Column("计量单位", 8, xs.CENTER),
    Column("全县年度目标", 13), Column("全县累计完成", 13), Column("完成率", 11),
    Column("序时进度", 9, xs.PERCENT_KIND), Column("序时完成率", 10, xs.PERCENT_KIND),
    Column("与序时进度相比", 15),
)


def _overview(sheet: Any, cx: _Context) -> None:
    counts = _unit_counts(cx.result.unit_table)
    note = (f"{_progress_text(cx.result)}。应报送单位{counts['all']}个，已报送{counts['submitted']}个"
            f"（其中数据有误{counts['errors']}个），未报送{counts['missing']}个。"
            f"{_comparison_text(cx.result)}完成率按序时完成率着色；计分方法和数据来源见“说明”工作表。")
    end = _simple_table(sheet, cx, OVERVIEW_COLUMNS, _overview_rows(cx),
                        _title(cx.result, "招商引资和项目建设主要指标完成情况"), note, landscape=True,
                        repeat=False)
    after = _unit_status_table(sheet, cx, end + 1)
    sheet.set_h_pagebreaks([after + 1])          # the chart prints on a page of its own
    _overview_chart(sheet, cx, TABLE_TOP + 1, end - 1, after + 1)


def _overview_rows(cx: _Context) -> Iterable[list[Any]]:
    fm, progress = cx.fm, cx.result.time_progress
    gap = fm.number(xs.PERCENT_POINTS, align="center")
    for n, r in enumerate(_records(cx.result.county_table), start=1):
        kind = fm.number(xs.COUNT if r["unit"] == "个" else xs.MONEY)
        target = Styled("市定目标" if xs.is_missing(r["target"]) else r["target"], kind)
        behind = None if xs.is_missing(r["rate"]) else _points_gap(r["rate"], progress)
        yield [n, r["label"], r["unit"], target, Styled(r["actual"], kind), _band(fm, r["rate"], r["colour"]),
               progress, r["time_rate"], Styled(behind, gap)]


def _points_gap(rate: float, progress: float) -> float:
    """完成率 − 序时进度 in 个百分点, from the printed percentages (31.6% − 25.0% = 6.6, as the 通报 says)."""
    return round(round(rate * 100, 1) - round(progress * 100, 1), 1)


def _unit_counts(units: Any) -> dict[str, int]:
    status = units["status"]
    return {"all": len(units), "submitted": int((status != "missing").sum()),
            "errors": int((status == "errors").sum()), "missing": int((status == "missing").sum())}


def _unit_status_table(sheet: Any, cx: _Context, row: int) -> int:
    """单位报送情况 by group, under the indicator table; returns the row after it."""
    columns = (Column("", 5), Column("单位类别", 34), Column("应报送", 8, xs.COUNT_KIND),
               Column("已报送", 13, xs.COUNT_KIND), Column("其中数据有误", 13, xs.COUNT_KIND),
               Column("未报送", 11, xs.COUNT_KIND))
    sheet.merge_range(row, 0, row, 5, "单位报送情况（个）", cx.fm.get(border=0, font_name=xs.HEITI, bold=True))
    xs.write_header(sheet, cx.fm, row + 1, columns)
    units = cx.result.unit_table
    rows = []
    for label, part in (("乡镇", units[units["group"] == "乡镇"]), ("部门", units[units["group"] == "部门"]),
                        ("合计", units)):
        c = _unit_counts(part)
        rows.append([None, label, c["all"], c["submitted"], c["errors"], c["missing"]])
    return xs.write_rows(sheet, cx.fm, row + 2, columns, rows)


def _overview_chart(sheet: Any, cx: _Context, first: int, last: int, at: int) -> None:
    """Horizontal bars: each indicator's 完成率 beside 序时进度 (a native Excel chart)."""
    chart = cx.book.add_chart({"type": "bar"})
    name = sheet.get_name()
    for col, colour in ((5, xs.CHART_BLUE), (6, xs.CHART_RED)):
        chart.add_series({"name": [name, TABLE_TOP, col], "categories": [name, first, 1, last, 1],
                          "values": [name, first, col, last, col], "fill": {"color": f"#{colour}"},
                          "gap": 60, "data_labels": {"value": col == 5, "num_format": "0.0%",
                                                     "font": {"name": xs.SONG, "size": CHART_FONT}}})
    chart.set_title({"name": "全县主要指标完成率与序时进度", "name_font": {"name": xs.HEITI, "size": 12}})
    chart.set_x_axis({"num_format": "0%", "min": 0, "major_gridlines": {"visible": True},
                      "num_font": {"name": xs.SONG, "size": CHART_FONT}})
    chart.set_y_axis({"reverse": True, "num_font": {"name": xs.SONG, "size": CHART_FONT}})
    chart.set_legend({"position": "bottom", "font": {"name": xs.SONG, "size": CHART_FONT}})
    chart.set_size({"width": min(900, _pixels(OVERVIEW_COLUMNS)), "height": 560})
    sheet.insert_chart(at, 0, chart, {"x_offset": 10, "y_offset": 5})


# --------------------------------------------------------------------------
# 乡镇排名 / 部门排名
# --------------------------------------------------------------------------

PRINT_COLUMNS = (           # the ranking as printed (A4 landscape, body text 9 pt or more)
    Column("名次", 11.5, xs.CENTER), Column("单位", 12, xs.WRAP), Column("报送状态", 8, xs.CENTER),
    Column("综合得分", 6.5, xs.POINTS_KIND), Column("综合序时完成率", 8.5), Column("评定", 5, xs.CENTER),
)
RATE_COLUMN_WIDTH = 6.0     # each indicator's 完成率 (the number and its fill; the legend gives the bands)
SCREEN_COLUMNS = (          # right of the print area: on screen only
    Column("较上期", 9, xs.CENTER), Column("指标得分", 8, xs.POINTS_KIND), Column("扣分", 6, xs.POINTS_KIND),
    Column("错误数", 6, xs.COUNT_KIND),
)
DETAIL_PARTS = ("目标", "完成", "得分")     # per indicator, grouped and collapsed
TAIL_COLUMNS = (Column("来源文件", 26, xs.SHRINK),)
RANK_FORMATS = {"rank": '"第"0"名"', "tie": '"并列第"0"名"', "provisional": '"暂列第"0"名"'}


def ranking_columns(indicators: Sequence[Any]) -> list[Column]:
    """The columns of a ranking sheet: the printed ones (名次 … 评定, each indicator's 完成率), then
    on screen 较上期 … 错误数, each indicator's target/actual/points grouped and collapsed, 来源文件."""
    columns = list(PRINT_COLUMNS) + [Column("完成率", RATE_COLUMN_WIDTH) for _ in indicators] + list(SCREEN_COLUMNS)
    for ind in indicators:
        kind = _number_kind(ind.unit)
        columns += [Column(f"目标({ind.unit})", 10, kind, hidden=True), Column(f"完成({ind.unit})", 10, kind, hidden=True),
                    Column("得分", 7, xs.POINTS_KIND, hidden=True)]
    return columns + list(TAIL_COLUMNS)


def printed_ranking_columns(indicators: Sequence[Any]) -> int:
    """How many columns of a ranking sheet are printed."""
    return len(PRINT_COLUMNS) + len(indicators)


def _ranking(sheet: Any, cx: _Context, group: str) -> None:
    indicators = cx.result.plan.indicators
    columns = ranking_columns(indicators)
    printed = printed_ranking_columns(indicators)
    units = cx.result.unit_table
    members = units[units["group"] == group].sort_values(["rank", "order"], na_position="last")
    note = (f"{_progress_text(cx.result)}。颜色按序时完成率（完成率÷序时进度）区分，对应的完成率见颜色说明；"
            f"综合得分=指标得分−扣分，得分相同的并列。“暂列”名次的单位报送数据有误，有误部分暂未计入，"
            f"名次待更正后重新核定。{_comparison_note(cx.result)}较上期、扣分、错误数、来源文件在打印区右侧，"
            "各指标的年度目标、累计完成和得分已分组收起，点击列号上方的“+”展开。")
    first = _page(sheet, cx, columns, _title(cx.result, f"招商引资和项目建设考评排名（{group}）"), note,
                  landscape=True, header_rows=2, freeze_cols=2, printed=printed,
                  legend=xs.band_legend(_rate_meanings(cx.result)))
    _ranking_header(sheet, cx.fm, columns, indicators)
    end = xs.write_rows(sheet, cx.fm, first, columns, (_ranking_row(cx, r) for r in _records(members)))
    sheet.autofilter(first - 1, 0, max(end - 1, first), len(columns) - 1)
    sheet.print_area(0, 0, max(end - 1, first), printed - 1)       # the chart below is for the screen
    if end > first:
        _score_chart(sheet, cx, group, first, end - 1, end + 1, columns[:printed])


def _rate_meanings(result: Any) -> list[tuple[str, str]]:
    """The bands in both measures, for this period: 绿：序时完成率≥100%（完成率≥50.0%）."""
    rules, tp = result.rules, result.time_progress
    green, yellow = rules.green * tp, rules.yellow * tp
    return [("green", f"序时完成率≥{rules.green:.0%}（完成率≥{green:.1%}）"),
            ("yellow", f"{rules.yellow:.0%}—{rules.green:.0%}（完成率{yellow:.1%}—{green:.1%}）"),
            ("red", f"<{rules.yellow:.0%}（完成率<{yellow:.1%}）"), ("grey", "无目标，不计分")]


def _ranking_header(sheet: Any, fm: xs.Formats, columns: Sequence[Column], indicators: Sequence[Any]) -> None:
    """Two header rows: the fixed columns merged down; each indicator's short name over its
    完成率, and again over its grouped 目标/完成/得分."""
    rates = len(PRINT_COLUMNS)
    details = rates + len(indicators) + len(SCREEN_COLUMNS)
    size = len(DETAIL_PARTS)
    groups = [(rates + i, rates + i, ind.short) for i, ind in enumerate(indicators)]
    groups += [(details + i * size, details + i * size + size - 1, ind.short) for i, ind in enumerate(indicators)]
    xs.write_grouped_header(sheet, fm, TABLE_TOP, columns, groups)
    lines = max((xs.text_lines(ind.short, RATE_COLUMN_WIDTH) for ind in indicators), default=1)
    sheet.set_row(TABLE_TOP, max(2, lines) * xs.LINE_HEIGHT + 3)


def _ranking_row(cx: _Context, r: dict[str, Any]) -> list[Any]:
    fm = cx.fm
    status = STATUS_LABELS.get(r["status"], r["status"])
    status_cell = Styled(status, fm.text(align="center", font_color=xs.LAGGING_FONT)) \
        if r["status"] != "submitted" else Styled(status, fm.text(align="center"))
    row = [_rank_cell(fm, r), r["unit"], status_cell, Styled(r["score"], fm.number(xs.POINTS, bold=True)),
           _band(fm, r["time_rate"], r["colour"]), _verdict(fm, r)]
    indicators = cx.result.plan.indicators
    row += [_rate(fm, r[f"{ind.key}__rate"], r[f"{ind.key}__colour"]) for ind in indicators]
    row += [_rank_change(cx.result, r), r["points"], r["deduction"], r["errors"]]
    for ind in indicators:
        k = ind.key
        row += [r[f"{k}__target"], r[f"{k}__actual"], r[f"{k}__points"]]
    return row + [r["file"] or "（未报送）"]


def _rank_cell(fm: xs.Formats, r: dict[str, Any]) -> Styled:
    """名次 as a number (it sorts 1, 2, 10), printed 第1名 / 并列第2名 / 暂列第6名 (数据有误)."""
    if xs.is_missing(r["rank"]):
        return Styled(r["rank_label"] or "不参评", fm.text(align="center"))
    kind = ("provisional" if r.get("provisional") else
            "tie" if str(r["rank_label"]).startswith("并列") else "rank")
    return Styled(int(r["rank"]), fm.number(RANK_FORMATS[kind], bold=True, align="center"))


def _rate(fm: xs.Formats, value: Any, colour: Any) -> Styled:
    """An indicator's 完成率 on a ranking sheet: the number on its band's fill (the word is left
    out to keep 14 indicators legible on one A4 page; the legend gives each band's 完成率)."""
    colour = colour if colour in xs.BANDS else "grey"
    if xs.is_missing(value):
        return Styled("无目标" if colour == "grey" else MISSING_TEXT, fm.band("grey"))
    band = xs.BANDS[colour]
    return Styled(value, fm.number(xs.PERCENT, bg_color=band.fill, font_color=band.font))


def _rank_change(result: Any, r: dict[str, Any]) -> str:
    """较上期: ↑2 / ↓1 / 持平 / 本期未报送 / 上期未报送 / — (no rank then); blank without history."""
    comparison = getattr(result, "comparison", None)
    return comparison.change_text(r["unit"], r["status"]) if comparison is not None else ""


def _comparison_note(result: Any) -> str:
    comparison = getattr(result, "comparison", None)
    if comparison is None:
        return "本期是本文件夹记录的第一期，“较上期”空白。"
    return (f"“较上期”与{comparison.previous.dash_label}比：↑上升、↓下降、持平；本期或上期未报送的单位"
            "名次不作比较；“—”为上期没有名次。")


def _comparison_text(result: Any) -> str:
    """One sentence for 总览 on the change since the previous period ('' without one)."""
    comparison = getattr(result, "comparison", None)
    if comparison is None:
        return ""
    headline = result.plan.indicator(comparison.headline)
    new = comparison.county_new.get(headline.key) or 0
    return (f"较上期（{comparison.previous.dash_label}）全县新增{headline.short}{new:g}{headline.unit}；"
            "排名表“较上期”列：↑为名次上升、↓为下降、持平为名次不变。")


def _verdict(fm: xs.Formats, r: dict[str, Any]) -> Styled:
    if r.get("advanced"):
        return Styled("先进", fm.text(align="center", bold=True, font_color=xs.ADVANCED_FONT))
    if r.get("lagging"):
        return Styled("后进", fm.text(align="center", bold=True, font_color=xs.LAGGING_FONT))
    return Styled("", fm.text())


def _head_index(title: str) -> int:
    """0-based column of a fixed ranking column, found by its header (the layout may grow)."""
    return next(i for i, c in enumerate(PRINT_COLUMNS) if c.header == title)


def _score_chart(sheet: Any, cx: _Context, group: str, first: int, last: int, at: int,
                 printed: Sequence[Column]) -> None:
    """Columns: each unit's 综合得分, in rank order (a native chart under the table, as wide as the
    printed columns)."""
    chart = cx.book.add_chart({"type": "column"})
    name = sheet.get_name()
    unit_col, score_col = _head_index("单位"), _head_index("综合得分")
    chart.add_series({"name": "综合得分", "categories": [name, first, unit_col, last, unit_col],
                      "values": [name, first, score_col, last, score_col], "fill": {"color": f"#{xs.CHART_BLUE}"},
                      "data_labels": {"value": last - first < 40, "num_format": "0.0",
                                      "font": {"name": xs.SONG, "size": CHART_FONT}}, "gap": 80})
    chart.set_title({"name": f"{group}综合得分", "name_font": {"name": xs.HEITI, "size": 12}})
    chart.set_x_axis({"num_font": {"name": xs.SONG, "size": CHART_FONT, "rotation": -45}})
    chart.set_y_axis({"num_format": "0", "major_gridlines": {"visible": True},
                      "num_font": {"name": xs.SONG, "size": CHART_FONT}})
    chart.set_legend({"none": True})
    chart.set_size({"width": _pixels(printed) - 10, "height": 340})
    sheet.insert_chart(at, 0, chart, {"x_offset": 5, "y_offset": 5})


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
        target = sum(_number(r[f"{key}_target"]) for r in records)
        actual = sum(_number(r[f"{key}_actual"]) for r in records)
        cells += [target, actual, _total_band(cx, target, actual)]
    _total_row(sheet, cx, row, CHAIN_COLUMNS, cells + [None, None])


def _number(value: Any) -> float:
    return 0.0 if xs.is_missing(value) else float(value)


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
        plan = sum(_number(r["plan_investment"]) for r in records)
        done = sum(_number(r["completed_investment"]) for r in records)
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
    rows = list(_ledger_rows(cx.fm, cx.result.batch, table.key, keys))
    first = _page(sheet, cx, columns, _title(cx.result, what), note, landscape=True, freeze_cols=3,
                  legend=LEFT_OUT_LEGEND, paper=xs.A3)
    xs.write_header(sheet, cx.fm, TABLE_TOP, columns)
    sheet.set_row(TABLE_TOP, _header_height(columns))
    big = BigTable(sheet, first, xs.column_formats(cx.fm, columns), rows, [cx.fm.band("red")],
                   xs.wrapped_columns(columns))
    big.reserve()
    cx.big.append(big)
    sheet.autofilter(TABLE_TOP, 0, max(big.last_row, first), len(columns) - 1)


def _ledger_rows(fm: xs.Formats, batch: Any, table: str, keys: list[str]) -> Iterable[list[Any]]:
    """Ledger rows: 序号, unit, the table's columns, then whether it counts and its source
    (the same fields as the batch DataFrames, without building them)."""
    counted, left_out = VALID_LABELS[True], Styled(VALID_LABELS[False], fm.band("red"))
    for n, row in enumerate(batch.rows(table), start=1):
        yield [n, row.unit, *(getattr(row, k) for k in keys), counted if row.valid else left_out,
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
    note = (f"共{len(frame)}条：错误{counts.get('error', 0)}条（所在行或表不计入统计，须由报送单位修改），"
            f"警告{counts.get('warning', 0)}条（数据已采用，请核实），提示{counts.get('info', 0)}条。"
            "按单位、再按级别排列；怎样修改见“修改建议”列，各单位的退回意见在“退回意见”文件夹中。")
    shown = list(ISSUE_WIDTHS)
    sev, unit, code = shown.index("severity"), shown.index("unit"), shown.index("code")
    fills = {s.value: cx.fm.get(text_wrap=True, align="center", bold=True, bg_color=xs.SEVERITY_FILL[s.value],
                                font_color=xs.SEVERITY_FONT[s.value]) for s in Severity}
    order = {u.name: i for i, u in enumerate(cx.result.plan.units)}
    rows = []
    plan_issues = list(cx.result.plan.issues)
    plan_first = len(plan_issues) if cx.result.issue_list[:len(plan_issues)] == plan_issues else 0
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
    rows = []
    for r in _records(result.unit_table):
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
