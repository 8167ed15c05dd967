"""Cell references as Excel and the clerk write them: (11, 5) -> 'F12'."""
from __future__ import annotations


def column_letters(col: int) -> str:
    """Zero-based column index to Excel letters: 0 -> 'A', 26 -> 'AA'."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """Zero-based (row, col) to an A1 reference: (11, 5) -> 'F12'."""
    return f"{column_letters(col)}{row + 1}"
