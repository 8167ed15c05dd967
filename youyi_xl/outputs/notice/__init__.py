"""The 通报 draft (.docx and .html) and the 催报 text (DOMAIN §7).

* `context` — the words: a `Result` into plain dicts and sentences in the county's number style;
* `docx` — the Word template rendered by docxtpl (a clerk edits it in Word or WPS);
* `html` — the rendered .docx as one web page;
* `reminder` — the 催报 text;
* `templating` — the sandboxed Jinja environments and the pre-flight of a clerk's template.
"""
from __future__ import annotations

from .context import as_date, default_deadline, notice_context
from .docx import check_template, copy_template, render_docx, render_notice
from .html import notice_html
from .reminder import reminder_context, render_reminder, write_reminder
from .templating import preflight

__all__ = ["notice_context", "as_date", "check_template", "default_deadline", "copy_template", "render_docx",
           "render_notice",
           "notice_html", "reminder_context", "render_reminder", "write_reminder",
           "preflight"]
