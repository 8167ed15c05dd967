"""Any year, any county (DOMAIN §8): a plan written only in Excel — another county (双河县, made
up), another year (2023), other units and chains, indicators removed (直接利用外资 and every
百大 one) and added (亿元以上签约项目: a 计数 with a ≥ condition; 外贸进出口总额: a 填报) — goes
through `plan`, `forms`, `check` and `run`, and every unit's figures are counted by hand below.

The plan folder is built from scratch with openpyxl, the way a clerk types tables in Excel; the
returns are the generated forms filled in the way a unit does (demo.fill_form).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from youyi_xl.cli.main import main
from youyi_xl.demo import fill_form
from youyi_xl.plan import default_rules_file, load_plan

D = dt.date
COUNTY, YEAR = "双河县", 2023
UNITS = (("河东镇", "乡镇"), ("河西镇", "乡镇"), ("新河乡", "乡镇"), ("工业和信息化局", "部门"), ("商务局", "部门"))
CHAINS = (("大豆", "工业和信息化局"), ("冷链物流", "商务局"))
# 指标设置: 指标代码, 指标名称, 简称, 计量单位, 分类, 数据来源, 统计方式, 求和字段, 条件, 目标列, 全县目标, 权重
DECLARED = (
    ("signed", "招商签约项目", "签约项目", "个", "招商引资", "招商引资项目", "计数", "", "签约日期在本期",
     "签约项目(个)", 20, 20),
    ("", "亿元以上签约项目", "亿元项目", "个", "招商引资", "招商引资项目", "计数", "",
     "签约总投资(万元)≥10000；签约日期在本期", "亿元以上签约项目(个)", 8, 20),
    ("started", "落地开工招商引资项目", "开工项目", "个", "招商引资", "招商引资项目", "计数", "",
     "签约日期在本期；是否开工=是；开工日期在本期", "落地开工项目(个)", 10, 10),
    ("funds", "实际利用省外资金", "省外资金", "万元", "招商引资", "招商引资项目", "求和", "其中省外资金(万元)",
     "签约日期在本期", "实际利用省外资金目标(万元)", 8000, 10),
    ("trade", "外贸进出口总额", "外贸总额", "万美元", "对外贸易", "指标汇总", "填报", "", "",
     "外贸进出口总额(万美元)", 1000, 10),
    ("planned", "新策划生成5000万元以上产业项目", "新策划项目", "个", "项目谋划和固定资产投资", "策划储备项目", "计数", "",
     "总投资(万元)≥5000；策划生成日期在本期", "新策划项目(个)", 5, 10),
    ("fai", "固定资产投资", "固投", "万元", "项目谋划和固定资产投资", "指标汇总", "填报", "", "",
     "固定资产投资(万元)", 50000, 20),
)
# targets per unit: signed, 亿元, started, funds, trade | planned, fai
TARGETS = {
    "河东镇": (6, 2, 3, 2000, 200, 1, 12000),
    "河西镇": (4, 2, 2, 1500, 100, 1, 8000),
    "新河乡": (2, 1, 1, 500, 0, 0, 5000),
    "工业和信息化局": (4, 2, 2, 2500, 300, 2, 15000),
    "商务局": (4, 1, 2, 1500, 400, 1, 10000),
}
PERIOD = "2023-06"          # 序时进度 0.5


def _table(ws, title: str, header: list[str], rows: list[list], total: bool = True) -> None:
    ws.append([title])
    ws.append(header)
    for row in rows:
        ws.append(row)
    if total:
        sums = ["", "合计", ""] + [sum(r[c] for r in rows) if isinstance(rows[0][c], (int, float)) else ""
                                   for c in range(3, len(header))]
        ws.append(sums)


def write_plan(folder: Path) -> Path:
    """The three attachments and the 考核细则 of 双河县's 2023 plan, typed in Excel."""
    folder.mkdir(parents=True)
    book = openpyxl.Workbook()
    _table(book.active, f"{COUNTY}{YEAR}年度招商引资工作目标任务分解表",
           ["序号", "单位名称", "单位类别", "签约项目(个)", "亿元以上签约项目(个)", "落地开工项目(个)",
            "实际利用省外资金目标(万元)", "外贸进出口总额(万美元)", "备注"],
           [[i, u, g, *TARGETS[u][:5], "别名：工信局" if u == "工业和信息化局" else ""]
            for i, (u, g) in enumerate(UNITS, 1)])
    book.save(folder / "attachment1.xlsx")
    book = openpyxl.Workbook()
    _table(book.active, f"{COUNTY}{YEAR}年产业链建设任务分解表",
           ["序号", "产业链", "链长", "牵头单位", "配合单位", "签约5000万元以上项目(个)", "落地开工项目(个)", "主攻方向"],
           [[i, c, "副县长（示例）", lead, "河东镇", 2, 1, ""] for i, (c, lead) in enumerate(CHAINS, 1)])
    book.save(folder / "attachment2.xlsx")
    book = openpyxl.Workbook()
    _table(book.active, "固定资产投资目标任务分解表",
           ["序号", "单位名称", "单位类别", "新策划项目(个)", "固定资产投资(万元)", "备注"],
           [[i, u, g, *TARGETS[u][5:], ""] for i, (u, g) in enumerate(UNITS, 1)])
    projects = book.create_sheet("重点项目清单")
    projects.append(["序号", "项目名称", "项目类别", "建设性质", "责任单位", "包保县级领导", "所属产业链", "总投资(万元)",
                     "年度计划投资(万元)", "计划开工月份"])
    projects.append([1, "双河县大豆精深加工项目", "市级百大", "新建", "工业和信息化局", "副县长（示例）", "大豆", 30000, 8000,
                     "2023年5月"])
    book.save(folder / "attachment3.xlsx")
    write_rules(folder / "考核细则.xlsx")
    return folder


def write_rules(path: Path) -> None:
    """The shipped 考核细则 with 基本信息 and 指标设置 rewritten (扣分, 颜色, 先进后进 kept)."""
    shutil.copy(default_rules_file(), path)
    book = openpyxl.load_workbook(path)
    values = {"年度": YEAR, "县（区）名称": COUNTY, "发文机关": f"{COUNTY}人民政府办公室",
              "印发机关": f"{COUNTY}人民政府办公室", "考评牵头单位": f"{COUNTY}商务和发展改革局",
              "考评组织单位": "县商发局", "考评配合单位": ""}
    for row in book["基本信息"].iter_rows():
        if row[0].value in values:
            row[1].value = values[row[0].value]
    del book["指标设置"]
    ws = book.create_sheet("指标设置", 2)
    ws.append(["指标设置"])
    ws.append(["序号", "指标代码", "指标名称", "简称", "计量单位", "分类", "数据来源", "统计方式", "求和字段", "条件",
               "目标列", "全县目标", "权重(分)", "封顶系数", "是否计分"])
    for i, d in enumerate(DECLARED, 1):
        ws.append([i, *d[:11], d[11], 1.2, "是"])
    book.save(path)


@pytest.fixture(scope="module")
def plan_folder(tmp_path_factory) -> Path:
    return write_plan(tmp_path_factory.mktemp("shuanghe") / "plan")


@pytest.fixture(scope="module")
def returns(plan_folder, tmp_path_factory) -> Path:
    """Four of the five units return (新河乡 does not); 商务局 reports 河东镇's first project too."""
    plan = load_plan(plan_folder)
    forms, folder = tmp_path_factory.mktemp("forms"), tmp_path_factory.mktemp("returns")
    assert main(["forms", "--period", PERIOD, "--out", str(forms), "--plan", str(plan_folder)]) == 0

    def project(name, investor, sign, total, started=None, funds=100.0, oop=0.0):
        return {"name": name, "investor": investor, "fund_source": "省外", "chain": "大豆", "sign_date": sign,
                "total_investment": total, "started": "是" if started else "否", "start_date": started,
                "funds_in": funds, "funds_out_of_province": oop}

    shared = project("双河县大豆蛋白项目", "山东某食品有限公司", D(2023, 2, 10), 15000, D(2023, 4, 1), 800, 500)
    typed = {
        "河东镇": dict(projects=[shared, project("河东镇冷库项目", "哈尔滨某物流公司", D(2023, 5, 20), 6000),
                               project("河东镇光伏项目", "江苏某能源公司", D(2023, 6, 30), 20000)],
                    planned=[{"name": "河东镇杂粮加工储备项目", "total_investment": 8000, "plan_date": D(2023, 3, 1)}],
                    summary={"trade": 120.5, "fai": 3000}),
        "河西镇": dict(projects=[project("河西镇饲料项目", "辽宁某饲料公司", D(2023, 1, 5), 9999, D(2023, 2, 1), 300, 100)],
                    summary={"trade": 0, "fai": 500}),
        "工业和信息化局": dict(projects=[project("双河县农机装备项目", "山东某重工公司", D(2023, 3, 3), 50000, None, 2500, 2000)],
                        key_projects=[{"name": "双河县大豆精深加工项目", "status": "已开工",
                                       "start_date": D(2023, 5, 8), "completed_investment": 3000}],
                        planned=[{"name": "农机配件储备项目", "total_investment": 4000, "plan_date": D(2023, 4, 1)}],
                        summary={"trade": 300, "fai": 10000}),
        "商务局": dict(projects=[shared, project("商务局电商物流项目", "浙江某电商公司", "6月1日", 12000, None, 400, 150)],
                    summary={"trade": 410, "fai": 2000}),
    }
    for unit, values in typed.items():
        form = forms / f"{unit}-{PERIOD}-填报表.xlsx"
        cover = {"unit": unit, "period": "2023年1-6月", "fill_date": D(2023, 7, 3), "filler": "张三"}
        fill_form(form, cover=cover, out=folder / form.name, plan=plan, **values)
    return folder


# Hand counts (period 2023-06, window 2023-01-01 .. 2023-06-30):
#   河东镇   signed 3 (all three in the window); 亿元 2 (15000, 20000; 6000 is below); started 1 (the shared
#            project, 是 and 2023-04-01); 省外资金 500 + 0 + 0 = 500; 外贸 120.5; 新策划 1 (8000 ≥ 5000,
#            2023-03-01); 固投 3000
#   河西镇   signed 1; 亿元 0 (9999 < 10000); started 1; 省外 100; 外贸 0; 新策划 0; 固投 500
#   工信局   signed 1; 亿元 1 (50000); started 0; 省外 2000; 外贸 300; 新策划 0 (4000 < 5000); 固投 10000
#   商务局   signed 2 (the shared project, and "6月1日" read as 2023-06-01 with year-assumed); 亿元 2
#            (15000, 12000); started 1 (the shared one); 省外 500 + 150 = 650; 外贸 410; 固投 2000
#   新河乡   no return: everything 0 (未报送)
#   County   the shared project once: signed 3 + 1 + 1 + 1 = 6; 亿元 2 + 0 + 1 + 1 = 4; started 1 + 1 = 2;
#            省外 500 + 100 + 2000 + 150 = 2750; 外贸 120.5 + 0 + 300 + 410 = 830.5; 新策划 1; 固投 15500
HAND = {
    "河东镇": {"signed": 3, "亿元以上签约项目": 2, "started": 1, "funds": 500, "trade": 120.5, "planned": 1, "fai": 3000},
    "河西镇": {"signed": 1, "亿元以上签约项目": 0, "started": 1, "funds": 100, "trade": 0, "planned": 0, "fai": 500},
    "工业和信息化局": {"signed": 1, "亿元以上签约项目": 1, "started": 0, "funds": 2000, "trade": 300, "planned": 0,
                "fai": 10000},
    "商务局": {"signed": 2, "亿元以上签约项目": 2, "started": 1, "funds": 650, "trade": 410, "planned": 0, "fai": 2000},
    "新河乡": {"signed": 0, "亿元以上签约项目": 0, "started": 0, "funds": 0, "trade": 0, "planned": 0, "fai": 0},
}
COUNTY_HAND = {"signed": 6, "亿元以上签约项目": 4, "started": 2, "funds": 2750, "trade": 830.5, "planned": 1,
               "fai": 15500}


def test_plan_reads_the_declarations(plan_folder, capsys):
    plan = load_plan(plan_folder)
    assert (plan.year, plan.county, plan.settings.lead) == (YEAR, COUNTY, f"{COUNTY}商务和发展改革局")
    assert [i.key for i in plan.indicators] == ["signed", "亿元以上签约项目", "started", "funds", "trade", "planned",
                                                 "fai"]
    assert [u.name for u in plan.units] == [u for u, _ in UNITS] and plan.issues == ()
    assert plan.target("工业和信息化局", "亿元以上签约项目") == 2 and plan.county_targets["trade"] == 1000
    assert main(["plan", "--plan", str(plan_folder)]) == 0
    out = capsys.readouterr().out
    assert "外贸进出口总额" in out and "亿元以上签约项目" in out and "直接利用外资" not in out


def test_forms_follow_the_declared_indicators(plan_folder, returns):
    book = openpyxl.load_workbook(returns / f"河东镇-{PERIOD}-填报表.xlsx")
    labels = [row[0].value for row in book["指标汇总"].iter_rows(min_row=4, max_row=10)]
    assert labels == [f"{d[1]}({d[3]})" for d in DECLARED]
    assert book["封面"]["A1"].value == f"{COUNTY}{YEAR}年招商引资和项目建设工作进展填报表"
    assert book.properties.creator == f"{COUNTY}商务和发展改革局"


def test_check_finds_only_what_the_units_did(plan_folder, returns, capsys):
    assert main(["check", str(returns), "--period", PERIOD, "--plan", str(plan_folder), "--json"]) == 0
    issues = json.loads(capsys.readouterr().out)
    found = sorted((i["code"], i["unit"]) for i in issues if i["severity"] != "info")
    assert found == [("project-claimed-twice", "商务局"), ("project-claimed-twice", "河东镇"),
                     ("year-assumed", "商务局")]
    assumed = next(i for i in issues if i["code"] == "year-assumed")
    assert "2023年" in assumed["message"]


def test_run_counts_every_unit_as_by_hand(plan_folder, returns, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(returns), "--period", PERIOD, "--plan", str(plan_folder), "--out", str(out)]) == 0
    data = json.loads((out / f"result-{PERIOD}.json").read_text(encoding="utf-8"))
    for unit in data["units"]:
        actual = {key: value["actual"] for key, value in unit["indicators"].items()}
        assert actual == HAND[unit["unit"]], unit["unit"]
    assert {key: value["actual"] for key, value in data["county"].items()} == COUNTY_HAND
    statuses = {u["unit"]: u["status"] for u in data["units"]}
    assert statuses == {"河东镇": "submitted", "河西镇": "submitted", "新河乡": "missing",
                        "工业和信息化局": "submitted", "商务局": "submitted"}
    # 亿元以上签约项目 of 河东镇: 2 of 2 against 序时进度 0.5 → 序时完成率 2.0, capped at 1.2 for points
    hedong = next(u for u in data["units"] if u["unit"] == "河东镇")["indicators"]["亿元以上签约项目"]
    assert (hedong["rate"], hedong["time_rate"], hedong["colour"]) == (1.0, 2.0, "green")
    notice = re.sub(r"<[^>]+>", "", (out / f"通报-{PERIOD}.html").read_text(encoding="utf-8"))
    assert f"《{COUNTY}{YEAR}年招商引资和项目建设工作方案》" in notice
    assert "（二）对外贸易。全县外贸进出口总额830.5万美元，占年度目标1000万美元的83.1%" in notice
    assert "直接利用外资" not in notice and "新开工省市百大" not in notice
    # the assessing offices are the declared ones, with no 会同 when no partner is declared
    assert "要求，县商发局，对各承标单位" in notice and "（四）强化督导考评。县商发局要加强调度" in notice
    assert "督查室" not in notice and "经合中心" not in notice
    assert f"{COUNTY}人民政府办公室" in notice
    book = openpyxl.load_workbook(out / f"成绩单-{PERIOD}.xlsx")
    assert book["总览"]["A1"].value.startswith(f"{COUNTY}2023年1—6月")
    # each indicator heads its printed 完成率 and its grouped 目标/完成/得分
    assert [c.value for c in book["乡镇排名"][4]].count("外贸总额") == 2 and "直接利用外资" not in str([c.value for c in book["乡镇排名"][4]])


def test_a_period_outside_the_plans_year_is_refused(plan_folder, returns, tmp_path, capsys):
    for command in ("check", "run"):
        args = [command, str(returns), "--period", "2022-06", "--plan", str(plan_folder)]
        assert main(args + (["--out", str(tmp_path / "out")] if command == "run" else [])) == 2
        error = capsys.readouterr().err
        assert "2022年" in error and "2023年" in error and "\n" == error[-1] and error.count("\n") == 1


def test_the_shipped_plan_refuses_a_2023_period(tmp_path, capsys):
    """The shipped plan is 2022's: a 2023 period would count every unit zero, so it is refused
    before any file is read (the folder holds no returns, which would otherwise be exit 1)."""
    folder = tmp_path / "回收"
    folder.mkdir()
    for args in (["check", str(folder), "--period", "2023-03"],
                 ["run", str(folder), "--period", "2023-03", "--out", str(tmp_path / "out")]):
        assert main(args) == 2
        error = capsys.readouterr().err
        assert "2023年" in error and "2022年" in error and "Traceback" not in error
    assert not (tmp_path / "out").exists()
