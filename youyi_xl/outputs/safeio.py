"""Output safety: file names, paths kept inside the output folder, atomic writes,
and text that is safe to put in an output cell (DOMAIN §4.2, "Writing").

Output names are made from unit names typed by people, so they are cleaned for
every OS a clerk may open the folder on (Windows reserved names and characters
included). Writes go to a temporary file in the same folder and are renamed
into place only when complete, so a crash or a full disk never leaves half a
workbook where a good one was.
"""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

from ..core import OutputError

EXCEL_MAX_CELL_CHARS = 32767  # Excel's limit for the text of one cell

# Characters XML 1.0 forbids: openpyxl raises IllegalCharacterError on them,
# and a file that holds them is refused by Excel. Lone surrogates cannot be encoded.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def make_folder(folder: str | os.PathLike) -> Path:
    """`folder`, created with its parents if needed (OutputError in Chinese if it cannot be)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{folder}”：{exc.strerror or exc}") from exc
    return folder


def inside(folder: str | os.PathLike, name: str | os.PathLike) -> Path:
    """`folder / name`, resolved, guaranteed to lie inside `folder` (else OutputError).

    '..', absolute names and symbolic links that point out of the folder are
    all refused; the folder itself is not a file inside it.
    """
    root = Path(folder).resolve()
    target = (root / name).resolve()
    if target == root or root not in target.parents:
        raise OutputError(f"输出文件“{name}”不在输出文件夹“{root}”内，已拒绝写入")
    return target


def atomic_write(path: str | os.PathLike, data: bytes | None = None):
    """Write `path` atomically.

    ``atomic_write(path, data)`` writes the bytes and returns the path.
    ``with atomic_write(path) as temp:`` yields a temporary path in the same
    folder for a writer to save to (xlsxwriter, openpyxl, python-docx); when
    the block ends without an exception the file is flushed to disk and
    renamed over `path`; on any exception the temporary file is removed and
    `path` is left as it was.
    """
    if data is None:
        return _atomic(Path(path))
    with _atomic(Path(path)) as temp:
        temp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    try:
        handle, name = tempfile.mkstemp(prefix=".~" + path.stem[:40] + ".", suffix=path.suffix,
                                        dir=path.parent)
    except OSError as exc:
        raise OutputError(f"无法在“{path.parent}”中写入文件：{exc.strerror or exc}") from exc
    os.close(handle)
    temp = Path(name)
    try:
        yield temp
        _sync(temp)
        _copy_mode(path, temp)
        _replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    _sync_folder(path.parent)


def _replace(temp: Path, path: Path) -> None:
    try:
        os.replace(temp, path)
    except PermissionError as exc:   # on Windows: the old file is open in Excel or WPS
        raise OutputError(f"无法替换“{path}”：文件可能正在Excel或WPS中打开，请关闭后重试") from exc


def _sync(temp: Path) -> None:
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())


def _copy_mode(path: Path, temp: Path) -> None:
    """Give the new file the old file's permissions (mkstemp makes it 0600)."""
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o644
    os.chmod(temp, mode)


def _sync_folder(folder: Path) -> None:
    """Persist the rename itself where the OS allows opening a folder (POSIX)."""
    if os.name == "posix":
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def neutralize(text: str, *, csv: bool = False) -> str:
    """Text from a unit's workbook made safe for an output cell.

    Always: characters XML forbids (\\x00-\\x08, \\x0b, \\x0c, \\x0e-\\x1f, lone
    surrogates) are removed, since openpyxl raises on them and Excel refuses a
    file that holds them; text is cut to Excel's 32,767 characters.
    With ``csv=True`` (text and CSV exports a clerk may open in Excel) text
    starting with = + - @ tab CR or LF gets a leading apostrophe so that it can
    never run as a formula. In .xlsx output a string cell is never evaluated,
    so the text keeps its own first character there (see docs/reading.md).
    """
    cleaned = _XML_ILLEGAL.sub("", text)[:EXCEL_MAX_CELL_CHARS]
    if csv and cleaned.startswith(_FORMULA_START):
        return "'" + cleaned
    return cleaned


def is_formula_like(text: str) -> bool:
    """True when `text` would be taken as a formula if typed into a cell."""
    return isinstance(text, str) and text.startswith(_FORMULA_START)
