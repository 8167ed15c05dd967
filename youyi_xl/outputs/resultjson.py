"""The result of a period as JSON (result-2022-03.json): `Result.to_json()` written atomically."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .safeio import atomic_write, make_folder


def write_result_json(result: Any, path: str | Path) -> Path:
    """Write `result.to_json()` as UTF-8 JSON, atomically (the folder is created if needed)."""
    path = Path(path)
    make_folder(path.parent)
    # No indent: the C encoder is ten times faster, and the file is for programs (the CLI's
    # --json prints it indented).
    text = json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write(path, text.encode("utf-8"))
