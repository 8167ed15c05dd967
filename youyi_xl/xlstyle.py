"""The shared look of the workbooks youyi-xl writes: colours, fonts, number formats, printing.

The 成绩单 (xlsxwriter) and the 退回意见 workbooks (openpyxl) take their colours and
fonts from here, so a red cell means the same thing in both. Every colour band has
a word (绿/黄/红/灰) that is printed with it, because county offices print in grey.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
A4 = 9                       # xlsxwriter / Excel paper code
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6}

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


def setup_print(sheet: Any, *, landscape: bool, repeat: tuple[int, int], freeze: tuple[int, int],
                header: str = "") -> None:
    """A4, one page wide, header rows repeated, page numbers, frozen panes (xlsxwriter)."""
    sheet.set_paper(A4)
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(*repeat)
    sheet.set_margins(**MARGINS)
    sheet.center_horizontally()
    sheet.set_footer(FOOTER)
    if header:
        sheet.set_header(header)
    sheet.freeze_panes(*freeze)
