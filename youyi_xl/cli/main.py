"""The `youyi-xl` command: a thin layer over the public API.

Exit codes: 0 fine, 1 problems found in the data (or in the plan), 2 usage or fatal error
(a refused batch included). Every failure is one Chinese line on stderr, never a traceback
(set YOUYI_DEBUG=1 to see one). `--json` is written as UTF-8 bytes whatever the console's
encoding (a GBK console on Windows included).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Callable, Sequence

from .. import __version__
from ..core import (
    SEVERITY_LABELS,
    Period,
    RefusedError,
    UsageError,
    YouyiError,
    count_by_severity,
    without_cyclic_gc,
)
from .textfmt import display_width, pad, table, two_columns

EXIT_OK, EXIT_DATA, EXIT_FATAL = 0, 1, 2


class ChineseParser(argparse.ArgumentParser):
    """argparse with Chinese section titles and one-line Chinese usage errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("add_help", False)
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def format_help(self) -> str:
        """Usage, description, the entries of every group aligned by display width (a Chinese
        character is two columns), then the examples and exit codes (the epilog)."""
        parts = [self.format_usage().rstrip(), ""]
        if self.description:
            parts += [self.description, ""]
        for group in self._action_groups:
            rows = [row for action in group._group_actions for row in _help_rows(action)]
            if rows:
                parts += [f"{group.title}：", *two_columns(rows), ""]
        if self.epilog:
            parts += [self.epilog.rstrip(), ""]
        return "\n".join(parts)

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        raise YouyiError(f"命令参数有误：{_translate(message)}（运行 {self.prog} --help 查看用法）")


def _help_rows(action: argparse.Action) -> list[tuple[str, str]]:
    if action.help == argparse.SUPPRESS:
        return []
    if isinstance(action, argparse._SubParsersAction):         # the commands, one row each
        return [(choice.dest, choice.help or "") for choice in action._choices_actions]
    if not action.option_strings:
        return [(action.metavar or action.dest, action.help or "")]
    name = ", ".join(action.option_strings)
    if action.nargs != 0:
        name += f" {action.metavar or action.dest.upper()}"
    return [(name, action.help or "")]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse passes prefix="" when it builds a sub-command's prog: keep that one empty
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


_ARGPARSE_WORDS = (
    ("the following arguments are required", "缺少必需参数"),
    ("unrecognized arguments", "无法识别的参数"),
    ("invalid choice", "无效的选项"),
    ("expected one argument", "需要一个值"),
    ("argument", "参数"),
    ("choose from", "可选"),
)


def _translate(message: str) -> str:
    for english, chinese in _ARGPARSE_WORDS:
        message = message.replace(english, chinese)
    return message


# --------------------------------------------------------------------------
# commands
# --------------------------------------------------------------------------

def cmd_plan(args: argparse.Namespace) -> int:
    from ..plan import load_plan

    plan = load_plan(args.plan)
    out = [f"目标分解来源：{plan.files['attachment1'].parent}", ""]
    for group in ("乡镇", "部门"):
        units = plan.group(group)
        out.append(f"【{group}】{len(units)}个：" + "、".join(u.name for u in units))
    out += ["", "【全县目标】"]
    rows = [(ind.label, plan.county_targets.get(ind.key), ind.unit) for ind in plan.indicators]
    out.append(table(("指标", "全县目标", "单位"), rows, right=(False, True, False)))
    out += ["", f"【产业链】{len(plan.chains)}条：" + "、".join(c.name for c in plan.chains),
            f"【重点项目】{len(plan.key_projects)}个", ""]
    out += _issue_lines(plan.issues, "模板问题")
    print("\n".join(out))
    return EXIT_DATA if plan.has_errors else EXIT_OK


def _issue_lines(issues, title: str) -> list[str]:
    if not issues:
        return [f"{title}：无"]
    counts = count_by_severity(issues)
    rows = [(i.file, i.sheet, i.cell, SEVERITY_LABELS[i.severity], i.message) for i in issues]
    return [f"{title}：错误 {counts['error']} 条，警告 {counts['warning']} 条",
            table(("文件", "工作表", "单元格", "级别", "说明"), rows, max_width=60)]


def cmd_forms(args: argparse.Namespace) -> int:
    from .. import make_forms
    from ..plan import load_plan

    plan = load_plan(args.plan)
    units = args.unit or None
    paths = make_forms(plan, args.period, args.out, units, overwrite=args.force)
    print(f"已生成 {len(paths)} 份填报表，保存在：{args.out}")
    return EXIT_OK


@without_cyclic_gc          # the batch lives until the command ends: nothing for the collector to find
def cmd_check(args: argparse.Namespace) -> int:
    from ..intake import collect, period_outside_plan, refusal
    from ..plan import load_plan

    period = Period.parse(args.period)
    plan = load_plan(args.plan)
    _refuse(period_outside_plan(period, plan))
    batch = collect(args.returns, period, plan, progress=_progress_bar(args))
    _refuse(refusal(batch))
    if args.json:
        print_json([i.to_dict() for i in (*plan.issues, *batch.issue_list)])
    else:
        print(_check_report(batch))
    return EXIT_DATA if batch.counts["error"] or plan.has_errors else EXIT_OK


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise RefusedError(reason)


def print_json(data) -> None:
    """`data` as indented JSON in UTF-8 on stdout, whatever the console's encoding."""
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _plan_lines(plan) -> list[str]:
    """Which plan folder was used (named first in check and run) and its own problems."""
    from ..plan import default_template_dir

    folder = next(iter(plan.files.values())).parent if plan.files else None
    shipped = folder is not None and Path(folder).resolve() == default_template_dir().resolve()
    note = "（程序自带的模板；如下发填报表时用的是自己的模板，请加 --plan 指定）" if shipped else ""
    lines = [f"目标分解表：{folder}{note}"]
    if plan.issues:
        lines += _issue_lines(plan.issues, "目标分解表问题（请先改正模板）")
    return lines + [""]


def _check_report(batch) -> str:
    """The plan used, problems of the whole batch, then issues grouped by unit and file, one
    line each, then the summary line."""
    lines: list[str] = _plan_lines(batch.plan)
    whole = [i for i in batch.issue_list if not i.unit and not i.file]
    lines += [f"【全部报表】[{SEVERITY_LABELS[i.severity]}] {i.message} → {i.hint}" for i in whole]
    lines += [""] if whole else []
    groups: dict[tuple[str, str], list] = {}
    for issue in batch.issue_list:
        if issue.unit or issue.file:
            groups.setdefault((issue.unit or "（未识别单位）", issue.file), []).append(issue)
    for (unit, file), issues in groups.items():
        lines.append(f"【{unit}】{file}")
        for i in issues:
            place = " ".join(filter(None, (i.sheet, i.cell))) or "整个文件"
            hint = f" → {i.hint}" if i.hint else ""
            lines.append(f"  [{SEVERITY_LABELS[i.severity]}] {place}：{i.message}{hint}")
        lines.append("")
    missing = [u.name for u in batch.plan.units if batch.status(u.name) == "missing"]
    if missing:
        lines.append(f"未报送单位（{len(missing)}个）：" + "、".join(missing))
    c = batch.counts
    lines.append(f"报送 {c['submitted']} 个单位，未报送 {c['missing']} 个，"
                 f"错误 {c['error']} 条，警告 {c['warning']} 条")
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    from ..pipeline import run

    quiet = args.json
    step = None if quiet or not sys.stderr.isatty() else (lambda what: print(f"… {what}", file=sys.stderr))
    outputs = run(args.returns, args.period, plan=args.plan, out=args.out,
                  notice_template=args.notice_template, notice_date=args.date,
                  progress=_progress_bar(args), step=step, deadline=args.deadline)
    if quiet:
        print_json(outputs.result.to_json())
    else:
        print(_run_report(outputs))
    return EXIT_DATA if outputs.batch.counts["error"] or outputs.result.plan.has_errors else EXIT_OK


def _run_report(outputs) -> str:
    result, batch = outputs.result, outputs.batch
    units = result.unit_table
    lines = _plan_lines(result.plan)
    lines += [f"【全部报表】[{SEVERITY_LABELS[i.severity]}] {i.message} → {i.hint}"
              for i in batch.issue_list if not i.unit and not i.file]
    lines.append(f"{result.period.dash_label}（序时进度 {result.time_progress:.1%}）考评结果：")
    for group in ("乡镇", "部门"):
        members = units[units["group"] == group].sort_values(["rank", "order"])
        top = "、".join(f"{r.unit}（{r.score:.1f}分）" for r in members.head(3).itertuples())
        lines.append(f"  {group}前三名：{top}")
    c = batch.counts
    lines.append(f"报送 {c['submitted']} 个单位，未报送 {c['missing']} 个，错误 {c['error']} 条，警告 {c['warning']} 条")
    if result.rerun is not None:
        lines += result.rerun.lines()
    lines.append("")
    lines.append(f"输出文件（{outputs.folder}）：")
    labels = {"scorecard": "成绩单", "notice": "通报稿", "notice_html": "通报稿（网页预览）",
              "reminder": "催报稿", "json": "结果数据"}
    lines += [f"  {labels[k]}：{p.name}" for k, p in outputs.files.items() if k in labels]
    if outputs.feedback:
        lines.append(f"  退回意见：{len(outputs.feedback)} 份，在“退回意见”文件夹中")
    return "\n".join(lines)


def cmd_history(args: argparse.Namespace) -> int:
    from ..core import DB_NAME
    from ..evaluation import unit_history
    from ..intake import STATUS_LABELS

    if not (Path(args.out) / DB_NAME).exists():
        raise UsageError(f"“{args.out}”中没有历史记录（{DB_NAME}），请先用 youyi-xl run 生成")
    from ..plan import load_plan

    plan = load_plan(args.plan)
    headline = plan.indicators[0]
    frame = unit_history(args.out, _canonical_unit(args.unit, args.plan) if args.unit else None, headline.key)
    if frame.empty:
        print(f"没有“{args.unit}”的记录" if args.unit else "没有记录")
        return EXIT_OK
    rows = [(r.unit, Period.parse(r.period).dash_label, STATUS_LABELS.get(r.status, r.status),
             _figure(r.indicator, headline), _figure(r.score), r.rank_label, r.change)
            for r in frame.itertuples()]
    print(table(("单位", "报送期", "报送状态", f"{headline.short}({headline.unit})", "综合得分", "名次", "较上期"),
                rows, right=(False, False, False, True, True, False, False)))
    return EXIT_OK


def _figure(value, indicator=None) -> str:
    """A number as the 成绩单 prints it: counts whole, scores and amounts with two decimals."""
    if value is None or value != value:
        return "—"
    whole = indicator is not None and indicator.is_count
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def cmd_demo(args: argparse.Namespace) -> int:
    from ..pipeline import demo

    step = (lambda what: print(f"… {what}", file=sys.stderr)) if sys.stderr.isatty() else None
    runs = demo(args.out, plan=args.plan, step=step)
    for outputs in runs:
        print(_run_report(outputs))
        print("")
    root = Path(args.out)
    print(f"示例报表在：{root / '报表'}")
    print(f"成绩单、通报稿、退回意见等在：{runs[-1].folder}")
    print("（示例数据由程序生成，单位名称为真实乡镇和部门，项目和金额均为虚构。）")
    return EXIT_OK


def cmd_templates(args: argparse.Namespace) -> int:
    from ..pipeline import copy_templates

    paths = copy_templates(args.out)
    print(f"已复制 {len(paths)} 个模板到“{args.out}”：" + "、".join(p.name for p in paths))
    print(f"修改后运行时加上 --plan {args.out} 即可使用（考核细则和通报模板也会一并采用）。")
    return EXIT_OK


def _canonical_unit(name: str, plan_dir: str | None) -> str:
    from ..plan import load_plan

    unit = load_plan(plan_dir).unit(name)
    if unit is None:
        raise UsageError(f"“{name}”不是目标分解表中的单位")
    return unit.name


def _progress_bar(args: argparse.Namespace):
    """A one-line progress bar on stderr, only for a terminal and not in --json mode."""
    if getattr(args, "json", False) or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, file: str) -> None:
        if total < 10:
            return
        width = 30
        filled = width * done // total
        sys.stderr.write(f"\r读取报表 [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


# --------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------

# command: (handler, one-line help, description)
COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str, str]] = {
    "plan": (cmd_plan, "显示目标分解（单位、全县目标、模板问题）",
             "读取三个附件模板，列出单位、全县目标和模板中的问题。"),
    "forms": (cmd_forms, "生成各单位本期填报表", "按目标分解为每个单位生成本期填报表（已预填目标和重点项目）。"),
    "check": (cmd_check, "校验回收的报表，列出每个问题", "读取文件夹中各单位报回的填报表，逐单元格列出问题。"),
    "run": (cmd_run, "收集、校验、考评，生成成绩单、通报稿和退回意见",
            "一条命令完成本期工作：校验各单位报表，计算得分排名，写出成绩单、通报稿、催报稿、退回意见和结果数据。"),
    "demo": (cmd_demo, "用程序生成的示例报表演示全过程",
             "生成2022年1—3月和1—6月的示例报表（两个单位未报送、含几处典型错误），"
             "并对两期各运行一次 run，输出成绩单、通报稿和退回意见。"),
    "templates": (cmd_templates, "复制可修改的模板（目标分解、考核细则、通报模板）",
                  "把三个附件模板、考核细则和通报模板复制到一个文件夹，供修改后用 --plan 指定。"),
    "history": (cmd_history, "查看各期考评记录（较上期变化）", "列出输出文件夹历史记录中各单位各期的得分和名次。"),
}


EXIT_CODES = ("退出码：\n"
              "  0  完成，没有发现错误\n"
              "  1  完成，但报表（或模板）中有错误，见上面的问题清单或退回意见\n"
              "  2  没有完成：命令参数有误、文件夹不存在、模板无法使用或文件无法写入（原因见提示）")

# command: examples shown under its --help
EXAMPLES: dict[str, tuple[str, ...]] = {
    "": ("youyi-xl demo --out 演示                                  # 用示例数据看一遍全过程",
         "youyi-xl forms --period 2022-03 --out 下发                # 生成各单位填报表",
         "youyi-xl check 回收/2022-03 --period 2022-03              # 只校验",
         "youyi-xl run 回收/2022-03 --period 2022-03 --out 成果     # 成绩单、通报稿、退回意见"),
    "plan": ("youyi-xl plan", "youyi-xl plan --plan 我的模板"),
    "forms": ("youyi-xl forms --period 2022-03 --out 下发",
              "youyi-xl forms --period 2022-03 --out 下发 --unit 友谊镇 --force"),
    "check": ("youyi-xl check 回收/2022-03 --period 2022-03",
              "youyi-xl check 回收/2022-03 --period 2022-03 --plan 我的模板 --json > 问题.json"),
    "run": ("youyi-xl run 回收/2022-03 --period 2022-03 --out 成果",
            "youyi-xl run 回收/2022-06 --period 2022-06 --out 成果 --date 2022-07-08"),
    "demo": ("youyi-xl demo --out 演示",),
    "templates": ("youyi-xl templates --out 我的模板",),
    "history": ("youyi-xl history --out 成果", "youyi-xl history --out 成果 --unit 友谊镇"),
}


def _epilog(command: str) -> str:
    """示例 (their # comments aligned by display width) and 退出码."""
    split = [(line.partition("#")[0].rstrip(), line.partition("#")[2].strip()) for line in EXAMPLES[command]]
    width = max(display_width(code) for code, _ in split) + 2
    lines = [f"  {pad(code, width)}# {note}" if note else f"  {code}" for code, note in split]
    return "示例：\n" + "\n".join(lines) + "\n\n" + EXIT_CODES


def build_parser() -> ChineseParser:
    parser = ChineseParser(
        prog="youyi-xl", epilog=_epilog(""),
        description="招商引资和项目建设调度考评：回收、校验、汇总、考评、通报，一条命令完成。\n"
                    "查看每个命令的说明：youyi-xl 命令 --help，如 youyi-xl run --help")
    parser.add_argument("--version", action="version", version=f"youyi-xl {__version__}",
                        help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", title="命令", metavar="命令", parser_class=ChineseParser)
    for name, (handler, help_text, description) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=description, epilog=_epilog(name))
        _ARGUMENTS[name](p)
        p.set_defaults(func=handler)
    return parser


def _forms_arguments(p: argparse.ArgumentParser) -> None:
    _period_option(p)
    p.add_argument("--out", metavar="目录", required=True, help="填报表保存到的文件夹")
    p.add_argument("--unit", metavar="单位", action="append", help="只生成该单位的（可重复）")
    p.add_argument("--force", action="store_true", help="覆盖文件夹中已有的同名填报表")
    _plan_option(p)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    _returns_option(p)
    p.add_argument("--json", action="store_true", help="以JSON输出问题清单（便于其他程序处理）")


def _run_arguments(p: argparse.ArgumentParser) -> None:
    _returns_option(p)
    p.add_argument("--out", metavar="目录", default="out", help="输出文件夹（默认 out）")
    p.add_argument("--notice-template", metavar="文件", default=None,
                   help="自己修改过的通报模板（.docx），默认使用随程序提供的模板")
    p.add_argument("--date", metavar="日期", default=None, help="通报成文日期，如 2022-04-06（默认为期末后第6天）")
    p.add_argument("--deadline", metavar="日期", default=None,
                   help="数据有误的单位重新报送的截止日期，如 2022-04-13（写入通报和退回意见；默认为成文日期后7天）")
    p.add_argument("--json", action="store_true", help="把结果数据以JSON输出到屏幕")


def _demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="目录", default="youyi-demo", help="演示文件夹（默认 youyi-demo）")
    _plan_option(p)


def _templates_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="目录", required=True, help="复制到的文件夹")


def _history_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="目录", default="out", help="运行 run 时的输出文件夹（默认 out）")
    p.add_argument("--unit", metavar="单位", default=None, help="只看该单位，如 友谊镇")
    _plan_option(p)


def _returns_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("returns", metavar="报表目录", help="存放各单位报回文件的文件夹")
    _period_option(p)
    _plan_option(p)


def _period_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", metavar="年-月", required=True, help="报送期，如 2022-03（1—3月累计）")


def _plan_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--plan", metavar="目录", default=None,
                   help="附件模板所在文件夹（默认使用随程序提供的模板）")


_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "plan": lambda p: _plan_option(p), "forms": _forms_arguments, "check": _check_arguments,
    "run": _run_arguments, "demo": _demo_arguments, "templates": _templates_arguments,
    "history": _history_arguments,
}


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_streams()
    # A damaged file can make the Rust reader panic; the panic becomes one Chinese issue, and
    # its backtrace on stderr would only frighten the clerk.
    os.environ["RUST_BACKTRACE"] = "0"
    try:
        args = build_parser().parse_args(argv)
        if not getattr(args, "func", None):
            build_parser().print_help()
            return EXIT_FATAL
        return args.func(args)
    except YouyiError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:          # `youyi-xl history | head`: the reader has gone, say nothing
        _silence_stdout()
        return EXIT_OK
    except Exception as exc:  # the one broad catch: the CLI boundary never shows a traceback
        if os.environ.get("YOUYI_DEBUG"):
            raise
        print(f"内部错误：{type(exc).__name__}: {exc}（请把此信息和输入文件发给维护人员；"
              "设置环境变量 YOUYI_DEBUG=1 可查看详细信息）", file=sys.stderr)
        return EXIT_FATAL


def _silence_stdout() -> None:
    """Point stdout at the null device so that the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Callable | None = getattr(stream, "reconfigure", None)
        if reconfigure:
            reconfigure(errors="replace")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
