"""The rendered .docx shown as one web page (one template, two views), autoescaped."""
from __future__ import annotations

from typing import Any

from docx.table import Table

from .templating import package_env

HTML_TEMPLATE = "notice.html.j2"

_HTML_CLASSES = {"公文标题": "title", "主送机关": "to", "一级标题": "h1", "附件说明": "attach",
                 "发文机关署名": "sign", "成文日期": "date", "版记": "record"}
_RUN_CLASSES = {"二级标题": "h2"}


def notice_html(document: Any, context: dict[str, Any]) -> str:
    """The rendered .docx as one HTML page (autoescaped), for a quick look in a browser."""
    blocks = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.append({"kind": "table", "rows": [[_paragraph_block(p) for cell in row.cells
                                                      for p in cell.paragraphs] for row in item.rows]})
        else:
            blocks.append(_paragraph_block(item))
    template = package_env(autoescape=True).get_template(HTML_TEMPLATE)
    return template.render(title=context["title"], blocks=blocks)


def _paragraph_block(paragraph: Any) -> dict[str, Any]:
    style = paragraph.style.name if paragraph.style is not None else ""
    css = _HTML_CLASSES.get(style, "body")
    align = paragraph.alignment
    if css == "body" and align is not None and int(align) in (1, 2):
        css = "center" if int(align) == 1 else "right"
    runs = [{"css": _RUN_CLASSES.get(run.style.name if run.style is not None else "", ""),
             "lines": [line.split("\t") for line in run.text.split("\n")]}
            for run in paragraph.runs if run.text]
    return {"kind": "p", "css": css, "runs": runs}
