"""The package installs as a wheel with its templates, and runs from anywhere."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return next(out.glob("youyi_xl-*.whl"))


def test_wheel_carries_the_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("attachment1.xlsx", "attachment2.xlsx", "attachment3.xlsx"):
        assert f"youyi_xl/templates/{name}" in names
    assert any(n.startswith("youyi_xl-") and n.endswith("entry_points.txt") for n in names)


def test_wheel_installed_elsewhere_finds_its_templates(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    code = ("import youyi_xl, youyi_xl.plan.attachments as p; plan = youyi_xl.load_plan(); "
            "print(youyi_xl.__file__); print(p.default_template_dir()); print(int(plan.county_targets['signed_projects']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    module_file, template_dir, signed = result.stdout.split()
    assert module_file.startswith(str(target)) and template_dir.startswith(str(target))
    assert signed == "38"
