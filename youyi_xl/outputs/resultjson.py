"""The result of a period as JSON (result-2022-03.json): `Result.to_json()` written atomically."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .safeio import atomic_write, make_folder


def write_result_json(result: Any, path: str | Path) -> Path:
    """Write `result.to_json()` as UTF-8 JSON, atomically (the folder is created if needed).

    The text is the same as ``json.dumps(result.to_json(), ensure_ascii=False)`` plus a line
    break, written as it is made: each unit, chain, key project and issue is encoded alone, so
    neither the whole dict nor the whole text is ever held (10,000 units: ~150 MB)."""
    path = Path(path)
    make_folder(path.parent)
    # No indent: the C encoder is ten times faster, and the file is for programs (the CLI's
    # --json prints it indented).
    encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode
    with atomic_write(path) as temp, open(temp, "w", encoding="utf-8", newline="\n") as out:
        out.write("{")
        for n, (key, value) in enumerate(result.json_items()):
            out.write(f"{', ' if n else ''}{encode(key)}: ")
            if isinstance(value, Iterator):
                out.write("[")
                for i, item in enumerate(value):
                    out.write(f"{', ' if i else ''}{encode(item)}")
                out.write("]")
            else:
                out.write(encode(value))
        out.write("}\n")
    return path
