"""What every sheet of the 成绩单 shares: the sheet list, the writer's context, titles, pages
and simple tables."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ...core import (
    Severity,
    is_missing,
)
from .. import xlstyle as xs
from ..bigsheet import BigTable
from ..xlstyle import Column, Styled

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
    big: list[BigTable] = field(default_factory=list)   # rankings and ledgers, spliced in after close



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
    if is_missing(value):
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


def _spliced_table(sheet: Any, fm: xs.Formats, first: int, columns: Sequence[Column],
                   rows: Iterable[Sequence[Any]]) -> BigTable:
    """A large table's rows spliced in as sheet XML after the workbook is closed (as the ledgers
    are), not held cell by cell by xlsxwriter: each value as `put` would write it, each Styled
    cell's format made known (reserved) before the close. Nothing may be written below it."""
    plain = xs.cell_value
    cells = [[Styled(plain(v.value), v.format) if isinstance(v, Styled) else plain(v) for v in row]
             for row in rows]
    extras = list({id(v.format): v.format for row in cells for v in row if isinstance(v, Styled)}.values())
    table = BigTable(sheet, first, xs.column_formats(fm, columns), cells, extras, xs.wrapped_columns(columns))
    table.reserve()
    return table


def _header_height(columns: Sequence[Column]) -> float:
    """A header row as tall as its most wrapped header (at least two lines)."""
    lines = max((xs.text_lines(c.header, c.width) for c in columns if c.width), default=1)
    return max(2, lines) * xs.LINE_HEIGHT + 3


def _records(frame: Any) -> list[dict[str, Any]]:
    return frame.to_dict("records")


def _text(value: Any) -> str:
    return "" if is_missing(value) else str(value)


