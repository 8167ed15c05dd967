"""Plain-text tables for the terminal, aware that a Chinese character is two columns wide."""
from __future__ import annotations

import unicodedata
from typing import Iterable, Sequence


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def clip(text: str, width: int) -> str:
    """Cut text to `width` display columns, marking the cut with …"""
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[object]],
          right: Sequence[bool] | None = None, max_width: int = 40) -> str:
    """Rows under headers, columns padded; numbers right-aligned where `right` says so."""
    cells = [[clip(_fmt(v), max_width) for v in row] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        widths = [max(w, display_width(v)) for w, v in zip(widths, row)]
    right = right or [False] * len(headers)
    lines = ["  ".join(pad(h, w, r) for h, w, r in zip(headers, widths, right))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(pad(v, w, r) for v, w, r in zip(row, widths, right)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _fmt(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{value:,.0f}"
    return str(value)


def wrap(text: str, width: int) -> list[str]:
    """Break `text` into lines of at most `width` display columns (Chinese breaks anywhere,
    other text at spaces where it can)."""
    lines, line, used = [], "", 0
    for word in _words(text):
        w = display_width(word)
        if used + w > width and line:
            lines.append(line.rstrip())
            line, used = "", 0
            word = word.lstrip()
            w = display_width(word)
        line += word
        used += w
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _words(text: str):
    """Runs of non-CJK characters stay together; each wide character is its own word."""
    run = ""
    for ch in text:
        if display_width(ch) == 2:
            if run:
                yield run
                run = ""
            yield ch
        elif ch == " ":
            yield run + ch
            run = ""
        else:
            run += ch
    if run:
        yield run


def two_columns(rows: Sequence[tuple[str, str]], indent: int = 2, first_max: int = 26,
                width: int = 88) -> list[str]:
    """Help entries: names padded to one display width, their help wrapped beside them; a
    name wider than `first_max` puts its help on the next line."""
    names = [display_width(name) for name, _ in rows if display_width(name) <= first_max]
    column = min(max(names, default=0), first_max) + indent + 2
    out = []
    for name, text in rows:
        help_lines = wrap(text, max(20, width - column)) if text else []
        if display_width(name) + indent + 2 > column:
            out.append(" " * indent + name)
            out += [" " * column + line for line in help_lines]
            continue
        first = help_lines[0] if help_lines else ""
        out.append((" " * indent + pad(name, column - indent) + first).rstrip())
        out += [" " * column + line for line in help_lines[1:]]
    return out
