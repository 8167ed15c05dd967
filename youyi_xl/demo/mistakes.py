"""The deliberate mistakes of the sample returns, each declared with the issue code it must give."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from openpyxl.utils import get_column_letter

from ..core import (
    PROJECTS,
    SUMMARY,
    Period,
    Table,
    form_name,
    safe_filename,
)
from ..outputs import FIRST_ROW
from ..plan import Plan, load_plan

Row = Mapping[str, Any]

# ==========================================================================
# The deliberate mistakes
# ==========================================================================


@dataclass(frozen=True)
class Mistake:
    """One mistake a real unit makes, and the issue code the intake must report for it.

    kind: "cell" — row 1 of 招商引资项目 has `written` in column `field` (the intake reads
    `reads`); "claimed" — the second unit lists the first unit's row 1 as its own row 1;
    "summary" — the 指标汇总 figure of indicator `field` is off by `written`; "left-out" — the
    指标汇总 figure of `field` still counts a row that a cell mistake leaves out; "cover" — 封面
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

    def locations(self, period: Period | str, plan: Plan | None = None) -> list[tuple[str, str, str]]:
        """(file, sheet, cell) of every issue this mistake must produce (in the forms of `plan`,
        the shipped one by default: its 指标汇总 rows follow the plan's indicators)."""
        period = Period.parse(period)
        files = [form_name(u, period) for u in self.units]
        if self.kind == "cell":
            return [(files[0], PROJECTS.sheet, _cell(PROJECTS, self.field, 0))]
        if self.kind == "claimed":
            return [(f, PROJECTS.sheet, _cell(PROJECTS, "name", 0)) for f in files]
        if self.kind in ("summary", "left-out"):
            keys = [i.key for i in (plan or load_plan()).indicators]
            return [(files[0], SUMMARY.sheet, _cell(SUMMARY, "actual", keys.index(self.field)))]
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
    *(Mistake("total-mismatch", "left-out", ("东建乡",), key,
              about="指标汇总照常计入了签约总投资写成“约500”的那一行，该行有错误不计入统计，汇总数与明细统计不符")
      for key in ("signed_projects", "out_of_province_funds")),
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
