"""The examples' outputs equal the stored references in tests/data/reference/, part by part.

Each .xlsx/.docx is compared member by member of its zip (only the creation and modification
times in docProps/core.xml are left out); the result JSON files are compared as data. A failure
names the part and shows where it first differs. When a change to the outputs is intended,
rebuild the references with `python tools/build_references.py` and review their diff.
"""
from __future__ import annotations

import importlib.util
import json
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "tests" / "data" / "reference"
_TIMES = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def _tool():
    spec = importlib.util.spec_from_file_location("build_references", ROOT / "tools" / "build_references.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return _tool().build(tmp_path_factory.mktemp("examples-out"))


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        found = {name: archive.read(name) for name in archive.namelist()}
    if "docProps/core.xml" in found:
        found["docProps/core.xml"] = _TIMES.sub(b"", found["docProps/core.xml"])
    return found


def first_difference(a: bytes, b: bytes) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"at byte {at}: {a[max(0, at - 60):at + 60]!r} ≠ {b[max(0, at - 60):at + 60]!r}"


@pytest.mark.parametrize("name", [n for n in _tool().KEPT if not n.endswith(".json")])
def test_document_equals_its_reference_part_by_part(built, name):
    ours, reference = parts(built / name), parts(REFERENCE / Path(name).name)
    assert sorted(ours) == sorted(reference)
    for part in sorted(reference):
        assert ours[part] == reference[part], f"{name}: {part} differs {first_difference(ours[part], reference[part])}"


@pytest.mark.parametrize("name", [n for n in _tool().KEPT if n.endswith(".json")])
def test_result_json_equals_its_reference(built, name):
    ours = json.loads((built / name).read_text(encoding="utf-8"))
    assert ours == json.loads((REFERENCE / name).read_text(encoding="utf-8"))


def test_a_changed_cell_is_caught(built, tmp_path):
    """The comparison itself can fail: one changed number in the 成绩单 is found in its part."""
    name = "成绩单-2022-06.xlsx"
    changed = tmp_path / name
    with zipfile.ZipFile(built / name) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = re.sub(rb"<v>([0-9.]+)</v>", rb"<v>\g<1>1</v>", data, count=1)
            target.writestr(info, data)
    ours, reference = parts(changed), parts(REFERENCE / name)
    assert [p for p in reference if ours[p] != reference[p]] == ["xl/worksheets/sheet2.xml"]
