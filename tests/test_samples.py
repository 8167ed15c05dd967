"""youyi_xl.demo.samples: the sample returns of `youyi-xl demo` and examples/ are what they claim to be.

Every declared mistake produces its issue code at its file and cell and nothing else is
reported; the declared units are missing; 2022-06 is cumulative over 2022-03; the same
seed gives the same bytes; the benchmark plan and batch load and read cleanly.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from youyi_xl.intake.folder import collect
from youyi_xl.core.errors import OutputError, UsageError
from youyi_xl.core.issues import CODES
from youyi_xl.core.period import Period
from youyi_xl.plan.attachments import load_plan

from filling import (MISSING_UNITS, MISTAKES, expected_issues, expected_summary, make_large_plan,
                     missing_units, realistic_returns, write_large_batch, write_sample_returns)

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
SEED = 2022           # the examples' seed: the folders are those of examples/make_examples.py


@pytest.fixture(scope="module")
def plan():
    return load_plan(TEMPLATES)


@pytest.fixture(scope="module")
def folders(examples_written):
    return {key: (paths[0].parent, paths) for key, paths in examples_written.items()}


@pytest.fixture(scope="module")
def batches(plan, folders):
    return {key: collect(folder, key, plan) for key, (folder, _) in folders.items()}


def reported(batch) -> list[tuple[str, str, str, str]]:
    return sorted((i.code, i.file, i.sheet, i.cell) for i in batch.issue_list if i.severity != "info")


# --------------------------------------------------------------------------
# the declared mistakes
# --------------------------------------------------------------------------

def test_mistake_table_is_well_formed(plan):
    for mistake in MISTAKES:
        assert mistake.code is None or mistake.code in CODES, mistake
        assert all(plan.unit(u) is not None for u in mistake.units), mistake
        assert mistake.about
        assert bool(mistake.locations("2022-03")) == (mistake.code is not None), mistake
    assert not {u for m in MISTAKES for u in m.units} & set(MISSING_UNITS[:2])


@pytest.mark.parametrize("period", ["2022-03", "2022-06"])
def test_every_mistake_gives_its_code_at_its_cell_and_nothing_else(plan, batches, period):
    want = expected_issues(plan, period)
    assert reported(batches[period]) == want
    codes = {code for code, *_ in want}
    assert codes == {m.code for m in MISTAKES if m.code}
    assert {"unit-converted", "number-invalid", "date-invalid", "duplicate-submission",
            "project-claimed-twice", "total-mismatch"} <= codes


def test_mistake_cells_hold_what_the_unit_typed(plan, folders):
    import openpyxl

    folder, _ = folders["2022-03"]
    for mistake in (m for m in MISTAKES if m.kind == "cell"):
        [(file, sheet, cell)] = mistake.locations("2022-03")
        book = openpyxl.load_workbook(folder / file, read_only=True)
        assert book[sheet][cell].value == mistake.written


def test_two_versions_the_newer_is_used(plan, batches):
    batch = batches["2022-03"]
    [mistake] = [m for m in MISTAKES if m.kind == "version"]
    unit = mistake.units[0]
    [older] = batch.superseded
    newer = batch.return_of(unit)
    assert older.unit == unit and older.fill_date < newer.fill_date
    old_fai = older.reported["fixed_asset_investment"].actual
    assert old_fai == pytest.approx(newer.reported["fixed_asset_investment"].actual * 10)


def test_full_name_on_the_cover_is_recognised(plan, batches):
    [mistake] = [m for m in MISTAKES if m.kind == "cover"]
    ret = batches["2022-03"].return_of(mistake.units[0])
    assert ret.unit_written == mistake.written and ret.unit == mistake.units[0]


def test_claimed_project_is_the_same_row_in_both_returns(batches):
    projects = batches["2022-03"].projects
    claimed = projects[projects["claimed_by"] != ""]
    assert sorted(claimed["unit"]) == sorted(next(m.units for m in MISTAKES if m.kind == "claimed"))
    assert claimed[["name", "investor"]].drop_duplicates().shape[0] == 1


def test_missing_units_are_the_declared_ones(plan, batches):
    for batch in batches.values():
        missing = batch.units[batch.units["status"] == "missing"]["unit"].tolist()
        assert sorted(missing) == sorted(MISSING_UNITS[:2]) == sorted(missing_units(plan, 2))


def test_without_mistakes_and_missing_units_nothing_is_reported(plan, tmp_path):
    paths = write_sample_returns(plan, "2022-03", tmp_path, seed=SEED, missing=0, mistakes=False)
    assert len(paths) == len(plan.units)
    batch = collect(tmp_path, "2022-03", plan)
    assert reported(batch) == [] == expected_issues(plan, "2022-03", missing=0, mistakes=False)
    assert set(batch.units["status"]) == {"submitted"}


def test_other_workbooks_in_the_folder_are_refused(plan, tmp_path):
    (tmp_path / "某单位报表.xlsx").write_bytes(b"")
    with pytest.raises(OutputError):
        write_sample_returns(plan, "2022-03", tmp_path)
    with pytest.raises(UsageError):
        missing_units(plan, len(plan.units) + 1)


# --------------------------------------------------------------------------
# realistic values
# --------------------------------------------------------------------------

def test_2022_06_is_cumulative_over_2022_03(batches):
    march, june = (batches[k].projects.set_index(["unit", "name", "investor"]) for k in ("2022-03", "2022-06"))
    assert len(june) > len(march)
    for key, row in march.iterrows():
        later = june.loc[key]
        assert later["sign_date"] == row["sign_date"] and later["chain"] == row["chain"], key
        for column in ("funds_in", "funds_out_of_province", "funds_foreign"):
            assert (later[column] or 0) >= (row[column] or 0), (key, column)
        assert later["started"] or not row["started"], key


def test_key_projects_progress_between_periods(batches):
    march, june = (batches[k].key_projects.set_index(["unit", "name"]) for k in ("2022-03", "2022-06"))
    assert set(march.index) == set(june.index)
    order = {"未开工": 0, "已开工": 1, "已竣工": 2}
    for key, row in march.iterrows():
        assert june.loc[key, "completed_investment"] >= row["completed_investment"], key
        assert order[june.loc[key, "status"]] >= order[row["status"]], key
    assert (march["status"] == "未开工").any() and (june["status"] == "已开工").any()
    assert june["completed_investment"].sum() > 3 * march["completed_investment"].sum()


@pytest.mark.parametrize("period", ["2022-03", "2022-06"])
def test_summary_agrees_with_an_independent_count(plan, period):
    end = Period.parse(period).end
    for unit, values in realistic_returns(plan, period, SEED).items():
        listed = {p.name: p for p in plan.key_projects_of(unit)}
        keys = [{"category": listed[k["name"]].category, "nature": listed[k["name"]].nature, **k}
                for k in values["key_projects"]]
        want = expected_summary(values["projects"], keys, values["planned"], end)
        got = {k: v for k, v in values["summary"].items() if k != "fixed_asset_investment"}
        assert got == pytest.approx(want, abs=0.011), unit


@pytest.mark.parametrize("period", ["2022-03", "2022-06"])
def test_values_look_like_a_county_return(plan, period):
    end = Period.parse(period).end
    values = realistic_returns(plan, period, SEED)
    projects = [p for v in values.values() for p in v["projects"]]
    assert all("某某" in p["investor"] for p in projects)
    assert all(dt.date(2022, 1, 1) <= p["sign_date"] <= end for p in projects)
    assert all(p["start_date"] is None or p["sign_date"] <= p["start_date"] <= end for p in projects)
    assert all(300 <= p["total_investment"] <= 200000 for p in projects)
    assert all(p["funds_out_of_province"] <= p["funds_in"] <= p["total_investment"] for p in projects)
    assert {p["fund_source"] for p in projects} == {"省外", "省内", "境外"}
    assert all(end < v["cover"]["fill_date"] <= end + dt.timedelta(days=10) for v in values.values())


def test_units_are_ahead_of_and_behind_schedule(plan):
    period = Period.parse("2022-06")
    values = realistic_returns(plan, period, SEED)
    ratios = [v["summary"]["fixed_asset_investment"] / plan.target(u, "fixed_asset_investment")
              / period.time_progress for u, v in values.items() if plan.target(u, "fixed_asset_investment")]
    assert min(ratios) < 0.8 and max(ratios) > 1.0


def test_same_seed_same_bytes(plan, folders, tmp_path):
    folder, paths = folders["2022-03"]
    again = write_sample_returns(plan, "2022-03", tmp_path / "again", seed=SEED)
    assert [p.name for p in again] == [p.name for p in paths]
    for first, second in zip(paths, again):
        assert first.read_bytes() == second.read_bytes(), first.name
    assert realistic_returns(plan, "2022-03", SEED + 1) != realistic_returns(plan, "2022-03", SEED)


# --------------------------------------------------------------------------
# benchmarks: a large plan and a large batch
# --------------------------------------------------------------------------

@pytest.mark.slow
def test_large_plan_and_batch_read_cleanly(tmp_path):
    folder = make_large_plan(30, tmp_path / "plan", TEMPLATES)
    plan = load_plan(folder)
    assert len(plan.units) == 30 and plan.units[26].name == "友谊镇002"
    assert not plan.has_errors
    assert {i.code for i in plan.issues} <= {"county-target-mismatch"}
    copies = plan.key_projects_of("友谊镇002")
    assert [p.name for p in copies] == [f"{p.name}(002)" for p in plan.key_projects_of("友谊镇")]
    paths = write_large_batch(plan, "2022-03", tmp_path / "returns", 28, rows=24)
    assert len({p.name for p in paths}) == 28
    batch = collect(tmp_path / "returns", "2022-03", plan)
    assert reported(batch) == []
    rows = batch.projects.groupby("unit").size() + batch.planned.groupby("unit").size()
    assert rows.min() >= 20


def test_large_batch_needs_enough_units(plan, tmp_path):
    with pytest.raises(UsageError):
        write_large_batch(plan, "2022-03", tmp_path, len(plan.units) + 1)
    with pytest.raises(UsageError):
        make_large_plan(3, tmp_path / "small", TEMPLATES)
