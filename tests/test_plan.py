"""Stage 1: reading the three attachment templates into a Plan, and what is wrong with them."""
from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from youyi_xl.core.errors import PlanError
from shipped import INDICATORS
from youyi_xl.plan import default_template_dir, load_plan, unit_key

# DOMAIN §2: the county targets the shipped templates must total to.
DOMAIN_TARGETS = {
    "signed_projects": 38, "started_projects": 10, "provincial_new_projects": 3,
    "provincial_plan_investment": 54000, "municipal_projects": 10, "municipal_new_projects": 4,
    "municipal_plan_investment": 45000, "industrial_projects": 16, "industrial_new_projects": 8,
    "industrial_plan_investment": 55000, "planned_projects": 7, "fixed_asset_investment": 107000,
}


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """A clerk's copy of the shipped templates, to be edited by a test."""
    folder = tmp_path / "plan"
    shutil.copytree(default_template_dir(), folder, ignore=shutil.ignore_patterns("__*"))
    return folder


def edit(path: Path, sheet: str, changes: dict[str, object]) -> None:
    """Write cell values into a template copy, as a clerk would in Excel."""
    wb = openpyxl.load_workbook(path)
    for ref, value in changes.items():
        wb[sheet][ref] = value
    wb.save(path)


def codes_at(plan) -> set[tuple[str, str, str]]:
    return {(i.code, i.sheet, i.cell) for i in plan.issues}


def find_row(path: Path, sheet: str, text: str) -> int:
    ws = openpyxl.load_workbook(path)[sheet]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text:
                return cell.row
    raise AssertionError(f"{text} not in {path.name}")


# --- the shipped templates ---------------------------------------------------

def test_shipped_templates_total_to_domain_targets(plan):
    for key, target in DOMAIN_TARGETS.items():
        assert plan.county_targets[key] == target, key
    assert not plan.issues, [i.message for i in plan.issues]


def test_every_chain_targets_two_signed_and_one_started(plan):
    assert 8 <= len(plan.chains) <= 10
    assert all((c.signed_target, c.started_target) == (2, 1) for c in plan.chains)
    names = {u.name for u in plan.units}
    assert all(c.lead_unit in names and set(c.partners) <= names for c in plan.chains)


def test_units_and_groups(plan):
    townships = [u.name for u in plan.group("乡镇")]
    assert townships[:4] == ["友谊镇", "兴隆镇", "龙山镇", "凤岗镇"]
    assert len(townships) == 11 and "成富朝鲜族满族乡" in townships
    assert "发展和改革局" in {u.name for u in plan.group("部门")}


def test_key_project_list_matches_category_targets(plan):
    by_category = {}
    for p in plan.key_projects:
        by_category.setdefault(p.category, []).append(p)
    assert sum(p.plan_investment for p in by_category["省级百大"]) == 54000
    assert sum(p.plan_investment for p in by_category["市级百大"]) == 45000
    assert sum(p.plan_investment for p in by_category["500万元以上产业项目"]) == 55000
    assert len(by_category["市级百大"]) == 10 and len(by_category["500万元以上产业项目"]) == 16


@pytest.mark.parametrize("written, canonical", [
    ("友谊镇", "友谊镇"), ("友谊镇人民政府", "友谊镇"), ("友谊镇政府", "友谊镇"), ("友谊县友谊镇人民政府", "友谊镇"),
    ("友 谊 镇", "友谊镇"), ("发改局", "发展和改革局"), ("县发改局", "发展和改革局"),
    ("友谊县发展和改革局", "发展和改革局"), ("成富乡", "成富朝鲜族满族乡"), ("ｘ局", None), ("", None),
])
def test_unit_aliases(plan, written, canonical):
    found = plan.unit(written)
    assert (found.name if found else None) == canonical


def test_unit_key_normalises_full_width_and_suffixes():
    assert unit_key("　友谊镇人民政府 ") == unit_key("友谊镇") == "友谊镇"


def test_plan_frames(plan):
    units = plan.units_frame()
    assert list(units["unit"])[:2] == ["友谊镇", "兴隆镇"]
    assert units["signed_projects"].sum() == 38
    assert len(plan.key_projects_frame()) == len(plan.key_projects)


# --- a clerk's edited copy ----------------------------------------------------

def test_duplicate_unit_reported_at_its_cell(plan_dir):
    path = plan_dir / "attachment1.xlsx"
    row = find_row(path, "目标分解", "兴隆镇")
    edit(path, "目标分解", {f"B{row}": "友谊镇"})
    plan = load_plan(plan_dir)
    assert ("unit-duplicate", "目标分解", f"B{row}") in codes_at(plan)
    dup = next(i for i in plan.issues if i.code == "unit-duplicate")
    assert dup.file == "attachment1.xlsx" and dup.severity == "error" and "友谊镇" in dup.message


def test_wrong_total_reported_at_the_total_cell(plan_dir):
    path = plan_dir / "attachment1.xlsx"
    row = find_row(path, "目标分解", "合计")
    edit(path, "目标分解", {f"D{row}": 40})
    plan = load_plan(plan_dir)
    assert codes_at(plan) == {("sum-mismatch", "目标分解", f"D{row}")}
    assert plan.county_targets["signed_projects"] == 38  # the rows decide, not the stated total


def test_text_in_number_cell(plan_dir):
    path = plan_dir / "attachment1.xlsx"
    row = find_row(path, "目标分解", "兴隆镇")
    edit(path, "目标分解", {f"D{row}": "约2个"})
    plan = load_plan(plan_dir)
    invalid = [i for i in plan.issues if i.code == "number-invalid"]
    assert [(i.sheet, i.cell, i.value) for i in invalid] == [("目标分解", f"D{row}", "约2个")]
    # the column now totals 36, which misses the county target: a warning, not an error
    mismatch = [i for i in plan.issues if i.code == "county-target-mismatch"]
    assert len(mismatch) == 1 and mismatch[0].severity == "warning" and "36" in mismatch[0].message
    assert plan.target("兴隆镇", "signed_projects") is None


def test_negative_target(plan_dir):
    path = plan_dir / "attachment3.xlsx"
    row = find_row(path, "目标分解", "财政局")
    edit(path, "目标分解", {f"M{row}": -100})
    plan = load_plan(plan_dir)
    assert ("amount-negative", "目标分解", f"M{row}") in codes_at(plan)


@pytest.mark.parametrize("value, code", [(-100, "amount-negative"), (1e30, "number-invalid"),
                                         (True, "number-invalid"), (3, None), (2.5, None)])
def test_a_target_number_is_checked_whatever_its_type(plan_dir, value, code):
    path = plan_dir / "attachment1.xlsx"
    row = find_row(path, "目标分解", "兴隆镇")
    edit(path, "目标分解", {f"D{row}": value})
    plan = load_plan(plan_dir)
    at = {c for c, sheet, cell in codes_at(plan) if (sheet, cell) == ("目标分解", f"D{row}")}
    assert at == ({code} if code else set())
    assert plan.target("兴隆镇", "signed_projects") == (None if code else float(value))


def test_moved_column_and_added_row_are_read(plan_dir, plan):
    path = plan_dir / "attachment1.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["目标分解"]
    ws.move_range("D1:D40", cols=7)        # 签约项目 moves to the far right (column K)
    ws.move_range("E1:K40", cols=-1)       # close the gap
    ws.insert_rows(2)                       # a clerk's extra line above the title
    wb.save(path)
    moved = load_plan(plan_dir)
    assert moved.targets == plan.targets
    assert not [i for i in moved.issues if i.is_error]


def test_unknown_unit_in_attachment3(plan_dir):
    path = plan_dir / "attachment3.xlsx"
    row = find_row(path, "目标分解", "统计局")
    edit(path, "目标分解", {f"B{row}": "统计所"})
    plan = load_plan(plan_dir)
    assert ("unit-unknown", "目标分解", f"B{row}") in codes_at(plan)


def test_county_target_change_is_a_warning(plan_dir):
    path = plan_dir / "attachment3.xlsx"
    row = find_row(path, "目标分解", "友谊镇")
    edit(path, "目标分解", {f"M{row}": 7000})   # fixed-asset target +1000
    plan = load_plan(plan_dir)
    assert plan.county_targets["fixed_asset_investment"] == 108000
    assert [i.code for i in plan.issues] == ["county-target-mismatch"]
    assert not plan.has_errors


def test_missing_template_file_is_fatal(plan_dir):
    (plan_dir / "attachment2.xlsx").unlink()
    with pytest.raises(PlanError, match="附件2"):
        load_plan(plan_dir)


def test_unreadable_template_is_fatal(plan_dir):
    (plan_dir / "attachment1.xlsx").write_text("不是工作簿", encoding="utf-8")
    with pytest.raises(PlanError, match="无法读取"):
        load_plan(plan_dir)


def test_plan_folder_missing():
    with pytest.raises(PlanError, match="不存在"):
        load_plan("/nonexistent/plan")


def test_indicator_declaration_covers_domain():
    assert {i.key for i in INDICATORS} >= set(DOMAIN_TARGETS)
    assert len(INDICATORS) == 14


def test_unit_keys_of_short_names_are_cached_and_long_ones_never():
    from youyi_xl.plan import model

    model._cached_unit_key.cache_clear()
    long_name = "友谊县" + "很长的单位名称" * 200 + "人民政府"
    for name in ("友谊县兴隆镇人民政府", " 兴隆镇 ", long_name, 3.0):
        assert unit_key(name, "友谊县") == model._unit_key(name, "友谊县")
    assert unit_key("友谊县兴隆镇人民政府", "友谊县") == "兴隆镇"
    assert model._cached_unit_key.cache_info().currsize == 2      # the two short texts only
