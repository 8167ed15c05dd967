"""Stage 5 — what leaves the office: the 成绩单, 退回意见, 通报 and 催报, the return forms.

The writers load on first use (PEP 562), so that a command that only checks does
not import xlsxwriter, openpyxl or docxtpl.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_LAZY = {
    "write_scorecard": "scorecard", "write_feedback": "feedback",
    "make_forms": "forms", "FIRST_ROW": "forms",
    "render_notice": "notice", "write_reminder": "notice", "copy_template": "notice",
    "default_deadline": "notice",
    "write_result_json": "resultjson", "atomic_write": "safeio", "inside": "safeio",
    "check_template": "notice", "as_date": "notice",
    "publishing": "publish", "os_failure": "publish", "failure_message": "publish",
}

if TYPE_CHECKING:  # pragma: no cover
    from .feedback import write_feedback  # noqa: F401
    from .forms import FIRST_ROW, make_forms  # noqa: F401
    from .notice import (  # noqa: F401
        as_date,
        check_template,
        copy_template,
        default_deadline,
        render_notice,
        write_reminder,
    )
    from .publish import failure_message, os_failure, publishing  # noqa: F401
    from .resultjson import write_result_json  # noqa: F401
    from .safeio import atomic_write, inside  # noqa: F401
    from .scorecard import write_scorecard  # noqa: F401


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = sorted(_LAZY)
