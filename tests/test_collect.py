"""collect: the folder-level stage — parallel reading gives what one process gives; progress."""
from __future__ import annotations

import sys

import pytest

from builders import project, write_return
from youyi_xl.intake.folder import collect

collect_module = sys.modules["youyi_xl.intake.folder"]      # youyi_xl.intake.folder is also the function


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("returns")
    units = ["友谊镇", "兴隆镇", "龙山镇", "凤岗镇", "兴盛乡", "东建乡"]
    for n, unit in enumerate(units):
        rows = [project(name=f"{unit}项目{i}", investor=f"{unit}公司{i}") for i in range(5)]
        if n % 2:
            rows.append(project(name=f"{unit}坏行", investor="某公司", funds_in="待定"))
        write_return(root / f"{unit}.xlsx", unit=unit, projects=rows)
    write_return(root / "友谊镇-旧版.xlsx", unit="友谊镇", fill_date=None)     # a duplicate submission
    (root / "说明.txt").write_text("附件说明", encoding="utf-8")
    return root


def test_parallel_reading_gives_the_same_batch(folder, monkeypatch):
    one = collect(folder, "2022-03", workers=1)
    monkeypatch.setattr(collect_module, "PARALLEL_FROM", 2)
    two = collect(folder, "2022-03", workers=2)
    assert two.issue_list == one.issue_list and len(one.issue_list) > 3
    assert two.projects.equals(one.projects) and len(one.projects) == 33
    assert [r.file for r in two.superseded] == [r.file for r in one.superseded] == ["友谊镇-旧版.xlsx"]
    assert two.units.equals(one.units)


def test_progress_reports_every_file(folder, monkeypatch):
    seen = []
    monkeypatch.setattr(collect_module, "PARALLEL_FROM", 2)
    collect(folder, "2022-03", workers=2, progress=lambda done, total, file: seen.append((done, total)))
    assert seen == [(i, 7) for i in range(1, 8)]
