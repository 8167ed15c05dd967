"""The Jinja environments of the notice and the 催报, and the pre-flight of a clerk's .docx
template (curly quotes, full-width braces, split tags, unknown variables), with Chinese
messages that name the paragraph. Every environment is sandboxed and StrictUndefined.
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import jinja2
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ...core import TemplateError
from .. import numfmt as nf


def _filters(env: jinja2.Environment) -> jinja2.Environment:
    """Number-style filters a clerk may use in a template: {{ x | yi }}, {{ r | pct }}."""
    env.filters.update(yi=nf.yi, wan=nf.wan, money=nf.money, pct=nf.percent, names=nf.names,
                       names_count=nf.names_count, decimal=nf.decimal)
    return env


def docx_env() -> jinja2.Environment:
    """Sandboxed: a template passed around by e-mail cannot reach Python internals."""
    return _filters(SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=True))


def package_env(autoescape: bool) -> jinja2.Environment:
    loader = jinja2.PackageLoader(__package__, ".")
    return _filters(SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined,
                                         autoescape=autoescape, keep_trailing_newline=True,
                                         trim_blocks=True, lstrip_blocks=True))


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN_CLOSE = (("{{", "}}"), ("{%", "%}"), ("{#", "#}"))
_DELIMITER = re.compile(r"[{｛][{｛%％#]|[%％#][}｝]|[}｝][}｝]")
_CURLY = "“”‘’"


def preflight(tpl: Any, context: dict[str, Any], env: jinja2.Environment) -> list[tuple[str, str]]:
    """Check a .docx template before rendering; TemplateError naming the paragraph if not usable.

    Catches what Word and Chinese input methods do to tags: curly quotes (“” ‘’), full-width
    braces (｛｛ ｝｝), a tag not closed in its paragraph, a tag split by a hyperlink, field or
    tracked change (docxtpl can only join plain runs), Jinja syntax errors, and variables
    the context does not have (not checked when `context` is None: before there is a result).
    Returns the paragraphs as (where, text), for later messages.
    """
    paragraphs = []
    for where, part in _parts(tpl):
        for element in part.iter(qn("w:p")):
            text = _paragraph_text(element)
            if text.strip():
                paragraphs.append((where, text))
                _check_paragraph(where, element, text)
    _check_jinja(tpl, context, env, paragraphs)
    return paragraphs


def _parts(tpl: Any) -> Iterator[tuple[str, Any]]:
    yield "正文", tpl.docx.element.body
    for uri, where in ((tpl.HEADER_URI, "页眉"), (tpl.FOOTER_URI, "页脚")):
        for _key, part in tpl.get_headers_footers(uri):
            yield where, parse_xml(part.blob)


def _texts(paragraph: Any) -> list[Any]:
    """The w:t elements of one paragraph, not those of paragraphs nested in it (text boxes)."""
    return [t for t in paragraph.iter(qn("w:t")) if _owner(t) is paragraph]


def _owner(element: Any) -> Any:
    parent = element.getparent()
    while parent is not None and parent.tag != qn("w:p"):
        parent = parent.getparent()
    return parent


def _paragraph_text(paragraph: Any) -> str:
    return "".join(t.text or "" for t in _texts(paragraph))


def _check_paragraph(where: str, paragraph: Any, text: str) -> None:
    place = f"{where}“{_snippet(text)}”"
    if any(set(m.group()) & set("｛｝％") for m in _DELIMITER.finditer(text)):
        raise TemplateError(f"通报模板{place}中的标签用了全角符号（｛ ｝ ％），请切换到英文输入法，"
                            "用半角的 {{ }} 或 {% %} 重新输入")
    _check_closed(place, text)
    for match in _TAG.finditer(text):
        tag = match.group(0)
        if any(ch in tag for ch in _CURLY):
            raise TemplateError(f"通报模板{place}中的标签“{tag}”含有中文弯引号（“” ‘’），请改用英文直引号"
                                "（可在 Word 的“自动更正选项”中关闭“直引号替换为弯引号”后重新输入）")
        _check_runs(place, paragraph, match.start(), match.end(), tag)


def _check_closed(place: str, text: str) -> None:
    for opening, closing in _OPEN_CLOSE:
        at = text.find(opening)
        while at >= 0:
            end = text.find(closing, at + 2)
            if end < 0:
                raise TemplateError(f"通报模板{place}中的标签“{text[at:at + 30]}”没有在同一段内结束"
                                    f"（缺少“{closing}”），标签不能跨段落")
            at = text.find(opening, end + 2)


def _check_runs(place: str, paragraph: Any, start: int, end: int, tag: str) -> None:
    """A tag may span runs (docxtpl joins them) but not a hyperlink, field or revision."""
    parents, position = set(), 0
    for t in _texts(paragraph):
        length = len(t.text or "")
        if position < end and position + length > start:
            parents.add(t.getparent().getparent())
        position += length
    if len(parents) > 1:
        raise TemplateError(f"通报模板{place}中的标签“{tag}”被超链接、域或修订记录隔断，请删除该标签"
                            "后用纯文本重新输入（并接受所有修订）")


def _check_jinja(tpl: Any, context: dict[str, Any], env: jinja2.Environment,
                 paragraphs: list[tuple[str, str]]) -> None:
    known = set(context or ()) | set(env.globals)
    for xml in _patched_xml(tpl):
        try:
            ast = env.parse(xml)
        except jinja2.TemplateSyntaxError as exc:
            line = xml.splitlines()[exc.lineno - 1] if exc.lineno else ""
            near = _snippet(re.sub(r"<[^>]+>", "", line))
            raise TemplateError(f"通报模板的标签有语法错误（{exc.message}），位置在“{near}”附近") from exc
        unknown = sorted(meta.find_undeclared_variables(ast) - known) if context is not None else []
        if unknown:
            raise TemplateError(_unknown_message(unknown[0], paragraphs, len(unknown)))


def _patched_xml(tpl: Any) -> Iterator[str]:
    """The XML docxtpl hands to Jinja, one paragraph per line (as docxtpl renders it)."""
    sources = [tpl.get_xml()]
    for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
        sources += [tpl.get_part_xml(part) for _key, part in tpl.get_headers_footers(uri)]
    for xml in sources:
        yield re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))


def _unknown_message(name: str, paragraphs: list[tuple[str, str]], count: int = 1) -> str:
    where = next((f"（见{w}“{_snippet(text)}”）" for w, text in paragraphs
                  if any(re.search(rf"\b{re.escape(name)}\b", tag) for tag in _TAG.findall(text))), "")
    more = f"等{count}个变量" if count > 1 else ""
    return (f"通报模板使用了未定义的变量“{name}”{more}{where}，请检查拼写，或对照 docs/notice.md "
            "的变量表改正")


def undefined_message(exc: jinja2.UndefinedError, paragraphs: list[tuple[str, str]]) -> str:
    text = exc.message or str(exc)
    match = re.search(r"'([^']+)' is undefined", text) or re.search(r"has no attribute '([^']+)'", text)
    return _unknown_message(match.group(1) if match else text, paragraphs)


def _snippet(text: str, width: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width] + "…"
