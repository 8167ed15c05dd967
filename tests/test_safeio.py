"""safeio: output names, paths inside the output folder, atomic writes, safe cell text."""
from __future__ import annotations

import io
import os
import re

import pytest
import xlsxwriter
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError

from youyi_xl.core.errors import OutputError
from youyi_xl.core.names import FALLBACK_NAME, safe_filename
from youyi_xl.outputs.safeio import EXCEL_MAX_CELL_CHARS, atomic_write, inside, is_formula_like, neutralize

WINDOWS_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
            *(f"LPT{i}" for i in range(1, 10))}


# --- safe_filename -------------------------------------------------------------

NAMES = ["友谊镇-2022-03-填报表.xlsx", 'a<b>:c"d/e\\f|g?h*i.xlsx', "..", "../../etc/passwd",
         " . 名字. ", "CON", "con.xlsx", "LPT1.tar.gz", "nul .txt", "a\x07b\x00c.docx", "",
         "成富朝鲜族满族乡" * 30 + ".xlsx", "x" * 300, "报表." + "很长的扩展名" * 10, "COM9"]


@pytest.mark.parametrize("name", NAMES)
def test_safe_filename_is_valid_everywhere(name):
    result = safe_filename(name)
    assert result and not WINDOWS_FORBIDDEN.search(result)
    assert result == result.strip(". ") and result not in (".", "..")
    assert result.split(".")[0].rstrip(" ").upper() not in RESERVED
    assert len(result.encode("utf-8")) <= 200
    result.encode("utf-8")   # whole characters only


def test_safe_filename_keeps_a_clean_name_and_its_extension():
    assert safe_filename("友谊镇-2022-03-填报表.xlsx") == "友谊镇-2022-03-填报表.xlsx"
    long = safe_filename("经济合作促进中心" * 40 + ".xlsx", max_bytes=60)
    assert long.endswith(".xlsx") and len(long.encode()) <= 60
    assert long.startswith("经济合作促进中心")


def test_safe_filename_reserved_names_get_a_suffix():
    assert safe_filename("CON") == "CON_"
    assert safe_filename("nul.xlsx") == "nul_.xlsx"


def test_safe_filename_never_empty_and_cannot_climb():
    assert safe_filename("..") == FALLBACK_NAME
    assert "/" not in safe_filename("../x") and not safe_filename("../x").startswith(".")


@pytest.mark.parametrize("max_bytes", [26, 27, 28, 29, 30])
def test_safe_filename_cuts_on_character_boundaries(max_bytes):
    result = safe_filename("友" * 50, max_bytes=max_bytes)
    assert len(result.encode()) <= max_bytes and set(result) == {"友"}


def test_safe_filename_rejects_a_useless_budget():
    with pytest.raises(ValueError):
        safe_filename("x", max_bytes=10)


# --- inside ---------------------------------------------------------------------

def test_inside_accepts_plain_names(tmp_path):
    assert inside(tmp_path, "成绩单.xlsx") == (tmp_path / "成绩单.xlsx").resolve()
    assert inside(tmp_path, "退回意见/友谊镇.txt").parent.name == "退回意见"


@pytest.mark.parametrize("name", ["../escape.xlsx", "a/../../escape.xlsx", "/etc/passwd", ".", ""])
def test_inside_refuses_escapes(tmp_path, name):
    with pytest.raises(OutputError):
        inside(tmp_path / "out", name)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_inside_refuses_a_link_out_of_the_folder(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError):
        inside(out, "link/x.xlsx")


# --- atomic_write ------------------------------------------------------------------

def test_atomic_write_with_a_writer(tmp_path):
    target = tmp_path / "成绩单.xlsx"
    with atomic_write(target) as temp:
        assert temp.parent == tmp_path and temp != target
        book = xlsxwriter.Workbook(temp)
        book.add_worksheet("总览").write_string(0, 0, "=1+1")
        book.close()
        assert not target.exists()
    assert load_workbook(target).active["A1"].value == "=1+1"
    assert list(tmp_path.iterdir()) == [target]


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "成绩单.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_write(target) as temp:
            temp.write_bytes(b"half")
            raise RuntimeError("writer crashed")
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


def test_atomic_write_bytes_and_mode(tmp_path):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    target.chmod(0o640)
    assert atomic_write(target, b"new") == target
    assert target.read_bytes() == b"new"
    if os.name == "posix":
        assert target.stat().st_mode & 0o777 == 0o640
        atomic_write(tmp_path / "fresh.bin", b"x")
        assert (tmp_path / "fresh.bin").stat().st_mode & 0o777 == 0o644


def test_atomic_write_into_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError):
        atomic_write(tmp_path / "missing" / "x.xlsx", b"x")


# --- neutralize ----------------------------------------------------------------------

def test_neutralize_removes_what_openpyxl_refuses():
    text = "友谊镇\x07项目\x00名称\x0b\x1f"
    book = Workbook()
    with pytest.raises(IllegalCharacterError):
        book.active["A1"] = text
    book.active["A1"] = neutralize(text)
    buffer = io.BytesIO()
    book.save(buffer)
    assert load_workbook(buffer).active["A1"].value == "友谊镇项目名称"


def test_neutralize_keeps_tabs_newlines_and_leading_signs_in_xlsx():
    assert neutralize("第一行\n第二行\t完") == "第一行\n第二行\t完"
    assert neutralize("-5") == "-5" and neutralize("=HYPERLINK(1)") == "=HYPERLINK(1)"


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1", "\r=1",
                                  "\n=1"])
def test_neutralize_for_csv_quotes_formula_starts(text):
    assert is_formula_like(text)
    assert neutralize(text, csv=True) == "'" + text


def test_neutralize_leaves_plain_text_alone_for_csv():
    assert neutralize("友谊镇", csv=True) == "友谊镇" and not is_formula_like("友谊镇")


def test_neutralize_cuts_to_excel_cell_limit():
    assert len(neutralize("字" * (EXCEL_MAX_CELL_CHARS + 10))) == EXCEL_MAX_CELL_CHARS
