"""Speed at scale: `youyi-xl check` and `youyi-xl run` on N returns, against two baselines.

    python benchmarks/bench_intake.py                                  # N = 100, 1000, 5000
    python benchmarks/bench_intake.py --sizes 1000 10000 --shapes own --skip-pandas
    python benchmarks/bench_intake.py --sizes 1000 --repeat 2                # the README's table

For each N and batch shape it generates (once, cached under benchmarks/_data/) a plan with N
units and one return per unit (benchmarks/shapes.py: ``own`` — the form as issued, about 60
rows; ``other`` — mostly small returns with extra sheets, a title row and a renamed sheet, one
in 50 big), then measures in one run:

- floor   python-calamine alone reading every cell of every sheet of every file (one process)
- pandas  a plain loop of pandas.read_excel(path, sheet_name=None, engine="openpyxl")
- check   `youyi-xl check DIR --period 2022-03 --plan PLAN --json` as a real command
- run     `youyi-xl run DIR --period 2022-03 --plan PLAN --out OUT`, every output written

and prints the wall times, the ratios check/floor and run/pandas, the peak memory of the
largest process (/usr/bin/time) and of all the command's processes together (PSS, from one more
run of each command: sampling it slows the command down, so timed runs are not sampled), then
whether each point issue 17 asks holds for the sizes measured (`verdicts`); it exits 1 when one
does not.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shapes import PERIOD, SHAPES, prepare  # noqa: E402  (benchmarks/ is not a package)


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


def command(args: list[str], sample: bool = False) -> tuple[float, float, float]:
    """Wall time (s), peak resident set of the largest process (MB, /usr/bin/time) and, with
    `sample`, peak proportional set size of all its processes together (MB, /proc/*/smaps_rollup
    every 100 ms; a forked child's shared pages counted once, not per process; else 0).

    Timed runs are never sampled: reading smaps_rollup walks the page tables of a process and
    holds its memory map meanwhile (7 ms a read at 400 MB), and sampling every 100 ms made
    `check` at 10,000 returns take 77 s instead of 43.5 s. So memory is measured in a run of its
    own (`measure`)."""
    cmd = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "youyi_xl", *args]
    # as installed: compiled modules are cached (a sandbox's PYTHONDONTWRITEBYTECODE would make
    # every command compile youyi_xl again, which no clerk's installation does)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    peak_pss = 0
    if sample:
        while child.poll() is None:
            peak_pss = max(peak_pss, tree_pss(child.pid))
            time.sleep(0.1)
    stderr = child.communicate()[1]
    wall = time.perf_counter() - start
    peak_kb = int(stderr.strip().splitlines()[-1])
    return wall, peak_kb / 1024, peak_pss / 1024


def tree_pss(root: int) -> int:
    """The summed Pss (kB) of `root` and all its descendants, 0 where /proc cannot tell."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def measure(n: int, shape: str = "own", skip_pandas: bool = False, repeat: int = 1) -> dict[str, float]:
    """One row of the table; with `repeat`, check and run are each timed that many times and the
    fastest is kept (the floor too); then each runs once more for its memory (PSS sampled)."""
    plan_dir, returns = prepare(n, shape)
    files = workbooks(returns)
    result = {"n": n, "shape": shape, "floor": min(floor(files) for _ in range(repeat))}
    result["pandas"] = float("nan") if skip_pandas else pandas_loop(files)
    base = ["--period", PERIOD, "--plan", str(plan_dir)]
    check = ["check", str(returns), *base, "--json"]
    checks = [command(check) for _ in range(repeat)] + [command(check, sample=True)]
    runs = []
    for sample in [False] * repeat + [True]:
        with tempfile.TemporaryDirectory() as out:
            runs.append(command(["run", str(returns), *base, "--out", out], sample))
    for name, seen in (("check", checks), ("run", runs)):
        result[name] = min(wall for wall, _, _ in seen[:-1])
        result[name + "_mb"] = max(mb for _, mb, _ in seen)
        result[name + "_pss"] = seen[-1][2]
    return result


def report(rows: list[dict[str, float]]) -> str:
    lines = ["| shape | N | calamine floor | pandas+openpyxl | check | check ÷ floor | run | run ÷ pandas | "
             "peak MB check / run (largest process) | PSS MB check / run (all processes) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['n']:,} | {r['floor']:.2f} s | {r['pandas']:.1f} s | {r['check']:.2f} s | "
                     f"{r['check'] / r['floor']:.2f}× | {r['run']:.2f} s | {r['run'] / r['pandas']:.3f} | "
                     f"{r['check_mb']:.0f} / {r['run_mb']:.0f} | {r['check_pss']:.0f} / {r['run_pss']:.0f} |")
    return "\n".join(lines)


# What issue 17 asks of the rows (README "Speed"); `verdicts` judges every row measured.
CHECK_FLOOR_MAX = 2.5           # N = 1,000, each shape: check ÷ floor
RUN_PANDAS_MAX = 1 / 6          # N = 1,000, each shape: run ÷ the pandas loop
CHECK_MAX, RUN_MAX = 30.0, 60.0  # N = 10,000: seconds
PSS_MAX = 1e9 / 2**20           # N = 10,000: all of run's processes, MiB (1 GB in decimal, the stricter unit)
LINEAR_SLACK = 1.1              # 1,000 -> 10,000: time grown at most 10x this (a run's spread), memory < 10x


def verdicts(rows: list[dict[str, float]]) -> list[tuple[str, bool]]:
    """(point, held) for each point the measured rows can show; none for a size not measured."""
    out: list[tuple[str, bool]] = []
    by = {(r["shape"], r["n"]): r for r in rows}
    for r in rows:
        tag = f"{r['shape']} {r['n']:,}"
        if r["n"] == 1000:
            ratio = r["check"] / r["floor"]
            out.append((f"{tag}: check {ratio:.2f}x the floor <= {CHECK_FLOOR_MAX}x", ratio <= CHECK_FLOOR_MAX))
            if r["pandas"] == r["pandas"]:              # measured (not NaN)
                share = r["run"] / r["pandas"]
                out.append((f"{tag}: run {share:.3f} of pandas <= {RUN_PANDAS_MAX:.3f}", share <= RUN_PANDAS_MAX))
        if r["n"] == 10000:
            out.append((f"{tag}: check {r['check']:.1f} s <= {CHECK_MAX:g} s", r["check"] <= CHECK_MAX))
            out.append((f"{tag}: run {r['run']:.1f} s <= {RUN_MAX:g} s", r["run"] <= RUN_MAX))
            out.append((f"{tag}: run PSS {r['run_pss']:.0f} MiB <= {PSS_MAX:.0f} MiB (1 GB)",
                        0 < r["run_pss"] <= PSS_MAX))
            small = by.get((r["shape"], 1000))
            if small is not None:
                for name in ("check", "run"):
                    grown = r[name] / small[name]
                    out.append((f"{tag}: {name} grew {grown:.1f}x from 1,000 (linear: <= {10 * LINEAR_SLACK:g}x)",
                                grown <= 10 * LINEAR_SLACK))
                    grown = r[name + "_pss"] / small[name + "_pss"]
                    out.append((f"{tag}: {name} PSS grew {grown:.1f}x from 1,000 (sublinear: < 10x)", grown < 10))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=SHAPES)
    parser.add_argument("--skip-pandas", action="store_true", help="leave out the slow pandas loop")
    parser.add_argument("--repeat", type=int, default=1, help="runs of check and run each; the fastest counts")
    args = parser.parse_args(argv)
    rows = []
    for n in args.sizes:
        for shape in args.shapes:
            rows.append(measure(n, shape, args.skip_pandas, args.repeat))
        print(report(rows[-1:]).splitlines()[-1], flush=True)
    print()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(report(rows))
    judged = verdicts(rows)
    if judged:
        print()
    for point, held in judged:
        print(f"{'holds' if held else 'FAILS'}  {point}")
    return 0 if all(held for _, held in judged) else 1


if __name__ == "__main__":
    sys.exit(main())
