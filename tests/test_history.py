"""History across periods: youyi.db, 较上期 changes, re-running a period replaces it."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3

import pytest
from builders import project, write_return

from youyi_xl.cli.main import main
from youyi_xl.evaluation.history import DB_NAME, compare, unit_history
from youyi_xl.pipeline import run


def _returns(folder, period_label, counts):
    """One return per township: `counts[unit]` signed projects, all started, signed in January."""
    for unit, n in counts.items():
        rows = [project(name=f"{unit}项目{i}", investor=f"{unit}公司{i}", sign_date=dt.date(2022, 1, 10),
                        start_date=dt.date(2022, 1, 20)) for i in range(n)]
        write_return(folder / f"{unit}.xlsx", unit=unit, period=period_label, projects=rows, key_projects=())
    return folder


@pytest.fixture(scope="module")
def two_periods(tmp_path_factory):
    root = tmp_path_factory.mktemp("history")
    march = _returns(root / "03", "2022年1-3月", {"友谊镇": 2, "兴隆镇": 0, "龙山镇": 1})
    june = _returns(root / "06", "2022年1-6月", {"友谊镇": 2, "兴隆镇": 4, "龙山镇": 1})
    out = root / "out"
    first = run(march, "2022-03", out=out)
    second = run(june, "2022-06", out=out)
    return first, second, out


def test_second_period_compares_with_the_first(two_periods):
    first, second, out = two_periods
    assert first.result.comparison is None
    comp = second.result.comparison
    assert comp.previous.key == "2022-03"
    ranks = lambda result: {r["unit"]: r["rank"] for r in result.unit_records}  # noqa: E731
    before, after = ranks(first.result), ranks(second.result)
    assert before["兴隆镇"] > after["兴隆镇"]            # 兴隆镇 signed its first 4 and climbed
    assert comp.rank_change["兴隆镇"] == before["兴隆镇"] - after["兴隆镇"] > 0
    assert comp.describe_rank("兴隆镇") == f"排名较上期上升{comp.rank_change['兴隆镇']}位"
    assert comp.new_signed == {**{u: 0 for u in comp.new_signed}, "兴隆镇": 4}
    assert comp.county_new["signed_projects"] == 4
    data = second.result.to_json()["previous"]
    assert data["period"] == "2022-03" and data["new_signed"]["兴隆镇"] == 4


def test_database_records_files_with_sha256(two_periods):
    _, _, out = two_periods
    db = sqlite3.connect(out / DB_NAME)
    rows = db.execute("SELECT period, file, unit, length(sha256), used FROM files ORDER BY period, file").fetchall()
    assert ("2022-06", "兴隆镇.xlsx", "兴隆镇", 64, 1) in rows and len(rows) == 6
    assert db.execute("SELECT COUNT(*) FROM unit_scores").fetchone()[0] == 2 * 26


def test_rerunning_a_period_replaces_it(two_periods, tmp_path):
    first, _, out = two_periods
    again = run(first.batch.folder, "2022-03", out=out)
    frame = unit_history(out, "兴隆镇")
    assert list(frame["period"]) == ["2022-03", "2022-06"]
    assert again.result.comparison is None            # nothing before 2022-03
    assert compare(again.result, out) is None


def test_history_command(two_periods, capsys):
    _, _, out = two_periods
    assert main(["history", "--out", str(out), "--unit", "兴隆镇人民政府"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["单位", "报送期", "报送状态", "签约项目(个)", "综合得分", "名次", "较上期"]
    first, second = (line.split() for line in lines[2:])
    assert first[:2] == ["兴隆镇", "2022年1—3月"] and first[-1] == "首期"
    ranks = [int(row[5].strip("第名并列")) for row in (first, second)]
    moved = ranks[0] - ranks[1]
    assert second[-1] == ("持平" if moved == 0 else f"{'上升' if moved > 0 else '下降'}{abs(moved)}位")
    assert all(re.fullmatch(r"-?[\d,]+\.\d\d", row[4]) for row in (first, second))   # scores: 2 decimals
    assert main(["history", "--out", str(out / "nowhere")]) == 2


def test_scorecard_and_notice_show_the_change(two_periods):
    import openpyxl

    _, second, _ = two_periods
    change = second.result.comparison.rank_change["兴隆镇"]
    sheet = openpyxl.load_workbook(second.files["scorecard"])["乡镇排名"]
    headers = [c.value for c in sheet[4]]
    rows = {row[1]: row for row in sheet.iter_rows(values_only=True) if row and len(row) > 2}
    assert rows["兴隆镇"][headers.index("较上期")] == f"↑{change}"
    assert rows["凤岗镇"][headers.index("较上期")] == "连续两期未报送"       # no rank move to speak of
    overview = " ".join(str(c) for row in openpyxl.load_workbook(second.files["scorecard"])["总览"]
                        .iter_rows(values_only=True) for c in row if c)
    assert "较上期（2022年1—3月）全县新增签约项目4个" in overview
    html = second.files["notice_html"].read_text(encoding="utf-8")
    assert "与上期（2022年1—3月）相比，全县新增签约项目4个" in html
    assert f"兴隆镇（上升{change}位）" in html


def test_the_change_against_the_previous_period_in_words():
    import pandas as pd

    from youyi_xl.evaluation.history import describe_change

    assert [describe_change(c) for c in (2, -1, 0, pd.NA, None)] == ["上升2位", "下降1位", "持平", "未排名", "未排名"]
    assert describe_change(pd.NA, first=True) == "首期"
    assert describe_change(0, missing=True) == "未报送"          # nothing to compare, not 持平


def test_a_database_in_use_is_not_called_damaged(two_periods, monkeypatch, capsys):
    """A youyi.db another program holds locked was reported as damaged ("delete it"), which
    invites deleting the history; a damaged one is not to be deleted either."""
    import youyi_xl.evaluation.history as history

    _, _, out = two_periods
    monkeypatch.setattr(history, "DB_TIMEOUT", 0.05)
    holder = sqlite3.connect(out / DB_NAME)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert main(["history", "--out", str(out)]) == 2
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert "正被其他程序使用" in err and "删除" not in err and "损坏" not in err


def test_a_damaged_database_is_to_be_kept_not_deleted(tmp_path, capsys):
    (tmp_path / DB_NAME).write_bytes(b"this is not a database" * 100)
    assert main(["history", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "已损坏" in err and "改名保存" in err and "删除" not in err
def test_verdicts_and_statuses_of_the_previous_period(two_periods):
    """The comparison knows who was 后进 and who did not report last time (连续两期), and says
    持平 / 未报送 in words where a rank did not move or cannot be compared."""
    first, second, out = two_periods
    comp = second.result.comparison
    lagging_before = {r["unit"] for r in first.result.unit_records if r["lagging"]}
    assert lagging_before and {u for u, flag in comp.previous_lagging.items() if flag} == lagging_before
    assert comp.previous_status["兴隆镇"] == "submitted" and comp.previous_status["凤岗镇"] == "missing"
    assert comp.change_text("凤岗镇", "missing") == "连续两期未报送"
    assert comp.change_text("兴隆镇", "missing") == "本期未报送"
    assert comp.change_text("凤岗镇", "submitted") == "上期未报送"
    assert not comp.comparable("凤岗镇", "submitted") and comp.comparable("兴隆镇", "submitted")
    comp.rank_change["友谊镇"] = 0
    assert comp.change_text("友谊镇", "submitted") == "持平"
    assert comp.change_text("不在上期的单位", "submitted") == "—"
    db = sqlite3.connect(out / DB_NAME)
    assert db.execute("SELECT COUNT(*) FROM unit_verdicts WHERE period = '2022-06'").fetchone()[0] == 26


def test_a_rerun_after_corrections_reports_who_moved(tmp_path, capsys):
    """DOMAIN §9: while a unit is 数据有误 its rank is provisional; running the period again after
    it corrected its return says who moved (CLI, result JSON, the 成绩单's 说明) — and an
    identical re-run says nothing moved and writes the same JSON as before."""
    import json

    import openpyxl

    def batch(folder, bad):
        counts = {"友谊镇": 1, "兴隆镇": 2, "龙山镇": 0}
        for unit, n in counts.items():
            rows = [project(name=f"{unit}项目{i}", investor=f"{unit}公司{i}", sign_date=dt.date(2022, 1, 10),
                            start_date=dt.date(2022, 1, 20)) for i in range(n)]
            if unit == "龙山镇":             # three projects, one amount typed as text while bad
                rows = [project(name=f"龙山镇项目{i}", investor=f"龙山镇公司{i}", sign_date=dt.date(2022, 1, 10),
                                start_date=dt.date(2022, 1, 20),
                                **({"funds_in": "约500"} if bad and i == 0 else {})) for i in range(3)]
            write_return(folder / f"{unit}.xlsx", unit=unit, period="2022年1-3月", projects=rows, key_projects=())
        return folder

    out = tmp_path / "out"
    first = run(batch(tmp_path / "v1", bad=True), "2022-03", out=out)
    assert first.result.rerun is None                          # the period's first run
    lagging = {r["unit"]: r for r in first.result.unit_records}["龙山镇"]
    assert lagging["status"] == "errors"
    assert main(["run", str(batch(tmp_path / "v2", bad=False)), "--period", "2022-03", "--out", str(out)]) in (0, 1)
    said = capsys.readouterr().out
    data = json.loads((out / "result-2022-03.json").read_text(encoding="utf-8"))
    moved = {m["unit"]: m for m in data["rerun"]}
    assert moved["龙山镇"]["before"] == f"暂列{lagging['rank_label']}" and moved["龙山镇"]["now"].startswith("第")
    assert "与2022年1—3月上次汇总相比" in said and f"龙山镇：暂列{lagging['rank_label']} → " in said
    explain = [c.value for row in openpyxl.load_workbook(out / "成绩单-2022-03.xlsx")["说明"].iter_rows()
               for c in row if isinstance(c.value, str)]
    assert any(text.startswith(f"龙山镇由暂列{lagging['rank_label']}变为") for text in explain)

    assert main(["run", str(tmp_path / "v2"), "--period", "2022-03", "--out", str(out)]) in (0, 1)
    assert "各单位名次没有变化" in capsys.readouterr().out
    again = json.loads((out / "result-2022-03.json").read_text(encoding="utf-8"))
    assert again == {k: v for k, v in data.items() if k != "rerun"}     # only the 更正后 note is gone


def test_a_history_written_before_verdicts_were_kept_still_compares(tmp_path):
    """A youyi.db from before the unit_verdicts table (round one) gives 较上期 without 连续两期."""
    out = tmp_path / "out"
    run(_returns(tmp_path / "03", "2022年1-3月", {"友谊镇": 2, "兴隆镇": 0}), "2022-03", out=out)
    with sqlite3.connect(out / DB_NAME) as db:
        db.execute("DROP TABLE unit_verdicts")
    db.close()
    second = run(_returns(tmp_path / "06", "2022年1-6月", {"友谊镇": 2, "兴隆镇": 3}), "2022-06", out=out)
    comp = second.result.comparison
    assert comp.previous.key == "2022-03" and comp.previous_lagging == {} and comp.rank_change
