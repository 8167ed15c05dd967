"""The youyi-xl mark (core/stamp.py): every package it writes says so, a 成绩单 or 通报 always,
a 退回意见 or 填报表 only while its content is as written (an edited one is a unit's return)."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from youyi_xl.core.period import Period
from youyi_xl.core.stamp import FEEDBACK, FORM, NOTICE, SCORECARD, read_mark, stamp
from youyi_xl.outputs.forms import build_form


def _workbook(value="x") -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _resaved(data: bytes, edit=None) -> bytes:
    """`data` opened and saved again with openpyxl (as a unit's program would), `edit` applied."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    if edit:
        edit(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_unmarked_workbook_has_no_mark():
    assert read_mark(_workbook()) is None
    assert read_mark(b"not a zip") is None


@pytest.mark.parametrize("kind", [FEEDBACK, FORM])
def test_an_editable_kind_is_own_only_while_unchanged(kind):
    marked = stamp(_workbook(), kind)
    assert read_mark(marked).kind == kind and read_mark(marked).own
    assert stamp(marked, kind) == marked                                   # deterministic, idempotent
    assert read_mark(_resaved(marked)).own                                  # saved without a change
    edited = _resaved(marked, lambda book: book.active.__setitem__("A1", "改正后"))
    assert read_mark(edited).kind == kind and not read_mark(edited).own     # a unit's return now


@pytest.mark.parametrize("kind", [SCORECARD, NOTICE])
def test_a_scorecard_or_notice_is_own_even_when_edited(kind):
    edited = _resaved(stamp(_workbook(), kind), lambda book: book.active.__setitem__("B2", 1))
    assert read_mark(edited).own


def test_the_mark_replaces_a_carried_one_and_keeps_other_properties():
    """A filled form carries the form's mark into its 退回意见 copy: the copy is marked 退回意见,
    and the unit's own custom properties stay."""
    from openpyxl.packaging.custom import StringProperty

    def add(book):
        book.custom_doc_props.append(StringProperty(name="KSOProductBuildVer", value="2052-11.1"))
        book.active["A1"] = "填好了"

    filled = _resaved(stamp(_workbook(), FORM), add)
    copy = stamp(filled, FEEDBACK)
    assert read_mark(copy).kind == FEEDBACK and read_mark(copy).own
    reopened = openpyxl.load_workbook(io.BytesIO(copy))           # still a valid package
    names = [p.name for p in reopened.custom_doc_props.props]
    assert sorted(names) == ["KSOProductBuildVer", "youyi-xl"]


def test_generated_forms_carry_the_form_mark(plan):
    data = build_form(plan, plan.units[0].name, Period.parse("2022-03"))
    assert read_mark(data).kind == FORM and read_mark(data).own
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "docProps/custom.xml" in archive.namelist()
