"""The house reads as the pipeline: stage packages import only earlier stages, and only the
names those packages publish (their `__all__`), never a module inside another package.

core → workbook → plan → intake → evaluation → outputs → demo, with `pipeline` and `cli` on top.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "youyi_xl"
LAYERS = ("core", "workbook", "plan", "intake", "evaluation", "outputs", "demo", "pipeline", "cli")
TOP = {"__init__", "__main__"}          # the public API may reach every stage


def _stage(module: str) -> str:
    """'youyi_xl.intake.rows' -> 'intake'; 'youyi_xl.pipeline' -> 'pipeline'; 'youyi_xl' -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found.append((name, path))
    return found


def _absolute(module: str, path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path) -> list[tuple[str, list[str], int]]:
    """(imported module, names, line) for every `from … import …` and `import …` of youyi_xl."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = _absolute(module, path, node)
            if target.startswith("youyi_xl"):
                out.append((target, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("youyi_xl")]
    return out


def violations(module: str, path: Path) -> list[str]:
    own = _stage(module)
    if own in TOP or module == "youyi_xl" or module.endswith("__main__"):
        return []
    found = []
    for target, names, line in imports_of(module, path):
        stage = _stage(target)
        where = f"{path.name}:{line}"
        if stage == own or not stage or stage == "__main__":
            continue
        if LAYERS.index(stage) > LAYERS.index(own):
            found.append(f"{where}: {own} imports the later stage {target}")
            continue
        if target != f"youyi_xl.{stage}":
            found.append(f"{where}: {own} reaches inside {target} (import from youyi_xl.{stage})")
            continue
        published = set(getattr(importlib.import_module(target), "__all__", ()))
        private = [n for n in names if n not in published]
        if private:
            found.append(f"{where}: {', '.join(private)} not published by {target}.__all__")
    return found


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_imports_follow_the_pipeline(module, path):
    assert violations(module, path) == []


def test_every_stage_package_is_a_layer():
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    stages |= {p.stem for p in PACKAGE.glob("*.py")} - TOP
    assert stages - {"templates"} <= set(LAYERS)


def test_the_check_catches_an_output_reaching_into_the_intake(tmp_path):
    """An output module importing an intake internal is reported (the check itself can fail)."""
    bad = tmp_path / "scorecard.py"
    bad.write_text("from ..intake.rows import RowReader\nfrom ..intake import _private\n"
                   "from ..demo import write_sample_returns\n", encoding="utf-8")
    found = violations("youyi_xl.outputs.scorecard", bad)
    assert len(found) == 3
    assert "reaches inside youyi_xl.intake.rows" in found[0]
    assert "_private not published" in found[1]
    assert "imports the later stage youyi_xl.demo" in found[2]


def test_published_names_exist():
    for stage in LAYERS:
        module = importlib.import_module(f"youyi_xl.{stage}")
        for name in getattr(module, "__all__", ()):
            assert getattr(module, name, None) is not None, f"youyi_xl.{stage}.{name}"


MAX_MODULE_LINES = 600


def test_every_module_is_under_600_lines():
    """A module that grows past a screenful of screens is split by concern (issue 11)."""
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_MODULE_LINES}
    assert not long, long
