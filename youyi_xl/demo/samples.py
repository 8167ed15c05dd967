"""Sample returns as units really send them: for `youyi-xl demo`, the examples, tests and benchmarks.

Everything here is deterministic for a seed and never prints. Three layers:

- `fill_form()` types values into a generated form (youyi_xl.forms) through openpyxl,
  finding every cell by its header text (the labels of youyi_xl.schema), never by letter.
  The file is saved with fixed zip times and document dates, so the same values give
  the same bytes.
- Values: `sample_return()` gives one unit varied, valid values of every kind (for
  round-trip tests and benchmarks); `realistic_returns()` gives every unit of a plan the
  values of a plausible year in a 东北 county, cumulative across periods: one story per
  unit (projects signed through the year, key projects starting in the building season,
  funds arriving), read at each period's end, so 2022-06 holds the 2022-03 projects with
  the same names and dates and larger amounts. Units differ in pace, so the ranking is
  not flat. Names are generic (某某 companies), never real ones.
- `write_sample_returns()` writes a period's returns folder: every unit but `missing`
  (MISSING_UNITS), with the deliberate mistakes of MISTAKES, each declared with the issue
  code it must produce; `expected_issues()` says where. `make_large_plan()` and
  `write_large_batch()` build big batches for benchmarks. See docs/examples.md.
"""
from __future__ import annotations

import calendar
import datetime as dt
import io
import random
import re
import shutil
import tempfile
import zipfile
from copy import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl
from openpyxl.utils import get_column_letter

from ..core import (
    COVER_FIELDS,
    COVER_SHEET,
    INDICATORS,
    KEY_PROJECTS,
    KEYS,
    PLANNED,
    PROJECTS,
    SUMMARY,
    YESNO,
    OutputError,
    Period,
    Table,
    UsageError,
    compact,
    form_name,
    header_key,
    measure,
    safe_filename,
    summary_label,
)
from ..outputs import FIRST_ROW, atomic_write, inside, make_forms
from ..plan import Plan, default_template_dir, load_plan

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# ==========================================================================
# Filling a form
# ==========================================================================


def fill_form(path: str | Path, *, cover: Row | None = None, projects: Iterable[Row] = (),
              key_projects: Iterable[Row] = (), planned: Iterable[Row] = (),
              summary: Mapping[str, Any] | None = None, out: str | Path | None = None) -> Path:
    """Type the given values into a generated form; save to `out` (default: in place).

    Rows are dicts keyed by schema column keys; values are written as given (a date, a
    number, or text such as "0.3亿元"); True/False in a 是/否 column become 是/否. Key-project
    rows go to the pre-filled row of the same 项目名称, other rows to the next blank row
    (the 填表说明 block moves down when they run out). `summary` maps indicator keys to the
    本年累计完成 figure, or to a dict of 指标汇总 column keys.
    """
    book = openpyxl.load_workbook(path)
    if cover:
        _fill_cover(book[COVER_SHEET], cover)
    for table, rows in ((PROJECTS, projects), (PLANNED, planned)):
        sheet = _TableSheet(book[table.sheet], table)
        for row in rows:
            sheet.write(sheet.next_blank(), row)
    key_sheet = _TableSheet(book[KEY_PROJECTS.sheet], KEY_PROJECTS)
    for row in key_projects:
        key_sheet.write(key_sheet.row_named(row.get("name")) or key_sheet.next_blank(), row)
    if summary:
        _fill_summary(_TableSheet(book[SUMMARY.sheet], SUMMARY), summary)
    target = Path(out) if out is not None else Path(path)
    saved = _saved_at(cover, book.properties.created)
    atomic_write(target, reproducible_bytes(book, saved))
    return target


def _saved_at(cover: Row | None, created: dt.datetime | None) -> dt.datetime:
    """When the unit 'saved' the file: its 填报日期 at 16:30, else the form's creation time."""
    day = (cover or {}).get("fill_date")
    if isinstance(day, dt.date):
        return dt.datetime(day.year, day.month, day.day, 16, 30)
    return created or dt.datetime(2022, 1, 1)


def reproducible_bytes(book, saved: dt.datetime) -> bytes:
    """The workbook as .xlsx bytes with fixed zip times and a fixed 'modified' date."""
    buffer = io.BytesIO()
    book.save(buffer)
    stamp = saved.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            member.compress_type, member.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            target.writestr(member, data)
    return result.getvalue()


def _fill_cover(ws, values: Row) -> None:
    labels = {header_key(f.label): f.key for f in COVER_FIELDS}
    unknown = set(values) - {f.key for f in COVER_FIELDS}
    if unknown:
        raise KeyError(f"not cover fields: {sorted(unknown)}")
    for row in ws.iter_rows():
        for cell in row:
            key = labels.get(header_key(cell.value)) if isinstance(cell.value, str) else None
            if key in values:
                ws.cell(cell.row, cell.column + 1).value = values[key]


class _TableSheet:
    """One table of the form: its header row, column positions and input rows."""

    def __init__(self, ws, table: Table):
        self.ws, self.table = ws, table
        self.header_row, self.columns = self._find_header()
        self.notes_row = self._find_notes()
        self.used: set[int] = set()

    def _find_header(self) -> tuple[int, dict[str, int]]:
        keys = {k: c.key for c in self.table.columns for k in c.header_keys()}
        best: tuple[int, dict[str, int]] = (0, {})
        for row in self.ws.iter_rows(max_row=40):
            found = {keys[header_key(c.value)]: c.column for c in row
                     if isinstance(c.value, str) and header_key(c.value) in keys}
            if len(found) > len(best[1]):
                best = (row[0].row, found)
        if len(best[1]) < len(self.table.columns):
            raise ValueError(f"{self.ws.title}: header row not found")
        return best

    def _find_notes(self) -> int:
        for r in range(self.header_row + 1, self.ws.max_row + 1):
            value = self.ws.cell(r, 1).value
            if isinstance(value, str) and value.startswith(NOTE_START):
                return r
        return self.ws.max_row + 1

    def is_blank(self, r: int) -> bool:
        return all(self.ws.cell(r, c).value in (None, "")
                   for key, c in self.columns.items() if key != "seq")

    def next_blank(self) -> int:
        for r in range(self.header_row + 1, self.notes_row):
            if r not in self.used and self.is_blank(r):
                return r
        self._make_room(10)
        return self.next_blank()

    def row_named(self, name: Any) -> int | None:
        c = self.columns["name"]
        for r in range(self.header_row + 1, self.notes_row):
            if name and compact(self.ws.cell(r, c).value) == compact(name):
                return r
        return None

    def write(self, r: int, row: Row) -> None:
        unknown = set(row) - set(self.columns)
        if unknown:
            raise KeyError(f"{self.table.sheet}: not columns of the form: {sorted(unknown)}")
        for key, value in row.items():
            if self.table.column(key).kind == YESNO and isinstance(value, bool):
                value = "是" if value else "否"
            self.ws.cell(r, self.columns[key]).value = None if value == "" else value
        self.used.add(r)

    def _make_room(self, n: int) -> None:
        """Move the 填表说明 block `n` rows down; the freed rows copy the last input row's style."""
        ws, notes = self.ws, self.notes_row
        _shift_down(ws, notes, n)
        for r in range(notes, notes + n):
            for c in range(1, ws.max_column + 1):
                ws.cell(r, c)._style = copy(ws.cell(notes - 1, c)._style)
        self.notes_row += n


def _shift_down(ws, first: int, n: int) -> None:
    """Move rows first.. (and the merged ranges among them) `n` rows down."""
    merged = [m for m in ws.merged_cells.ranges if m.min_row >= first]
    for m in merged:
        ws.unmerge_cells(str(m))
    ws.move_range(f"A{first}:{get_column_letter(ws.max_column)}{ws.max_row}", rows=n)
    for m in merged:
        m.shift(row_shift=n)
        ws.merge_cells(str(m))


def _fill_summary(sheet: _TableSheet, summary: Mapping[str, Any]) -> None:
    rows: dict[str, int] = {}
    c = sheet.columns["indicator"]
    for r in range(sheet.header_row + 1, sheet.notes_row):
        rows[header_key(sheet.ws.cell(r, c).value)] = r
    for key, value in summary.items():
        r = rows[header_key(summary_label(key))]
        sheet.write(r, value if isinstance(value, Mapping) else {"actual": value})


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
    counted = measure([PROJECTS.make_record(r) for r in projects], [KEY_PROJECTS.make_record(r) for r in keys],
                      [PLANNED.make_record(r) for r in planned], end)
    ints = {ind.key for ind in INDICATORS if ind.is_count}
    return {k: (int(v) if k in ints else round(v, 2)) for k, v in counted.items()
            if k != "fixed_asset_investment"}


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


# ==========================================================================
# The deliberate mistakes
# ==========================================================================


@dataclass(frozen=True)
class Mistake:
    """One mistake a real unit makes, and the issue code the intake must report for it.

    kind: "cell" — row 1 of 招商引资项目 has `written` in column `field` (the intake reads
    `reads`); "claimed" — the second unit lists the first unit's row 1 as its own row 1;
    "summary" — the 指标汇总 figure of indicator `field` is off by `written`; "cover" — 封面
    `field` reads `written`; "version" — an older version (earlier 填报日期, 固定资产投资 × 10)
    was sent as well, as file VERSION_NAME.
    """

    code: str | None                 # the issue it must produce; None: it must produce none
    kind: str
    units: tuple[str, ...]
    field: str = ""
    written: Any = None
    reads: Any = None
    about: str = ""                  # what the unit did, for the clerk

    def locations(self, period: Period | str) -> list[tuple[str, str, str]]:
        """(file, sheet, cell) of every issue this mistake must produce."""
        period = Period.parse(period)
        files = [form_name(u, period) for u in self.units]
        if self.kind == "cell":
            return [(files[0], PROJECTS.sheet, _cell(PROJECTS, self.field, 0))]
        if self.kind == "claimed":
            return [(f, PROJECTS.sheet, _cell(PROJECTS, "name", 0)) for f in files]
        if self.kind == "summary":
            return [(files[0], SUMMARY.sheet, _cell(SUMMARY, "actual", KEYS.index(self.field)))]
        if self.kind == "version":
            return [(version_name(self.units[0], period), "", "")]
        return []


def _cell(table: Table, key: str, index: int) -> str:
    """Where the form puts row `index` (0-based) of a table's column `key`."""
    column = [c.key for c in table.columns].index(key)
    return f"{get_column_letter(column + 1)}{FIRST_ROW + 1 + index}"


def version_name(unit: str, period: Period | str) -> str:
    """The older of two versions a unit sent: 农业农村局-2022-03-填报表（初稿）.xlsx."""
    return safe_filename(f"{unit}-{Period.parse(period).key}-填报表（初稿）.xlsx")


MISTAKES: tuple[Mistake, ...] = (
    Mistake("unit-converted", "cell", ("兴隆镇",), "total_investment", "0.3亿元", 3000.0,
            "签约总投资写成带单位的文字“0.3亿元”"),
    Mistake("number-invalid", "cell", ("东建乡",), "total_investment", "约500", None,
            "签约总投资写成“约500”，无法识别为数字"),
    Mistake("date-invalid", "cell", ("商务局",), "sign_date", "2022年2月30日", None,
            "签约日期写成不存在的“2022年2月30日”"),
    Mistake("duplicate-submission", "version", ("农业农村局",),
            about="报送了两个版本：初稿填报日期早3天、固定资产投资多写了一个0"),
    Mistake("project-claimed-twice", "claimed", ("友谊镇", "经济合作促进中心"), "name",
            about="同一个招商项目（名称和投资方相同）友谊镇和经合中心都填报了"),
    Mistake("total-mismatch", "summary", ("凤岗镇",), "signed_projects", 1,
            about="指标汇总的签约项目数比明细多填了1个"),
    Mistake(None, "cover", ("龙山镇",), "unit", "友谊县龙山镇人民政府",
            about="封面填报单位写全称“友谊县龙山镇人民政府”（能识别，不算问题）"),
)

# Units that send nothing, in the order write_sample_returns(missing=n) leaves them out.
MISSING_UNITS: tuple[str, ...] = ("建设乡", "统计局", "财政局", "友邻乡", "水务局")


def missing_units(plan: Plan, missing: int = 2) -> list[str]:
    """The units that send no return: the first `missing` of MISSING_UNITS that the plan has,
    then (for another plan) its last units that make no declared mistake."""
    names = [n for n in MISSING_UNITS if plan.unit(n) is not None]
    mistaken = {u for m in MISTAKES for u in m.units}
    names += [u.name for u in reversed(plan.units) if u.name not in names and u.name not in mistaken]
    if missing > len(names):
        raise UsageError(f"未报送单位数{missing}过多（最多{len(names)}个）")
    return names[:max(0, missing)]


def active_mistakes(plan: Plan, missing: Iterable[str] = ()) -> tuple[Mistake, ...]:
    """The declared mistakes whose units are all in the plan and all send a return."""
    absent = set(missing)
    return tuple(m for m in MISTAKES
                 if all(plan.unit(u) is not None and u not in absent for u in m.units))


def expected_issues(plan: Plan, period: Period | str, *, missing: int = 2,
                    mistakes: bool = True) -> list[tuple[str, str, str, str]]:
    """(code, file, sheet, cell) of every issue write_sample_returns' files must produce."""
    found = active_mistakes(plan, missing_units(plan, missing)) if mistakes else ()
    return sorted((m.code, *where) for m in found if m.code for where in m.locations(period))


def _apply(mistake: Mistake, typed: dict[str, dict[str, Any]]) -> None:
    """Make a mistake that changes rows or the cover (cells and 指标汇总 come later)."""
    values = typed[mistake.units[0]]
    if mistake.kind == "claimed":
        typed[mistake.units[1]]["projects"].insert(0, dict(values["projects"][0]))
    elif mistake.kind == "cover":
        values["cover"][mistake.field] = mistake.written


def _set_cells(typed: dict[str, dict[str, Any]], cells: Iterable[Mistake], attribute: str) -> None:
    """Put each cell mistake's `written` (what the unit typed) or `reads` (what the intake reads)."""
    for mistake in cells:
        typed[mistake.units[0]]["projects"][0][mistake.field] = getattr(mistake, attribute)


def _typed(plan: Plan, period: Period, seed: int, skip: set[str],
           mistakes: tuple[Mistake, ...]) -> dict[str, dict[str, Any]]:
    """Each sending unit's values with the mistakes made; 指标汇总 counts what the intake will read."""
    clean = realistic_returns(plan, period, seed)
    typed = {u: v for u, v in clean.items() if u not in skip}
    cells = [m for m in mistakes if m.kind == "cell"]
    for mistake in mistakes:
        _apply(mistake, typed)
    _set_cells(typed, cells, "reads")
    for unit, values in typed.items():
        fai = values["summary"].get("fixed_asset_investment")
        values["summary"] = own_summary(plan, unit, period.end, values["projects"], values["key_projects"],
                                        values["planned"])
        if fai is not None:
            values["summary"]["fixed_asset_investment"] = fai
    _set_cells(typed, cells, "written")
    for mistake in (m for m in mistakes if m.kind == "summary"):
        typed[mistake.units[0]]["summary"][mistake.field] += mistake.written
    return typed


def _older_version(values: dict[str, Any]) -> dict[str, Any]:
    """A first draft: sent three days earlier, with 固定资产投资 typed with one 0 too many."""
    cover = {**values["cover"], "fill_date": values["cover"]["fill_date"] - dt.timedelta(days=3)}
    summary = dict(values["summary"])
    if summary.get("fixed_asset_investment") is not None:
        summary["fixed_asset_investment"] = round(summary["fixed_asset_investment"] * 10, 2)
    return {**values, "cover": cover, "summary": summary}


# ==========================================================================
# Writing folders of returns
# ==========================================================================


def write_sample_returns(plan: Plan, period: Period | str, out: str | Path, *, seed: int = 0,
                         missing: int = 2, mistakes: bool = True) -> list[Path]:
    """Write one filled return per unit but `missing` ones into `out`; returns the paths.

    Values come from realistic_returns(plan, period, seed); with `mistakes`, the declared
    MISTAKES are made (expected_issues() lists the issues they must produce). Files already
    in `out` with the same names are replaced; other workbooks there are an OutputError,
    because the folder is meant to hold this period's returns and nothing else.
    """
    period, out = Period.parse(period), Path(out)
    skip = set(missing_units(plan, missing))
    chosen = active_mistakes(plan, skip) if mistakes else ()
    typed = _typed(plan, period, seed, skip, chosen)
    extra = {version_name(m.units[0], period): m.units[0] for m in chosen if m.kind == "version"}
    names = {form_name(u, period): u for u in typed} | extra
    _check_folder(out, names)
    with tempfile.TemporaryDirectory() as tmp:
        forms = {p.name: p for p in make_forms(plan, period, tmp, list(typed))}
        paths = [fill_form(forms[form_name(unit, period)], out=inside(out, name),
                           **(typed[unit] if name not in extra else _older_version(typed[unit])))
                 for name, unit in names.items()]
    return sorted(paths)


def _check_folder(out: Path, names: Iterable[str]) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"无法创建输出文件夹“{out}”：{exc.strerror or exc}") from exc
    wanted = set(names)
    others = sorted(p.name for p in out.iterdir()
                    if p.suffix.lower() in (".xlsx", ".xls", ".xlsm") and p.name not in wanted)
    if others:
        raise OutputError(f"文件夹“{out}”中已有其他报表（{'、'.join(others[:3])}等），"
                          "请换一个空文件夹存放示例报表")


def write_large_batch(plan: Plan, period: Period | str, out: str | Path, n: int, rows: int = 60,
                      seed: int = 0) -> list[Path]:
    """N clean returns, one for each of the plan's first `n` units, about `rows` rows each.

    For benchmarks: make a plan with enough units first (make_large_plan). Every file is a
    different unit with different project names, so nothing collides.
    """
    period, out = Period.parse(period), Path(out)
    if n > len(plan.units):
        raise UsageError(f"目标分解表只有{len(plan.units)}个单位，不够{n}份报表；"
                         f"请先用 make_large_plan({n}, 文件夹) 生成{n}个单位的目标分解表")
    units = [u.name for u in plan.units[:n]]
    _check_folder(out, [form_name(u, period) for u in units])
    paths = []
    with tempfile.TemporaryDirectory() as tmp:
        for unit, form in zip(units, make_forms(plan, period, tmp, units)):
            planned = max(1, rows // 6)
            count = max(1, rows - planned - len(plan.key_projects_of(unit)))
            values = sample_return(plan, unit, period, seed, n_projects=count, n_planned=planned)
            paths.append(fill_form(form, out=inside(out, form.name), **values))
    return paths


# ==========================================================================
# A large plan (benchmarks)
# ==========================================================================

_GROWN_SHEETS = (("attachment1.xlsx", "目标分解", "单位名称"), ("attachment3.xlsx", "目标分解", "单位名称"),
                 ("attachment3.xlsx", "重点项目清单", "责任单位"))
_SUM = re.compile(r"^=SUM\(([A-Z]+)\d+:([A-Z]+)\d+\)$")


def make_large_plan(n: int, folder: str | Path, templates: str | Path | None = None) -> Path:
    """Write attachment1–3 for `n` units into `folder` (for benchmarks); returns the folder.

    The first units are the templates' own (the shipped 26 by default); the others copy them
    in turn with a number: 友谊镇002, 兴隆镇002, …, each with the targets of its model and
    copies of its key projects (…项目(002)). Layout, styles and notes are the templates', so
    load_plan reads the result like a clerk's file. Its totals exceed the county targets of
    the notice (county-target-mismatch warnings), as they must for a made-up county of n units.
    """
    source = Path(templates) if templates is not None else default_template_dir()
    units = [u.name for u in load_plan(source).units]
    if n < len(units):
        raise UsageError(f"单位数{n}少于模板中的{len(units)}个单位")
    copies = [(units[k % len(units)], f"{units[k % len(units)]}{k // len(units) + 1:03d}")
              for k in range(len(units), n)]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "attachment2.xlsx", folder / "attachment2.xlsx")
    for name in ("attachment1.xlsx", "attachment3.xlsx"):
        book = openpyxl.load_workbook(source / name)
        for file, sheet, match in _GROWN_SHEETS:
            if file == name:
                _grow(book[sheet], copies, match)
        atomic_write(folder / name, reproducible_bytes(book, dt.datetime(2022, 2, 24, 9, 0)))
    return folder


def _layout(ws) -> tuple[int, int, dict[str, int]]:
    """(header row, 合计 row, 1-based column of each header) of an attachment sheet."""
    header = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    total = next(r for r in range(header + 1, ws.max_row + 1)
                 if any(ws.cell(r, c).value == "合计" for c in range(1, 4)))
    columns = {header_key(ws.cell(header, c).value): c for c in range(1, ws.max_column + 1)
               if ws.cell(header, c).value}
    return header, total, columns


def _grow(ws, copies: list[tuple[str, str]], match: str) -> None:
    """Above 合计, add a copy of every row of each model unit (column `match`) for its copy."""
    header, total, columns = _layout(ws)
    models = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(header + 1, total)]
    unit = columns[header_key(match)] - 1
    name, note = columns.get(header_key("项目名称")), columns.get(header_key("备注"))
    rows = []
    for model, new in copies:
        for row in (list(m) for m in models if compact(m[unit]) == model):
            row[unit] = new
            if name:
                row[name - 1] = f"{row[name - 1]}({new[len(model):]})"
            if note:
                row[note - 1] = None              # no 别名 for a copy
            rows.append(row)
    if rows:
        _shift_down(ws, total, len(rows))
        for i, values in enumerate(rows):
            for c, value in enumerate(values, 1):
                cell = ws.cell(total + i, c)
                cell.value, cell._style = value, copy(ws.cell(total - 1, c)._style)
        _retotal(ws, header, total + len(rows))


def _retotal(ws, header: int, total: int) -> None:
    """Number the rows 1.. and make every =SUM(...) of the 合计 row cover them all."""
    for i, r in enumerate(range(header + 1, total), 1):
        ws.cell(r, 1).value = i
    for c in range(1, ws.max_column + 1):
        match = _SUM.match(str(ws.cell(total, c).value or ""))
        if match:
            ws.cell(total, c).value = f"=SUM({match.group(1)}{header + 1}:{match.group(2)}{total - 1})"
