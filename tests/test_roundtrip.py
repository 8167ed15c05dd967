"""Round trip: generate every unit's form, fill it with known values, collect it back.

What the intake reads must be exactly what was typed in, with no error — first from
the files as openpyxl saved them, then after LibreOffice saved them as .xls and .xlsx
(what a unit using WPS or an old Excel may send back).
"""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from libreoffice import convert, needs_soffice

from youyi_xl.intake.folder import collect
from youyi_xl.outputs.forms import INPUT_ROWS, make_forms
from shipped import INDICATORS
from youyi_xl.core.period import Period
from youyi_xl.plan.attachments import load_plan
from youyi_xl.intake.reading import read_return
from youyi_xl.core.schema import KEY_PROJECTS, PLANNED, PROJECTS

from filling import fill_form, sample_return

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
PERIOD = Period.parse("2022-03")


@pytest.fixture(scope="module")
def plan():
    return load_plan(TEMPLATES)


@pytest.fixture(scope="module")
def typed(plan):
    """What each unit types into its form."""
    return {u.name: sample_return(plan, u.name, PERIOD, seed=7) for u in plan.units}


@pytest.fixture(scope="module")
def returns(plan, typed, tmp_path_factory):
    """A folder holding only the filled returns (the blank forms are elsewhere)."""
    forms = make_forms(plan, PERIOD, tmp_path_factory.mktemp("forms"))
    folder = tmp_path_factory.mktemp("returns")
    for unit, path in zip(typed, forms):
        fill_form(path, out=folder / path.name, **typed[unit])
    return folder


# --------------------------------------------------------------------------
# comparing what was typed with what was collected
# --------------------------------------------------------------------------

def same(typed_value, read_value) -> bool:
    if typed_value in (None, "") or (isinstance(typed_value, float) and typed_value == 0.0
                                     and read_value in (0.0, None)):
        return read_value is None or read_value == "" or read_value == 0.0 or _nan(read_value)
    if isinstance(typed_value, bool):
        return read_value is typed_value or read_value == typed_value
    if isinstance(typed_value, dt.date):
        return isinstance(read_value, dt.date) and read_value == typed_value
    if isinstance(typed_value, (int, float)):
        return isinstance(read_value, (int, float)) and math.isclose(typed_value, read_value, abs_tol=1e-9)
    # Text comes back as typed, only trimmed: （1期） stays （1期）.
    return read_value == " ".join(typed_value.split())


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def rows_of(frame, unit: str) -> list[dict]:
    return frame[frame["unit"] == unit].sort_values("row").to_dict("records")


def assert_rows(frame, unit: str, typed_rows: list[dict], table) -> None:
    got = rows_of(frame, unit)
    assert len(got) == len(typed_rows), (unit, table.sheet)
    for want, row in zip(typed_rows, got):
        for key, value in want.items():
            assert same(value, row[key]), (unit, table.sheet, row["row"], key, value, row[key])
        assert row["valid"], (unit, table.sheet, row["row"])


def assert_batch(batch, plan, typed, units=None) -> None:
    errors = batch.issues[batch.issues["severity"] == "error"]
    assert errors.empty, errors[["code", "file", "sheet", "cell", "message"]].to_string()
    warnings = batch.issues[batch.issues["severity"] == "warning"]
    assert warnings.empty, warnings[["code", "file", "sheet", "cell", "message"]].to_string()
    statuses = batch.units.set_index("unit")["status"]
    assert set(statuses[list(units or typed)]) == {"submitted"}
    for unit, values in typed.items():
        if units is not None and unit not in units:
            continue
        assert_rows(batch.projects, unit, values["projects"], PROJECTS)
        assert_rows(batch.planned, unit, values["planned"], PLANNED)
        assert_key_projects(batch, plan, unit, values["key_projects"])
        assert_summary(batch, plan, unit, values["summary"])
        assert_cover(batch, unit, values["cover"])


def assert_key_projects(batch, plan, unit: str, typed_rows: list[dict]) -> None:
    got = {r["name"]: r for r in rows_of(batch.key_projects, unit)}
    listed = {p.name: p for p in plan.key_projects_of(unit)}
    assert set(got) == set(listed) == {r["name"] for r in typed_rows}
    for want in typed_rows:
        row, project = got[want["name"]], listed[want["name"]]
        for key, value in want.items():
            assert same(value, row[key]), (unit, key, value, row[key])
        for column in KEY_PROJECTS.columns:
            if column.prefilled:
                assert same(getattr(project, column.key), row[column.key]), (unit, column.key)


def assert_summary(batch, plan, unit: str, summary: dict) -> None:
    got = batch.reported[batch.reported["unit"] == unit].set_index("indicator")
    assert set(got.index) == {ind.key for ind in INDICATORS}
    for ind in INDICATORS:
        assert same(summary[ind.key], got.loc[ind.key, "actual"]), (unit, ind.key)
        assert same(float(plan.target(unit, ind.key) or 0), got.loc[ind.key, "target"]), (unit, ind.key)


def assert_cover(batch, unit: str, cover: dict) -> None:
    row = batch.units.set_index("unit").loc[unit]
    assert row["filler"] == cover["filler"] and row["phone"] == cover["phone"]
    assert row["fill_date"] == cover["fill_date"]


# --------------------------------------------------------------------------
# the round trips
# --------------------------------------------------------------------------

def test_sample_values_are_varied(typed):
    """The test is only as good as its data: several rows, both answers, every status."""
    projects = [p for v in typed.values() for p in v["projects"]]
    keys = [k for v in typed.values() for k in v["key_projects"]]
    assert all(len(v["projects"]) >= 2 and v["planned"] for v in typed.values())
    assert {p["started"] for p in projects} == {True, False}
    assert {p["fund_source"] for p in projects} == {"省外", "省内", "境外"}
    assert {k["status"] for k in keys} == {"未开工", "已开工", "已竣工"}
    assert any(v["summary"]["signed_projects"] >= 3 for v in typed.values())


def test_roundtrip_openpyxl_saved(returns, plan, typed):
    batch = collect(returns, PERIOD, plan)
    assert len(batch.accepted) == len(plan.units)
    assert_batch(batch, plan, typed)


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("fmt", ["xls", "xlsx"])
def test_roundtrip_after_libreoffice_save_as(returns, plan, typed, fmt, tmp_path):
    """Every other unit's return saved as .xls / .xlsx by LibreOffice reads back the same
    (townships and departments alike; LibreOffice converts at about 0.4 s a file)."""
    files = sorted(returns.glob("*.xlsx"))[::2]
    folder = tmp_path / fmt
    convert(files, fmt, folder)
    batch = collect(folder, PERIOD, plan)
    assert len(batch.accepted) == len(files)
    units = [r.unit for r in batch.accepted]
    assert {plan.unit(u).group for u in units} == {"乡镇", "部门"}
    assert_batch(batch, plan, typed, units)


def test_more_projects_than_blank_rows(plan, tmp_path):
    """fill_form moves the 填表说明 block down when a unit has more rows than the form."""
    unit = plan.units[0].name
    [form] = make_forms(plan, PERIOD, tmp_path, units=[unit])
    one = sample_return(plan, unit, PERIOD, seed=1)["projects"][0]
    many = [{**one, "name": f"项目{i}"} for i in range(INPUT_ROWS["projects"] + 7)]
    path = fill_form(form, projects=many)
    ret = read_return(path, plan, PERIOD)
    assert [r.name for r in ret.records("projects")] == [p["name"] for p in many]
    assert not [i for i in ret.issues if i.is_error and i.sheet == PROJECTS.sheet]


def test_no_notice_about_the_forms_own_options_sheet(returns, plan):
    batch = collect(returns, PERIOD, plan)
    assert batch.issues[batch.issues["code"] == "extra-ignored"].empty
