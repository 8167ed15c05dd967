"""Where the cores idle: `run` on N returns, step by step, with the CPU all its processes used.

    python benchmarks/bench_cores.py --sizes 1000 10000

For each step of `youyi_xl.run` (the steps the CLI shows on a terminal, plus the imports and the
plan before them) it prints the wall time, the CPU time of every process of the run together
(workers, forked writers, the main process) and their ratio: the cores busy on average, out of
os.cpu_count(). A step at 1.0 on a 2-core machine leaves one core idle. Linux only (/proc).
The batch is the benchmark's own shape (benchmarks/shapes.py, cached under benchmarks/_data/).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shapes import PERIOD, prepare  # noqa: E402  (benchmarks/ is not a package)

CHILD = """
import sys, time
def step(what):
    print(f"{time.time():.4f}\\t{what}", flush=True)
step("导入模块")
from youyi_xl import load_plan, pipeline
step("读取方案")
plan = load_plan(sys.argv[1])
pipeline.run(sys.argv[2], sys.argv[4], plan=plan, out=sys.argv[3], step=step)
step("结束")
"""
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and its live descendants, with what each has reaped (cutime): every
    second counted once, whichever process ran it."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / TICK      # utime stime cutime cstime
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children", "rb") as f:
                    todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(n: int) -> list[tuple[str, float, float]]:
    """(step, wall s, CPU s) for every step of one run."""
    plan_dir, returns = prepare(n, "own")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as out:
        start = time.time()
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(plan_dir), str(returns), out, PERIOD],
                                 stdout=subprocess.PIPE, text=True, env=env)
        steps: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: steps.extend(
            (float(t), what.strip()) for t, what in (line.split("\t", 1) for line in child.stdout)))
        reader.start()
        samples = [(start, 0.0)]
        while child.poll() is None:
            samples.append((time.time(), tree_cpu(child.pid)))
            time.sleep(0.05)
        reader.join()
    marks = [(start, "启动解释器"), *steps]
    rows = []
    for (t0, what), (t1, _) in zip(marks, marks[1:]):
        rows.append((what, t1 - t0, _cpu_at(samples, t1) - _cpu_at(samples, t0)))
    return rows


def _cpu_at(samples: list[tuple[float, float]], when: float) -> float:
    """The tree's CPU at `when`, from the samples around it (linear between two)."""
    before = max((s for s in samples if s[0] <= when), default=samples[0])
    after = min((s for s in samples if s[0] >= when), default=samples[-1])
    if after[0] == before[0]:
        return before[1]
    return before[1] + (after[1] - before[1]) * (when - before[0]) / (after[0] - before[0])


def report(n: int, rows: list[tuple[str, float, float]]) -> str:
    lines = [f"N = {n:,} ({os.cpu_count()} cores)", "| step | wall | CPU (all processes) | cores busy |",
             "|---|---|---|---|"]
    for what, wall, cpu in rows:
        lines.append(f"| {what} | {wall:.2f} s | {cpu:.2f} s | {cpu / wall if wall else 0:.2f} |")
    wall, cpu = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines.append(f"| whole run | {wall:.2f} s | {cpu:.2f} s | {cpu / wall:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    args = parser.parse_args(argv)
    for n in args.sizes:
        print(report(n, measure(n)), flush=True)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
