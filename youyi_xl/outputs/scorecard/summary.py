"""The 成绩单's 总览 and its 乡镇排名 / 部门排名 sheets."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from ...core import is_missing
from ...intake import STATUS_LABELS
from .. import xlstyle as xs
from ..xlstyle import Column, Styled
from .base import (
    CHART_FONT,
    MISSING_TEXT,
    TABLE_TOP,
    _band,
    _Context,
    _number_kind,
    _page,
    _pixels,
    _progress_text,
    _records,
    _simple_table,
    _spliced_table,
    _title,
)

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
        target = Styled("市定目标" if is_missing(r["target"]) else r["target"], kind)
        behind = None if is_missing(r["rate"]) else _points_gap(r["rate"], progress)
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
    # two columns, not the table's rows (taking every column of a row writes the reference count
    # of each value in it: under run, pages the documents' child shares would be copied)
    units = cx.result.unit_table[["group", "status"]]
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
    end = first + len(members)
    sheet.autofilter(first - 1, 0, max(end - 1, first), len(columns) - 1)
    sheet.print_area(0, 0, max(end - 1, first), printed - 1)       # the chart below is for the screen
    if len(members):        # 10,000 units: 670,000 cells, spliced in after the close like the ledgers
        chart: tuple[list[str], list[str]] = ([], [])
        rows = _chart_rows(chart, (_ranking_row(cx, r) for r in _chunked_records(members)))
        cx.big.append(_spliced_table(sheet, cx.fm, first, columns, rows))
        _score_chart(sheet, cx, group, first, end - 1, end + 1, columns[:printed], *chart)


RECORDS_AT_ONCE = 512       # units whose records exist at once while a ranking's cells are made


def _chunked_records(frame: Any) -> Iterator[dict[str, Any]]:
    """The frame's rows as dicts (`_records`), RECORDS_AT_ONCE at a time: 10,000 units of ~100
    columns are ~50 MB of dicts, made while the documents' child lives (its peak is theirs)."""
    for start in range(0, len(frame), RECORDS_AT_ONCE):
        yield from _records(frame.iloc[start:start + RECORDS_AT_ONCE])


def _chart_rows(chart: tuple[list[str], list[str]], rows: Iterable[list[Any]]) -> Iterator[list[Any]]:
    """`rows` as they pass, each one's 单位 and 综合得分 kept in `chart` for the score chart's cache."""
    unit_col, score_col = _head_index("单位"), _head_index("综合得分")
    units, scores = chart
    for row in rows:
        units.append(_cached(row[unit_col]))
        scores.append(_cached(row[score_col]))
        yield row


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
    if is_missing(r["rank"]):
        return Styled(r["rank_label"] or "不参评", fm.text(align="center"))
    kind = ("provisional" if r.get("provisional") else
            "tie" if str(r["rank_label"]).startswith("并列") else "rank")
    return Styled(int(r["rank"]), fm.number(RANK_FORMATS[kind], bold=True, align="center"))


def _rate(fm: xs.Formats, value: Any, colour: Any) -> Styled:
    """An indicator's 完成率 on a ranking sheet: the number on its band's fill (the word is left
    out to keep 14 indicators legible on one A4 page; the legend gives each band's 完成率)."""
    colour = colour if colour in xs.BANDS else "grey"
    if is_missing(value):
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


def _cached(cell: Any) -> str:
    """A cell's value in a chart's cache, as xlsxwriter gives it from a written cell: a number
    to 16 significant digits, the text, '' for a blank."""
    value = cell.value if isinstance(cell, Styled) else cell
    if value is None:
        return ""
    return f"{value:.16g}" if isinstance(value, float) else str(value)


def _head_index(title: str) -> int:
    """0-based column of a fixed ranking column, found by its header (the layout may grow)."""
    return next(i for i, c in enumerate(PRINT_COLUMNS) if c.header == title)


def _score_chart(sheet: Any, cx: _Context, group: str, first: int, last: int, at: int,
                 printed: Sequence[Column], units: list[str], scores: list[str]) -> None:
    """Columns: each unit's 综合得分, in rank order (a native chart under the table, as wide as the
    printed columns). Its cached data (what a viewer shows before it recalculates) is given from
    the rows (`_chart_rows`), which are spliced in after xlsxwriter closes the workbook."""
    chart = cx.book.add_chart({"type": "column"})
    name = sheet.get_name()
    unit_col, score_col = _head_index("单位"), _head_index("综合得分")
    chart.add_series({"name": "综合得分", "categories": [name, first, unit_col, last, unit_col],
                      "categories_data": units,
                      "values": [name, first, score_col, last, score_col],
                      "values_data": scores, "fill": {"color": f"#{xs.CHART_BLUE}"},
                      "data_labels": {"value": last - first < 40, "num_format": "0.0",
                                      "font": {"name": xs.SONG, "size": CHART_FONT}}, "gap": 80})
    chart.set_title({"name": f"{group}综合得分", "name_font": {"name": xs.HEITI, "size": 12}})
    chart.set_x_axis({"num_font": {"name": xs.SONG, "size": CHART_FONT, "rotation": -45}})
    chart.set_y_axis({"num_format": "0", "major_gridlines": {"visible": True},
                      "num_font": {"name": xs.SONG, "size": CHART_FONT}})
    chart.set_legend({"none": True})
    chart.set_size({"width": _pixels(printed) - 10, "height": 340})
    sheet.insert_chart(at, 0, chart, {"x_offset": 5, "y_offset": 5})


