"""Which rows are one project: identity keys, and the index that confirms equal keys."""
from __future__ import annotations

import subprocess
import sys

import pytest

from youyi_xl.core import NO_NAME, PROJECTS, ProjectIndex, identity_key, identity_of
from youyi_xl.intake import ReturnData, TableRead
from youyi_xl.intake.checks import claimed_twice


def _row(name, investor="某某公司", key=None, unit="友谊镇", row=4):
    source = {"unit": unit, "row": row, **({"identity": key} if key is not None else {})}
    return PROJECTS.make_record({"name": name, "investor": investor}, **source)


def test_equal_identities_have_equal_keys_and_the_key_is_the_same_in_every_process():
    a, b = _row("大豆加工项目（一期）", "黑龙江 某某\u200b公司"), _row("大豆加工项目(一期)", "黑龙江某某公司")
    assert identity_of(a, "projects") == identity_of(b, "projects") and a.identity == b.identity
    assert _row("大豆加工项目（二期）").identity != a.identity
    assert _row("", "某某公司").identity == NO_NAME and identity_key(()) == NO_NAME
    code = "from youyi_xl.core import identity_key; print(identity_key(('大豆加工项目(一期)', '黑龙江某某公司')))"
    # another interpreter, another hash seed: Python's own hash of a text would differ
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": "12345", "PATH": ""}).stdout
    assert int(other) == a.identity


def test_two_projects_whose_keys_collide_stay_two():
    """A collision of the 59-bit keys (forced here) never merges two projects."""
    first, same, other = _row("项目甲", key=7), _row("项目甲", key=7, row=5), _row("项目乙", key=7, row=6)
    index: ProjectIndex[int] = ProjectIndex("projects")
    assert index.setdefault(first, 4) == 4
    assert index.setdefault(other, 6) == 6                  # the same key, another identity: new
    assert index.setdefault(same, 5) == 4                   # the same project as the first
    assert index.get(other) == 6 and index.get(first) == 4 and index.get(_row("项目丙", key=7)) is None
    assert index.get(_row("项目甲", key=8)) is None          # another key is another project
    assert list(index.values()) == [4, 6] and len(index) == 2
    assert not ProjectIndex("projects") and index


@pytest.mark.parametrize("forced", [False, True])
def test_claimed_twice_with_and_without_colliding_keys(forced):
    """Two units' rows of one project are claimed twice; a third unit's project whose key
    collides with it is not, and its rows are not said to be claimed."""
    def ret(unit, *names):
        rows = tuple(_row(n, key=99 if forced else None, unit=unit, row=4 + i) for i, n in enumerate(names))
        r = ReturnData(file=f"{unit}.xlsx", path="", unit=unit)
        r.tables = {"projects": TableRead("projects", "招商引资项目", 2, {}, records=rows)}
        return r

    returns = [ret("友谊镇", "鲜食玉米项目"), ret("兴隆镇", "鲜食玉米项目（一期）"), ret("庆丰乡", "鲜食玉米项目(一期)")]
    claims, issues = claimed_twice(returns)
    assert sorted(i.unit for i in issues) == ["兴隆镇", "庆丰乡"]
    assert claims.get(returns[1].records("projects")[0]) == ("兴隆镇", "庆丰乡")
    assert claims.get(returns[0].records("projects")[0]) is None
