"""What a notebook shows: Chinese labels and Chinese values for the English frames, and the
short text and HTML summaries of the big objects (Plan, Batch, Result).

Every stage keeps its frames in English (column keys, status codes, colour names) for code;
the Chinese views beside them are made here, with one table of value words, so that a
Chinese view never shows "submitted" or "green".
"""
from __future__ import annotations

import html
from typing import Any, Iterable, Mapping, Sequence

STATUS_LABELS = {"submitted": "已报送", "missing": "未报送", "errors": "数据有误"}
COLOUR_LABELS = {"green": "绿", "yellow": "黄", "red": "红", "grey": "灰"}
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
YES_NO = {True: "是", False: "否"}

# the English value words of any column, by the column's key
VALUE_WORDS: dict[str, Mapping[Any, str]] = {"status": STATUS_LABELS, "severity": SEVERITY_LABELS}


def value_words(column: str) -> Mapping[Any, str] | None:
    """The Chinese words for the values of an English column, or None (values shown as they are)."""
    if column in VALUE_WORDS:
        return VALUE_WORDS[column]
    if column == "colour" or column.endswith("colour"):
        return COLOUR_LABELS
    return None


def chinese_frame(frame: Any, labels: Mapping[str, str], *, keep: Iterable[str] = ()) -> Any:
    """`frame` with Chinese column labels and Chinese values: status, severity and colour words
    translated, True/False as 是/否 (a missing value stays missing). Columns in `keep` keep
    their values (a status column that holds a unit's own words, say)."""
    import pandas as pd

    out = frame.copy()
    kept = set(keep)
    for column in out.columns:
        if column in kept:
            continue
        words = value_words(str(column))
        series = out[column]
        if words is not None:
            out[column] = series.map(lambda v, w=words: w.get(v, v) if isinstance(v, str) else v)
        elif series.dtype == bool or (series.dtype == object and _all_bool(series)):
            out[column] = series.map(lambda v: YES_NO.get(v, v) if isinstance(v, bool) else v).astype(object)
        elif str(series.dtype) == "boolean":
            out[column] = series.map(lambda v: v if v is pd.NA else YES_NO[bool(v)]).astype(object)
    return out.rename(columns=dict(labels))


def _all_bool(series: Any) -> bool:
    values = [v for v in series if v is not None and v == v]
    return bool(values) and all(isinstance(v, bool) for v in values)


# --------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------

def summary_repr(kind: str, headline: str, parts: Sequence[str]) -> str:
    """One line: 'Batch(2022年1—3月：26个单位，…)' — what a notebook shows at the end of a cell."""
    return f"{kind}({headline}：{'，'.join(p for p in parts if p)})"


def summary_html(title: str, facts: Sequence[tuple[str, Any]], frame: Any = None,
                 caption: str = "", max_rows: int = 30) -> str:
    """A small HTML card: a title, a two-column table of facts, and optionally the first rows of
    a (Chinese) frame. Bounded: at most `max_rows` rows of the frame, whatever its size."""
    rows = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                   f"<td style='text-align:left'>{html.escape(str(v))}</td></tr>" for k, v in facts)
    parts = [f"<div class='youyi-xl'><strong>{html.escape(title)}</strong>", f"<table>{rows}</table>"]
    if frame is not None and len(frame):
        shown = frame.head(max_rows)
        parts.append(f"<p>{html.escape(caption)}</p>" if caption else "")
        parts.append(shown.to_html(index=False, na_rep="", border=0, escape=True))
        if len(frame) > max_rows:
            parts.append(f"<p>……共{len(frame)}行，只显示前{max_rows}行</p>")
    parts.append("</div>")
    return "".join(parts)
