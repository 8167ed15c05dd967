"""Every file name youyi-xl writes, declared once, and the cleaning that keeps a name made
from a unit's name valid on every OS a clerk may open the folder on.

Pipeline, writers, history and the intake (which skips youyi-xl's own outputs) all take
the names from here.
"""
from __future__ import annotations

import re
import unicodedata

from .period import Period

DB_NAME = "youyi.db"                   # the history of every period run into one output folder
FEEDBACK_FOLDER = "退回意见"             # one workbook per unit with something to fix


def json_name(period: Period | str) -> str:
    """result-2022-03.json"""
    return f"result-{Period.parse(period).key}.json"


def scorecard_name(period: Period | str) -> str:
    """成绩单-2022-03.xlsx"""
    return f"成绩单-{Period.parse(period).key}.xlsx"


def notice_name(period: Period | str, suffix: str = ".docx") -> str:
    """通报-2022-03.docx (and .html)"""
    return f"通报-{Period.parse(period).key}{suffix}"


def reminder_name(period: Period | str) -> str:
    """催报-2022-03.txt"""
    return f"催报-{Period.parse(period).key}.txt"


def feedback_suffix(period: Period | str) -> str:
    """-2022-03-退回意见.xlsx: what every 退回意见 file name of a period ends with."""
    return f"-{Period.parse(period).key}-退回意见.xlsx"


def form_name(unit: str, period: Period | str) -> str:
    """The file name of a unit's form: 友谊镇-2022-03-填报表.xlsx (cleaned for every OS).

    The unit part is cleaned and cut first, so a very long unit name never cuts
    the period and 填报表 off the name (as the 退回意见 names do).
    """
    return named_file(unit, f"-{Period.parse(period).key}-填报表.xlsx")


def named_file(unit: str, tail: str, reserve: int = 0) -> str:
    """`unit` + `tail` as a safe file name; the unit part is cut (leaving `reserve` bytes
    spare) so that the tail always survives."""
    stem = safe_filename(unit, MAX_NAME_BYTES - len(tail.encode()) - reserve)
    return safe_filename(stem + tail)


_PERIOD_KEY = r"\d{4}-\d{2}"
_NAMED_OUTPUTS = {   # the files run writes that are not workbooks, by name: what each is
    re.compile(rf"result-{_PERIOD_KEY}\.json"): "结果数据",
    re.compile(re.escape(DB_NAME)): "历史数据库",
    re.compile(rf"催报-{_PERIOD_KEY}\.txt"): "催报稿",
    re.compile(rf"通报-{_PERIOD_KEY}\.html"): "通报网页稿",
}


def named_output(name: str) -> str | None:
    """What a file named like one of run's non-workbook outputs is ('结果数据' …), or None;
    the intake confirms it by the file's first bytes."""
    return next((kind for pattern, kind in _NAMED_OUTPUTS.items() if pattern.fullmatch(name)), None)


def output_names(period: Period | str) -> dict[str, str]:
    """The files one `run` writes for a period, by kind."""
    return {"json": json_name(period), "scorecard": scorecard_name(period),
            "notice": notice_name(period), "notice_html": notice_name(period, ".html"),
            "reminder": reminder_name(period)}


MAX_NAME_BYTES = 200          # UTF-8 bytes of one file name (most file systems allow 255)
MAX_SUFFIX_CHARS = 16         # UTF-8 bytes; a longer "suffix" is part of the name
FALLBACK_NAME = "未命名"

_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
                      | {f"{p}{n}" for p in ("COM", "LPT") for n in "123456789¹²³"})


def safe_filename(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name that is valid on Windows, macOS and Linux and cannot leave its folder.

    Forbidden characters and control characters become '_', leading and
    trailing dots and spaces go, reserved device names (CON, COM1 ...) get a
    '_' after them, and the name is cut to `max_bytes` of UTF-8 on a character
    boundary, keeping a short extension. Never returns ''.
    """
    if max_bytes < len(FALLBACK_NAME.encode()) + MAX_SUFFIX_CHARS + 1:
        raise ValueError(f"max_bytes too small: {max_bytes}")
    text = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", str(name))).strip(". ")
    stem, suffix = _split_suffix(text)
    head, dot, rest = stem.partition(".")
    if head.rstrip(" ").upper() in _RESERVED:     # Windows ignores what follows: CON.txt is CON
        stem = head + "_" + dot + rest
    stem = _fit(stem, max_bytes - len(suffix.encode())).rstrip(". ")
    return (stem or FALLBACK_NAME) + suffix


def _split_suffix(text: str) -> tuple[str, str]:
    """('report', '.xlsx') for 'report.xlsx'; no suffix when it is long or the whole name."""
    stem, dot, extension = text.rpartition(".")
    if not dot or not stem.strip(". ") or len(extension.encode()) > MAX_SUFFIX_CHARS \
            or " " in extension:
        return text, ""
    return stem, "." + extension


def _fit(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` of UTF-8, never inside a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", "ignore")


