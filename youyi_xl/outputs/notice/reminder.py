"""The 催报 text: a small Jinja text template naming the units that have not reported."""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import jinja2

from ...core import Period, TemplateError, reminder_name
from .. import numfmt as nf
from ..safeio import atomic_write
from .context import as_date, clean, period_fields, plain
from .templating import package_env, undefined_message

REMINDER_TEMPLATE = "cuibao.txt.j2"
REMINDER_DEADLINE = "收到本通知后2个工作日内"

def reminder_context(result: Any, date: dt.date | str | None = None, *,
                     sender: str | None = None, deadline: str = REMINDER_DEADLINE) -> dict:
    """Variables of the 催报 text: the units that have not reported, by group; signed by the
    plan's 考评牵头单位 unless `sender` is given."""
    period = Period.parse(result.period)
    sender = result.plan.settings.lead if sender is None else sender
    units = result.unit_records
    missing = plain(r for r in units if r["status"] == "missing")      # a few units of thousands
    groups = list(dict.fromkeys(r.get("group") or "" for r in missing))
    return {**period_fields(period), "date": nf.cn_date(as_date(date)), "sender": clean(sender),
            "deadline": clean(deadline), "total": len(units), "units": [r["unit"] for r in missing],
            "units_text": nf.names(r["unit"] for r in missing),
            "groups": [{"name": g, "units": [r["unit"] for r in missing if (r.get("group") or "") == g]}
                       for g in groups]}


def render_reminder(result: Any, date: dt.date | str | None = None,
                    template: str | os.PathLike | None = None) -> str:
    """The 催报 draft as plain text (Jinja, StrictUndefined); `template` a clerk's .j2 file."""
    context = reminder_context(result, date)
    try:
        if template is None:
            tpl = package_env(autoescape=False).get_template(REMINDER_TEMPLATE)
        else:
            tpl = package_env(autoescape=False).from_string(_read_text(template))
        return tpl.render(context)
    except jinja2.UndefinedError as exc:
        raise TemplateError(undefined_message(exc, [])) from exc
    except jinja2.TemplateError as exc:
        raise TemplateError(f"催报模板无法套用：{exc}") from exc


def _read_text(path: str | os.PathLike) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"催报模板“{path}”无法读取（须为 UTF-8 文本）：{exc}") from exc


def write_reminder(result: Any, path: str | os.PathLike, date: dt.date | str | None = None) -> Path:
    """Write the 催报 text (UTF-8 with BOM, CRLF: Notepad and WPS open it as it is)."""
    text = render_reminder(result, date).replace("\r\n", "\n").replace("\n", "\r\n")
    target = Path(path)
    if target.is_dir():
        target = target / reminder_name(result.period)
    return atomic_write(target, text.encode("utf-8-sig"))
