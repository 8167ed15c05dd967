"""The `youyi-xl` command: exit codes, Chinese one-line errors, never a traceback."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import openpyxl
import pytest

from youyi_xl import __version__
from youyi_xl.cli.main import main
from youyi_xl.plan.attachments import default_template_dir


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:          # argparse's --help and --version
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and __version__ in out


def test_help_is_chinese(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "用法" in out and "plan" in out and "check" in out
    assert "友谊县" not in out.split("示例")[0]          # any county's plan: the tool is not 友谊县's
    assert not [line for line in out.splitlines() if line.strip() == "命令"]      # no stray metavar line


def _entry_columns(text: str) -> dict[str, set[int]]:
    """For each section of a help text, the display columns at which the entries' help starts."""
    from youyi_xl.cli.textfmt import display_width

    columns: dict[str, set[int]] = {}
    section = ""
    for line in text.splitlines():
        if line.endswith("：") and not line.startswith(" "):
            section = line
        elif section in ("参数：", "选项：", "命令：") and line.startswith("  ") and not line.startswith("   "):
            name, gap, rest = re.match(r"  (\S+(?:,? \S+)*?)(\s{2,})(\S.*)", line).groups()
            columns.setdefault(section, set()).add(display_width("  " + name + gap))
    return columns


@pytest.mark.parametrize("command", ["", "plan", "forms", "check", "run", "demo", "templates", "history"])
def test_every_help_has_examples_exit_codes_and_aligned_columns(capsys, command):
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0 and out.count("用法：") == 1
    assert "示例：" in out and f"youyi-xl {command}".rstrip() in out.split("示例：")[1]
    exits = out.split("退出码：")[1]
    assert all(f"  {n}  " in exits for n in (0, 1, 2))
    columns = _entry_columns(out)
    assert columns and all(len(c) == 1 for c in columns.values()), columns   # one column per section


def test_forms_refusal_names_the_force_option(capsys, tmp_path):
    assert main(["forms", "--period", "2022-03", "--out", str(tmp_path), "--unit", "友谊镇"]) == 0
    form = next(tmp_path.glob("*.xlsx"))
    form.write_bytes(form.read_bytes() + b"changed by the unit")
    capsys.readouterr()
    assert main(["forms", "--period", "2022-03", "--out", str(tmp_path), "--unit", "友谊镇"]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "覆盖选项" not in err
    assert main(["forms", "--period", "2022-03", "--out", str(tmp_path), "--unit", "友谊镇", "--force"]) == 0


def test_plan_prints_units_targets_and_no_problems(capsys):
    code, out, _ = run(capsys, "plan")
    assert code == 0
    assert "【乡镇】11个" in out and "【部门】15个" in out
    assert "招商签约项目" in out and "107,000" in out and "模板问题：无" in out


def test_plan_with_template_errors_exits_1(capsys, tmp_path):
    folder = tmp_path / "plan"
    shutil.copytree(default_template_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    wb = openpyxl.load_workbook(folder / "attachment1.xlsx")
    wb["目标分解"]["D6"] = "待定"
    wb.save(folder / "attachment1.xlsx")
    code, out, _ = run(capsys, "plan", "--plan", str(folder))
    assert code == 1
    assert "D6" in out and "待定" in out


@pytest.mark.parametrize("argv, needle", [
    (("plan", "--plan", "/no/such/folder"), "不存在"),
    (("plan", "--bogus"), "无法识别的参数"),
    (("check",), "缺少必需参数"),
    (("check", ".", "--period", "2022-13"), "报送期"),
])
def test_fatal_errors_are_one_chinese_line(capsys, argv, needle):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert needle in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_check_empty_folder_is_refused(capsys, tmp_path):
    """No return at all cannot be this period's batch (DOMAIN §9): exit 2, one line."""
    code, out, err = run(capsys, "check", str(tmp_path), "--period", "2022-03")
    assert code == 2 and out == ""
    assert "没有找到任何报表" in err and len(err.strip().splitlines()) == 1


def test_check_json_is_a_list_of_issues(capsys, tmp_path):
    (tmp_path / "友谊镇.xlsx").write_text("not a workbook", encoding="utf-8")
    code, out, _ = run(capsys, "check", str(tmp_path), "--period", "2022-03", "--json")
    assert code == 1
    issues = json.loads(out)
    assert [i["code"] for i in issues] == ["file-unreadable"]
    assert set(issues[0]) == {"code", "severity", "file", "sheet", "cell", "unit", "field", "value",
                              "message", "hint", "row"}
    assert issues[0]["unit"] == "友谊镇" and issues[0]["file"] == "友谊镇.xlsx"


def test_real_subprocess(tmp_path):
    exe = shutil.which("youyi-xl")
    cmd = [exe] if exe else [sys.executable, "-m", "youyi_xl"]
    result = subprocess.run([*cmd, "plan"], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 0 and "全县目标" in result.stdout
    bad = subprocess.run([*cmd, "check", str(tmp_path / "nope"), "--period", "2022-03"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "不存在" in bad.stderr


@pytest.mark.slow
def test_demo_writes_returns_and_both_periods(capsys, tmp_path):
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    out = capsys.readouterr().out
    assert "2022年1—3月" in out and "2022年1—6月" in out and "成绩单-2022-06.xlsx" in out
    results = tmp_path / "demo" / "成果"
    assert (results / "通报-2022-06.docx").is_file() and (results / "youyi.db").is_file()
    assert len(list((tmp_path / "demo" / "报表" / "2022-03").glob("*.xlsx"))) == 25   # 24 units + an older version


def test_progress_bar_only_for_a_terminal_and_not_for_json(monkeypatch, capsys):
    import argparse
    import io

    from youyi_xl.cli.main import _progress_bar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    plain = argparse.Namespace(json=False)
    assert _progress_bar(plain) is None                        # pytest's stderr is not a terminal
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert _progress_bar(argparse.Namespace(json=True)) is None
    show = _progress_bar(plain)
    for done in range(1, 21):
        show(done, 20, f"{done}.xlsx")
    assert "读取报表" in terminal.getvalue() and "20/20" in terminal.getvalue()


def test_sub_command_help_says_usage_once(capsys):
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0 and out.count("用法") == 1 and "--notice-template" in out


def test_public_names_are_the_functions():
    import youyi_xl as yx
    import youyi_xl.pipeline  # noqa: F401 - importing submodules must not shadow the API

    assert callable(yx.evaluate) and yx.evaluate.__name__ == "evaluate"
    assert callable(yx.collect) and yx.collect.__name__ == "collect"
    for name in yx.__all__:
        assert getattr(yx, name) is not None, name
    assert yx.run.__module__ == "youyi_xl.pipeline" and yx.write_scorecard.__module__ == "youyi_xl.outputs.scorecard"


# --- DOMAIN §9: the plan named, its problems first, JSON in UTF-8 -----------------------

@pytest.fixture
def wrong_total(tmp_path):
    """A clerk's plan folder whose 目标分解 合计 is not the sum of its column (sum-mismatch)."""
    folder = tmp_path / "我的模板"
    shutil.copytree(default_template_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    book = openpyxl.load_workbook(folder / "attachment1.xlsx")
    sheet = book["目标分解"]
    row = next(c.row for r in sheet.iter_rows() for c in r if c.value == "合计")
    sheet[f"D{row}"] = 40
    book.save(folder / "attachment1.xlsx")
    return folder


def test_check_and_run_name_the_plan_and_put_its_problems_first(capsys, tmp_path, wrong_total):
    """A 合计 that differs from its column sum was reported by `plan` only: now it heads `check`
    and `run`, and the 成绩单's 数据问题 sheet; the plan folder used is named."""
    from builders import project, write_return

    returns = tmp_path / "returns"
    write_return(returns / "友谊镇.xlsx", projects=[project(funds_in="待定")])
    code, out, _ = run(capsys, "check", str(returns), "--period", "2022-03", "--plan", str(wrong_total))
    lines = out.splitlines()
    assert code == 1 and lines[0] == f"目标分解表：{wrong_total}"
    assert lines.index(next(line for line in lines if "目标分解表问题" in line)) < lines.index(
        next(line for line in lines if line.startswith("【友谊镇】")))
    code, out, _ = run(capsys, "check", str(returns), "--period", "2022-03", "--plan", str(wrong_total), "--json")
    assert json.loads(out)[0]["code"] == "sum-mismatch"
    code, out, _ = run(capsys, "run", str(returns), "--period", "2022-03", "--plan", str(wrong_total),
                       "--out", str(tmp_path / "out"))
    assert code == 1 and out.startswith(f"目标分解表：{wrong_total}\n") and "目标分解表问题" in out
    sheet = openpyxl.load_workbook(tmp_path / "out" / "成绩单-2022-03.xlsx")["数据问题"]
    codes = [code for row in sheet.iter_rows() for c in row for code in ("sum-mismatch", "number-invalid")
             if isinstance(c.value, str) and c.value.endswith(f"（{code}）")]
    assert codes[0] == "sum-mismatch" and "number-invalid" in codes
    assert [c.value for c in sheet[5]][:1] == ["（目标分解表）"]       # not 未识别单位
    assert "前1条是目标分解表" in sheet["A2"].value                     # the note says why they lead
    code, out, _ = run(capsys, "check", str(returns), "--period", "2022-03")
    assert "程序自带的模板" in out.splitlines()[0]


def test_json_is_utf8_on_a_gbk_console(tmp_path):
    """`check --json` piped on a Chinese Windows console (GBK) wrote GBK, not UTF-8 JSON."""
    (tmp_path / "友谊镇.xlsx").write_text("不是工作簿", encoding="utf-8")
    env = {**__import__("os").environ, "PYTHONIOENCODING": "gbk"}
    done = subprocess.run([sys.executable, "-m", "youyi_xl", "check", str(tmp_path), "--period", "2022-03",
                           "--json"], capture_output=True, env=env, timeout=120)
    issues = json.loads(done.stdout.decode("utf-8"))
    assert done.returncode == 1 and issues[0]["code"] == "file-unreadable" and "友谊镇" in issues[0]["unit"]
