"""evaluate(): indicators, 序时完成率, points, deductions, ranks, chains, key projects, county.

The heart of this module is a hand-computed example: six units whose every number
is worked out in the comment below and asserted. Returns are real workbooks
(tests/builders.py via the `make_return` fixture) read back through collect().
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import math
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from builders import set_cell

from youyi_xl.intake import Batch, collect
from youyi_xl.core.errors import RulesError
from youyi_xl.core.names import json_name
from youyi_xl.evaluation.scoring import CHAIN_LABELS, COUNTY_LABELS, Result, evaluate, unit_labels
from youyi_xl.outputs.resultjson import write_result_json
from shipped import KEYS
from youyi_xl.core.period import Period
from youyi_xl.plan import Chain, KeyProject, Plan, Unit
from youyi_xl.intake.returndata import ReturnData, TableRead
from youyi_xl.core.schema import KEY_PROJECTS, PLANNED, PROJECTS, Reported
from youyi_xl.plan.rules import default_rules_file, load_rules
from shipped import INDICATORS, RULES, SETTINGS

D = dt.date

# ==========================================================================
# The hand-computed example (period 2022-06: 序时进度 = 6/12 = 0.5)
# ==========================================================================
#
# Rules: the shipped 考核细则 (weights 签约15, 开工10, 省外资金10, 固定资产投资15, 市级百大5,
# 市级百大计划投资5, ...; cap 1.2; 未按时报送 −5, 数据有误 −2; 绿 ≥ 100%, 黄 ≥ 80%), with
# 先进/后进 名额 1 per group (the groups here are small; the default 3 is checked too).
#
# 序时完成率 (tr) = actual / target / 0.5. Points = weight × 100/W × min(tr, 1.2), where W is
# the sum of the weights of the indicators the unit has a target for.
#
# 乡镇
# 友谊镇  targets 签约4 开工2 省外1000 固投5000 (W = 15+10+10+15 = 50 → weights ×2: 30 20 20 30)
#   P1 signed 01-20, started 03-15, 省外 400, 总投资 6000, 玉米;  P2 signed 05-08, not started,
#   省外 200, 总投资 3000, 水稻;  指标汇总 固投 3000.
#   签约 2/4 = 0.5  tr 1.0 green → 30×1.0 = 30
#   开工 1/2 = 0.5  tr 1.0 green → 20×1.0 = 20
#   省外 600/1000 = 0.6  tr 1.2 green → 20×1.2 = 24
#   固投 3000/5000 = 0.6  tr 1.2 green → 30×1.2 = 36
#   points 110, overall tr 1.10 green, deduction 0, score 110 → 第1名, 先进
# 龙山镇  targets 签约2 开工1 省外500 固投2000; no file (missing): all actuals 0, tr 0, red;
#   points 0, deduction 5, score −5 → 第2名; 后进 (tr 0 < 1); never 先进 (did not report)
#
# 部门
# 发展和改革局  targets 省外500 市级百大2 市级百大计划投资4000 only (W = 10+5+5 = 20 → ×5: 50 25 25)
#   P3 signed 03-01, 省外 200, 总投资 2000, 其他;  K1 市级百大 新建 已开工 plan 3000 done 1200;
#   K2 市级百大 续建 已开工 plan 1000 done 600;  K3 (not in the list) 500万元以上 新建 未开工
#   plan 1000 done 0;  策划储备 row with 总投资 "待定" → number-invalid: the row is left out and
#   the unit is 数据有误.
#   省外 200/500 = 0.4  tr 0.8 yellow (the boundary) → 50×0.8 = 40
#   市级百大 2/2 = 1.0  tr 2.0 green, capped 1.2 → 25×1.2 = 30
#   市级百大计划投资 1800/4000 = 0.45  tr 0.9 yellow → 25×0.9 = 22.5
#   签约 1 and 新建市级百大 1 have no target: grey, no points
#   points 92.5, tr 0.925 yellow, deduction 2, score 90.5 → 第1名, 先进
# 商务局  targets 签约2 开工1 省外400 固投1000 (×2: 30 20 20 30)
#   P4 大豆蛋白 (山东鲁花) signed 02-15, started 05-10, 省外 240, 总投资 8000, 大豆; 固投 150.
#   签约 1/2 = 0.5 tr 1.0 → 30;  开工 1/1 tr 2.0 → capped 20×1.2 = 24;
#   省外 240/400 = 0.6 tr 1.2 → 24;  固投 150/1000 = 0.15 tr 0.3 red → 30×0.3 = 9
#   points 87, tr 0.87 yellow, score 87 → 并列第2名
# 财政局  the same targets and the very same project P4 (claimed twice: it counts for both
#   units, once for the county and the chain) and 固投 150 → score 87 → 并列第2名
# 统计局  targets 签约1 开工1 省外200 固投500 (×2); no projects; 固投 100;
#   its 指标汇总 says 签约 1 (total-mismatch: the rows give 0) and 签约 target 2 (target-changed).
#   签约 0, 开工 0, 省外 0: red, 0 points;  固投 100/500 = 0.2 tr 0.4 red → 30×0.4 = 12
#   points 12, tr 0.12 red, score 12 → 第4名, 后进
# 部门 ranks: 90.5, 87, 87, 12 → 1 2 2 4.
# With the default 名额 3: 先进 = 发改局, 商务局, 财政局; 后进 = 统计局 (商务局/财政局 are in the
# bottom three but are 先进); 乡镇: 先进 友谊镇, 后进 龙山镇.
#
# County (targets = the sum of this plan's unit targets):
#   签约: 友谊镇 2 + 发改局 1 + 商务局 1 + 财政局 1 = 5 over units, P4 once → 4 of 11
#   开工: P1, P4 → 2 of 6 (3 over units);  省外: 400+200+200+240 = 1040 of 3000 (1280 over units)
#   市级百大 2 of 2, 新建 1 (no target), 计划投资 1800 of 4000;  固投 3000+150+150+100 = 3400 of 9500
# Chains (target 2 signed ≥ 5000万元, 1 started):
#   玉米 P1 → signed 1 (tr 1.0 green), started 1 (tr 2.0 green);  大豆 P4 once → the same;
#   水稻 P2 (3000 < 5000, not started) → 0 and 0, red.
# Key projects: K1 1200/3000 = 0.4 tr 0.8 yellow; K2 600/1000 = 0.6 tr 1.2 green;
#   K3 not listed, 0/1000 red.

HAND_PERIOD = "2022-06"
TOWNS, DEPTS = "乡镇", "部门"
HAND_TARGETS = {
    "友谊镇": {"signed_projects": 4, "started_projects": 2, "out_of_province_funds": 1000,
            "fixed_asset_investment": 5000},
    "龙山镇": {"signed_projects": 2, "started_projects": 1, "out_of_province_funds": 500,
            "fixed_asset_investment": 2000},
    "发展和改革局": {"out_of_province_funds": 500, "municipal_projects": 2, "municipal_plan_investment": 4000},
    "商务局": {"signed_projects": 2, "started_projects": 1, "out_of_province_funds": 400,
            "fixed_asset_investment": 1000},
    "财政局": {"signed_projects": 2, "started_projects": 1, "out_of_province_funds": 400,
            "fixed_asset_investment": 1000},
    "统计局": {"signed_projects": 1, "started_projects": 1, "out_of_province_funds": 200,
            "fixed_asset_investment": 500},
}
CORN, SOY, RICE = "玉米(含鲜食玉米)", "大豆", "水稻"
K1 = KeyProject("友谊县城区供热管网改造项目", "市级百大", "新建", "发展和改革局", "副县长（示例）", "其他",
                8000.0, 3000.0, "2022年4月")
K2 = KeyProject("友谊县农产品冷链物流园项目", "市级百大", "续建", "发展和改革局", "副县长（示例）", "其他",
                5000.0, 1000.0, "续建")


def hand_plan() -> Plan:
    groups = {"友谊镇": TOWNS, "龙山镇": TOWNS}
    units = tuple(Unit(name, groups.get(name, DEPTS), (), i) for i, name in enumerate(HAND_TARGETS, 1))
    targets = {u: {k: float(t[k]) if k in t else None for k in KEYS} for u, t in HAND_TARGETS.items()}
    county = {k: float(sum(t.get(k, 0) for t in HAND_TARGETS.values())) for k in KEYS}
    chains = tuple(Chain(name, "副县长（示例）", lead, (), 2.0, 1.0)
                   for name, lead in ((CORN, "友谊镇"), (SOY, "商务局"), (RICE, "友谊镇")))
    return Plan(units=units, targets=targets, chains=chains, key_projects=(K1, K2), county_targets=county,
                fx_rate=6.7, issues=(), files={}, indicators=INDICATORS, settings=SETTINGS, rules=RULES)


def project(name, investor, sign, total, oop, chain, start=None, funds_in=None) -> dict:
    return {"name": name, "investor": investor, "fund_source": "省外", "chain": chain, "sign_date": sign,
            "total_investment": total, "started": "是" if start else "否", "start_date": start,
            "funds_in": funds_in or oop * 2, "funds_out_of_province": oop}


P1 = project("年产10万吨鲜食玉米加工项目", "黑龙江北大荒农业有限公司", D(2022, 1, 20), 6000, 400, CORN,
             start=D(2022, 3, 15))
P2 = project("水稻精深加工项目", "哈尔滨农投发展有限公司", D(2022, 5, 8), 3000, 200, RICE)
P3 = project("秸秆生物质颗粒项目", "江苏华鑫能源科技有限公司", D(2022, 3, 1), 2000, 200, "其他")
P4 = project("年产5万吨大豆蛋白项目", "山东鲁花集团有限公司", D(2022, 2, 15), 8000, 240, SOY,
             start=D(2022, 5, 10))


def key_row(project: KeyProject, done: float, status: str, start) -> dict:
    return {"name": project.name, "category": project.category, "nature": project.nature,
            "total_investment": project.total_investment, "plan_investment": project.plan_investment,
            "completed_investment": done, "status": status, "start_date": start}


K3_ROW = {"name": "友谊县粮食烘干仓储项目", "category": "500万元以上产业项目", "nature": "新建",
          "total_investment": 1200, "plan_investment": 1000, "completed_investment": 0, "status": "未开工"}
BAD_PLANNED = {"name": "友谊县生物天然气项目", "total_investment": "待定", "plan_date": D(2022, 5, 1)}


def write_hand_returns(folder: Path, plan: Plan, make_return) -> Path:
    make_return(folder, "友谊镇", HAND_PERIOD, plan=plan, projects=[P1, P2],
                summary={"signed_projects": 2, "started_projects": 1, "out_of_province_funds": 600,
                         "fixed_asset_investment": 3000})
    make_return(folder, "发展和改革局", HAND_PERIOD, plan=plan, projects=[P3],
                key_projects=[key_row(K1, 1200, "已开工", D(2022, 4, 10)),
                              key_row(K2, 600, "已开工", D(2021, 8, 1)), K3_ROW],
                planned=[BAD_PLANNED], summary={"out_of_province_funds": 200})
    for unit in ("商务局", "财政局"):
        make_return(folder, unit, HAND_PERIOD, plan=plan, projects=[P4],
                    summary={"signed_projects": 1, "fixed_asset_investment": 150})
    make_return(folder, "统计局", HAND_PERIOD, plan=plan, targets={"signed_projects": 2},
                summary={"signed_projects": 1, "fixed_asset_investment": 100})
    return folder


@pytest.fixture(scope="module")
def hand_batch(tmp_path_factory) -> Batch:
    from conftest import return_file

    plan = hand_plan()
    folder = write_hand_returns(tmp_path_factory.mktemp("hand"), plan, return_file)
    return collect(folder, HAND_PERIOD, plan)


def small_groups(rules=None):
    return dataclasses.replace(rules or load_rules(), advanced_count=1, lagging_count=1)


@pytest.fixture(scope="module")
def hand(hand_batch) -> Result:
    return evaluate(hand_batch, hand_batch.plan, small_groups())


def unit_row(result: Result, unit: str) -> dict:
    return next(r for r in result.unit_records if r["unit"] == unit)


EXPECTED_INDICATORS = {
    # unit: {key: (target, actual, rate, time_rate, colour, points)}
    "友谊镇": {"signed_projects": (4, 2, 0.5, 1.0, "green", 30),
            "started_projects": (2, 1, 0.5, 1.0, "green", 20),
            "out_of_province_funds": (1000, 600, 0.6, 1.2, "green", 24),
            "fixed_asset_investment": (5000, 3000, 0.6, 1.2, "green", 36)},
    "龙山镇": {"signed_projects": (2, 0, 0, 0, "red", 0), "started_projects": (1, 0, 0, 0, "red", 0),
            "out_of_province_funds": (500, 0, 0, 0, "red", 0),
            "fixed_asset_investment": (2000, 0, 0, 0, "red", 0)},
    "发展和改革局": {"out_of_province_funds": (500, 200, 0.4, 0.8, "yellow", 40),
               "municipal_projects": (2, 2, 1.0, 2.0, "green", 30),
               "municipal_plan_investment": (4000, 1800, 0.45, 0.9, "yellow", 22.5),
               "signed_projects": (None, 1, None, None, "grey", None),
               "municipal_new_projects": (None, 1, None, None, "grey", None)},
    "商务局": {"signed_projects": (2, 1, 0.5, 1.0, "green", 30),
            "started_projects": (1, 1, 1.0, 2.0, "green", 24),
            "out_of_province_funds": (400, 240, 0.6, 1.2, "green", 24),
            "fixed_asset_investment": (1000, 150, 0.15, 0.3, "red", 9)},
    "统计局": {"signed_projects": (1, 0, 0, 0, "red", 0), "started_projects": (1, 0, 0, 0, "red", 0),
            "out_of_province_funds": (200, 0, 0, 0, "red", 0),
            "fixed_asset_investment": (500, 100, 0.2, 0.4, "red", 12)},
}
EXPECTED_INDICATORS["财政局"] = EXPECTED_INDICATORS["商务局"]

EXPECTED_UNITS = {
    # unit: (status, points, time_rate, colour, deduction, score, rank, rank_label, 先进, 后进)
    "友谊镇": ("submitted", 110, 1.1, "green", 0, 110, 1, "第1名", True, False),
    "龙山镇": ("missing", 0, 0, "red", 5, -5, 2, "第2名", False, True),
    "发展和改革局": ("errors", 92.5, 0.925, "yellow", 2, 90.5, 1, "第1名", True, False),
    "商务局": ("submitted", 87, 0.87, "yellow", 0, 87, 2, "并列第2名", False, False),
    "财政局": ("submitted", 87, 0.87, "yellow", 0, 87, 2, "并列第2名", False, False),
    "统计局": ("submitted", 12, 0.12, "red", 0, 12, 4, "第4名", False, True),
}


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, abs_tol=1e-9)


@pytest.mark.parametrize("unit", list(EXPECTED_INDICATORS))
def test_hand_example_indicators(hand, unit):
    row = unit_row(hand, unit)
    for key, (target, actual, rate, time_rate, colour, points) in EXPECTED_INDICATORS[unit].items():
        got = [row[f"{key}__{f}"] for f in ("target", "actual", "rate", "time_rate", "colour", "points")]
        assert close(got[0], target) and close(got[1], actual), (unit, key, got)
        assert close(got[2], rate) and close(got[3], time_rate), (unit, key, got)
        assert got[4] == colour and close(got[5], points), (unit, key, got)


@pytest.mark.parametrize("unit", list(EXPECTED_UNITS))
def test_hand_example_scores_and_ranks(hand, unit):
    row = unit_row(hand, unit)
    names = ("status", "points", "time_rate", "colour", "deduction", "score", "rank", "rank_label",
             "advanced", "lagging")
    for name, expected in zip(names, EXPECTED_UNITS[unit]):
        value = row[name]
        assert close(value, expected) if isinstance(expected, (int, float)) and not isinstance(expected, bool) \
            else value == expected, (unit, name, value, expected)


def test_hand_example_ties_share_a_rank_1_2_2_4(hand):
    depts = hand.unit_table[hand.unit_table["group"] == DEPTS]
    assert depts["rank"].tolist() == [1, 2, 2, 4]
    assert depts["rank_label"].tolist() == ["第1名", "并列第2名", "并列第2名", "第4名"]


def test_hand_example_default_quota_of_three(hand_batch):
    result = evaluate(hand_batch, hand_batch.plan, load_rules())
    advanced = [r["unit"] for r in result.unit_records if r["advanced"]]
    lagging = [r["unit"] for r in result.unit_records if r["lagging"]]
    assert advanced == ["友谊镇", "发展和改革局", "商务局", "财政局"]
    assert lagging == ["龙山镇", "统计局"]       # 商务局/财政局 are bottom-three but 先进


def test_hand_example_county(hand):
    county = {r["indicator"]: r for r in hand.county_records}
    expected = {"signed_projects": (11, 4), "started_projects": (6, 2), "out_of_province_funds": (3000, 1040),
                "municipal_projects": (2, 2), "municipal_new_projects": (0, 1),
                "municipal_plan_investment": (4000, 1800), "fixed_asset_investment": (9500, 3400),
                "planned_projects": (0, 0)}
    for key, (target, actual) in expected.items():
        assert close(county[key]["target"], target) and close(county[key]["actual"], actual), key
    assert close(county["signed_projects"]["rate"], round(4 / 11, 6))
    assert close(county["signed_projects"]["time_rate"], round(8 / 11, 6))
    assert county["signed_projects"]["colour"] == "red"                  # 72.7% < 80%
    assert county["municipal_projects"]["colour"] == "green"
    assert county["municipal_new_projects"]["colour"] == "grey"          # target 0
    units_sum = sum(r["signed_projects__actual"] for r in hand.unit_records)
    assert units_sum == 5                                                # P4 counted for both units


def test_hand_example_chains(hand):
    chains = {r["chain"]: r for r in hand.chain_records}
    for name in (CORN, SOY):
        c = chains[name]
        assert (c["signed_actual"], c["signed_rate"], c["signed_time_rate"], c["signed_colour"]) == (1, 0.5, 1.0, "green")
        assert (c["started_actual"], c["started_rate"], c["started_time_rate"], c["started_colour"]) == (1, 1.0, 2.0, "green")
    assert chains[SOY]["projects"] == P4["name"] and chains[SOY]["units"] == "商务局"
    rice = chains[RICE]
    assert (rice["signed_actual"], rice["started_actual"], rice["signed_colour"], rice["started_colour"]) == (0, 0, "red", "red")
    assert list(hand.chains.columns) == [CHAIN_LABELS[c] for c in hand.chain_table.columns]


def test_hand_example_key_projects(hand):
    rows = {r["name"]: r for r in hand.key_project_records}
    k1, k2, k3 = rows[K1.name], rows[K2.name], rows[K3_ROW["name"]]
    assert (k1["listed"], k1["reported"], k1["completed_investment"], k1["rate"], k1["time_rate"], k1["colour"]) \
        == (True, True, 1200, 0.4, 0.8, "yellow")
    assert (k2["rate"], k2["time_rate"], k2["colour"], k2["start_date"]) == (0.6, 1.2, "green", D(2021, 8, 1))
    assert (k3["listed"], k3["reported"], k3["rate"], k3["colour"], k3["unit"]) == (False, True, 0.0, "red", "发展和改革局")
    assert k1["file"] == "发展和改革局-2022-06.xlsx" and isinstance(k1["row"], int)
    assert [r["name"] for r in hand.key_project_records] == [K1.name, K2.name, K3_ROW["name"]]
    # the 重点项目 sheet shows 包保县级领导 (the plan's list) and the return's 形象进度 and 存在问题
    assert (k1["leader"], k3["leader"]) == ("副县长（示例）", "")
    assert {k1["progress"], k1["problems"]} <= {r.progress or "" for r in hand.batch.rows("key_projects")} | {""}
    assert set(hand.key_project_table.columns) >= {"leader", "progress", "problems"}


def test_provisional_ranks_of_units_with_errors(hand):
    """A unit 数据有误 is ranked without its faulty rows: its rank is provisional (待更正)."""
    for record in hand.unit_records:
        assert record["provisional"] == (record["status"] == "errors" and record["rank"] is not None)
    assert unit_row(hand, "发展和改革局")["provisional"]              # its number-invalid row left out
    assert not unit_row(hand, "友谊镇")["provisional"]


def test_hand_example_cross_checks_are_in_the_result(hand):
    codes = {(i.code, i.unit) for i in hand.issue_list}
    assert ("project-claimed-twice", "商务局") in codes and ("project-claimed-twice", "财政局") in codes
    assert ("total-mismatch", "统计局") in codes          # 指标汇总 签约 1, rows 0: scored on rows
    assert ("target-changed", "统计局") in codes          # target 2 written, plan 1 used
    assert ("number-invalid", "发展和改革局") in codes
    assert unit_row(hand, "统计局")["signed_projects__target"] == 1
    assert set(hand.issues["code"]) == {i.code for i in hand.issue_list}


# ==========================================================================
# A weight changed in a copy of the 考核细则 workbook
# ==========================================================================
#
# 招商签约项目 15 → 65. The weights now sum to 150: only ratios matter.
# Units with targets 签约/开工/省外/固投 have W = 65+10+10+15 = 100 (no rescaling needed):
#   友谊镇  65×1.0 + 10×1.0 + 10×1.2 + 15×1.2 = 65+10+12+18 = 105
#   商务局, 财政局  65×1.0 + 10×1.2 + 10×1.2 + 15×0.3 = 65+12+12+4.5 = 93.5
#   统计局  65×0 + 0 + 0 + 15×0.4 = 6
# 发展和改革局 has no 签约 target: unchanged 92.5 − 2 = 90.5.  龙山镇 −5.
# 部门 ranks: 商务局 and 财政局 并列第1名, 发改局 第3名, 统计局 第4名.

def test_changed_weight_in_a_copy_changes_scores_by_hand(hand_batch, tmp_path):
    copy = tmp_path / "考核细则.xlsx"
    shutil.copy(default_rules_file(), copy)
    set_cell(copy, "指标设置", "招商签约项目", "权重(分)", 65)
    result = evaluate(hand_batch, hand_batch.plan, small_groups(load_rules(copy)))
    expected = {"友谊镇": (105, "第1名"), "龙山镇": (-5, "第2名"), "发展和改革局": (90.5, "第3名"),
                "商务局": (93.5, "并列第1名"), "财政局": (93.5, "并列第1名"), "统计局": (6, "第4名")}
    for unit, (score, label) in expected.items():
        row = unit_row(result, unit)
        assert close(row["score"], score) and row["rank_label"] == label, (unit, row["score"], row["rank_label"])
    assert close(unit_row(result, "友谊镇")["signed_projects__points"], 65)


def test_the_plans_own_rules_are_used_by_default(hand_batch, tmp_path):
    """evaluate() scores with the 考核细则 the plan was read with (load_plan reads the plan folder's)."""
    folder = tmp_path / "plan"
    folder.mkdir()
    shutil.copy(default_rules_file(), folder / "考核细则.xlsx")
    set_cell(folder / "考核细则.xlsx", "扣分", "未按时报送", "扣分(分)", 10)
    plan = dataclasses.replace(hand_batch.plan, rules=load_rules(folder))
    assert unit_row(evaluate(hand_batch, plan), "龙山镇")["score"] == -10
    assert unit_row(evaluate(hand_batch, hand_batch.plan), "龙山镇")["score"] == -5


def test_veto_bars_a_unit_from_advanced(hand_batch):
    rules = small_groups(dataclasses.replace(load_rules(), veto=True))
    from youyi_xl.plan.rules import VetoEntry

    vetoed = dataclasses.replace(rules, vetoed=(VetoEntry("县发展和改革局", "虚报数据"),))   # written loosely
    result = evaluate(hand_batch, hand_batch.plan, vetoed)
    row = unit_row(result, "发展和改革局")
    assert row["vetoed"] and not row["advanced"] and row["rank"] == 1
    assert unit_row(result, "商务局")["advanced"] and unit_row(result, "财政局")["advanced"]
    off = evaluate(hand_batch, hand_batch.plan, dataclasses.replace(vetoed, veto=False))
    assert unit_row(off, "发展和改革局")["advanced"] and not unit_row(off, "发展和改革局")["vetoed"]


def test_veto_of_an_unknown_unit_is_a_rules_error(hand_batch):
    from youyi_xl.plan.rules import VetoEntry

    rules = dataclasses.replace(load_rules(), veto=True, vetoed=(VetoEntry("不存在局", "", "B4"),))
    with pytest.raises(RulesError, match="一票否决.*B4.*不存在局"):
        evaluate(hand_batch, hand_batch.plan, rules)


# ==========================================================================
# Periods: 序时进度, and what is after the period end
# ==========================================================================

SIGNED_EACH_QUARTER = [
    project(f"第{i}季度签约项目", "浙江绿源投资有限公司", D(2022, 3 * i - 1, 1), 1000, 50, "其他")
    for i in (1, 2, 3, 4)
]


@pytest.mark.parametrize("period, progress, signed", [
    ("2022-03", 0.25, 1), ("2022-06", 0.5, 2), ("2022-09", 0.75, 3), ("2022-12", 1.0, 4)])
def test_periods_time_progress_and_later_signings_not_counted(plan, make_return, tmp_path, period, progress, signed):
    # 友谊镇's return lists four projects signed 02-01, 05-01, 08-01, 11-01; target 签约 2.
    make_return(tmp_path, "友谊镇", period, plan=plan, projects=SIGNED_EACH_QUARTER,
                summary={"fixed_asset_investment": 1500})
    result = evaluate(collect(tmp_path, period, plan), plan)
    assert result.time_progress == progress and result.period == Period.parse(period)
    row = unit_row(result, "友谊镇")
    assert row["signed_projects__actual"] == signed                   # signed after the end: not counted
    assert row["out_of_province_funds__actual"] == 50 * signed
    assert close(row["signed_projects__rate"], signed / 2)
    assert close(row["signed_projects__time_rate"], signed / 2 / progress)   # = 2.0 each period
    later = [i for i in result.issue_list if i.code == "date-out-of-range"]
    assert len(later) == 4 - signed
    assert row["status"] == ("submitted" if signed == 4 else "errors")
    assert result.to_json()["time_progress"] == progress


# ==========================================================================
# County totals in the JSON, and the county targets of DOMAIN §2
# ==========================================================================

DOMAIN_COUNTY_TARGETS = {   # DOMAIN §2, typed from the notice (not from youyi_xl.core.indicators)
    "signed_projects": 38, "started_projects": 10, "provincial_new_projects": 3,
    "provincial_plan_investment": 54000, "municipal_projects": 10, "municipal_new_projects": 4,
    "municipal_plan_investment": 45000, "industrial_projects": 16, "industrial_new_projects": 8,
    "industrial_plan_investment": 55000, "planned_projects": 7, "fixed_asset_investment": 107000,
}
SHARED = project("年产20万吨玉米淀粉项目", "吉林粮食集团有限公司", D(2022, 2, 20), 12000, 300, CORN,
                 start=D(2022, 3, 10))


@pytest.fixture(scope="module")
def county_result(plan, tmp_path_factory) -> Result:
    from conftest import return_file

    folder = tmp_path_factory.mktemp("county")
    other = project("光伏发电项目", "江苏华鑫能源科技有限公司", D(2022, 1, 5), 5000, 120, "生物质及新能源")
    return_file(folder, "友谊镇", plan=plan, projects=[SHARED, other], summary={"fixed_asset_investment": 900})
    return_file(folder, "兴隆镇", plan=plan, projects=[SHARED], summary={"fixed_asset_investment": 700})
    return_file(folder, "经合中心", plan=plan, projects=[project("肉牛养殖项目", "哈尔滨农投发展有限公司",
                                                            D(2022, 3, 1), 800, 40, "畜牧(蛋鸡/生猪/肉牛)")],
                planned=[{"name": "大豆精深加工储备项目", "total_investment": 8000, "plan_date": D(2022, 2, 1)}],
                summary={"fixed_asset_investment": 2500})
    return evaluate(collect(folder, "2022-03", plan), plan)


def test_county_totals_equal_the_sum_over_units_with_claimed_twice_once(county_result):
    data = json.loads(json.dumps(county_result.to_json()))
    twice = {"signed_projects": 1, "started_projects": 1, "out_of_province_funds": 300}
    for key in KEYS:
        units_sum = sum(u["indicators"][key]["actual"] for u in data["units"])
        assert math.isclose(data["county"][key]["actual"], units_sum - twice.get(key, 0)), key
    assert data["county"]["signed_projects"]["actual"] == 3
    assert data["county"]["fixed_asset_investment"]["actual"] == 4100
    corn = next(c for c in data["chains"] if c["chain"] == CORN)
    assert corn["signed_actual"] == 1 and corn["started_actual"] == 1     # the shared project once


def test_every_county_target_equals_domain(county_result, plan):
    county = county_result.to_json()["county"]
    for key, target in DOMAIN_COUNTY_TARGETS.items():
        assert county[key]["target"] == target, key
    # 省外资金 (2021 × 1.10) and 外资 (市定目标) have no figure in the notice: the templates' sums.
    assert county["out_of_province_funds"]["target"] == plan.county_targets["out_of_province_funds"]
    assert county["foreign_direct_investment"]["target"] == plan.county_targets["foreign_direct_investment"]
    assert set(county) == set(KEYS)


# ==========================================================================
# The JSON file and the DataFrames
# ==========================================================================

SPEC_UNIT_KEYS = ("unit", "group", "status", "file", "indicators", "deduction", "score", "rank")


def test_result_json_file(county_result, tmp_path):
    path = write_result_json(county_result, tmp_path / "out" / json_name("2022-03"))
    assert path.name == "result-2022-03.json"
    text = path.read_text("utf-8")
    assert "NaN" not in text and "Infinity" not in text
    data = json.loads(text)
    assert list(data)[:4] == ["period", "time_progress", "units", "chains"]
    assert {"county", "issues"} <= set(data) and data["period"] == "2022-03"
    for unit in data["units"]:
        assert list(unit)[:len(SPEC_UNIT_KEYS)] == list(SPEC_UNIT_KEYS)
        assert unit["status"] in ("submitted", "missing", "errors")
        for cell in unit["indicators"].values():
            assert set(cell) >= {"target", "actual", "rate", "time_rate", "colour"}
            assert cell["colour"] in ("green", "yellow", "red", "grey")
            assert all(v is None or type(v) in (int, float, str) for v in cell.values())
    assert len(data["units"]) == 26 and len(data["issues"]) == len(county_result.issue_list)
    assert write_result_json(county_result, path).read_text("utf-8") == text     # deterministic


def test_result_json_is_written_as_one_dumps_would(county_result, tmp_path):
    """Encoded an item at a time, the file is the one-shot json.dumps text (what the CLI and
    programs read), with empty lists and a rerun entry too."""
    path = write_result_json(county_result, tmp_path / json_name("2022-03"))
    one_shot = json.dumps(county_result.to_json(), ensure_ascii=False, allow_nan=False) + "\n"
    assert path.read_bytes() == one_shot.encode("utf-8")
    empty = copy.copy(county_result)
    empty.issue_list, empty.rerun = [], SimpleNamespace(moved=True, to_json=lambda: {"moved": ["甲"]})
    text = write_result_json(empty, tmp_path / "empty.json").read_text("utf-8")
    assert text == json.dumps(empty.to_json(), ensure_ascii=False) + "\n"
    assert '"issues": []' in text and text.endswith('"rerun": {"moved": ["甲"]}}\n')


def test_chinese_views(county_result):
    units, table = county_result.units, county_result.unit_table
    assert list(units.columns) == [unit_labels(INDICATORS)[c] for c in table.columns]
    assert units["单位"].tolist() == table["unit"].tolist()
    assert "招商签约项目·序时完成率" in units.columns and "综合得分" in units.columns
    assert list(county_result.county.columns) == list(COUNTY_LABELS.values())
    assert county_result.county["全县目标"].tolist() == county_result.county_table["target"].tolist()
    assert str(table["rank"].dtype) == "Int64"
    assert county_result.key_projects.shape[0] == len(county_result.plan.key_projects)


# ==========================================================================
# Scale: 1,000 units × 60 rows
# ==========================================================================

def synthetic(n_units: int = 1000, rows: int = 60) -> tuple[Batch, Plan]:
    period = Period.parse("2022-06")
    units = tuple(Unit(f"单位{i:04d}", TOWNS if i % 2 else DEPTS, (), i + 1) for i in range(n_units))
    targets = {u.name: {k: 10.0 for k in KEYS} for u in units}
    plan = Plan(units, targets, (Chain(CORN, "", "", (), 2.0, 1.0),), (), {k: 10.0 * n_units for k in KEYS},
                6.7, (), {}, indicators=INDICATORS, settings=SETTINGS, rules=RULES)
    returns = []
    for i, unit in enumerate(units):
        ret = ReturnData(file=f"{unit.name}.xlsx", path="", unit=unit.name)
        source = {"unit": unit.name, "file": ret.file}
        projects = tuple(PROJECTS.make_record(dict(P1, name=f"项目{i}-{j}"), row=j + 4, **source) for j in range(rows // 2))
        keys = tuple(KEY_PROJECTS.make_record(dict(key_row(K1, 100.0, "已开工", D(2022, 4, 1)), name=f"重点{i}-{j}"),
                                              row=j + 4, valid=j % 7 != 0, **source)
                     for j in range(rows // 3))
        planned = tuple(PLANNED.make_record({"name": f"策划{i}-{j}", "total_investment": 6000.0,
                                             "plan_date": D(2022, 2, 1)}, row=j + 4, **source)
                        for j in range(rows // 6))
        ret.tables = {"projects": TableRead("projects", "招商引资项目", 2, {}, records=projects),
                      "key_projects": TableRead("key_projects", "重点项目进展", 2, {}, records=keys),
                      "planned": TableRead("planned", "策划储备项目", 2, {}, records=planned),
                      "summary": TableRead("summary", "指标汇总", 2, {})}
        ret.reported = {"fixed_asset_investment": Reported(unit.name, ret.file, "指标汇总", 17,
                                                           "fixed_asset_investment", None, 100.0)}
        returns.append(ret)
    return Batch(period, plan, Path("."), returns, []), plan


def test_a_thousand_units_evaluate():
    """1,000 units of 60 rows each (its time is measured in benchmarks/bench_evaluate.py)."""
    batch, plan = synthetic()
    result = evaluate(batch, plan, RULES)
    result.to_json()
    assert result.unit_table.shape[0] == 1000
    assert result.county_table.set_index("indicator").loc["signed_projects", "actual"] == 30 * 1000
