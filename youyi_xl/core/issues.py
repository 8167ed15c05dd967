"""Problems in the data are values: the `Issue` record and the table of stable codes.

Codes are part of the contract (DOMAIN §5; the --json output and the API carry
them). Tests and callers match on codes, never on message text. Codes that the
contract does not list are marked as project extensions in docs/issue-codes.md.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def label(self) -> str:
        return {"error": "错误", "warning": "警告", "info": "提示"}[self.value]


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity
    title: str   # short Chinese name shown in tables


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CODES: dict[str, CodeInfo] = {
    # --- DOMAIN §5, returns ---
    "file-unreadable": CodeInfo(E, "文件无法读取"),
    "unit-unknown": CodeInfo(E, "填报单位无法识别"),
    "period-mismatch": CodeInfo(E, "报送期不符"),
    "sheet-missing": CodeInfo(E, "缺少工作表"),
    "column-missing": CodeInfo(E, "缺少必填列"),
    "value-missing": CodeInfo(E, "必填项为空"),
    "number-invalid": CodeInfo(E, "数字无法识别"),
    "date-invalid": CodeInfo(E, "日期无法识别"),
    "amount-negative": CodeInfo(E, "数值为负"),
    "date-out-of-range": CodeInfo(E, "日期超出范围"),
    "start-inconsistent": CodeInfo(E, "开工信息矛盾"),
    "part-exceeds-whole": CodeInfo(E, "分项大于总数"),
    "project-duplicate": CodeInfo(E, "项目重复填报"),
    "formula-uncached": CodeInfo(E, "公式未计算"),
    "unit-converted": CodeInfo(W, "单位已换算"),
    "year-assumed": CodeInfo(W, "未写年份，按本年度计"),
    "total-mismatch": CodeInfo(W, "汇总数与明细不符"),
    "project-claimed-twice": CodeInfo(W, "项目重复统计"),
    "target-changed": CodeInfo(W, "目标值被改动"),
    "investment-over-plan": CodeInfo(W, "完成投资超计划"),
    "sign-after-start": CodeInfo(W, "签约晚于开工"),
    "duplicate-submission": CodeInfo(W, "重复报送"),
    "unit-name-mismatch": CodeInfo(W, "文件名与单位不符"),
    "extra-ignored": CodeInfo(I, "多余内容已忽略"),
    # --- project extensions (docs/issue-codes.md) ---
    "choice-invalid": CodeInfo(E, "选项不在下拉列表中"),
    "chain-unknown": CodeInfo(W, "产业链名称无法识别"),
    "unit-duplicate": CodeInfo(E, "单位重复"),
    "sum-mismatch": CodeInfo(E, "合计与各行之和不符"),
    "county-target-mismatch": CodeInfo(W, "合计与方案目标不符"),
    "setting-invalid": CodeInfo(E, "考核细则设置有误"),
    "form-blank": CodeInfo(E, "空白填报表"),
    "forms-all-blank": CodeInfo(W, "报表均为空白"),
    "output-skipped": CodeInfo(I, "程序生成的文件已跳过"),
    "link-skipped": CodeInfo(I, "链接未读取"),
    "folder-unreadable": CodeInfo(W, "文件夹无法读取"),
    "plan-mismatch": CodeInfo(W, "目标与目标分解表不符"),
}


@dataclass(frozen=True)
class Issue:
    """One problem found in one place of one file."""

    code: str
    severity: str
    file: str = ""
    sheet: str = ""
    cell: str = ""
    unit: str = ""
    field: str = ""
    value: str = ""
    message: str = ""
    hint: str = ""
    row: int = 0          # 1-based Excel row of the data row the issue is about; 0 for none

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR.value

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


ISSUE_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Issue))

ISSUE_LABELS: dict[str, str] = {
    "code": "问题代码", "severity": "级别", "file": "文件", "sheet": "工作表",
    "cell": "单元格", "unit": "单位", "field": "字段", "value": "填报值",
    "message": "问题说明", "hint": "修改建议", "row": "行号",
}


def make_issue(code: str, message: str, hint: str = "", row: int = 0, **where: object) -> Issue:
    """Build an issue whose severity comes from the code table (one place).

    `row` is given for an issue about one data row of a table (an error there leaves the
    row out of every count); `where` holds the text fields (file, sheet, cell, unit ...)."""
    info = CODES[code]  # KeyError here is a programming error: unknown code
    clean = {k: "" if v is None else str(v) for k, v in where.items()}
    return Issue(code=code, severity=info.severity.value, message=message, hint=hint, row=row, **clean)


def count_by_severity(issues) -> dict[str, int]:
    """{'error': n, 'warning': n, 'info': n} for any iterable of issues."""
    counts = {s.value: 0 for s in Severity}
    for issue in issues:
        counts[issue.severity] += 1
    return counts


def issues_frame(issues):
    """The issue list as a DataFrame with the fixed columns of ISSUE_COLUMNS."""
    import pandas as pd

    return pd.DataFrame([i.to_dict() for i in issues], columns=list(ISSUE_COLUMNS))
