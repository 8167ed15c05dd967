"""退回意见: one workbook per unit that has something to fix or check (DOMAIN §7).

`write_feedback(batch, out_dir)` writes ``out_dir/退回意见/{单位}-{期}-退回意见.xlsx``.
Each workbook opens on 问题清单 (the unit's issues, cell by cell) and then holds a
copy of the unit's own return with every problem cell filled (red: error, yellow:
warning) and a comment giving the message and the hint.

* The copy is made from the file's bytes (read once; the original is never opened
  for writing) with openpyxl, for .xlsx/.xlsm whose parts openpyxl can load at a
  bounded cost (workbook.copy_refusal: no merge or hyperlink over a whole column,
  no hundred thousand styled cells, comments or styles). For .xls/.ods/.et, for a
  workbook over that budget, and whenever openpyxl cannot load or save a file, the
  sheets are rebuilt from the library's own safe reader (same values in the same
  cells, no formatting), within a budget of cells too; past it only 问题清单 is sent.
* A unit gets a workbook when it has an error or a warning. Info issues
  (extra-ignored) are listed there too, but alone they do not send a return back.
* A file that could not be read gets a workbook holding only 问题清单.
See docs/outputs.md for the layout and these decisions.
"""
from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..core import (
    CODES,
    FEEDBACK,
    FEEDBACK_FOLDER,
    Issue,
    OutputError,
    Severity,
    collect_new,
    count_by_severity,
    feedback_suffix,
    named_file,
    stamp,
)
from ..intake import ReturnData
from ..workbook import SheetData, Source, copy_refusal, read_member, read_source, read_workbook
from . import xlstyle
from .safeio import atomic_write, inside, make_folder, neutralize

LIST_SHEET = "问题清单"
LIST_HEADERS = ("序号", "级别", "工作表", "单元格", "问题说明", "修改建议", "问题代码")
LIST_WIDTHS = (6, 7, 14, 8, 48, 40, 30)
FILE_HEADER, FILE_WIDTH = "文件", 24
TRIGGERS = frozenset({Severity.ERROR.value, Severity.WARNING.value})
COPYABLE = frozenset({"xlsx", "xlsm"})
DEADLINE_BLANK = "____月____日"
COMMENT_AUTHOR = "县发改局数据核查"
HEADER_ROWS = 5                       # title and notes above the table header
REBUILD_MAX_CELLS = 100_000           # filled cells a rebuild writes (~3.7 s of openpyxl)

_SEVERITY_ORDER = {Severity.ERROR.value: 0, Severity.WARNING.value: 1, Severity.INFO.value: 2}
_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")


@dataclass
class _Feedback:
    """The issues of one unit, and the return whose copy is marked."""

    name: str
    issues: list[Issue] = field(default_factory=list)
    ret: ReturnData | None = None


def write_feedback(batch: Any, out_dir: str | Path, *, deadline: str = "") -> list[Path]:
    """Write one 退回意见 workbook per unit with an error or a warning; return their paths.

    `deadline` fills the sentence 请修改后于X前重新报送 ("4月10日"); left blank for the
    clerk to write in when not given. Nothing is written, and the folder is not
    created, when no unit has anything to fix.
    """
    groups = [g for g in _groups(batch) if any(i.severity in TRIGGERS for i in g.issues)]
    if not groups:
        return []
    folder = make_folder(Path(out_dir) / FEEDBACK_FOLDER)
    names = _file_names([g.name for g in groups], batch.period.key)
    inputs = {Path(r.path).resolve() for r in (*batch.returns, *batch.superseded)}
    paths = []
    for group, name in zip(groups, names):
        target = inside(folder, name)
        if target in inputs:
            raise OutputError(f"输出文件“{target}”是一份报送的原表，已拒绝覆盖；请换一个输出文件夹")
        data = _workbook_bytes(group, batch.period, deadline or DEADLINE_BLANK)
        paths.append(atomic_write(target, stamp(data, FEEDBACK)))   # read as a return only once edited
        if len(paths) % COLLECT_EVERY == 0:
            collect_new()       # the workbooks' cycles, under run (docs/architecture.md)
    return paths


COLLECT_EVERY = 20      # 退回意见 workbooks


# --------------------------------------------------------------------------
# who gets which issues
# --------------------------------------------------------------------------

def _groups(batch: Any) -> list[_Feedback]:
    """Issues by unit, in plan order. A file whose unit the plan does not know is a group of
    its own (named by what it calls itself), after the plan's units."""
    by_file = {r.file: r for r in batch.returns}
    groups: dict[str, _Feedback] = {}
    for issue in batch.issue_list:
        ret = by_file.get(issue.file)
        key, name = _owner(issue, ret)
        if not name:
            continue          # about no unit (a stray .txt file): the 成绩单's 数据问题 sheet lists it
        group = groups.setdefault(key, _Feedback(name))
        group.issues.append(issue)
        if ret is not None and _prefer(ret, group.ret):
            group.ret = ret
    order = {u.name: i for i, u in enumerate(batch.plan.units)}
    return sorted(groups.values(), key=lambda g: (order.get(g.name, len(order)), g.name))


def _owner(issue: Issue, ret: ReturnData | None) -> tuple[str, str]:
    """(group key, name) of the unit an issue goes back to."""
    if ret is None:
        return issue.unit, issue.unit           # e.g. duplicate-submission about an older file
    if ret.unit:
        return ret.unit, ret.unit
    return "\0" + ret.file, issue.unit or ret.unit_written or Path(ret.file).stem


def _prefer(ret: ReturnData, current: ReturnData | None) -> bool:
    """The return in use beats one that was left out (period-mismatch, unreadable)."""
    return current is None or (current.file_error and not ret.file_error)


def _file_names(names: list[str], period_key: str) -> list[str]:
    """Safe, distinct file names; the unit part is cut first so the suffix always survives."""
    used: set[str] = set()
    result = []
    tail = feedback_suffix(period_key)
    for name in names:
        candidate, n = named_file(name, tail, reserve=8), 1
        while candidate.casefold() in used:
            n += 1
            candidate = named_file(name, f"（{n}）{tail}")
        used.add(candidate.casefold())
        result.append(candidate)
    return result


def _ordered(issues: Iterable[Issue]) -> list[Issue]:
    """Errors first, then warnings, then info; within each, the batch's sheet-and-cell order."""
    return sorted(issues, key=lambda i: _SEVERITY_ORDER.get(i.severity, 3))


# --------------------------------------------------------------------------
# the workbook
# --------------------------------------------------------------------------

def _workbook_bytes(group: _Feedback, period: Any, deadline: str) -> bytes:
    """问题清单 plus the marked copy, as .xlsx bytes. The return is read once: its bytes go to
    openpyxl for a copy, or (another format, or a file openpyxl cannot load or save) to the
    safe reader for a rebuild from its grids."""
    issues = _ordered(group.issues)
    source = _source(group.ret)
    copyable = source is not None and source.checked.ok and source.checked.format in COPYABLE
    refusal = copy_refusal(source.data) if copyable else None     # too large or odd for openpyxl
    if copyable and refusal is None:
        try:
            book = _load_copy(source.data)
            titles = {ws.title: ws.title for ws in book.worksheets}
            return _finish(book, titles, group, issues, period, deadline, "copy")
        except Exception:  # noqa: BLE001 - the one boundary of this module, see below
            # openpyxl raises raw KeyError, IndexError, TypeError, ValueError ... on files
            # real units send (DOMAIN §4.2), on loading and on saving what it loaded.
            # The rebuild below reads through read_workbook, which is safe on any file.
            pass
    book, titles, kind = _rebuild(source)
    return _finish(book, titles, group, issues, period, deadline, kind, refusal or "")


def _source(ret: ReturnData | None) -> Source | None:
    """The return's file, read once (None for no return or a file that could not be read)."""
    if ret is None or _unreadable(ret):
        return None
    source = read_member(ret.path, ret.member) if ret.member else read_source(ret.path)
    return source if source.data is not None else None


def _unreadable(ret: ReturnData) -> bool:
    return any(i.code == "file-unreadable" and i.file == ret.file for i in ret.issues)


def _load_copy(data: bytes) -> Any:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # "extension is not supported" and the like
        book = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, data_only=False,
                                      keep_links=False, rich_text=False)
    if not book.worksheets:
        raise ValueError("openpyxl found no worksheets (Strict OOXML)")
    return book


def _rebuild(source: Source | None) -> tuple[Any, dict[str, str], str]:
    """A workbook with the grids of the return (same values, same cells), or an empty one when
    there is none or it holds more than REBUILD_MAX_CELLS filled cells; the sheet names of the
    return -> their (cleaned) titles in it; and the kind of attachment (rebuild, large, none)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    data = read_workbook(source)[0] if source is not None else None
    if data is None:
        return book, {}, "none"
    if sum(_filled(sheet) for sheet in data.sheets) > REBUILD_MAX_CELLS:
        return book, {}, "large"
    titles: dict[str, str] = {}
    for sheet in data.sheets:
        titles[sheet.name] = _sheet_title(book, sheet.name)
        _rebuild_sheet(book.create_sheet(titles[sheet.name]), sheet)
    return book, titles, "rebuild" if titles else "none"


def _filled(sheet: SheetData) -> int:
    return sum(1 for row in sheet.rows for value in row if value != "" and value is not None) + len(sheet.special)


def _sheet_title(book: Any, name: str) -> str:
    """A title openpyxl accepts ([]:*?/\\ removed, 31 characters), distinct in the book."""
    base = re.sub(r"[\[\]:*?/\\]", "_", neutralize(name)).strip("'")[:31] or "Sheet"
    title, n = base, 1
    while title in book.sheetnames:
        n += 1
        title = f"{base[:27]}({n})"
    return title


def _rebuild_sheet(ws: Any, sheet: SheetData) -> None:
    for r, row in enumerate(sheet.rows):
        for c, value in enumerate(row):
            shown = sheet.special.get((r, c), value)
            if shown == "=":
                shown = "（公式，无计算结果）"
            if shown != "" and shown is not None:
                _put(ws.cell(r + 1, c + 1), shown)
    for r0, c0, r1, c1 in _plain_merges(sheet):
        ws.merge_cells(start_row=r0 + 1, start_column=c0 + 1, end_row=r1 + 1, end_column=c1 + 1)


def _plain_merges(sheet: SheetData) -> list[tuple[int, int, int, int]]:
    """The merged ranges worth keeping in a rebuild: cut to the grid (openpyxl builds a cell for
    each cell of a range, and a range may cover a whole sheet), and only those that hide no value
    but their top-left one (as in Excel, where merging keeps only that value)."""
    height, width = len(sheet.rows), max((len(row) for row in sheet.rows), default=0)
    kept, budget = [], REBUILD_MAX_CELLS
    for r0, c0, r1, c1 in sheet.merged:
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        area = (r1 - r0 + 1) * (c1 - c0 + 1)
        if r1 < r0 or c1 < c0 or area < 2 or area > budget or _hides_values(sheet, r0, c0, r1, c1):
            continue
        budget -= area
        kept.append((r0, c0, r1, c1))
    return kept


def _hides_values(sheet: SheetData, r0: int, c0: int, r1: int, c1: int) -> bool:
    return any(sheet.rows[r][c] not in ("", None) or (r, c) in sheet.special
               for r in range(r0, r1 + 1) for c in range(c0, min(c1 + 1, len(sheet.rows[r])))
               if (r, c) != (r0, c0))


def _put(cell: Any, value: Any) -> None:
    """Write a value; text stays text (never a formula) and loses what XML forbids."""
    import datetime as dt

    if isinstance(value, str):
        cell.value = neutralize(value)
        cell.data_type = "s"
        return
    cell.value = value
    if isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = xlstyle.DATE


def _finish(book: Any, titles: dict[str, str], group: _Feedback, issues: list[Issue], period: Any,
            deadline: str, kind: str, why: str = "") -> bytes:
    """Mark the cells, put 问题清单 first and make it active; the .xlsx bytes."""
    marked_file = group.ret.file if group.ret is not None else ""
    _mark_cells(book, [i for i in issues if i.file == marked_file], titles)
    ws = book.create_sheet(_free_title(book, LIST_SHEET), 0)
    _write_list(ws, group, issues, period, deadline, kind, why)
    for sheet in book.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    book.active = 0
    for view in book.views:
        view.firstSheet = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _free_title(book: Any, title: str) -> str:
    """问题清单, or 问题清单（本次） when the unit sent back an old feedback workbook."""
    for candidate in (title, f"{title}（本次）", f"{title}（核查）"):
        if candidate not in book.sheetnames:
            return candidate
    return _sheet_title(book, title)


# --------------------------------------------------------------------------
# marking the copy
# --------------------------------------------------------------------------

def _mark_cells(book: Any, issues: list[Issue], titles: dict[str, str]) -> None:
    """Fill each problem cell and give it a comment with every message about it."""
    by_cell: dict[tuple[str, str], list[Issue]] = {}
    for issue in issues:
        title = titles.get(issue.sheet)
        if title is not None and _CELL.match(issue.cell or ""):
            by_cell.setdefault((title, issue.cell), []).append(issue)
    for (title, ref), found in by_cell.items():
        ws = book[title]
        _mark_one(ws, ref, found)
        if ws.sheet_state != "visible":
            ws.sheet_state = "visible"    # a problem in a hidden sheet must be seen
        _fit_width(ws)


def _fit_width(ws: Any) -> None:
    """A marked sheet prints one page wide (landscape), unless the unit set its own scaling."""
    from openpyxl.worksheet.properties import PageSetupProperties

    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    if ws.sheet_properties.pageSetUpPr.fitToPage or ws.page_setup.scale not in (None, 100):
        return
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE


def _mark_one(ws: Any, ref: str, issues: list[Issue]) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    worst = min(issues, key=lambda i: _SEVERITY_ORDER.get(i.severity, 3)).severity
    colour = xlstyle.SEVERITY_FILL.get(worst, xlstyle.SEVERITY_FILL["info"])
    target = _anchor(ws, ref)
    if worst in TRIGGERS:
        target.fill = PatternFill("solid", start_color=colour, end_color=colour)
    text = "\n".join(_comment_line(i) for i in issues)
    old = target.comment.text + "\n" if target.comment is not None else ""
    target.comment = Comment(neutralize(old + text), COMMENT_AUTHOR, height=140, width=300)


def _anchor(ws: Any, ref: str) -> Any:
    """The cell at `ref`, or the top-left cell of the merged range that covers it."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return ws.cell(merged.min_row, merged.min_col)
    return ws[ref]


def _comment_line(issue: Issue) -> str:
    label = Severity(issue.severity).label
    hint = f"\n修改建议：{issue.hint}" if issue.hint else ""
    return f"【{label}】{issue.message}{hint}"


# --------------------------------------------------------------------------
# 问题清单
# --------------------------------------------------------------------------

def _write_list(ws: Any, group: _Feedback, issues: list[Issue], period: Any, deadline: str,
                kind: str, why: str) -> None:
    files = sorted({i.file for i in issues if i.file})
    headers = LIST_HEADERS + ((FILE_HEADER,) if len(files) > 1 else ())
    _write_heading(ws, group, issues, period, deadline, kind, why, len(headers))
    _write_table(ws, issues, headers)
    _layout_list(ws, headers, len(issues))


def _write_heading(ws: Any, group: _Feedback, issues: list[Issue], period: Any, deadline: str,
                   kind: str, why: str, width: int) -> None:
    from openpyxl.styles import Alignment, Font

    counts = count_by_severity(issues)
    used = group.ret.file if group.ret is not None else "（无）"
    lines = (
        f"{group.name}{period.dash_label}填报表退回意见",
        f"报送单位：{group.name}　　报送期：{period.dash_label}　　本次核查的文件：{used}",
        f"共发现问题{len(issues)}处：错误{counts['error']}处（必须修改），警告{counts['warning']}处（请核实），"
        f"提示{counts['info']}处（无需修改）。",
        f"请修改后于{deadline}前重新报送。" + (f"报送的{why}。" if why else "") + _KIND_NOTES[kind],
    )
    for r, line in enumerate(lines, start=1):
        _put(ws.cell(r, 1), line)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
        ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="center")
        ws.cell(r, 1).font = Font(name=xlstyle.FANGSONG, size=11)
    ws.cell(1, 1).font = Font(name=xlstyle.HEITI, size=16)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[4].height = 32


_KIND_NOTES = {
    "copy": "本工作簿后面附有贵单位报送的原表：有错误的单元格标红、有警告的标黄，鼠标指向单元格可看批注。",
    "rebuild": "本工作簿后面附有按贵单位报送文件内容重建的表格（仅含数值，不含原格式）："
               "有错误的单元格标红、有警告的标黄，并附批注。",
    "none": "报送的文件无法读取，未附原表，请按下表说明处理后重新报送。",
    "large": "报送的文件过大或结构异常，未附原表，请按下表所列工作表和单元格逐项修改后重新报送。",
}


def _write_table(ws: Any, issues: list[Issue], headers: tuple[str, ...]) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    header_row = HEADER_ROWS + 1
    for c, text in enumerate(headers, start=1):
        cell = ws.cell(header_row, c)
        _put(cell, text)
        cell.font = Font(name=xlstyle.HEITI, size=11, bold=True)
        cell.fill = PatternFill("solid", start_color=xlstyle.HEADER_FILL, end_color=xlstyle.HEADER_FILL)
        cell.alignment, cell.border = Alignment(horizontal="center", vertical="center"), border
    widths = LIST_WIDTHS + (FILE_WIDTH,)
    for n, issue in enumerate(issues, start=1):
        values = _list_row(n, issue, headers)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(header_row + n, c)
            _put(cell, value)
            cell.font = Font(name=xlstyle.SONG, size=10)
            cell.alignment, cell.border = Alignment(wrap_text=True, vertical="top"), border
        _colour_severity(ws.cell(header_row + n, 2), issue.severity)
        lines = max(xlstyle.text_lines(str(v), w) for v, w in zip(values, widths))
        if lines > 1:            # LibreOffice does not fit row heights: wrapped text would be clipped
            ws.row_dimensions[header_row + n].height = xlstyle.LINE_HEIGHT * lines + 2


def _list_row(n: int, issue: Issue, headers: tuple[str, ...]) -> list[Any]:
    title = CODES[issue.code].title if issue.code in CODES else ""
    row = [n, Severity(issue.severity).label, issue.sheet, issue.cell, issue.message, issue.hint,
           f"{issue.code}（{title}）" if title else issue.code]
    return row + ([issue.file] if FILE_HEADER in headers else [])


def _colour_severity(cell: Any, severity: str) -> None:
    from openpyxl.styles import Font, PatternFill

    fill = xlstyle.SEVERITY_FILL.get(severity, xlstyle.SEVERITY_FILL["info"])
    cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
    cell.font = Font(name=xlstyle.SONG, size=10, bold=True,
                     color=xlstyle.SEVERITY_FONT.get(severity, xlstyle.SEVERITY_FONT["info"]))


def _layout_list(ws: Any, headers: tuple[str, ...], rows: int) -> None:
    from openpyxl.utils import get_column_letter

    widths = LIST_WIDTHS + ((FILE_WIDTH,) if len(headers) > len(LIST_WIDTHS) else ())
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    header_row = HEADER_ROWS + 1
    last = get_column_letter(len(headers))
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(rows, 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页 共 &N 页"
