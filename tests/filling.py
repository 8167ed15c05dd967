"""Filling a generated return form the way a unit would, for tests, examples and benchmarks.

`fill_form()` opens a form made by `youyi_xl.forms` with openpyxl and writes values
into the cells a unit would type in. Cells are found by header text (the labels of
`youyi_xl.schema`), never by column letter, so the helper keeps working when the
form's layout changes. Rows are dicts keyed by schema column keys::

    fill_form(path,
              cover={"filler": "张三", "phone": "0469-5812345", "fill_date": date(2022, 4, 5)},
              projects=[{"name": "年产10万吨玉米深加工项目", "investor": "某某食品有限公司",
                         "fund_source": "省外", "sign_date": date(2022, 2, 10), ...}],
              key_projects=[{"name": "<a pre-filled project>", "status": "已开工", ...}],
              planned=[{"name": "...", "total_investment": 8000, "plan_date": date(2022, 3, 1)}],
              summary={"fixed_asset_investment": 5200, "signed_projects": 3})

Values are written as given (a date, a number, or any text such as "0.5亿元" to test
the intake); True/False in a 是/否 column become 是/否. `summary` maps indicator keys
to the 本年累计完成 figure, or to a dict of 指标汇总 column keys ({"target": ..., "actual": ...}).
Key-project rows are matched to the pre-filled rows by 项目名称, otherwise appended
to the blank rows. When a table's blank rows run out, the 填表说明 block is moved down.

`sample_return()` builds a varied, consistent set of values for one unit, and
`expected_summary()` counts the 指标汇总 figures from rows as DOMAIN §4.1 says;
both are independent of the library's own counting code.
"""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any, Iterable, Mapping

import openpyxl
from openpyxl.utils import get_column_letter

from youyi_xl.indicators import INDICATORS, PLANNED_PROJECT_MIN_INVESTMENT
from youyi_xl.normalize import compact, header_key
from youyi_xl.schema import (COVER_FIELDS, COVER_SHEET, KEY_PROJECTS, PLANNED, PROJECTS, SUMMARY,
                             YESNO, Table, summary_label)

Row = Mapping[str, Any]
NOTE_START = ("填表说明", "填报说明")


def fill_form(path: str | Path, *, cover: Row | None = None, projects: Iterable[Row] = (),
              key_projects: Iterable[Row] = (), planned: Iterable[Row] = (),
              summary: Mapping[str, Any] | None = None, out: str | Path | None = None) -> Path:
    """Write the given values into a generated form; save to `out` (default: in place)."""
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
    book.save(target)
    return target


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
            if value == "":
                value = None
            self.ws.cell(r, self.columns[key]).value = value
        self.used.add(r)

    def _make_room(self, n: int) -> None:
        """Move the 填表说明 block `n` rows down; the freed rows copy the last input row's style."""
        ws, notes = self.ws, self.notes_row
        merged = [m for m in ws.merged_cells.ranges if m.min_row >= notes]
        for m in merged:
            ws.unmerge_cells(str(m))
        last_col = get_column_letter(ws.max_column)
        ws.move_range(f"A{notes}:{last_col}{ws.max_row}", rows=n)
        for m in merged:
            m.shift(row_shift=n)
            ws.merge_cells(str(m))
        for r in range(notes, notes + n):
            for c in range(1, ws.max_column + 1):
                ws.cell(r, c)._style = ws.cell(notes - 1, c)._style
        self.notes_row += n


def _fill_summary(sheet: _TableSheet, summary: Mapping[str, Any]) -> None:
    rows: dict[str, int] = {}
    c = sheet.columns["indicator"]
    for r in range(sheet.header_row + 1, sheet.notes_row):
        rows[header_key(sheet.ws.cell(r, c).value)] = r
    for key, value in summary.items():
        r = rows[header_key(summary_label(key))]
        sheet.write(r, value if isinstance(value, Mapping) else {"actual": value})


# --------------------------------------------------------------------------
# sample values
# --------------------------------------------------------------------------

_INDUSTRIES = ("玉米深加工", "大豆蛋白", "水稻精深加工", "肉牛养殖", "蛋鸡养殖", "生物质热电联产",
               "绿色食品产业园", "粮食仓储物流", "光伏发电", "农机装备制造")
_INVESTORS = ("黑龙江北大荒农业有限公司", "山东鲁花集团有限公司", "浙江绿源投资有限公司",
              "吉林粮食集团有限公司", "北京首农食品集团有限公司", "韩国希杰（CJ）株式会社",
              "哈尔滨农投发展有限公司", "江苏华鑫能源科技有限公司")
_LOCATIONS = {"省外": ("山东省济南市", "浙江省杭州市", "北京市", "江苏省南京市"),
              "省内": ("哈尔滨市", "佳木斯市", "双鸭山市"), "境外": ("韩国首尔", "香港")}


def sample_return(plan, unit: str, period, seed: int = 0) -> dict[str, Any]:
    """Varied, valid values for one unit's form: fill_form(**sample_return(...)) gives a clean return."""
    rng = random.Random(f"{unit}-{period.key}-{seed}")
    end = period.end
    projects = [_sample_project(rng, plan, unit, i, end) for i in range(rng.randint(2, 5))]
    key_projects = [_sample_key_project(rng, p, end) for p in plan.key_projects_of(unit)]
    planned = [_sample_planned(rng, plan, unit, i, end) for i in range(rng.randint(1, 3))]
    listed = [{"category": p.category, "nature": p.nature, **row}
              for p, row in zip(plan.key_projects_of(unit), key_projects)]
    summary = expected_summary(projects, listed, planned, end)
    summary["fixed_asset_investment"] = round(rng.uniform(500, 20000), 2)
    cover = {"filler": "李明", "phone": "0469-5812345", "leader": "王建国",
             "fill_date": end + dt.timedelta(days=5)}
    return {"cover": cover, "projects": projects, "key_projects": key_projects,
            "planned": planned, "summary": summary}


def _day(rng: random.Random, end: dt.date) -> dt.date:
    start = dt.date(end.year, 1, 1)
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _sample_project(rng: random.Random, plan, unit: str, i: int, end: dt.date) -> dict[str, Any]:
    source = rng.choice(("省外", "省外", "省内", "境外"))
    total = float(rng.choice((800, 3000, 5000, 12000, 26000.5)))
    funds = round(total * rng.uniform(0.05, 0.4), 2)
    sign = _day(rng, end)
    started = rng.random() < 0.5 and sign < end
    chain = rng.choice((*plan.chain_names, "其他")) if plan.chain_names else "其他"
    return {
        "name": f"{unit}{rng.choice(_INDUSTRIES)}项目（{i + 1}期）",
        "investor": rng.choice(_INVESTORS), "investor_location": rng.choice(_LOCATIONS[source]),
        "fund_source": source, "chain": chain, "sign_date": sign, "total_investment": total,
        "started": started,
        "start_date": sign + dt.timedelta(days=rng.randint(0, (end - sign).days)) if started else None,
        "funds_in": funds,
        "funds_out_of_province": round(funds * 0.8, 2) if source == "省外" else 0.0,
        "funds_foreign": round(funds / plan.fx_rate * 0.9, 2) if source == "境外" else 0.0,
        "leader": "副县长（示例）", "note": rng.choice(("", "续签", "已办理备案")),
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


def _sample_planned(rng: random.Random, plan, unit: str, i: int, end: dt.date) -> dict[str, Any]:
    chain = rng.choice(plan.chain_names) if plan.chain_names else ""
    return {"name": f"{unit}{rng.choice(_INDUSTRIES)}储备项目{i + 1}",
            "total_investment": float(rng.choice((5000, 8000, 15000, 3000))),
            "chain": chain, "plan_date": _day(rng, end), "progress": "编制可研报告"}


def expected_summary(projects: Iterable[Row], key_projects: Iterable[Row], planned: Iterable[Row],
                     end: dt.date) -> dict[str, float]:
    """The 指标汇总 figures the rows give (DOMAIN §4.1), without 固定资产投资."""
    out = {ind.key: 0.0 for ind in INDICATORS if ind.key != "fixed_asset_investment"}
    in_period = lambda d: isinstance(d, dt.date) and d.year == end.year and d <= end  # noqa: E731
    for p in projects:
        if in_period(p.get("sign_date")):
            out["signed_projects"] += 1
            out["started_projects"] += bool(p.get("started") in (True, "是") and in_period(p.get("start_date")))
            out["out_of_province_funds"] += p.get("funds_out_of_province") or 0
            out["foreign_direct_investment"] += p.get("funds_foreign") or 0
    for k in key_projects:
        _count_key_project(out, k)
    out["planned_projects"] = float(sum(1 for p in planned if in_period(p.get("plan_date"))
                                        and (p.get("total_investment") or 0) >= PLANNED_PROJECT_MIN_INVESTMENT))
    return {k: round(v, 2) for k, v in out.items()}


_BY_CATEGORY = {"省级百大": ("provincial", False), "市级百大": ("municipal", True),
                "500万元以上产业项目": ("industrial", True)}


def _count_key_project(out: dict[str, float], row: Row) -> None:
    """The row needs 项目类别 and 建设性质 (for a pre-filled row, merge in the plan's values)."""
    prefix, counts_all = _BY_CATEGORY[row["category"]]
    out[f"{prefix}_plan_investment"] += row.get("completed_investment") or 0
    if row.get("status") in ("已开工", "已竣工"):
        if counts_all:
            out[f"{prefix}_projects"] += 1
        if row["nature"] == "新建":
            out[f"{prefix}_new_projects"] += 1
