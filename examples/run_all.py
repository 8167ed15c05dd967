"""一键运行示例：读取 examples/returns/ 中 2022-03、2022-06 两期的示例报表，生成成绩单、通报等。

双击本文件，或在命令行运行：

    python examples/run_all.py

结果写到 examples/out/ 文件夹（每个文件名都带报送期）。
Runs youyi_xl.pipeline.run for both periods and prints, in Chinese, where the outputs are.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
try:
    import youyi_xl  # noqa: F401
except ImportError:                      # running from a checkout that is not installed
    sys.path.insert(0, str(HERE.parent))

from youyi_xl.core.errors import YouyiError  # noqa: E402
from youyi_xl.pipeline import run  # noqa: E402

PERIODS = ("2022-03", "2022-06")
RETURNS = HERE / "returns"
OUT = HERE / "out"
LABELS = {"json": "结果数据（JSON）", "scorecard": "成绩单", "notice": "通报（Word）",
          "notice_html": "通报（网页预览）", "reminder": "催报稿", "history": "历史数据库"}


def run_period(period: str, out: Path = OUT) -> None:
    """Run the whole job for one period and print where its outputs are."""
    print(f"【{period}】读取 {RETURNS / period}")
    outputs = run(RETURNS / period, period, out=out, step=lambda what: print(f"  …{what}"))
    counts = outputs.batch.counts
    print(f"  报送 {counts['submitted']} 个单位，未报送 {counts['missing']} 个；"
          f"发现错误 {counts['error']} 条，警告 {counts['warning']} 条")
    for key, path in outputs.files.items():
        print(f"  {LABELS.get(key, key)}：{path}")
    if outputs.feedback:
        print(f"  退回意见 {len(outputs.feedback)} 份：{outputs.feedback[0].parent}")


def main(out: Path = OUT) -> int:
    try:
        for period in PERIODS:
            run_period(period, out)
    except YouyiError as exc:
        print(f"出错了：{exc}")
        return exc.exit_code
    print(f"\n全部完成。请打开文件夹查看结果：{out}")
    return 0


def double_clicked() -> bool:
    """On Windows, a console opened just for this script (not from cmd or PowerShell)."""
    return (os.name == "nt" and sys.stdin is not None and sys.stdin.isatty()
            and "PROMPT" not in os.environ)       # cmd.exe sets PROMPT; Explorer does not


if __name__ == "__main__":
    code = main()
    if double_clicked():
        input("\n按回车键关闭窗口……")
    sys.exit(code)
