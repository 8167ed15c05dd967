"""Stage 2: reading one return — the messy-but-valid layouts of DOMAIN §4 and value parsing."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from builders import planned_project, project, write_return
from youyi_xl.intake.folder import collect
from youyi_xl.core.schema import PROJECTS


@pytest.fixture(scope="module")
def plan():
    from youyi_xl import load_plan

    return load_plan()


def read_one(tmp_path, plan, name="友谊镇-2022-03-填报表.xlsx", collecting="2022-03", **kw):
    write_return(tmp_path / "in" / name, **kw)
    return collect(tmp_path / "in", collecting, plan)


def codes(batch) -> list[str]:
    return [i.code for i in batch.issue_list]


def test_clean_return_reads_every_value(tmp_path, plan):
    batch = read_one(tmp_path, plan, planned=[planned_project()])
    assert codes(batch) == []
    row = batch.projects.iloc[0]
    assert (row["unit"], row["file"], row["sheet"], row["row"]) == ("友谊镇", "友谊镇-2022-03-填报表.xlsx",
                                                                     "招商引资项目", 3)
    assert row["name"] == "年产5万吨鲜食玉米加工项目" and row["fund_source"] == "省外"
    assert row["sign_date"] == dt.date(2022, 2, 10) and row["start_date"] == dt.date(2022, 3, 1)
    assert row["total_investment"] == 6000 and row["funds_in"] == 1000
    assert row["funds_out_of_province"] == 800 and row["funds_foreign"] == 0   # blank 其中 counts as 0
    assert bool(row["started"]) is True and str(row["started"]) == "True"
    assert row["valid"]
    key = batch.key_projects.iloc[0]
    assert (key["category"], key["nature"], key["status"], key["completed_investment"]) == \
        ("500万元以上产业项目", "续建", "已开工", 900)
    assert batch.planned.iloc[0]["total_investment"] == 8000
    units = batch.units.set_index("unit")
    assert units.loc["友谊镇", "status"] == "submitted" and units.loc["兴隆镇", "status"] == "missing"


def test_messy_layout_reads_the_same_values(tmp_path, plan):
    """Title rows, reordered columns, renamed sheets, merged header, blank rows, notes below."""
    clean = read_one(tmp_path / "a", plan, projects=[project(), project(name="第二个项目", investor="乙公司")])
    order = [c.key for c in PROJECTS.columns][::-1]
    messy = read_one(tmp_path / "b", plan, projects=[project(), project(name="第二个项目", investor="乙公司")],
                     title_rows=3, order={"projects": order}, blank_rows=True, merged_subheader=True,
                     sheet_names={"projects": "Sheet1", "key_projects": "重点项目"})
    assert [c for c in codes(messy)] == []
    cols = ["name", "investor", "sign_date", "total_investment", "funds_in", "funds_out_of_province", "started"]
    assert messy.projects[cols].to_dict("records") == clean.projects[cols].to_dict("records")
    assert messy.key_projects["completed_investment"].tolist() == [900]


def test_text_numbers_full_width_digits_suffixes_and_dotted_dates(tmp_path, plan):
    rows = [project(total_investment="６，０００", funds_in="1,000.5", funds_out_of_province=" 800 ",
                    sign_date="2022.2.10", start_date="2022年3月1日"),
            project(name="乙", investor="乙公司", total_investment="0.8亿元", funds_in="500万元",
                    funds_out_of_province="300", sign_date="2022/2/11", start_date=44630, started="√")]
    batch = read_one(tmp_path, plan, projects=rows)
    assert codes(batch) == ["unit-converted"]                 # only the 亿元 conversion is reported
    assert batch.issue_list[0].cell == "H4" and batch.issue_list[0].severity == "warning"
    df = batch.projects
    assert df["total_investment"].tolist() == [6000, 8000]
    assert df["funds_in"].tolist() == [1000.5, 500]
    assert df["sign_date"].tolist() == [dt.date(2022, 2, 10), dt.date(2022, 2, 11)]
    assert df["start_date"].tolist() == [dt.date(2022, 3, 1), dt.date(2022, 3, 10)]   # 44630 is a serial
    assert df["valid"].all()


def test_header_in_yi_yuan_converts_the_column(tmp_path, plan):
    batch = read_one(tmp_path, plan, projects=[project(total_investment=0.6)],
                     header_text={"projects": {"total_investment": "签约总投资（亿元）"}})
    assert batch.projects["total_investment"].tolist() == [6000]
    assert codes(batch) == ["unit-converted"]


def test_date_without_year_is_assumed_2022(tmp_path, plan):
    batch = read_one(tmp_path, plan, projects=[project(sign_date="2月10日")])
    issue = batch.issue_list[0]
    assert (issue.code, issue.severity, issue.cell) == ("year-assumed", "warning", "G3")
    assert batch.projects.iloc[0]["sign_date"] == dt.date(2022, 2, 10)


@pytest.mark.parametrize("written", ["友谊镇", "友谊镇人民政府", "友谊镇政府", "友 谊 镇 人 民 政 府", "友谊县友谊镇人民政府"])
def test_unit_aliases_on_the_cover(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, unit=written)
    assert batch.returns[0].unit == "友谊镇" and codes(batch) == []


@pytest.mark.parametrize("written", ["2022年1-3月", "2022年1—3月", "2022年一季度", "2022-03", "2022年3月",
                                     dt.date(2022, 3, 31)])
def test_period_spellings(tmp_path, plan, written):
    batch = read_one(tmp_path, plan, period=written)
    assert codes(batch) == []


def test_extra_sheet_and_column_are_info(tmp_path, plan):
    batch = read_one(tmp_path, plan, extra_sheet=True,
                     order={"projects": [c.key for c in PROJECTS.columns] + ["note"]},
                     header_text={"projects": {"note": "备注"}})
    assert set(codes(batch)) <= {"extra-ignored"}
    assert all(i.severity == "info" for i in batch.issue_list)
    assert any(i.sheet == "草稿" for i in batch.issue_list)


def test_non_workbook_and_lock_files(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "友谊镇.xlsx")
    (folder / "说明.txt").write_text("请查收", encoding="utf-8")
    (folder / "~$友谊镇.xlsx").write_bytes(b"lock")
    batch = collect(folder, "2022-03", plan)
    assert [(i.code, i.file, i.severity) for i in batch.issue_list] == [("extra-ignored", "说明.txt", "info")]


def test_recursive_folder_and_xls_ods_formats(tmp_path, plan):
    folder = tmp_path / "in"
    write_return(folder / "乡镇" / "友谊镇.xlsx")
    write_return(folder / "部门" / "发改局.xlsx", unit="发改局")
    batch = collect(folder, "2022-03", plan)
    assert sorted(batch.projects["file"]) == ["乡镇/友谊镇.xlsx", "部门/发改局.xlsx"]
    assert sorted(batch.projects["unit"]) == ["友谊镇", "发展和改革局"]


def test_inputs_are_not_modified(tmp_path, plan):
    folder = tmp_path / "in"
    path = write_return(folder / "友谊镇.xlsx", projects=[project(total_investment="约500")])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    listing = sorted(p.name for p in folder.rglob("*"))
    collect(folder, "2022-03", plan)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in folder.rglob("*")) == listing


def test_cover_without_label_sheet_name_found_by_label(tmp_path, plan):
    path = write_return(tmp_path / "in" / "x.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["封面"].title = "首页"
    wb.save(path)
    batch = collect(tmp_path / "in", "2022-03", plan)
    assert codes(batch) == [] and batch.returns[0].unit == "友谊镇"
