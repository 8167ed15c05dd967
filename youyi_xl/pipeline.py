"""The whole job for one period in one call: collect → evaluate → every output.

`run()` is what `youyi-xl run` and `youyi-xl demo` call. Outputs go straight into
`out` with the period in every file name, so several periods share one folder
(and one history database):

    out/result-2022-03.json      the evaluation as JSON
    out/成绩单-2022-03.xlsx       the scorecard workbook
    out/通报-2022-03.docx/.html   the bulletin draft
    out/催报-2022-03.txt          the reminder for units that have not reported
    out/退回意见/…                 one workbook per unit with issues
    out/youyi.db                  the history of every period run into this folder
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .core import (FEEDBACK_FOLDER, OutputError, Period, UsageError, YouyiError, cn_date, feedback_suffix,
                   output_names)
from .evaluation import Result, compare_history, evaluate, record_history
from .intake import Batch, Progress, check_period, collect
from .plan import Plan, load_plan

Step = Callable[[str], None]


@dataclass
class RunOutputs:
    """What one run produced: the evaluation and the files written."""

    result: Result
    folder: Path
    files: dict[str, Path] = field(default_factory=dict)
    feedback: list[Path] = field(default_factory=list)

    @property
    def batch(self) -> Batch:
        return self.result.batch


def default_notice_date(period: Period) -> dt.date:
    """成文日期 when none is given: the 6th of the month after the period (deterministic)."""
    return period.end + dt.timedelta(days=6)


NOTICE_TEMPLATE_NAME = "通报模板.docx"


def copy_templates(dest: str | Path) -> list[Path]:
    """Copy every template a clerk may edit into `dest`: the three attachments, 考核细则, 通报模板.

    Pass the folder back with --plan: its 考核细则 and 通报模板 are then used too.
    Existing files are never overwritten.
    """
    from .outputs import atomic_write, copy_template
    from .plan import FILE_PATTERNS, default_rules_file, default_template_dir

    folder = Path(dest)
    folder.mkdir(parents=True, exist_ok=True)
    sources = [default_template_dir() / f"{key}.xlsx" for key in FILE_PATTERNS] + [default_rules_file()]
    targets = [folder / src.name for src in sources] + [folder / NOTICE_TEMPLATE_NAME]
    existing = [t.name for t in targets if t.exists()]
    if existing:
        raise OutputError(f"“{folder}”中已有{'、'.join(existing)}，未覆盖；请换一个空文件夹")
    copied = [atomic_write(target, src.read_bytes()) for src, target in zip(sources, targets)]
    return copied + [copy_template(folder / NOTICE_TEMPLATE_NAME)]


DEMO_PERIODS = ("2022-03", "2022-06")


def demo(out: str | Path, *, plan: Plan | str | Path | None = None, periods=DEMO_PERIODS,
         step: Step | None = None) -> list[RunOutputs]:
    """Write sample returns (all units but two, typical mistakes) and run every period on them.

    Returns go to out/报表/<period>/, results to out/成果/ (one folder, so the second period
    shows the change against the first).
    """
    from .demo import write_sample_returns

    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    root = Path(out)
    runs = []
    for period in periods:
        folder = root / "报表" / Period.parse(period).key
        _say(step, f"生成{Period.parse(period).dash_label}示例报表")
        write_sample_returns(plan, period, folder)
        runs.append(run(folder, period, plan=plan, out=root / "成果", step=step))
    return runs


def _notice_template(plan: Plan, given: str | Path | None) -> Path | None:
    """The clerk's template: the one given, else 通报模板.docx beside the plan's attachments."""
    if given is not None:
        return Path(given)
    first = next(iter(plan.files.values()), None)
    beside = Path(first).parent / NOTICE_TEMPLATE_NAME if first else None
    return beside if beside is not None and beside.is_file() else None


def prepare_output(out: str | Path, returns: str | Path) -> Path:
    """The output folder, created; refused when it lies inside the returns folder."""
    folder, source = Path(out).resolve(), Path(returns).resolve()
    if folder == source or source in folder.parents:
        raise UsageError(f"输出文件夹“{out}”位于报表文件夹内，会混入下次收集的报表；请另选输出文件夹")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{out}”：{exc.strerror or exc}") from exc
    return folder


def run(returns: str | Path, period: str | Period, *, plan: Plan | str | Path | None = None,
        out: str | Path = "out", notice_template: str | Path | None = None,
        notice_date: dt.date | str | None = None, progress: Progress | None = None,
        step: Step | None = None, workers: int | None = None,
        deadline: dt.date | str | None = None) -> RunOutputs:
    """Collect the returns of `period`, evaluate them and write every output into `out`.
    `deadline`: the date corrected returns are due (通报 and every 退回意见; default a week
    after the 成文日期)."""
    period = Period.parse(period)
    deadline = _day(deadline, "--deadline") if deadline is not None else None
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    check_period(period, plan)               # before the output folder is made
    folder = prepare_output(out, returns)
    _say(step, "读取并校验各单位报表")
    batch = collect(returns, period, plan, progress=progress, workers=workers)
    _say(step, "计算指标、得分和排名")
    result = evaluate(batch, plan)           # the 考核细则 of the plan folder, else the shipped one
    result.comparison = compare_history(result, folder)
    outputs = RunOutputs(result, folder)
    _write_outputs(outputs, period, _notice_template(plan, notice_template),
                   notice_date or default_notice_date(period), step, deadline)
    outputs.files["history"] = record_history(result, folder)
    return outputs


def _write_outputs(outputs: RunOutputs, period: Period, template, date, step: Step | None,
                   deadline: dt.date | None = None) -> None:
    from .outputs import (default_deadline, render_notice, write_feedback, write_reminder, write_result_json,
                          write_scorecard)

    due = deadline or default_deadline(_day(date, "--date"))
    names, folder, result = output_names(period), outputs.folder, outputs.result
    _say(step, "生成成绩单")
    scorecard = _Background(write_scorecard, result, folder / names["scorecard"],
                            large=len(result.batch.accepted) >= BACKGROUND_FROM)
    _say(step, "写出结果文件")
    outputs.files["json"] = write_result_json(result, folder / names["json"])
    _say(step, "生成通报和催报稿")
    docx, html = render_notice(result, folder / names["notice"], template, date, due)
    outputs.files.update(notice=docx, notice_html=html)
    outputs.files["reminder"] = write_reminder(result, folder / names["reminder"], date)
    _say(step, "生成退回意见")
    _clear_old_feedback(folder, period)
    outputs.feedback = write_feedback(result.batch, folder, deadline=cn_date(due))
    outputs.files["scorecard"] = scorecard.wait()


def _day(value: dt.date | str, option: str) -> dt.date:
    """A date given as a date or as 2022-04-06; a UsageError naming the option otherwise."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise UsageError(f"{option} 的日期“{value}”无法识别，请写成 2022-04-06 这样的年-月-日格式") from exc


BACKGROUND_FROM = 300      # returns; from here the scorecard is written beside the other outputs


class _Background:
    """One writer run in a forked child while the parent writes the other outputs (POSIX, large
    batches, a process without other threads); inline everywhere else. Forking shares the
    result without copying it; the child sends back the path written or the Chinese error."""

    def __init__(self, fn: Callable, *args, large: bool):
        self.process = None
        if not (large and os.name == "posix" and threading.active_count() == 1):
            self.value = fn(*args)
            return
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(sender, fn, args), daemon=True)
        self.process.start()
        sender.close()

    def wait(self):
        if self.process is None:
            return self.value
        try:
            kind, value = self.receiver.recv()
        except EOFError:
            kind, value = "error", "生成成绩单的子进程意外退出（可能内存不足），请重新运行"
        finally:
            self.process.join()
        if kind == "error":
            raise OutputError(value)
        return value


def _child(sender, fn: Callable, args: tuple) -> None:
    try:
        sender.send(("ok", fn(*args)))
    except YouyiError as exc:
        sender.send(("error", str(exc)))
    except Exception as exc:  # the child's boundary: the parent reports it as one Chinese line
        sender.send(("error", f"生成成绩单时出错：{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _clear_old_feedback(folder: Path, period: Period) -> None:
    """Remove this period's 退回意见 of an earlier run: a unit that fixed its return gets none now."""
    for old in (folder / FEEDBACK_FOLDER).glob(f"*{feedback_suffix(period)}"):
        try:
            old.unlink()
        except OSError as exc:
            raise OutputError(f"无法删除上次生成的退回意见“{old.name}”（是否在Excel中打开？）：{exc.strerror}") from exc


def _say(step: Step | None, what: str) -> None:
    if step is not None:
        step(what)

__all__ = ["RunOutputs", "run", "demo", "copy_templates", "default_notice_date", "NOTICE_TEMPLATE_NAME"]
