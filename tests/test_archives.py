"""Returns inside .zip archives (issue 13): read as returns, in memory, with the pre-flight bounds
of a workbook; GBK names of Chinese Windows decoded; and a folder of untouched forms told apart."""
from __future__ import annotations

import io
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

import youyi_xl as yx
from youyi_xl.cli.main import main
from youyi_xl.workbook import member_name

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "returns" / "2022-06"


def gbk_zip(files: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip as Chinese Windows writes it: member names in GBK, without the UTF-8 flag."""
    names, buffer = {}, io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for i, (name, data) in enumerate(files):
            raw = name.encode("gbk")
            placeholder = f"@{i:05d}@".encode().ljust(len(raw), b"_")
            assert len(placeholder) == len(raw)
            names[placeholder] = raw
            archive.writestr(placeholder.decode(), data)
    out = buffer.getvalue()
    for placeholder, raw in names.items():
        out = out.replace(placeholder, raw)
    return out


def examples_zip() -> bytes:
    return gbk_zip([(p.name, p.read_bytes()) for p in sorted(EXAMPLES.iterdir())])


def _without_prefix(data, prefix: str):
    return json.loads(json.dumps(data, ensure_ascii=False).replace(prefix, ""))


def test_member_names_are_decoded_as_their_maker_wrote_them():
    assert [member_name(i) for i in zipfile.ZipFile(io.BytesIO(gbk_zip([("友谊镇-填报表.xlsx", b"x")]))).infolist()] \
        == ["友谊镇-填报表.xlsx"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:     # Python writes UTF-8 with the flag
        archive.writestr("兴隆镇.xlsx", b"x")
        info = zipfile.ZipInfo("plain.xlsx")
        archive.writestr(info, b"x")
    assert [member_name(i) for i in zipfile.ZipFile(buffer).infolist()] == ["兴隆镇.xlsx", "plain.xlsx"]


def test_a_zip_of_the_returns_gives_the_result_of_the_folder(tmp_path):
    folder = tmp_path / "回收"
    folder.mkdir()
    (folder / "附件.zip").write_bytes(examples_zip())
    before = sorted((p.name, p.stat().st_mtime_ns) for p in folder.rglob("*"))
    zipped = yx.run(folder, "2022-06", out=tmp_path / "zip")
    plain = yx.run(EXAMPLES, "2022-06", out=tmp_path / "dir")
    assert sorted((p.name, p.stat().st_mtime_ns) for p in folder.rglob("*")) == before   # nothing extracted
    assert zipped.result.unit_records[0]["file"].startswith("附件.zip/")
    assert _without_prefix(zipped.result.to_json(), "附件.zip/") == plain.result.to_json()
    assert sorted(p.name for p in zipped.feedback) == sorted(p.name for p in plain.feedback)
    import openpyxl

    for name in ("东建乡-2022-06-退回意见.xlsx",):      # the copy of the member, its problem cell marked
        a = openpyxl.load_workbook(tmp_path / "zip" / "退回意见" / name)
        b = openpyxl.load_workbook(tmp_path / "dir" / "退回意见" / name)
        assert a.sheetnames == b.sheetnames
        assert [[c.value for c in row] for row in a["招商引资项目"].iter_rows()] == \
               [[c.value for c in row] for row in b["招商引资项目"].iter_rows()]


def test_a_zip_is_read_in_memory(tmp_path):
    """No file is opened for writing while a folder holding a zip is collected."""
    folder = tmp_path / "回收"
    folder.mkdir()
    (folder / "附件.zip").write_bytes(examples_zip())
    plan = yx.load_plan()
    written: list[str] = []
    active = [True]

    def hook(event, args):
        if active[0] and event == "open" and len(args) > 1 and isinstance(args[1], str) \
                and set(args[1]) & set("wax+"):
            written.append(str(args[0]))

    sys.addaudithook(hook)           # (an audit hook stays for the process: it is switched off below)
    try:
        batch = yx.collect(folder, "2022-06", plan, workers=1)
    finally:
        active[0] = False
    assert batch.counts["submitted"] == 24
    temp = tempfile.gettempdir()
    assert not [w for w in written if w.startswith((str(tmp_path), temp))], written


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("友谊镇.xlsx", b"\0" * 50_000_000)
    return buffer.getvalue()


def _escaping() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../../友谊镇.xlsx", (EXAMPLES / "友谊镇-2022-06-填报表.xlsx").read_bytes())
    return buffer.getvalue()


@pytest.mark.parametrize("name, build, words", [
    ("炸弹.zip", _bomb, "压缩比"),
    ("越界.zip", _escaping, "包外"),
    ("截断.zip", lambda: examples_zip()[:5000], "损坏"),
], ids=["bomb", "zip-slip", "truncated"])
def test_a_hostile_archive_is_refused_with_a_reason(tmp_path, name, build, words):
    folder = tmp_path / "回收"
    folder.mkdir()
    (folder / name).write_bytes(build())
    batch = yx.collect(folder, "2022-06")
    refused = [i for i in batch.issue_list if i.file == name]
    assert [i.code for i in refused] == ["file-unreadable"] and words in refused[0].message, refused
    assert batch.counts["submitted"] == 0


def test_what_else_an_archive_holds_is_noted(tmp_path):
    folder = tmp_path / "回收"
    folder.mkdir()
    form = (EXAMPLES / "友谊镇-2022-06-填报表.xlsx").read_bytes()
    (folder / "邮件.zip").write_bytes(gbk_zip([("友谊镇-2022-06-填报表.xlsx", form), ("说明.docx", b"PK"),
                                               ("内层.zip", gbk_zip([("兴隆镇.xlsx", b"x")]))]))
    (folder / "空.zip").write_bytes(gbk_zip([("说明.txt", b"hello")]))
    (folder / "改名.zip").write_bytes(form)               # a workbook named .zip is a workbook
    batch = yx.collect(folder, "2022-06")
    infos = sorted(i.message for i in batch.issue_list if i.code == "extra-ignored")
    assert any("“说明.docx”不是Excel工作簿" in m for m in infos)
    assert any("“内层.zip”不是Excel工作簿" in m for m in infos)
    assert any("“空.zip”中没有Excel工作簿" in m for m in infos)
    files = {r.file for r in batch.returns}
    assert {"邮件.zip/友谊镇-2022-06-填报表.xlsx", "改名.zip"} <= files | {r.file for r in batch.superseded}
    assert batch.status("友谊镇") == "submitted"


def _resave(path: Path) -> None:
    """Open and save a workbook as a unit's Excel would: same cells, other bytes (so it is no
    longer youyi-xl's own form by its mark's fingerprint)."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    book.save(path)


def test_a_folder_of_the_issued_forms_is_refused_as_such(tmp_path, capsys):
    forms = tmp_path / "下发"
    assert main(["forms", "--period", "2022-06", "--out", str(forms)]) == 0
    capsys.readouterr()
    batch = yx.collect(forms, "2022-06")
    assert [i.code for i in batch.issue_list].count("output-skipped") == 26 and not batch.returns
    assert main(["check", str(forms), "--period", "2022-06"]) == 2
    err = capsys.readouterr().err
    assert "空白填报表（26份）" in err and "下发" in err


def test_a_folder_of_untouched_forms_says_so(tmp_path, capsys):
    """Forms opened and saved without typing anything: one form-blank each, not 80 value-missing,
    and one warning that the folder looks like the issued forms."""
    forms = tmp_path / "下发"
    assert main(["forms", "--period", "2022-06", "--out", str(forms)]) == 0
    for path in forms.iterdir():
        _resave(path)
    capsys.readouterr()
    batch = yx.collect(forms, "2022-06")
    codes = [i.code for i in batch.issue_list]
    assert codes.count("form-blank") == 26 and codes.count("forms-all-blank") == 1
    assert "value-missing" not in codes                          # one issue per form, not one per cell
    assert all(batch.status(u.name) == "errors" for u in batch.plan.units)
    assert main(["check", str(forms), "--period", "2022-06"]) == 1
    out = capsys.readouterr().out
    assert "【全部报表】[警告] 26份报表中有26份是未填写的空白填报表" in out


def test_one_blank_form_among_returns_is_that_units_alone(tmp_path):
    folder = tmp_path / "回收"
    folder.mkdir()
    for path in EXAMPLES.iterdir():
        if not path.name.startswith("友谊镇"):
            (folder / path.name).write_bytes(path.read_bytes())
    assert main(["forms", "--period", "2022-06", "--out", str(folder), "--unit", "友谊镇"]) == 0
    form = folder / "友谊镇-2022-06-填报表.xlsx"
    _resave(form)
    batch = yx.collect(folder, "2022-06")
    codes = [i.code for i in batch.issue_list]
    assert codes.count("form-blank") == 1 and "forms-all-blank" not in codes
    assert batch.status("友谊镇") == "errors"
    # a unit that typed only its 填报人 has touched its form: the ordinary checks apply
    from youyi_xl.demo import fill_form

    fill_form(form, cover={"filler": "张三"})
    codes = [i.code for i in yx.collect(folder, "2022-06").issue_list if i.unit == "友谊镇"]
    assert "form-blank" not in codes and "value-missing" in codes
