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

A run that cannot be right stops before it writes (DOMAIN §9): every argument is checked
before a return is read, a batch that cannot be the period's is refused after reading, and
the period's outputs are written into a staging folder and replace the previous set only when
all are written (outputs/publish.py). Inputs are never modified, moved or deleted.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .core import (
    DB_NAME,
    FEEDBACK_FOLDER,
    ROW_TABLES,
    OutputError,
    Period,
    RefusedError,
    UsageError,
    YouyiError,
    cn_date,
    collect_new,
    frozen_cyclic_gc,
    output_names,
    release_free_memory,
    without_cyclic_gc,
)
from .evaluation import Result, compare_history, compare_rerun, copy_history, evaluate, record_history
from .intake import Batch, Progress, collect, period_outside_plan, refusal
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


def _plan_folder(plan: Plan) -> Path | None:
    first = next(iter(plan.files.values()), None)
    return Path(first).parent if first else None


def _notice_template(plan: Plan, given: str | Path | None) -> Path | None:
    """The clerk's template: the one given, else 通报模板.docx beside the plan's attachments."""
    if given is not None:
        return Path(given)
    folder = _plan_folder(plan)
    beside = folder / NOTICE_TEMPLATE_NAME if folder else None
    return beside if beside is not None and beside.is_file() else None


def check_output(out: str | Path, returns: str | Path, period: Period) -> Path:
    """The output folder, checked before any return is read (nothing is created here): not
    inside the returns folder, nor holding them in its 退回意见; a folder (or creatable); its
    退回意见 not a link elsewhere; no output name of the period taken by a folder."""
    folder, source = Path(out).resolve(), Path(returns).resolve()
    if folder == source or source in folder.parents:
        raise UsageError(f"输出文件夹“{out}”位于报表文件夹内，会混入下次收集的报表；请另选输出文件夹")
    feedback = folder / FEEDBACK_FOLDER
    if source == feedback or feedback in source.parents:
        raise UsageError(f"报表文件夹“{returns}”是输出文件夹的“{FEEDBACK_FOLDER}”文件夹：本次生成的退回意见会与"
                         "报回的文件同名。请把报回的文件移到单独的文件夹（如 回收/2022-06）后再运行")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"输出文件夹“{out}”是一个文件，不是文件夹；请另选输出文件夹")
    _check_writable(folder, out)
    if os.path.lexists(feedback) and (feedback.is_symlink() or os.path.realpath(feedback) != str(feedback)):
        raise UsageError(f"输出文件夹中的“{FEEDBACK_FOLDER}”是指向别处的链接，退回意见会写到输出文件夹以外；"
                         "请删除该链接或另选输出文件夹")
    if os.path.lexists(feedback) and not feedback.is_dir():
        raise UsageError(f"输出文件夹中的“{FEEDBACK_FOLDER}”是一个文件，不是文件夹；请把它改名或移走后重新运行")
    for name in (*output_names(period).values(), DB_NAME):
        if (folder / name).is_dir():
            raise UsageError(f"输出文件夹中已有名为“{name}”的文件夹，与要生成的文件同名；请把它改名或移走后重新运行")
    return folder


def _check_writable(folder: Path, out: str | Path) -> None:
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise UsageError(f"无法创建输出文件夹“{out}”：路径中的“{existing}”不是文件夹")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"无法在“{existing}”中写入输出文件夹“{out}”：没有权限")


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise RefusedError(reason)


@without_cyclic_gc       # between the stages too: a full collection after collect walked 10,000 returns (0.6 s)
def run(returns: str | Path, period: str | Period, *, plan: Plan | str | Path | None = None,
        out: str | Path = "out", notice_template: str | Path | None = None,
        notice_date: dt.date | str | None = None, progress: Progress | None = None,
        step: Step | None = None, workers: int | None = None,
        deadline: dt.date | str | None = None) -> RunOutputs:
    """Collect the returns of `period`, evaluate them and write every output into `out`.

    Every argument is checked before a return is read; a batch that cannot be this period's
    is refused (RefusedError) with nothing written; the outputs replace the previous set of the
    period only when all are written. The plan's own problems head the result's issues.
    `deadline`: the date corrected returns are due (通报 and every 退回意见; default a week
    after the 成文日期)."""
    from .outputs import as_date, check_template, default_deadline

    period = Period.parse(period)
    plan = plan if isinstance(plan, Plan) else load_plan(plan)
    _refuse(period_outside_plan(period, plan))      # before anything is read or made
    template = _notice_template(plan, notice_template)
    check_template(template)
    date = as_date(notice_date) if notice_date is not None else default_notice_date(period)
    due = as_date(deadline, "--deadline 的日期") if deadline is not None else default_deadline(date)
    folder = check_output(out, returns, period)
    _say(step, "读取并校验各单位报表")
    preload = _Preload()
    try:
        batch = collect(returns, period, plan, progress=preload.ticking(progress), workers=workers)
    finally:
        preload.join()          # before anything forks again (and before a failure is said)
    _refuse(refusal(batch))
    _say(step, "计算指标、得分和排名")
    result = evaluate(batch, plan)           # scored by plan.rules (its 考核细则)
    result.issue_list = [*plan.issues, *result.issue_list]       # the plan's problems first
    return _publish(result, folder, period, template, date, due, step)


def _publish(result: Result, folder: Path, period: Period, template, date, due: dt.date,
             step: Step | None) -> RunOutputs:
    """Every output into a staging folder, then all of them in place of the previous set."""
    from .outputs import failure_message, os_failure, publishing

    inputs = [Path(r.path) for r in (*result.batch.returns, *result.batch.superseded)]
    waiting = (lambda holder: _say(step, f"等待另一个 youyi-xl 写完（{holder}）")) if step else None
    try:
        with publishing(folder, period, inputs, waiting=waiting) as staging:
            result.comparison = compare_history(result, folder)
            result.rerun = compare_rerun(result, folder)       # who moved since the last run of the period
            staged = RunOutputs(result, staging.folder)
            _write_outputs(staged, period, template, date, due, step)
            copy_history(folder, staging.folder)
            staged.files["history"] = record_history(result, staging.folder)
            _say(step, "替换上次生成的文件")
            staging.commit()
    except YouyiError:
        raise
    except Exception as exc:
        cause = os_failure(exc)
        if cause is None:
            raise
        raise OutputError(failure_message(cause)) from exc
    return _moved(staged, folder)


def _moved(staged: RunOutputs, folder: Path) -> RunOutputs:
    """The outputs at their final names."""
    final = RunOutputs(staged.result, folder)
    final.files = {k: folder / p.relative_to(staged.folder) for k, p in staged.files.items()}
    final.feedback = [folder / p.relative_to(staged.folder) for p in staged.feedback]
    return final


@frozen_cyclic_gc
def _write_outputs(outputs: RunOutputs, period: Period, template, date: dt.date, due: dt.date,
                   step: Step | None) -> None:
    """The 成绩单 here and, for a large batch on POSIX, the documents (result JSON, 通报, 催报稿,
    退回意见) in a forked child at the same time: the two halves take about as long, one a core
    (from QUIET_LEDGERS_FROM rows the 成绩单 waits for the child before it reads the records, and
    this process writes the result JSON once the child has ended: it reads every unit record,
    whose pages, read while the child lived, were copied — 10,000 returns: all processes while
    the documents are written 960 → 927 MiB).
    The writers make millions of short-lived objects beside the batch's long-lived ones: the
    cyclic collector, walking them all, is paused (about a tenth of the writing at 1,000 returns),
    and what exists already is frozen, so that the cycles of a closed workbook or document are
    freed by a collection of the objects made since (core.collect_new) and neither process
    touches the other's shared objects when it collects."""
    from .outputs import write_scorecard

    names, folder, result = output_names(period), outputs.folder, outputs.result
    for frame in SHARED_FRAMES:     # made once, before the fork, for both halves (pandas imported once)
        getattr(result, frame)
    _say(step, "生成结果文件、通报、催报稿和退回意见")
    quiet = sum(result.batch.row_count(t.key) for t in ROW_TABLES) >= QUIET_LEDGERS_FROM
    # with quiet ledgers the 成绩单 waits for the documents, then the result JSON is written here
    # (it reads the units, key projects and issues: no child shares their pages by then)
    documents = _Background(_write_documents, result, folder, names, template, date, due, not quiet,
                            large=len(result.batch.accepted) >= BACKGROUND_FROM)
    files: dict[str, Path] = {}

    def before_ledgers() -> None:
        from .outputs import write_result_json

        documents.wait()
        files["json"] = write_result_json(result, folder / names["json"])

    _say(step, "生成成绩单")
    try:
        outputs.files["scorecard"] = write_scorecard(
            result, folder / names["scorecard"], before_ledgers=before_ledgers if quiet else None)
    except BaseException:
        documents.discard()                     # waited for; the 成绩单's failure is the one said
        raise
    written, feedback = documents.wait()
    files.update(written)
    outputs.files.update(files)
    outputs.feedback = feedback


def _write_documents(result: Result, folder: Path, names: dict[str, str], template, date: dt.date,
                     due: dt.date, json: bool = True) -> tuple[dict[str, Path], list[Path]]:
    from .outputs import render_notice, write_feedback, write_reminder, write_result_json

    files = {"json": write_result_json(result, folder / names["json"])} if json else {}
    files["notice"], files["notice_html"] = render_notice(result, folder / names["notice"], template, date, due)
    collect_new()       # the documents read and written (python-docx's trees are cycles)
    files["reminder"] = write_reminder(result, folder / names["reminder"], date)
    return files, write_feedback(result.batch, folder, deadline=cn_date(due))


# The tables of a Result that the 成绩单 and the 通报 read, made once before the fork. Made in the
# child, they cost it the import of pandas and the pages that import writes (10,000 returns: ~100 MB
# of the child's); made in this process after the fork, the unit table (read by the 成绩单 only)
# reads every unit record, writing their reference counts, so that their pages were copied while the
# child lived (10,000 returns: 56 MB of the 1,048 MB peak of run's processes).
SHARED_FRAMES = ("unit_table", "county_table", "chain_table", "key_project_table")
BACKGROUND_FROM = 300      # returns; from here the documents are written beside the 成绩单
# Rows; from here the 成绩单's ledgers are made only once the documents are written: reading the
# records while the documents' child lives would copy their pages into it (10,000 returns, 600,000
# rows: all processes 2.15 GB → 1.57 GB at the peak; the 成绩单 waits ~5 s for the documents, yet the
# outputs took no longer, with less copying). Below it the ledgers start at once (1,000 returns:
# 60,000 rows, and the documents take a second longer than the rest of the 成绩单).
QUIET_LEDGERS_FROM = 100_000


class _Preload:
    """Import pandas and the writers' libraries on a thread while the reading workers keep both
    cores busy: single-core work taken off the path after the reading (0.8 s of pandas alone at
    1,000 returns on a slow spell). Started at the first file read — in a parallel collect its
    worker processes exist by then (a fork while a thread imports could hand a worker a held import
    lock) — and joined when the collect ends, before the writers fork (a run with a thread alive
    writes its documents inline)."""

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None

    def ticking(self, progress: Progress | None) -> Progress:
        def tick(done: int, total: int, file: str) -> None:
            if self.thread is None:
                self.thread = threading.Thread(target=_import_writers, daemon=True, name="youyi-xl-preload")
                self.thread.start()
            if progress is not None:
                progress(done, total, file)
        return tick

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()
            self.thread = None


def _import_writers() -> None:
    """What the evaluation's tables and the writers import (a failure here is met, and said,
    where they are used)."""
    with contextlib.suppress(Exception):
        import pandas  # noqa: F401

        from . import outputs
        outputs.write_scorecard, outputs.render_notice, outputs.write_feedback   # noqa: B018


class _Background:
    """One writer run in a forked child while the parent writes the other outputs (POSIX, large
    batches, a process without other threads); inline everywhere else. Forking shares the
    result without copying it; the child sends back what the writer returned or the Chinese error."""

    def __init__(self, fn: Callable, *args, large: bool):
        self.process = None
        if not (large and os.name == "posix" and threading.active_count() == 1):
            self.answer = ("ok", fn(*args))
            return
        context = multiprocessing.get_context("fork")
        release_free_memory()           # the free pages of this process are not shared with the child
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_child, args=(sender, fn, args), daemon=True)
        self.process.start()
        sender.close()

    def discard(self) -> None:
        """Wait for the child and drop what it sends (the parent failed already)."""
        if self.process is not None:
            with contextlib.suppress(EOFError, OSError):
                self.receiver.recv()
            self.process.join()
            self.process = None

    def wait(self):
        """What the writer returned (its OutputError raised); the child is waited for once."""
        if self.process is not None:
            try:
                self.answer = self.receiver.recv()
            except EOFError:
                self.answer = ("error", "生成通报等文件的子进程意外退出（可能内存不足），请重新运行")
            finally:
                self.process.join()
                self.process = None
        kind, value = self.answer
        if kind == "error":
            raise OutputError(value)
        return value


def _child(sender, fn: Callable, args: tuple) -> None:
    from .outputs import failure_message, os_failure

    try:
        sender.send(("ok", fn(*args)))
    except YouyiError as exc:
        sender.send(("error", str(exc)))
    except Exception as exc:  # the child's boundary: the parent reports it as one Chinese line
        cause = os_failure(exc)
        if cause is not None:           # the same sentence as when the parent writes
            sender.send(("error", failure_message(cause)))
            return
        sender.send(("error", f"生成通报等文件时出错：{type(exc).__name__}: {exc}"))
    finally:
        sender.close()


def _say(step: Step | None, what: str) -> None:
    if step is not None:
        step(what)

__all__ = ["RunOutputs", "run", "demo", "copy_templates", "default_notice_date", "NOTICE_TEMPLATE_NAME"]
