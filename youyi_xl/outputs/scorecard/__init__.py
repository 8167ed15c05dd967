"""The 成绩单 workbook (DOMAIN §7): overview, rankings, chains, key projects, ledgers, issues.

`write_scorecard(result, path)` writes one .xlsx with xlsxwriter, atomically.
Every sheet is print-ready (A4, one page wide, header rows repeated, page numbers,
frozen panes, filters), every coloured sheet carries a legend, and every colour is
printed with its word (绿/黄/红/灰) so that grey printouts keep the meaning.
Every number can be traced: the ledgers carry file, sheet and row, the rankings
the file of each unit. Layout and choices: docs/outputs.md.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ...core import KEY_PROJECTS, MARK_PROPERTY, PLANNED, PROJECTS, SCORECARD, collect_new, property_value
from .. import xlstyle as xs
from ..bigsheet import splice
from ..safeio import atomic_write, make_folder
from ..xlstyle import Styled
from .base import (
    GROUP_SHEETS,
    SHEETS,
    TABLE_TOP,
    WORKBOOK_OPTIONS,
    _Context,
    _title,
)
from .details import (
    _chains,
    _explain,
    _issues,
    _key_projects,
    _ledger,
    _missing,
    files_received,
    issue_columns,
    ledger_columns,
)
from .summary import (
    _overview,
    _ranking,
    printed_ranking_columns,
    ranking_columns,
)

__all__ = ["SHEETS", "TABLE_TOP", "files_received", "issue_columns", "ledger_columns", "printed_ranking_columns",
           "ranking_columns", "write_scorecard"]


def write_scorecard(result: Any, path: str | Path, *, before_ledgers: Callable[[], Any] | None = None) -> Path:
    """Write the 成绩单 for `result` (an evaluate.Result) to `path`; return the path.

    The ledgers' rows are made from the batch's records last, after every other sheet is written;
    `before_ledgers` is called right before (run waits there for the documents it writes in a
    forked child: reading the records writes their reference counts, and every page so written
    while the child lives is copied into it)."""
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
        tables = cx.big
        for table in tables:
            table.detach()
        del cx, book
        collect_new()           # the closed workbook (its cells form cycles with it), under run
        if before_ledgers is not None:
            before_ledgers()
        splice(temp, tables, Styled)
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


