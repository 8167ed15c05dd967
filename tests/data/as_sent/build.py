"""Rebuild the "as sent" fixtures of this folder (README.md says what each one exercises).

    python tests/data/as_sent/build.py

One return of 发展和改革局 for 2022-06, made from the project's own form (youyi_xl.outputs.forms)
and filled the way units really fill it (DOMAIN §4.3), then saved by LibreOffice as .xls and
.ods. Needs LibreOffice (soffice). The files are small and committed; the tests only read them.
"""
from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from libreoffice import convert  # noqa: E402

from youyi_xl.demo import fill_form  # noqa: E402
from youyi_xl.outputs import make_forms  # noqa: E402
from youyi_xl.plan import load_plan  # noqa: E402

UNIT, PERIOD = "发展和改革局", "2022-06"
NAME = f"{UNIT}-{PERIOD}-填报表"
ZWSP = "\u200b"
CHAIN = "粮食仓储物流"

PROJECTS = [   # 所属产业链 is typed in the first row only: the cell is merged down over the three
    {"name": "友谊县粮食烘干仓储项目", "investor": "黑龙江某某粮食有限公司", "investor_location": "黑龙江省哈尔滨市",
     "fund_source": "省内", "chain": CHAIN, "sign_date": dt.date(2022, 2, 15), "total_investment": 8000,
     "started": True, "start_date": dt.date(2022, 4, 10), "funds_in": 1200, "funds_out_of_province": 0},
    {"name": "友谊县粮食物流园项目", "investor": "吉林某某物流有限公司", "investor_location": "吉林省长春市",
     "fund_source": "省外", "sign_date": dt.date(2022, 3, 20), "total_investment": 6000, "started": False,
     "funds_in": "#REF!", "funds_out_of_province": 0},          # an Excel error value
    {"name": "友谊县冷链物流项目", "investor": "辽宁某某冷链有限公司", "investor_location": "辽宁省沈阳市",
     "fund_source": "省外", "sign_date": dt.date(2022, 5, 8), "total_investment": 1e30, "started": False,
     "funds_in": 300, "funds_out_of_province": 300},            # a legal cell, no plausible figure
]
KEY_PROJECTS = [
    {"name": "友谊县10万吨粮食仓储物流中心项目", "completed_investment": 2100, "status": "已开工",
     "start_date": dt.date(2022, 4, 1), "progress": "主体施工"},
    {"name": "友谊县20兆瓦分布式光伏发电项目", "completed_investment": 900, "status": "已开工",
     "start_date": dt.date(2022, 5, 6), "progress": "设备进场"},
]
PLANNED = [{"name": "友谊县粮食精深加工产业园项目", "total_investment": 12000, "chain": CHAIN,
            "plan_date": dt.date(2022, 3, 1), "progress": "编制可研"}]
# The unit's own 指标汇总 counts all three projects (it does not know two rows carry errors).
SUMMARY = {"signed_projects": 3, "started_projects": 1, "out_of_province_funds": 300,
           "foreign_direct_investment": 0, "municipal_projects": 2, "municipal_new_projects": 2,
           "municipal_plan_investment": 3000, "planned_projects": 1, "fixed_asset_investment": 5200}
COVER = {"filler": "张某", "phone": "0469-5812345", "leader": "王某", "fill_date": dt.date(2022, 7, 5)}


def build(folder: Path) -> list[Path]:
    plan = load_plan()
    with tempfile.TemporaryDirectory() as scratch:
        [form] = make_forms(plan, PERIOD, scratch, [UNIT])
        fill_form(form, cover=COVER, projects=PROJECTS, key_projects=KEY_PROJECTS, planned=PLANNED,
                  summary=SUMMARY)
        xlsx = folder / f"{NAME}.xlsx"
        _as_units_do(form, xlsx)
    xls, ods = convert(xlsx, "xls", folder)[0], convert(xlsx, "ods", folder)[0]
    return [xlsx, xls, ods]


def _as_units_do(form: Path, target: Path) -> None:
    book = openpyxl.load_workbook(form)
    cover = book["封面"]
    for row in cover.iter_rows():
        for cell in row:
            if cell.value in ("填报单位*", "报送期*"):
                value = cover.cell(cell.row, cell.column + 1)
                value.value = UNIT + ZWSP if cell.value == "填报单位*" else "1-6月"
    projects = book["招商引资项目"]
    projects.merge_cells("F4:F6")                         # 所属产业链, one cell for the three rows
    projects["A7"], projects["H7"], projects["K7"] = "合计", 14000, 1500
    for column in "ABCDEFGHIJKLMNO":
        projects[f"{column}8"] = projects[f"{column}9"] = None     # blank rows before the sign-off
    for ref, text in (("A9", "单位负责人：王某"), ("E9", "审核人：李某"), ("I9", "填报人：张某"),
                      ("L9", "填报日期：2022年7月5日")):
        projects[ref] = text
    key = book["重点项目进展"]
    for column in "CD":                                   # 项目类别, 建设性质 of both projects
        key[f"{column}5"] = None
        key.merge_cells(f"{column}4:{column}5")
    key["A7"], key["B7"], key["A8"], key["B8"] = "审核人", "李某", "填报人", "张某"
    book.save(target)


if __name__ == "__main__":
    for path in build(HERE):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    shutil.rmtree(HERE / "__pycache__", ignore_errors=True)
