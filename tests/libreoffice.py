"""LibreOffice for the print tests: convert a workbook or a .docx (to PDF, .xls, .ods …) the way
a person would check it, with free CJK fonts standing in for the names GB/T 9704 uses.

One helper for every test that renders; the tests that need it skip where soffice is absent
(`needs_soffice`). Each call uses a private profile so parallel test workers never collide.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")

# Free fonts that stand in on Linux for the names GB/T 9704 uses (first installed one wins).
STAND_INS: dict[str, tuple[str, ...]] = {
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "Source Han Serif SC", "Noto Serif CJK SC",
                 "FandolSong", "AR PL UMing CN"),
    "仿宋_GB2312": ("FangSong", "FangSong_GB2312", "FandolFang", "Noto Serif CJK SC", "AR PL UMing CN"),
    "黑体": ("SimHei", "Source Han Sans SC", "Noto Sans CJK SC", "FandolHei", "WenQuanYi Zen Hei"),
    "楷体_GB2312": ("KaiTi", "KaiTi_GB2312", "FandolKai", "AR PL UKai CN", "AR PL KaitiM GB",
                  "LXGW WenKai", "Noto Serif CJK SC"),
    "宋体": ("SimSun", "Source Han Serif SC", "Noto Serif CJK SC", "FandolSong", "AR PL UMing CN"),
}
# 小标宋 is a heavy Song: its stand-in is asked for in bold.
STAND_IN_WEIGHTS: dict[str, str] = {"方正小标宋简体": "bold"}


def fontconfig_xml() -> str:
    """A fontconfig file that maps the standard's font names to free fonts (docs/notice.md)."""
    rules = []
    for name, families in STAND_INS.items():
        prefer = "".join(f"<string>{family}</string>" for family in families)
        weight = (f'<edit name="weight" mode="assign" binding="strong"><const>{STAND_IN_WEIGHTS[name]}'
                  "</const></edit>" if name in STAND_IN_WEIGHTS else "")
        rules.append(f'  <match target="pattern"><test name="family"><string>{name}</string></test>'
                     f'<edit name="family" mode="prepend" binding="strong">{prefer}</edit>{weight}</match>')
    return ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
            + "\n".join(rules) + "\n</fontconfig>\n")


def convert(files: Path | Iterable[Path], fmt: str = "pdf", outdir: Path | None = None,
            timeout: float = 600) -> list[Path]:
    """Convert one or more files with LibreOffice; returns the converted paths, in order."""
    files = [Path(files)] if isinstance(files, (str, os.PathLike)) else [Path(f) for f in files]
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) not installed")
    target = Path(outdir or files[0].parent)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="youyi-soffice-") as scratch:
        fonts = Path(scratch) / "fonts.conf"
        fonts.write_text(fontconfig_xml(), encoding="utf-8")
        command = [SOFFICE, f"-env:UserInstallation={Path(scratch, 'profile').as_uri()}", "--headless",
                   "--norestore", "--convert-to", fmt, "--outdir", str(target), *map(str, files)]
        subprocess.run(command, check=True, capture_output=True, timeout=timeout,
                       env={**os.environ, "FONTCONFIG_FILE": str(fonts)})
    extension = fmt.split(":")[0]
    converted = [target / f"{f.stem}.{extension}" for f in files]
    missing = [p.name for p in converted if not p.is_file()]
    assert not missing, f"LibreOffice did not write {missing}"
    return converted


# Writer's PDF export leaves out the blank pages it inserts (a section that starts on an even page
# after an odd one); a printer prints them, so the test PDF keeps them (page parity is tested).
WRITER_PDF = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
WRITER_SUFFIXES = frozenset({".docx", ".doc", ".odt"})


def to_pdf(path: Path, outdir: Path | None = None) -> Path:
    fmt = WRITER_PDF if Path(path).suffix.lower() in WRITER_SUFFIXES else "pdf"
    return convert(path, fmt, outdir)[0]


def pdf_text(pdf: Path, layout: bool = False) -> str:
    """The text of a PDF (poppler's pdftotext); skips where it is not installed."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout
