"""Speed at scale: `youyi-xl check` and `youyi-xl run` on N returns, against two baselines.

    python benchmarks/bench_intake.py                 # N = 100, 1000, 5000
    python benchmarks/bench_intake.py --sizes 100 1000

For each N it generates (once, cached under benchmarks/_data/) a plan with N units and one
clean return per unit of about 60 rows (youyi_xl.demo.make_large_plan/write_large_batch),
then measures in one run:

- floor   python-calamine alone reading every cell of every sheet of every file (one process)
- pandas  a plain loop of pandas.read_excel(path, sheet_name=None, engine="openpyxl")
- check   `youyi-xl check DIR --period 2022-03 --plan PLAN --json` as a real command
- run     `youyi-xl run DIR --period 2022-03 --plan PLAN --out OUT`, every output written

and prints the wall times, the ratios check/floor and run/pandas, and the peak memory
(maximum resident set) of each command, measured with /usr/bin/time.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "_data"
PERIOD = "2022-03"


def prepare(n: int, data: Path = DATA) -> tuple[Path, Path]:
    """The plan folder and the returns folder for N units (generated once, then reused)."""
    from youyi_xl.plan.attachments import load_plan
    from youyi_xl.demo import make_large_plan

    plan_dir, returns = data / f"plan-{n}", data / f"returns-{n}"
    done = returns / ".complete"
    if done.exists():
        return plan_dir, returns
    make_large_plan(n, plan_dir)
    plan = load_plan(plan_dir)
    names = [u.name for u in plan.units[:n]]
    workers = os.cpu_count() or 1
    chunks = [names[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_write_chunk, [(plan_dir, returns, chunk) for chunk in chunks]))
    done.write_text("ok", encoding="utf-8")
    return plan_dir, returns


def _write_chunk(args: tuple[Path, Path, list[str]]) -> None:
    import dataclasses

    from youyi_xl.plan.attachments import load_plan
    from youyi_xl.demo import write_large_batch

    plan_dir, returns, names = args
    plan = load_plan(plan_dir)
    chosen = dataclasses.replace(plan, units=tuple(u for u in plan.units if u.name in set(names)))
    write_large_batch(chosen, PERIOD, returns, len(chosen.units))


def workbooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.xlsx"))


def floor(files: list[Path]) -> float:
    """python-calamine alone: every cell of every sheet of every file, in one process."""
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    cells = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(row) for row in book.get_sheet_by_name(name).to_python())
    return time.perf_counter() - start


def pandas_loop(files: list[Path]) -> float:
    import pandas as pd

    start = time.perf_counter()
    for path in files:
        pd.read_excel(path, sheet_name=None, engine="openpyxl")
    return time.perf_counter() - start


def command(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak memory (MB) of a youyi-xl command run as its own process."""
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "youyi_xl", *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    peak_kb = int(done.stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024


def measure(n: int, skip_pandas: bool = False) -> dict[str, float]:
    plan_dir, returns = prepare(n)
    files = workbooks(returns)
    result = {"n": n, "floor": floor(files)}
    result["pandas"] = float("nan") if skip_pandas else pandas_loop(files)
    base = ["--period", PERIOD, "--plan", str(plan_dir)]
    result["check"], result["check_mb"] = command(["check", str(returns), *base, "--json"])
    with tempfile.TemporaryDirectory() as out:
        result["run"], result["run_mb"] = command(["run", str(returns), *base, "--out", out])
    return result


def report(rows: list[dict[str, float]]) -> str:
    lines = ["| N | calamine floor | pandas+openpyxl | check | check ÷ floor | run | run ÷ pandas | "
             "peak MB check / run |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['n']:,} | {r['floor']:.2f} s | {r['pandas']:.1f} s | {r['check']:.2f} s | "
                     f"{r['check'] / r['floor']:.2f}× | {r['run']:.2f} s | {r['run'] / r['pandas']:.2f} | "
                     f"{r['check_mb']:.0f} / {r['run_mb']:.0f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the slow pandas loop")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        rows.append(measure(n, args.skip_pandas))
        print(report(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
