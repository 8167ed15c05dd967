"""The 通报 draft: a Word document with Jinja tags rendered by docxtpl (the clerk edits the
wording in Word or WPS), and beside it the same text as .html."""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import jinja2
from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate

from ...core import NOTICE, OutputError, TemplateError, collect_new, notice_name, stamp
from ..safeio import atomic_write
from .context import notice_context
from .html import write_notice_html
from .templating import docx_env, preflight, undefined_message

DOCX_TEMPLATE = "notice.docx"


def render_notice(result: Any, path: str | os.PathLike, template: str | os.PathLike | None = None,
                  date: dt.date | str | None = None,
                  deadline: dt.date | str | None = None) -> tuple[Path, Path]:
    """Write the 通报 draft to `path` (.docx) and beside it the same text as .html.

    `path` may be a folder: the draft is then named 通报-2022-03.docx inside it.
    `template` is a clerk's .docx (a copy of the shipped one, edited in Word or WPS);
    `date` the 成文日期 (default today); `deadline` the date corrected returns are due (default a
    week after the 成文日期). Returns (docx path, html path).
    """
    context = notice_context(result, date, deadline=deadline)
    docx_path = Path(path)
    if docx_path.is_dir():
        docx_path = docx_path / notice_name(context["period_key"])
    render_docx(context, docx_path, template)
    collect_new()           # the rendered template's tree, before the file is read back
    # the .html reads the file written: docxtpl replaces the header and footer parts (the 版记 is a
    # footer) behind python-docx's cache, so the in-memory document still shows their tags
    document = Document(str(docx_path))
    html_path = docx_path.with_suffix(".html")
    write_notice_html(document, context, html_path)
    return docx_path, html_path


def render_docx(context: dict[str, Any], path: str | os.PathLike,
                template: str | os.PathLike | None = None) -> Any:
    """Render a .docx template with `context` to `path`; returns the python-docx Document."""
    env = docx_env()
    with _template_path(template) as source:
        tpl = _open_template(source)
        paragraphs = preflight(tpl, context, env)
        try:
            tpl.render(context, jinja_env=env, autoescape=True)
        except jinja2.UndefinedError as exc:
            raise TemplateError(undefined_message(exc, paragraphs)) from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"通报模板无法套用：{exc}") from exc
        buffer = io.BytesIO()
        tpl.save(buffer)
        atomic_write(path, stamp(buffer.getvalue(), NOTICE))     # never read as a return
    return tpl.docx


def check_template(template: str | os.PathLike | None) -> None:
    """A clerk's template, checked before any return is read: it exists, is a .docx that opens,
    and its tags are well formed (its variables are checked against the result when rendered)."""
    if template is None:
        return
    with _template_path(template) as source:
        preflight(_open_template(source), None, docx_env())


@contextlib.contextmanager
def _template_path(template: str | os.PathLike | None) -> Iterator[Path]:
    if template is None:
        with resources.as_file(resources.files(__package__) / DOCX_TEMPLATE) as shipped:
            yield shipped
        return
    path = Path(template)
    if not path.is_file():
        raise TemplateError(f"找不到通报模板“{path}”")
    if path.suffix.lower() != ".docx":
        raise TemplateError(f"通报模板“{path.name}”不是 .docx 文件，请在 Word 或 WPS 中"
                            "“另存为”Word 文档（*.docx）后再使用")
    yield path


def _open_template(path: Path) -> Any:
    tpl = DocxTemplate(str(path))
    try:
        tpl.init_docx()
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(f"通报模板“{path.name}”不是有效的 Word 文档，请用 Word 或 WPS 打开后"
                            "另存为 .docx 再试") from exc
    return tpl


def copy_template(dest: str | os.PathLike) -> Path:
    """Copy the shipped .docx template for a clerk to edit (refuses to overwrite)."""
    target = Path(dest)
    if target.is_dir():
        target = target / "通报模板.docx"
    if target.exists():
        raise OutputError(f"“{target}”已存在，未覆盖")
    with _template_path(None) as shipped:
        atomic_write(target, shipped.read_bytes())
    return target
