"""The 通报 draft (.docx and .html) and the 催报 text."""
from __future__ import annotations

from .render import (
                     copy_template,
                     notice_context,
                     render_docx,
                     render_notice,
                     render_reminder,
                     write_reminder,
)

__all__ = ["copy_template", "notice_context", "render_docx", "render_notice", "render_reminder",
           "write_reminder"]
