"""The `Batch`: every return of one period, checked — the one contract between the intake and
every stage after it (docs/architecture.md).

Later stages read records through `Batch.rows()` (typed records with their source: unit,
file, sheet, row, valid), the unit's own 指标汇总 figures through `reported_of()`, and the
statuses and counts below; notebook users get the same as DataFrames.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator

from ..core import (
    ISSUE_LABELS,
    KEY_PROJECTS,
    PLANNED,
    PROJECTS,
    SOURCE_FIELDS,
    Issue,
    Period,
    ProjectIndex,
    Reported,
    Table,
    chinese_frame,
    count_by_severity,
    issues_frame,
    summary_html,
    summary_repr,
)
from ..plan import Plan
from .returndata import ReturnData

SOURCE_COLUMNS = ("unit", "file", "sheet", "row")
REPORTED_COLUMNS = (*SOURCE_COLUMNS, "indicator", "target", "actual", "cell", "valid")


@dataclass
class Batch:
    """All returns of one period, checked. DataFrames are built on first access."""

    period: Period
    plan: Plan
    folder: Path
    returns: list[ReturnData]               # the returns in use, one per unit (and unreadable files)
    superseded: list[ReturnData]            # older versions not used
    issue_list: list[Issue] = field(default_factory=list)
    claims: ProjectIndex = field(default_factory=lambda: ProjectIndex("projects"))   # project -> units

    # -- the returns --------------------------------------------------------
    @cached_property
    def accepted(self) -> list[ReturnData]:
        """Returns whose data count (unit known, period right, file readable)."""
        return [r for r in self.returns if r.unit and not r.file_error]

    @cached_property
    def _by_unit(self) -> dict[str, ReturnData]:
        return {r.unit: r for r in self.accepted if r.unit}

    def return_of(self, unit: str) -> ReturnData | None:
        return self._by_unit.get(unit)

    @cached_property
    def files(self) -> dict[str, str]:
        """The file shown for each unit: the return in use, else the file that could not be used."""
        shown = {r.unit: r.file for r in reversed(self.returns) if r.unit}
        shown.update({u: r.file for u, r in self._by_unit.items()})
        return shown

    # -- the records --------------------------------------------------------
    def rows(self, table: str, unit: str | None = None, counted: bool = False, start: int = 0) -> Iterator[Any]:
        """The records of `table` (projects, key_projects, planned) in the accepted returns, in file
        order, or of one unit's return; `counted` keeps only the rows no error points at; `start`
        passes over that many without reading one (a forked writer copies the pages a read touches)."""
        returns = self.accepted if unit is None else [r for r in (self.return_of(unit),) if r is not None]
        for ret in returns:
            records = ret.counted(table) if counted else ret.records(table)
            if start >= len(records):
                start -= len(records)
                continue
            yield from records[start:] if start else records
            start = 0

    def row_count(self, table: str) -> int:
        """How many records of `table` the accepted returns hold (counted or not), without reading
        one (a forked writer would copy the pages a read touches)."""
        return self._row_counts.get(table, 0)

    @cached_property
    def _row_counts(self) -> Counter:
        """Every table's count, found once: counting touches each return's table (its reference
        count written), which a writer forked after the first count then no longer does (10,000
        returns: 67 MB of pages the 成绩单 copied while the documents' child lived)."""
        return Counter({key: sum(len(r.records(key)) for r in self.accepted)
                        for key in {k for r in self.accepted for k in r.tables}})

    def reported_of(self, unit: str) -> dict[str, Reported]:
        """The unit's own 指标汇总 figures by indicator key ({} without a usable 指标汇总)."""
        ret = self.return_of(unit)
        return ret.reported if ret is not None and ret.table_ok("summary") else {}

    def claimed_by(self, record: Any) -> tuple[str, ...]:
        """The units whose returns hold the same 招商引资项目 as `record` ((): claimed once)."""
        # no claims (most batches): the record's key is not read (a forked writer would copy its page)
        return self.claims.get(record, ()) if self.claims and record.valid else ()

    # -- statuses and counts ------------------------------------------------
    @cached_property
    def _issue_counts(self) -> dict[str, Counter]:
        return {severity: Counter(i.unit for i in self.issue_list if i.severity == severity)
                for severity in ("error", "warning", "info")}

    def status(self, unit: str) -> str:
        """submitted / missing / errors (a unit with any error issue, even from a refused file)."""
        if self._issue_counts["error"][unit]:
            return "errors"
        return "submitted" if unit in self._by_unit else "missing"

    def issue_count(self, unit: str, severity: str = "error") -> int:
        return self._issue_counts[severity][unit]

    @property
    def counts(self) -> dict[str, int]:
        """submitted / missing / errors units, and error / warning / info issues."""
        statuses = [self.status(u.name) for u in self.plan.units]
        return {"submitted": sum(s != "missing" for s in statuses), "missing": statuses.count("missing"),
                "errors_units": statuses.count("errors"), **count_by_severity(self.issue_list)}

    # -- what a notebook shows ----------------------------------------------
    def __repr__(self) -> str:
        c = self.counts
        return summary_repr("Batch", self.period.dash_label, [
            f"{len(self.plan.units)}个单位", f"已报送{c['submitted']}个", f"未报送{c['missing']}个",
            f"数据有误{c['errors_units']}个" if c["errors_units"] else "",
            f"错误{c['error']}条，警告{c['warning']}条，提示{c['info']}条",
            f"读取{len(self.returns) + len(self.superseded)}个文件", "batch.zh.issues 查看问题"])

    def _repr_html_(self) -> str:
        c = self.counts
        facts = [("报送期", self.period.dash_label), ("文件夹", str(self.folder)),
                 ("报送", f"已报送{c['submitted']}个单位，未报送{c['missing']}个，数据有误{c['errors_units']}个"),
                 ("问题", f"错误{c['error']}条，警告{c['warning']}条，提示{c['info']}条")]
        missing = [u.name for u in self.plan.units if self.status(u.name) == "missing"]
        if missing:
            facts.append(("未报送单位", "、".join(missing)))
        shown = self.zh.issues
        shown = shown[shown["级别"] != "提示"][["单位", "级别", "文件", "工作表", "单元格", "问题说明"]]
        return summary_html(f"回收情况（{self.period.dash_label}）", facts, shown, "错误和警告：", max_rows=20)

    @cached_property
    def zh(self) -> "ChineseBatch":
        """The same frames with Chinese column labels and values: batch.zh.units, .issues,
        .projects, .key_projects, .planned, .reported."""
        return ChineseBatch(self)

    # -- DataFrames ---------------------------------------------------------
    @cached_property
    def issues(self):
        return issues_frame(self.issue_list)

    @cached_property
    def units(self):
        import pandas as pd

        rows = []
        for unit in self.plan.units:
            ret = self.return_of(unit.name)
            rows.append({"unit": unit.name, "group": unit.group, "status": self.status(unit.name),
                         "file": self.files.get(unit.name, ""),
                         "fill_date": ret.fill_date if ret else None,
                         "filler": ret.cover.get("filler", "") if ret else "",
                         "phone": ret.cover.get("phone", "") if ret else "",
                         "errors": self.issue_count(unit.name, "error"),
                         "warnings": self.issue_count(unit.name, "warning")})
        return pd.DataFrame(rows, columns=["unit", "group", "status", "file", "fill_date", "filler",
                                           "phone", "errors", "warnings"])

    @cached_property
    def projects(self):
        return self._rows_frame(PROJECTS)

    @cached_property
    def key_projects(self):
        return self._rows_frame(KEY_PROJECTS)

    @cached_property
    def planned(self):
        return self._rows_frame(PLANNED)

    @cached_property
    def reported(self):
        import pandas as pd

        rows = [(e.unit, e.file, e.sheet, e.row, e.indicator, e.target, e.actual, e.actual_cell, e.valid)
                for r in self.accepted for e in r.reported.values()]
        return pd.DataFrame(rows, columns=list(REPORTED_COLUMNS))

    def _rows_frame(self, table: Table):
        """One row per record: source, the table's columns, valid, claimed_by (row_columns)."""
        import pandas as pd

        records = list(self.rows(table.key))
        frame = pd.DataFrame.from_records(records, columns=[*SOURCE_FIELDS, *table.value_keys])
        frame["claimed_by"] = ["、".join(self.claimed_by(r)) for r in records]
        return frame[row_columns(table)]


def row_columns(table: Table) -> list[str]:
    """The columns of batch.projects / key_projects / planned."""
    return [*SOURCE_COLUMNS, *table.value_keys, "valid", "claimed_by"]


UNIT_FRAME_LABELS = {"unit": "单位", "group": "类别", "status": "报送状态", "file": "来源文件",
                     "fill_date": "填报日期", "filler": "填报人", "phone": "联系电话", "errors": "错误数",
                     "warnings": "警告数"}
SOURCE_LABELS = {"unit": "单位", "file": "来源文件", "sheet": "工作表", "row": "行号", "valid": "计入统计",
                 "claimed_by": "同时填报的单位"}
# the issue view leads with where and what, as a clerk reads it; the code last
ISSUE_VIEW = ("unit", "severity", "file", "sheet", "cell", "field", "value", "message", "hint", "row", "code")


class ChineseBatch:
    """The Chinese views of a Batch (labels from the schema, values 已报送/错误/是 …)."""

    def __init__(self, batch: Batch):
        self._batch = batch

    def __repr__(self) -> str:
        return "batch.zh：units（报送情况）、issues（问题）、projects、key_projects、planned、reported（明细）"

    @property
    def units(self):
        return chinese_frame(self._batch.units, UNIT_FRAME_LABELS)

    @property
    def issues(self):
        frame = self._batch.issues[list(ISSUE_VIEW)].copy()
        frame["row"] = frame["row"].astype("Int64").mask(frame["row"] == 0)     # 0: not about one row
        return chinese_frame(frame, ISSUE_LABELS)

    @property
    def projects(self):
        return self._rows(PROJECTS, self._batch.projects)

    @property
    def key_projects(self):
        return self._rows(KEY_PROJECTS, self._batch.key_projects)

    @property
    def planned(self):
        return self._rows(PLANNED, self._batch.planned)

    @property
    def reported(self):
        frame = self._batch.reported.copy()
        labels = {i.key: i.label for i in self._batch.plan.indicators}
        frame["indicator"] = frame["indicator"].map(lambda k: labels.get(k, k))
        return chinese_frame(frame, {**SOURCE_LABELS, "indicator": "指标", "target": "年度目标",
                                     "actual": "本年累计完成", "cell": "单元格"})

    @staticmethod
    def _rows(table: Table, frame):
        labels = {c.key: c.label for c in table.columns}
        return chinese_frame(frame, {**labels, **SOURCE_LABELS})
