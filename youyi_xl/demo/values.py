"""The values units type: `sample_return()` gives one unit varied, valid values of every kind
(round-trip tests, benchmarks); `realistic_returns()` gives every unit of a plan a plausible year
in a 东北 county, cumulative across periods (one story per unit, read at each period's end).
Names are generic (某某 companies), never real ones."""
from __future__ import annotations

import calendar
import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..core import (
    KEY_PROJECTS,
    PLANNED,
    PROJECTS,
    REPORTED,
    Period,
    compact,
    measure,
)
from ..plan import Plan
from .mistakes import MISTAKES

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


# ==========================================================================
# Names: generic, plausible for a county in 黑龙江
# ==========================================================================

# Per chain (matched by the first two characters of its name): project names and 总投资 range.
_PRODUCTS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "玉米": (("年产{n}万吨鲜食玉米加工项目", 3000, 12000), ("年加工{n}万吨玉米深加工项目", 8000, 40000),
           ("年产{n}万穗鲜食玉米速冻项目", 2000, 8000), ("玉米秸秆综合利用项目", 1500, 6000)),
    "大豆": (("年加工{n}万吨大豆精深加工项目", 6000, 30000), ("年产{n}万吨大豆蛋白项目", 10000, 40000),
           ("豆制品加工厂建设项目", 800, 3000)),
    "水稻": (("年加工{n}万吨优质大米项目", 3000, 15000), ("稻米精深加工及品牌建设项目", 2000, 9000),
           ("水稻智能育秧基地项目", 600, 2500)),
    "畜牧": (("{n}万只蛋鸡养殖项目", 3000, 15000), ("年出栏{n}万头生猪养殖项目", 5000, 20000),
           ("{n}千头肉牛养殖基地项目", 2000, 10000), ("年产{n}万吨饲料加工项目", 1500, 6000)),
    "生物": (("{n}兆瓦分布式光伏发电项目", 3000, 20000), ("年产{n}万吨秸秆生物质颗粒燃料项目", 1000, 5000),
           ("生物天然气项目", 6000, 20000), ("{n}兆瓦风电项目", 20000, 60000)),
    "绿色": (("杂粮杂豆绿色食品加工项目", 1000, 6000), ("食用菌种植加工项目", 800, 4000),
           ("蓝莓深加工项目", 1500, 6000), ("有机蔬菜种植加工项目", 600, 3000)),
    "文化": (("乡村旅游综合体项目", 1000, 6000), ("农垦文化体验园项目", 2000, 8000),
           ("冰雪旅游度假项目", 3000, 12000)),
    "粮食": (("{n}万吨粮食仓储项目", 2000, 8000), ("粮食烘干仓储项目", 1000, 4000),
           ("农产品冷链物流中心项目", 3000, 12000)),
    "农机": (("农机装备制造项目", 3000, 15000), ("农机维修服务中心项目", 600, 2500),
           ("农机具配件加工项目", 800, 3000)),
}
_GENERIC_PRODUCTS = (("{chain}产业项目", 1000, 8000),)
_TRADES: dict[str, tuple[str, ...]] = {
    "玉米": ("食品", "农业科技", "生物科技"), "大豆": ("大豆食品", "植物蛋白科技"), "水稻": ("米业", "粮油"),
    "畜牧": ("牧业", "禽业", "饲料"), "生物": ("新能源科技", "生物质能源", "电力投资"),
    "绿色": ("绿色食品", "食品"), "文化": ("文化旅游发展", "旅游开发"), "粮食": ("粮食物流", "供应链管理"),
    "农机": ("农业机械", "机械制造"),
}
_OUT_OF_PROVINCE = (("山东", "山东省潍坊市"), ("浙江", "浙江省杭州市"), ("江苏", "江苏省南京市"),
                    ("北京", "北京市"), ("广东", "广东省深圳市"), ("辽宁", "辽宁省沈阳市"),
                    ("吉林", "吉林省长春市"), ("河北", "河北省石家庄市"), ("天津", "天津市"))
_IN_PROVINCE = (("黑龙江", "哈尔滨市"), ("哈尔滨", "哈尔滨市"), ("双鸭山", "双鸭山市"), ("佳木斯", "佳木斯市"),
                ("大庆", "大庆市"))
_ABROAD = (("韩国", "韩国首尔", "株式会社"), ("香港", "中国香港", "有限公司"), ("新加坡", "新加坡", "私人有限公司"))
_PARK = "友谊经济开发区"
_SURNAMES = "李王张刘陈杨赵黄周吴孙马"


def _chain_key(chain: str) -> str:
    return compact(chain)[:2]


def _project_name(rng: random.Random, chain: str, place: str) -> tuple[str, float]:
    """A project name for the chain, located at `place`, and a 总投资 (万元) that fits it."""
    template, low, high = rng.choice(_PRODUCTS.get(_chain_key(chain), _GENERIC_PRODUCTS))
    name = template.format(n=rng.choice((2, 3, 5, 8, 10, 20)), chain=chain.split("(")[0])
    return place + name, float(round(rng.uniform(low, high), -2))


def _investor(rng: random.Random, chain: str, source: str) -> tuple[str, str]:
    """(投资方, 投资方所在地): a generic 某某 company of the source's region."""
    trade = rng.choice(_TRADES.get(_chain_key(chain), ("实业",)))
    if source == "境外":
        region, location, suffix = rng.choice(_ABROAD)
        return f"{region}某某{trade}{suffix}", location
    region, location = rng.choice(_OUT_OF_PROVINCE if source == "省外" else _IN_PROVINCE)
    return f"{region}某某{trade}{rng.choice(('有限公司', '股份有限公司', '集团有限公司'))}", location


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "某某"


def _chain_for(rng: random.Random, plan: Plan, unit: str) -> str:
    """Mostly a chain the unit leads or supports (attachment 2), sometimes any."""
    own = [c.name for c in plan.chains if unit == c.lead_unit or unit in c.partners]
    pool = own if own and rng.random() < 0.8 else list(plan.chain_names)
    return rng.choice(pool) if pool else "其他"


def _place(rng: random.Random, plan: Plan, unit: str) -> str:
    """Where a unit's project is built: the township itself, or the park / a township for a 部门."""
    found = plan.unit(unit)
    if found is not None and found.group == "乡镇":
        return unit
    towns = [u.name for u in plan.group("乡镇")]
    return _PARK if not towns or rng.random() < 0.5 else rng.choice(towns)


def _chain_leader(plan: Plan, chain: str) -> str:
    return next((c.leader for c in plan.chains if c.name == chain), "") or "副县长（示例）"


# ==========================================================================
# One unit, every kind of value (round-trip tests, benchmarks)
# ==========================================================================


def sample_return(plan: Plan, unit: str, period: Period | str, seed: int = 0, *,
                  n_projects: int | None = None, n_planned: int | None = None) -> dict[str, Any]:
    """Varied, valid values for one unit's form: fill_form(path, **sample_return(...)) is clean.

    Several projects (both 是否开工 answers, 省外/省内/境外), every key project of the unit with
    every status, planned projects, 指标汇总 equal to what the rows give, a 固定资产投资 figure.
    Not cumulative across periods (see realistic_returns for that).
    """
    period = Period.parse(period)
    rng = random.Random(f"{unit}-{period.key}-{seed}")
    end = period.end
    count = n_projects if n_projects is not None else rng.randint(2, 5)
    projects = [_sample_project(rng, plan, unit, i, end) for i in range(count)]
    key_projects = [_sample_key_project(rng, p, end) for p in plan.key_projects_of(unit)]
    count = n_planned if n_planned is not None else rng.randint(1, 3)
    planned = [_sample_planned(rng, plan, unit, i, end) for i in range(count)]
    summary = own_summary(plan, unit, end, projects, key_projects, planned)
    summary["fixed_asset_investment"] = round(rng.uniform(500, 20000), 2)
    cover = {"filler": _person(rng), "phone": f"0469-58{rng.randint(10000, 99999)}",
             "leader": _person(rng), "fill_date": end + dt.timedelta(days=5)}
    return {"cover": cover, "projects": projects, "key_projects": key_projects,
            "planned": planned, "summary": summary}


def _day(rng: random.Random, end: dt.date) -> dt.date:
    start = dt.date(end.year, 1, 1)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _sample_project(rng: random.Random, plan: Plan, unit: str, i: int, end: dt.date) -> dict[str, Any]:
    source = rng.choice(("省外", "省外", "省内", "境外"))
    chain = _chain_for(rng, plan, unit)
    name, total = _project_name(rng, chain, unit)
    investor, location = _investor(rng, chain, source)
    funds = round(total * rng.uniform(0.05, 0.4), 2)
    sign = _day(rng, end)
    started = rng.random() < 0.5 and sign < end
    return {
        "name": f"{name}（{i + 1}期）", "investor": investor, "investor_location": location,
        "fund_source": source, "chain": chain, "sign_date": sign, "total_investment": total,
        "started": started,
        "start_date": sign + dt.timedelta(days=rng.randint(0, (end - sign).days)) if started else None,
        "funds_in": funds,
        "funds_out_of_province": round(funds * 0.8, 2) if source == "省外" else 0.0,
        "funds_foreign": round(funds / plan.fx_rate * 0.9, 2) if source == "境外" else 0.0,
        "leader": _chain_leader(plan, chain), "note": rng.choice(("", "续签", "已办理备案")),
    }


def _sample_key_project(rng: random.Random, project, end: dt.date) -> dict[str, Any]:
    status = rng.choice(("未开工", "已开工", "已开工", "已竣工"))
    plan_investment = project.plan_investment or 1000.0
    started = status != "未开工"
    return {
        "name": project.name,
        "completed_investment": round(plan_investment * rng.uniform(0, 0.6), 2) if started else 0.0,
        "status": status,
        "start_date": _day(rng, end) if started else None,
        "progress": "主体施工" if started else "前期手续办理中",
        "problems": rng.choice(("", "建设资金到位慢", "用地手续待批")),
    }


def _sample_planned(rng: random.Random, plan: Plan, unit: str, i: int, end: dt.date) -> dict[str, Any]:
    chain = rng.choice(plan.chain_names) if plan.chain_names else ""
    name, _ = _project_name(rng, chain or "其他", unit)
    return {"name": f"{name}（储备{i + 1}）", "total_investment": float(rng.choice((5000, 8000, 15000, 3000))),
            "chain": chain, "plan_date": _day(rng, end), "progress": "编制可研报告"}


def own_summary(plan: Plan, unit: str, end: dt.date, projects: Iterable[Row],
                key_projects: Iterable[Row], planned: Iterable[Row]) -> dict[str, Any]:
    """The 指标汇总 a careful unit writes: what its rows count to (counts as int, 万元 to 0.01).

    Key-project rows need only 项目名称; 项目类别 and 建设性质 come from the plan's list.
    固定资产投资 is left out (it is the unit's own statistic).
    """
    listed = {p.name: p for p in plan.key_projects_of(unit)}
    keys = [{"category": listed[r["name"]].category, "nature": listed[r["name"]].nature, **r}
            if r.get("name") in listed else dict(r) for r in key_projects]
    rows = {PROJECTS.key: [PROJECTS.make_record(r) for r in projects],
            KEY_PROJECTS.key: [KEY_PROJECTS.make_record(r) for r in keys],
            PLANNED.key: [PLANNED.make_record(r) for r in planned]}
    counted = measure([i for i in plan.indicators if i.method != REPORTED], rows, end)
    ints = {ind.key for ind in plan.indicators if ind.is_count}
    return {k: (int(v) if k in ints else round(v, 2)) for k, v in counted.items()}


# ==========================================================================
# Every unit, a plausible year (cumulative across periods)
# ==========================================================================

# Cumulative share of a year's construction and investment done by each month end: little
# in the frozen months, most from April to October (东北).
_SEASON = (0.0, 0.03, 0.06, 0.15, 0.25, 0.36, 0.48, 0.60, 0.71, 0.81, 0.90, 0.96, 1.0)
_PACES = (0.55, 1.6)          # slowest and fastest unit, as a multiple of 序时进度
_MAX_PROJECTS = 8
_ARRIVAL_DAYS = 240          # funds of a signed project arrive over about eight months


def season(day: dt.date) -> float:
    """Share of the year's building done by `day` (linear within a month)."""
    month_days = calendar.monthrange(day.year, day.month)[1]
    low, high = _SEASON[day.month - 1], _SEASON[day.month]
    return low + (high - low) * day.day / month_days


@dataclass
class _Story:
    """One unit's year: what it will sign, start, build and plan, and when."""

    unit: str
    pace: float
    seed: str
    projects: list[dict[str, Any]]
    key_projects: list[dict[str, Any]]
    planned: list[dict[str, Any]]
    fai_factor: float


def _paces(plan: Plan, seed: int) -> dict[str, float]:
    """Every unit's pace, spread evenly from slowest to fastest, in a seeded order."""
    units = [u.name for u in plan.units]
    low, high = _PACES
    steps = [low + (high - low) * i / max(1, len(units) - 1) for i in range(len(units))]
    random.Random(f"pace-{seed}").shuffle(steps)
    return {u: round(p, 3) for u, p in zip(units, steps)}


def _times(rng: random.Random, per_year: float, limit: int, early: bool) -> list[float]:
    """When (as a share of the year) a unit doing `per_year` things a year does each one."""
    times, k = [], 0
    while len(times) < limit and per_year > 0:
        t = (k + 1 - rng.random()) / per_year
        if early and k == 0:
            t = rng.uniform(0.01, 0.14)            # January or February
        if t >= 0.99:
            break
        times.append(t)
        k += 1
    return times


def _date_at(t: float, year: int = 2022) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=int(t * 365))


def _story(plan: Plan, unit: str, pace: float, seed: int, early: bool) -> _Story:
    rng = random.Random(f"story-{unit}-{seed}")
    signed_target = max(1.0, plan.target(unit, "signed_projects") or 0.0)
    times = _times(rng, signed_target * pace, _MAX_PROJECTS, early)
    projects = [_story_project(rng, plan, unit, t, pace) for t in times]
    _allocate_funds(rng, plan, unit, projects, pace)
    keys = [_story_key_project(rng, kp, pace) for kp in plan.key_projects_of(unit)]
    planned_target = plan.target(unit, "planned_projects") or 0.0
    planned = [_story_planned(rng, plan, unit, t) for t in
               _times(rng, max(planned_target, 0.4) * pace, 4, False)]
    return _Story(unit, pace, f"{unit}-{seed}", projects, keys, planned, rng.uniform(0.9, 1.1))


def _story_project(rng: random.Random, plan: Plan, unit: str, t: float, pace: float) -> dict[str, Any]:
    chain = _chain_for(rng, plan, unit)
    source = "省外" if rng.random() < 0.75 else "省内"
    name, total = _project_name(rng, chain, _place(rng, plan, unit))
    investor, location = _investor(rng, chain, source)
    sign = _date_at(t)
    start = sign + dt.timedelta(days=int(rng.uniform(30, 150) / pace))
    if start.month < 4 and rng.random() < 0.7:
        start = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randint(0, 25))   # after the thaw
    if rng.random() < 0.35 or start.year > 2022:
        start = None
    return {"name": name, "investor": investor, "investor_location": location, "fund_source": source,
            "chain": chain, "sign_date": sign, "total_investment": total, "start": start,
            "funds": 0.0, "share": round(rng.uniform(0.8, 1.0), 2), "leader": _chain_leader(plan, chain),
            "note": rng.choice(("", "", "已签订投资协议", "已完成项目备案", "正在办理用地手续"))}


def _allocate_funds(rng: random.Random, plan: Plan, unit: str, projects: list[dict], pace: float) -> None:
    """Spread the year's funds over the projects: 省外资金 and 外资 in line with the unit's pace."""
    fdi = plan.target(unit, "foreign_direct_investment") or 0.0
    if fdi and projects:
        abroad = projects[min(1, len(projects) - 1)]
        abroad["fund_source"] = "境外"
        abroad["investor"], abroad["investor_location"] = _investor(rng, abroad["chain"], "境外")
        abroad["funds"] = fdi * pace * 1.2 * plan.fx_rate / 0.9
    outside = [p for p in projects if p["fund_source"] == "省外"]
    weights = [rng.uniform(0.5, 1.5) for _ in outside]
    target = (plan.target(unit, "out_of_province_funds") or 0.0) * pace * 1.8
    for project, weight in zip(outside, weights):
        project["funds"] = target * weight / sum(weights) / project["share"]
    for project in projects:
        project["funds"] = round(project["funds"] or project["total_investment"] * rng.uniform(0.05, 0.2), -1)
        project["total_investment"] = max(project["total_investment"], round(project["funds"] * 2, -2))


def _story_key_project(rng: random.Random, kp, pace: float) -> dict[str, Any]:
    shift = dt.timedelta(days=int(30 * (1 - pace)))
    match = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月", kp.start_month or "")
    if kp.nature == "新建" and match:
        start = dt.date(int(match.group(1)), int(match.group(2)), rng.randint(1, 20)) + shift
    else:                                            # 续建: 复工 after the winter
        start = max(dt.date(2022, 3, 1), dt.date(2022, 3, 15) + shift + dt.timedelta(days=rng.randint(0, 12)))
    return {"name": kp.name, "nature": kp.nature, "plan_investment": kp.plan_investment or 1000.0,
            "start": start, "factor": pace * rng.uniform(0.85, 1.15),
            "problems": rng.choice(("", "", "建设资金到位慢", "用地手续待批", "受疫情影响施工人员不足"))}


def _story_planned(rng: random.Random, plan: Plan, unit: str, t: float) -> dict[str, Any]:
    chain = _chain_for(rng, plan, unit)
    name, _ = _project_name(rng, chain, _place(rng, plan, unit))
    total = float(rng.choice((5200, 6000, 8000, 12000, 20000, 35000, 3500)))
    return {"name": name.removesuffix("项目") + "储备项目", "total_investment": total, "chain": chain,
            "plan_date": _date_at(t), "progress": rng.choice(("编制项目建议书", "开展可行性研究",
                                                             "对接意向投资方", "项目包装策划中"))}


def _stories(plan: Plan, seed: int) -> dict[str, _Story]:
    """Every unit's story; a project name that another unit already has gets （二期）."""
    paces = _paces(plan, seed)
    early = {u for m in MISTAKES if m.kind in ("cell", "claimed") for u in m.units}
    stories = {u.name: _story(plan, u.name, paces[u.name], seed, u.name in early) for u in plan.units}
    seen: set[tuple[str, str]] = set()
    for story in stories.values():
        for project in story.projects:
            while (compact(project["name"]), compact(project["investor"])) in seen:
                project["name"] = project["name"].removesuffix("项目") + "（二期）项目"
            seen.add((compact(project["name"]), compact(project["investor"])))
    return stories


def realistic_returns(plan: Plan, period: Period | str, seed: int = 0) -> dict[str, dict[str, Any]]:
    """What every unit of the plan would type for `period`, without mistakes (fill_form keywords).

    The same seed gives the same year: a later period holds every project of an earlier one
    (same names, investors, dates) with amounts that never go down.
    """
    period = Period.parse(period)
    return {unit: _values_at(plan, story, period) for unit, story in _stories(plan, seed).items()}


def _values_at(plan: Plan, story: _Story, period: Period) -> dict[str, Any]:
    end = period.end
    rng = random.Random(f"cover-{story.seed}-{period.key}")
    projects = [_project_at(p, end, plan.fx_rate) for p in story.projects if p["sign_date"] <= end]
    key_projects = [_key_project_at(k, end) for k in story.key_projects]
    planned = [dict(p) for p in story.planned if p["plan_date"] <= end]
    summary = own_summary(plan, story.unit, end, projects, key_projects, planned)
    fai = plan.target(story.unit, "fixed_asset_investment")
    if fai:
        summary["fixed_asset_investment"] = round(fai * story.pace * story.fai_factor * season(end), 2)
    person = random.Random(f"people-{story.seed}")
    cover = {"filler": _person(person), "phone": f"0469-58{person.randint(10000, 99999)}",
             "leader": _person(person), "fill_date": end + dt.timedelta(days=rng.randint(2, 8))}
    return {"cover": cover, "projects": projects, "key_projects": key_projects,
            "planned": planned, "summary": summary}


def _project_at(p: dict[str, Any], end: dt.date, fx_rate: float) -> dict[str, Any]:
    """A signed project as its row reads at `end`: started or not, funds arrived so far."""
    started = p["start"] is not None and p["start"] <= end
    arrived = round(p["funds"] * min(1.0, ((end - p["sign_date"]).days + 30) / _ARRIVAL_DAYS), 2)
    keys = ("name", "investor", "investor_location", "fund_source", "chain", "sign_date",
            "total_investment")
    row = {k: p[k] for k in keys}
    row.update(started=started, start_date=p["start"] if started else None, funds_in=arrived,
               funds_out_of_province=round(arrived * p["share"], 2) if p["fund_source"] == "省外" else 0.0,
               funds_foreign=round(arrived * 0.9 / fx_rate, 2) if p["fund_source"] == "境外" else 0.0,
               leader=p["leader"], note=p["note"])
    return row


def _key_project_at(k: dict[str, Any], end: dt.date) -> dict[str, Any]:
    """A listed key project at `end`: 未开工 before its start, then investment grows with the season."""
    start = k["start"]
    if start > end:
        waiting = "冬季停工，计划4月复工" if k["nature"] == "续建" else "前期手续办理中"
        return {"name": k["name"], "completed_investment": 0.0, "status": "未开工", "start_date": None,
                "progress": waiting, "problems": k["problems"]}
    done = k["factor"] * (season(end) - season(start)) / (1 - season(start))
    done = min(1.2, max(0.02, done))
    return {"name": k["name"], "completed_investment": round(k["plan_investment"] * done, 2),
            "status": "已竣工" if done >= 1 else "已开工",
            "start_date": start if k["nature"] == "新建" else None,
            "progress": _progress_text(done), "problems": k["problems"]}


def _progress_text(done: float) -> str:
    for limit, text in ((0.1, "场地平整、基础施工"), (0.35, "土建施工"), (0.7, "主体施工"), (1.0, "设备安装调试")):
        if done < limit:
            return text
    return "已竣工投产"
