"""Regenerate the sample returns in examples/returns/ (run after changing youyi_xl.demo.samples or the templates).

    python examples/make_examples.py

Each period folder is emptied of workbooks and written again by
youyi_xl.demo.write_sample_returns with the fixed SEED, so running this twice
changes nothing in git (the files are byte-for-byte reproducible).
tests/test_examples.py checks that the checked-in files are what this script writes.
"""
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    import youyi_xl  # noqa: F401
except ImportError:                      # running from a checkout that is not installed
    sys.path.insert(0, str(HERE.parent))

from youyi_xl.plan.attachments import load_plan  # noqa: E402
from youyi_xl.demo import write_sample_returns  # noqa: E402

SEED = 2022
PERIODS = ("2022-03", "2022-06")
RETURNS = HERE / "returns"


def make(folder: Path = RETURNS) -> dict[str, list[Path]]:
    """Write the sample returns of every period under `folder`; returns the paths per period."""
    plan = load_plan()
    written = {}
    for period in PERIODS:
        target = folder / period
        for old in target.glob("*.xlsx") if target.is_dir() else ():
            old.unlink()
        written[period] = write_sample_returns(plan, period, target, seed=SEED)
    return written


def main() -> int:
    for period, paths in make().items():
        print(f"{period}: {len(paths)} files in {RETURNS / period}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
