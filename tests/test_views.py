"""What a notebook shows (issue 13): short reprs and bounded HTML for Plan, Batch and Result;
Chinese views with Chinese values; the ranking view that says why a unit is 后进."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import youyi_xl as yx

RETURNS = Path(__file__).resolve().parents[1] / "examples" / "returns"
ENGLISH_VALUES = {"submitted", "missing", "errors", "green", "yellow", "red", "grey", "error", "warning",
                  "info", True, False}


@pytest.fixture(scope="module")
def plan():
    return yx.load_plan()


@pytest.fixture(scope="module")
def batch(plan):
    return yx.collect(RETURNS / "2022-06", "2022-06", plan)


@pytest.fixture(scope="module")
def result(batch):
    return yx.evaluate(batch)


def test_reprs_are_one_short_line_with_the_counts(plan, batch, result):
    c = batch.counts
    for obj in (plan, batch, result):
        text = repr(obj)
        assert "\n" not in text and len(text) < 200, text
    assert repr(plan).startswith("Plan(友谊县2022年：26个单位（乡镇11、部门15），14项指标")
    assert repr(batch).startswith(f"Batch(2022年1—6月：26个单位，已报送{c['submitted']}个，未报送{c['missing']}个")
    assert f"错误{c['error']}条" in repr(batch)
    lagging = sum(r["lagging"] for r in result.unit_records)
    assert repr(result).startswith("Result(2022年1—6月，序时进度50.0%：26个单位参评")
    assert f"后进{lagging}个" in repr(result)
    county = next(r for r in result.county_records if r["indicator"] == "signed_projects")
    assert f"全县签约项目{county['actual']:.0f}/38个" in repr(result)


def test_html_reprs_are_bounded_and_name_what_matters(plan, batch, result):
    assert all(len(o._repr_html_()) < 20_000 for o in (plan, batch, result))
    html = result._repr_html_()
    for record in result.unit_records:
        assert record["unit"] in html                         # the whole ranking, no more
    assert "submitted" not in html and "green" not in html
    missing = [u.name for u in plan.units if batch.status(u.name) == "missing"]
    assert missing and all(name in batch._repr_html_() for name in missing)
    assert "招商签约项目" in plan._repr_html_()


def _english_values(frame) -> set:
    found = set()
    for column in frame.columns:
        for value in frame[column]:
            if isinstance(value, (str, bool)) and value in ENGLISH_VALUES:
                found.add((column, value))
    return found


def test_every_chinese_view_has_chinese_values(batch, result):
    views = {"result.units": result.units, "result.chains": result.chains,
             "result.key_projects": result.key_projects, "result.county": result.county,
             "result.ranking": result.ranking, **{f"batch.zh.{name}": getattr(batch.zh, name) for name in
                                                  ("units", "issues", "projects", "key_projects", "planned",
                                                   "reported")}}
    for name, frame in views.items():
        assert len(frame), name
        assert not _english_values(frame), (name, sorted(_english_values(frame))[:5])
        assert not any(re.fullmatch(r"[a-z_]+", str(c)) for c in frame.columns), (name, list(frame.columns))
    assert set(result.units["报送状态"]) == {"已报送", "未报送", "数据有误"}
    assert set(result.county["颜色"]) <= {"绿", "黄", "红", "灰"}
    assert set(batch.zh.projects["计入统计"]) == {"是", "否"}        # 东建乡's 约500 row is left out
    assert list(batch.zh.issues.columns[:6]) == ["单位", "级别", "文件", "工作表", "单元格", "字段"]
    # the English frames are unchanged beside them
    assert set(result.unit_table["status"]) == {"submitted", "missing", "errors"}
    assert batch.projects["valid"].dtype == bool


def test_the_ranking_view_says_why_a_unit_is_lagging(result):
    ranking = result.ranking
    assert list(ranking.columns) == ["类别", "名次", "单位", "报送状态", "综合得分", "综合序时完成率", "评定",
                                     "滞后指标", "后进原因"]
    assert len(ranking) == 26 and ranking["类别"].tolist() == ["乡镇"] * 11 + ["部门"] * 15
    by_unit = {r["unit"]: r for r in result.unit_records}
    shorts = {i.key: i.short for i in result.plan.indicators}
    for row in ranking.to_dict("records"):
        record = by_unit[row["单位"]]
        below = [shorts[k] for k in sorted((k for k in shorts if record[f"{k}__points"] is not None
                                             and record[f"{k}__time_rate"] < 1),
                                            key=lambda k: record[f"{k}__time_rate"])]    # worst first
        assert row["滞后指标"] == "、".join(below), row["单位"]
        assert (row["评定"] == "后进") == bool(record["lagging"])
        if record["lagging"]:
            assert row["后进原因"], row["单位"]
            if record["status"] == "missing":
                assert row["后进原因"].startswith("未报送（扣5分）")
            else:
                assert row["后进原因"] == "、".join(below) + "低于序时进度"
        else:
            assert row["后进原因"] == ""
    assert (ranking["评定"] == "后进").sum() == 6
