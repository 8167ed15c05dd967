"""The shared look of the workbooks youyi-xl writes: colours, fonts, number formats, printing.

The 成绩单 (xlsxwriter) and the 退回意见 workbooks (openpyxl) take their colours and
fonts from here, so a red cell means the same thing in both. Every colour band has
a word (绿/黄/红/灰) that is printed with it, because county offices print in grey.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..core import is_missing
from .safeio import neutralize


@dataclass(frozen=True)
class Band:
    """One colour band of DOMAIN §6: the word printed with it, fill and font colours (hex RGB)."""

    word: str
    fill: str
    font: str
    meaning: str


BANDS: dict[str, Band] = {
    "green": Band("绿", "C6EFCE", "006100", "序时完成率≥100%（达到或超过序时进度）"),
    "yellow": Band("黄", "FFEB9C", "9C5700", "序时完成率80%—100%（略低于序时进度）"),
    "red": Band("红", "FFC7CE", "9C0006", "序时完成率<80%（明显落后于序时进度）"),
    "grey": Band("灰", "D9D9D9", "404040", "本单位无此项目标，不参与计分"),
}

# Issue severities in the 退回意见 copy and the 数据问题 sheet.
SEVERITY_FILL = {"error": BANDS["red"].fill, "warning": BANDS["yellow"].fill, "info": "DDEBF7"}
SEVERITY_FONT = {"error": BANDS["red"].font, "warning": BANDS["yellow"].font, "info": "1F4E79"}

HEADER_FILL = "DCE6F1"       # table header rows
TOTAL_FILL = "F2F2F2"        # 合计 rows
ADVANCED_FONT = "006100"     # 先进
LAGGING_FONT = "9C0006"      # 后进
CHART_BLUE = "4472C4"
CHART_RED = "C00000"

SONG = "宋体"                # body text
FANGSONG = "仿宋"            # notes and explanations
HEITI = "黑体"               # titles and headers

COUNT = "#,##0"              # 个
MONEY = "#,##0.00"           # 万元 / 万美元
PERCENT = "0.0%"
POINTS = "0.00"
DATE = "yyyy-mm-dd"
PERCENT_POINTS = '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'

FOOTER = "&C第 &P 页 共 &N 页"
A4, A3 = 9, 8                # xlsxwriter / Excel paper codes
MARGINS = {"left": 0.3, "right": 0.3, "top": 0.6, "bottom": 0.6}

_BASE = {"font_name": SONG, "font_size": 10, "valign": "vcenter"}


def band_number_format(colour: str, base: str = PERCENT) -> str:
    """A number format that prints the band's word before the value: '"绿 "0.0%'.

    The cell keeps its number (it sorts, filters and sums), and the word survives
    grey printing and photocopies.
    """
    return f'"{BANDS[colour].word} "{base}'


class Formats:
    """xlsxwriter formats, made once per workbook and shared by every sheet.

    ``formats.get(bold=True, num_format=MONEY)`` returns the same Format object
    for the same properties, so a 20,000-row sheet does not create 20,000 formats.
    Every format has the body font, a thin border and vertical centring unless
    told otherwise.
    """

    def __init__(self, workbook: Any):
        self._workbook = workbook
        self._cache: dict[tuple, Any] = {}

    def get(self, border: int = 1, **props: Any) -> Any:
        merged = {**_BASE, "border": border, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._cache:
            self._cache[key] = self._workbook.add_format(merged)
        return self._cache[key]

    def title(self) -> Any:
        return self.get(border=0, font_name=HEITI, font_size=16, align="center")

    def subtitle(self) -> Any:
        return self.get(border=0, font_name=FANGSONG, font_size=10, text_wrap=True, align="left")

    def header(self) -> Any:
        return self.get(font_name=HEITI, bold=True, align="center", text_wrap=True, bg_color=HEADER_FILL)

    def text(self, wrap: bool = False, **props: Any) -> Any:
        return self.get(text_wrap=wrap, **props)

    def number(self, num_format: str, **props: Any) -> Any:
        return self.get(num_format=num_format, **props)

    def band(self, colour: str, num_format: str | None = None, **props: Any) -> Any:
        """A cell coloured for a band; with a number format, the band's word is printed too."""
        band = BANDS[colour]
        shown = band_number_format(colour, num_format) if num_format else None
        extra = {"num_format": shown} if shown else {"align": "center"}
        return self.get(bg_color=band.fill, font_color=band.font, **extra, **props)


def setup_print(sheet: Any, *, landscape: bool, repeat: tuple[int, int] | None, freeze: tuple[int, int],
                header: str = "", paper: int = A4) -> None:
    """A4 (or A3), one page wide, header rows repeated, page numbers, frozen panes (xlsxwriter).
    The writer sets a print area (`sheet.print_area`) where some columns stay on screen only."""
    sheet.set_paper(paper)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    if repeat is not None:
        sheet.repeat_rows(*repeat)
    sheet.set_margins(**MARGINS)
    sheet.center_horizontally()
    sheet.set_footer(FOOTER)
    if header:
        sheet.set_header(header)
    sheet.freeze_panes(*freeze)


# --------------------------------------------------------------------------
# tables (xlsxwriter): a column list, a header, rows of values
# --------------------------------------------------------------------------

TEXT, WRAP, CENTER, SHRINK, COUNT_KIND, MONEY_KIND, PERCENT_KIND, POINTS_KIND, DATE_KIND, INT_KIND = (
    "text", "wrap", "center", "shrink", "count", "money", "percent", "points", "date", "int")
LINE_HEIGHT = 13.5           # points per line of 10-point text
KIND_FORMATS = {COUNT_KIND: COUNT, MONEY_KIND: MONEY, PERCENT_KIND: PERCENT, POINTS_KIND: POINTS,
                 DATE_KIND: DATE, INT_KIND: "0"}


@dataclass(frozen=True)
class Column:
    """One column of a written table: header, width (characters), kind of value.

    A `hidden` column is grouped at outline level 1 and collapsed: it is in the
    file (every number traceable) but not on the printed page; Excel and WPS open
    it with the "+" above the column letters.
    """

    header: str
    width: float
    kind: str = TEXT
    hidden: bool = False


@dataclass(frozen=True)
class Styled:
    """A value written with its own format instead of its column's (a coloured band cell)."""

    value: Any
    format: Any


def put(sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """Write one value by its type (`cell_value`); text is always written as text (never a formula)."""
    value = cell_value(value)
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        sheet.write_string(row, col, value, fmt)
    elif isinstance(value, float):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_datetime(row, col, value, fmt)


def cell_value(value: Any) -> Any:
    """What a cell holds, as `put` writes it and a spliced row (bigsheet) too: None for a blank,
    text (neutralized; 是/否 for a flag), a float, or the date."""
    if is_missing(value):
        return None
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)) or hasattr(value, "dtype"):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    return neutralize(str(value))


def column_formats(formats: Formats, columns: Sequence[Column]) -> list[Any]:
    """The body format of each column."""
    out = []
    for column in columns:
        if column.kind in KIND_FORMATS:
            extra = {"align": "center"} if column.kind == DATE_KIND else {}
            out.append(formats.number(KIND_FORMATS[column.kind], **extra))
        elif column.kind == CENTER:
            out.append(formats.text(align="center"))
        elif column.kind == SHRINK:
            out.append(formats.text(shrink=True))
        else:
            out.append(formats.text(wrap=column.kind == WRAP))
    return out


def set_columns(sheet: Any, columns: Sequence[Column], first: int = 0) -> None:
    """Widths, and the outline level of hidden columns (the column after a collapsed group
    carries Excel's 'collapsed' mark, so the group opens with "+")."""
    previous_hidden = False
    for c, column in enumerate(columns, start=first):
        if column.hidden:
            options = {"level": 1, "hidden": True}
        else:
            options = {"collapsed": True} if previous_hidden else None
        sheet.set_column(c, c, column.width, None, options)
        previous_hidden = column.hidden


def write_header(sheet: Any, formats: Formats, row: int, columns: Sequence[Column], first: int = 0) -> None:
    for c, column in enumerate(columns, start=first):
        sheet.write_string(row, c, column.header, formats.header())


def write_grouped_header(sheet: Any, formats: Formats, row: int, columns: Sequence[Column],
                         groups: Sequence[tuple[int, int, str]]) -> None:
    """Two header rows: each group's title merged over its columns (first, last, title), with the
    column headers below; a column outside every group is merged down over both rows."""
    header = formats.header()
    grouped = set()
    for first, last, title in groups:
        if first == last:
            sheet.write_string(row, first, title, header)
        else:
            sheet.merge_range(row, first, row, last, title, header)
        for c in range(first, last + 1):
            sheet.write_string(row + 1, c, columns[c].header, header)
            grouped.add(c)
    for c, column in enumerate(columns):
        if c not in grouped:
            sheet.merge_range(row, c, row + 1, c, column.header, header)
    sheet.set_row(row, 30)
    sheet.set_row(row + 1, 18)


def write_rows(sheet: Any, formats: Formats, row: int, columns: Sequence[Column],
               rows: Iterable[Sequence[Any]], first: int = 0) -> int:
    """Write rows of values under a header; returns the row after the last one written.

    Rows whose wrapped text needs more than one line get their height set here:
    LibreOffice does not fit row heights when it opens an .xlsx, so a printout
    would show overlapping lines.
    """
    body = column_formats(formats, columns)
    wrapped = wrapped_columns(columns)
    for values in rows:
        for c, value in enumerate(values, start=first):
            if isinstance(value, Styled):
                put(sheet, row, c, value.value, value.format)
            else:
                put(sheet, row, c, value, body[c - first])
        lines = wrapped_lines(values, wrapped)
        if lines > 1:
            sheet.set_row(row, LINE_HEIGHT * lines)
        row += 1
    return row


def wrapped_columns(columns: Sequence[Column]) -> list[tuple[int, float]]:
    """(index, width) of the columns whose text wraps: the ones that decide a row's height."""
    return [(i, c.width) for i, c in enumerate(columns) if c.kind == WRAP and c.width > 0]


def wrapped_lines(values: Sequence[Any], wrapped: Sequence[tuple[int, float]]) -> int:
    """Lines the tallest wrapped cell of a row needs, from its display width (`text_width`: a CJK
    character two units, others about one) against the column's width less its padding; a line
    break starts a new line. Text that cannot need a second line (two units a character at most)
    is not measured."""
    lines = 1
    for i, width in wrapped:
        value = values[i]
        text = value.value if isinstance(value, Styled) else value
        if isinstance(text, str) and (2 * len(text) > width - 1 or "\n" in text):
            lines = max(lines, text_lines(text, width))
    return min(lines, MAX_LINES)


@functools.lru_cache(maxsize=1 << 16)       # ledgers repeat their texts (进展, 问题, 产业链 …)
def text_lines(text: str, width: float) -> int:
    """Lines `text` takes in a wrapping cell `width` units wide (the same count as wrapped_lines)."""
    room = max(width - 1, 1)
    return sum(max(1, -(-int(text_width(part) + 0.999) // int(room))) for part in text.split("\n"))


MAX_LINES = 15               # a row grows to at most this many lines of wrapped text
NOTE_LINE = 14.0             # points per line of the 10-point 仿宋 note under a title


def write_title(sheet: Any, formats: Formats, width: int, title: str, subtitle: str = "",
                widths: Sequence[float] = ()) -> None:
    """Row 1: the title (黑体, centred over the first `width` columns); row 2: a note in 仿宋,
    its row as tall as its wrapped lines over those columns (`widths`, when known)."""
    last = max(width - 1, 1)
    sheet.merge_range(0, 0, 0, last, title, formats.title())
    sheet.set_row(0, 28)
    if subtitle:
        sheet.merge_range(1, 0, 1, last, subtitle, formats.subtitle())
        room = sum(widths[:width]) if widths else 0
        lines = text_lines(subtitle, room) if room else 2
        sheet.set_row(1, max(2, lines) * NOTE_LINE + 2)


@dataclass(frozen=True)
class LegendEntry:
    """One cell of a colour legend: its text (with the colour's word), fill and font colour."""

    text: str
    fill: str
    font: str


def band_legend(meanings: Sequence[tuple[str, str]]) -> list[LegendEntry]:
    """Legend entries for colour bands: [("green", "序时完成率≥100%"), ...] -> 绿：序时完成率≥100%."""
    return [LegendEntry(f"{BANDS[c].word}：{text}", BANDS[c].fill, BANDS[c].font) for c, text in meanings]


def write_legend(sheet: Any, formats: Formats, row: int, widths: Sequence[float],
                 entries: Sequence[LegendEntry]) -> None:
    """A row of coloured cells, each holding its colour's word and meaning (绿：≥100%).

    Each entry spans as many of the sheet's columns (`widths`, 0 for hidden ones)
    as its text needs, so the legend reads the same on narrow and wide sheets.
    """
    cells = [("颜色说明", {"bold": True})] + [(e.text, {"bg_color": e.fill, "font_color": e.font}) for e in entries]
    col, lines = 0, 1
    for n, (text, props) in enumerate(cells):
        left = len(cells) - n - 1                      # entries still to place, one column each at least
        span, room = 1, widths[col] if col < len(widths) else 10
        while room < text_width(text) + 1 and col + span < len(widths) - left:
            room += widths[col + span]
            span += 1
        lines = max(lines, text_lines(text, room))
        fmt = formats.get(align="center", text_wrap=True, **props)
        if span > 1:
            sheet.merge_range(row, col, row, col + span - 1, text, fmt)
        else:
            sheet.write_string(row, col, text, fmt)
        col += span
    if lines > 1:
        sheet.set_row(row, LINE_HEIGHT * lines + 2)


def text_width(text: str) -> float:
    """Display width in Excel column units: a CJK character is about two, others about one.

    Estimated from the UTF-8 length (CJK characters take three bytes) to stay cheap
    on 20,000-row ledgers.
    """
    chars = len(text)
    wide = (len(text.encode("utf-8")) - chars) // 2
    return 2.0 * wide + 1.1 * (chars - wide)
