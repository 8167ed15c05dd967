"""The rendered .docx shown as one web page (one template, two views), autoescaped.

Pages follow the .docx: the body, each 附件 (a paragraph that starts a new page opens a new
sheet), and the 版记 from the last section's footer on a sheet of its own.
"""
from __future__ import annotations

from typing import Any

from docx.table import Table

from .templating import package_env

HTML_TEMPLATE = "notice.html.j2"

_HTML_CLASSES = {"公文标题": "title", "主送机关": "to", "一级标题": "h1", "附件说明": "attach",
                 "附件说明续": "attach-more", "发文机关署名": "sign", "成文日期": "date", "版记": "record",
                 "附件标识": "mark", "附件标题": "title", "附件表格": "cell", "附件表注": "note"}
_RUN_CLASSES = {"二级标题": "h2"}
_SKIPPED = frozenset({"分节"})          # the hair-thin paragraphs that carry section breaks


def notice_html(document: Any, context: dict[str, Any]) -> str:
    """The rendered .docx as one HTML page (autoescaped), for a quick look in a browser."""
    pages: list[list[dict[str, Any]]] = [[]]
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            pages[-1].append(_table_block(item, "grid"))
            continue
        if _style(item) in _SKIPPED:
            continue
        if item.paragraph_format.page_break_before or (item.style is not None
                                                       and item.style.paragraph_format.page_break_before):
            pages.append([])
        pages[-1].append(_paragraph_block(item))
    record = [_table_block(t, "record") for t in document.sections[-1].even_page_footer.tables]
    if record:
        pages.append(record)
    template = package_env(autoescape=True).get_template(HTML_TEMPLATE)
    return template.render(title=context["title"], pages=pages)


def _style(paragraph: Any) -> str:
    return paragraph.style.name if paragraph.style is not None else ""


def _table_block(table: Table, css: str) -> dict[str, Any]:
    return {"kind": "table", "css": css,
            "rows": [[[_paragraph_block(p) for p in cell.paragraphs] for cell in row.cells] for row in table.rows]}


def _paragraph_block(paragraph: Any) -> dict[str, Any]:
    css = _HTML_CLASSES.get(_style(paragraph), "body")
    align = paragraph.alignment
    if css == "body" and align is not None and int(align) in (1, 2):
        css = "center" if int(align) == 1 else "right"
    runs = [{"css": _RUN_CLASSES.get(run.style.name if run.style is not None else "", ""),
             "lines": [line.split("\t") for line in run.text.split("\n")]}
            for run in paragraph.runs if run.text]
    return {"kind": "p", "css": css, "runs": runs}
