"""Rebuild the stored reference outputs in tests/data/reference/ from the examples.

    python tools/build_references.py

Runs examples/returns/2022-03 and then 2022-06 into one output folder (so the 2022-06 outputs
carry 较上期) and keeps: the 2022-06 成绩单, one 退回意见, the 通报 (.docx) and both result
JSON files. tests/test_references.py compares every run against them part by part (the way
XlsxWriter's comparison tests compare with files saved by Excel). Rebuild only when a change
to the outputs is intended, and read the diff of the parts before committing it.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from youyi_xl.pipeline import run  # noqa: E402

REFERENCE = ROOT / "tests" / "data" / "reference"
PERIODS = ("2022-03", "2022-06")
KEPT = ("成绩单-2022-06.xlsx", "退回意见/友谊镇-2022-06-退回意见.xlsx", "通报-2022-06.docx",
        "result-2022-03.json", "result-2022-06.json")


def build(out: Path) -> Path:
    for period in PERIODS:
        run(ROOT / "examples" / "returns" / period, period, out=out)
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        out = build(Path(folder))
        REFERENCE.mkdir(parents=True, exist_ok=True)
        for name in KEPT:
            shutil.copyfile(out / name, REFERENCE / Path(name).name)
            print(f"wrote {REFERENCE / Path(name).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
