"""The rendered .docx shown as one web page (one template, two views), autoescaped.

Pages follow the .docx: the body, each 附件 (a paragraph that starts a new page opens a new
sheet), and the 版记 from the last section's footer on a sheet of its own.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..safeio import atomic_write
from .templating import package_env

HTML_TEMPLATE = "notice.html.j2"

_HTML_CLASSES = {"公文标题": "title", "主送机关": "to", "一级标题": "h1", "附件说明": "attach",
                 "附件说明续": "attach-more", "发文机关署名": "sign", "成文日期": "date", "版记": "record",
                 "附件标识": "mark", "附件标题": "title", "附件表格": "cell", "附件表注": "note"}
_RUN_CLASSES = {"二级标题": "h2"}
_SKIPPED = frozenset({"分节"})          # the hair-thin paragraphs that carry section breaks


def notice_html(document: Any, context: dict[str, Any]) -> str:
    """The rendered .docx as one HTML page (autoescaped), for a quick look in a browser."""
    return "".join(_html_parts(document, context))


def write_notice_html(document: Any, context: dict[str, Any], path: str | Path) -> Path:
    """`notice_html` written to `path` (UTF-8, atomically) as it is made: a table's rows are read
    from the document only as the page reaches them, so neither the page's blocks nor its text
    is held whole (the 附件 tables of 10,000 units: ~60 MB)."""
    with atomic_write(Path(path)) as temp, open(temp, "w", encoding="utf-8", newline="") as out:
        out.writelines(_html_parts(document, context))
    return Path(path)


def _html_parts(document: Any, context: dict[str, Any]) -> Iterator[str]:
    styles = _Styles(document)
    pages: list[list[dict[str, Any]]] = [[]]
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            pages[-1].append(_table_block(item, "grid", styles))
            continue
        name = styles.paragraph(item)
        if name in _SKIPPED:
            continue
        if item.paragraph_format.page_break_before or styles.breaks_page(name):
            pages.append([])
        pages[-1].append(_paragraph_block(item, styles))
    record = [_table_block(t, "record", styles) for t in document.sections[-1].even_page_footer.tables]
    if record:
        pages.append(record)
    template = package_env(autoescape=True).get_template(HTML_TEMPLATE)
    return template.generate(title=context["title"], pages=pages)


class _Styles:
    """Style names by the ids the paragraphs and runs carry, looked up once per document:
    python-docx resolves `paragraph.style` by searching every style each time (a default style
    by an XPath over all of them), which took 30 s for the 附件 tables of 1,000 units."""

    def __init__(self, document: Any) -> None:
        self._names: dict[tuple[Any, str | None], str] = {}
        self._breaks: dict[str, bool] = {}
        styles = document.styles
        for style in styles:
            self._names[(style.type, style.style_id)] = style.name
            if style.type == WD_STYLE_TYPE.PARAGRAPH:
                self._breaks[style.name] = bool(style.paragraph_format.page_break_before)
        for kind in (WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER):
            default = styles.default(kind)
            self._names[(kind, None)] = default.name if default is not None else ""

    def paragraph(self, paragraph: Any) -> str:
        return self._name(WD_STYLE_TYPE.PARAGRAPH, _style_id(paragraph._p, _PPR, _PSTYLE))

    def run(self, run: Any) -> str:
        """The style name of a run's <w:r> element."""
        return self._name(WD_STYLE_TYPE.CHARACTER, _style_id(run, _RPR, _RSTYLE))

    def breaks_page(self, name: str) -> bool:
        return self._breaks.get(name, False)

    def _name(self, kind: Any, style_id: str | None) -> str:
        found = self._names.get((kind, style_id))
        return found if found is not None else self._names.get((kind, None), "")


def _table_block(table: Table, css: str, styles: _Styles) -> dict[str, Any]:
    # the rows as the template reaches them (it reads them once)
    return {"kind": "table", "css": css, "rows": (_row_block(row, styles) for row in table.rows)}


def _row_block(row: Any, styles: _Styles) -> list[list[dict[str, Any]]]:
    """A row's cells as python-docx gives them (`row.cells`), each its paragraphs. A row without
    merged cells is read from its <w:tc> elements straight (the 附件 tables of 10,000 units:
    python-docx builds every cell through a span-resolving generator); a merged cell, spanning
    columns (repeated once per column) or continuing a vertical merge, goes through python-docx."""
    cells = row._tr.findall(_TC)
    if any(_merged(tc) for tc in cells):
        return [[_paragraph_block(p, styles) for p in cell.paragraphs] for cell in row.cells]
    return [[_paragraph_block(Paragraph(p, row), styles) for p in tc.findall(_P)] for tc in cells]


def _merged(tc: Any) -> bool:
    properties = tc.find(_TCPR)
    return properties is not None and (properties.find(_GRIDSPAN) is not None or properties.find(_VMERGE) is not None)


def _paragraph_block(paragraph: Any, styles: _Styles) -> dict[str, Any]:
    css = _HTML_CLASSES.get(styles.paragraph(paragraph), "body")
    if css == "body" and _has(paragraph._p, _PPR, _JC):
        align = paragraph.alignment
        if align is not None and int(align) in (1, 2):
            css = "center" if int(align) == 1 else "right"
    texts = [(run, _run_text(run)) for run in paragraph._p.findall(_R)]      # paragraph.runs' elements
    runs = [{"css": _RUN_CLASSES.get(styles.run(run), ""),
             "lines": [line.split("\t") for line in text.split("\n")]}
            for run, text in texts if text]
    return {"kind": "p", "css": css, "runs": runs}


# The 附件 tables of 10,000 units are 50,000 paragraphs: their properties are read straight from
# the XML (python-docx answers each through descriptors and an XPath query), with its meaning.
_PPR, _PSTYLE, _JC, _RPR, _RSTYLE, _VAL = (qn(t) for t in ("w:pPr", "w:pStyle", "w:jc", "w:rPr", "w:rStyle", "w:val"))
_TC, _TCPR, _GRIDSPAN, _VMERGE, _P, _R = (qn(t) for t in ("w:tc", "w:tcPr", "w:gridSpan", "w:vMerge", "w:p", "w:r"))
_RUN_CONTENT = frozenset(qn(t) for t in ("w:br", "w:cr", "w:noBreakHyphen", "w:ptab", "w:t", "w:tab"))


def _style_id(element: Any, properties: str, style: str) -> str | None:
    """./w:pPr/w:pStyle/@w:val (or a run's w:rPr/w:rStyle), None when absent."""
    found = element.find(properties)
    found = found.find(style) if found is not None else None
    return found.get(_VAL) if found is not None else None


def _has(element: Any, properties: str, child: str) -> bool:
    found = element.find(properties)
    return found is not None and found.find(child) is not None


def _run_text(run: Any) -> str:
    """The run's text as python-docx gives it (Run.text): its inner-content elements in order."""
    return "".join([str(e) for e in run if e.tag in _RUN_CONTENT])
