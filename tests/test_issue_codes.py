"""docs/issue-codes.md documents exactly the code table (youyi_xl.core.issues.CODES), with the
same severity for each code."""
from __future__ import annotations

import re
from pathlib import Path

from youyi_xl.core.issues import CODES

DOC = Path(__file__).resolve().parents[1] / "docs" / "issue-codes.md"
ROW = re.compile(r"^\|\s*([a-z][a-z-]+)\s*\|\s*(error|warning|info)\s*\|", re.M)


def documented() -> dict[str, str]:
    rows = ROW.findall(DOC.read_text(encoding="utf-8"))
    codes = [code for code, _ in rows]
    assert len(codes) == len(set(codes)), "a code is documented twice"
    return dict(rows)


def test_every_code_is_documented_with_its_severity():
    assert documented() == {code: info.severity.value for code, info in CODES.items()}


def test_the_document_is_parsed():
    """The reading of the document itself: the DOMAIN §5 codes are all found in it."""
    assert {"file-unreadable", "number-invalid", "total-mismatch", "extra-ignored"} <= set(documented())
