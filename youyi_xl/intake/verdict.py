"""Whether a collected batch can be this period's at all (DOMAIN §9), judged before anything
is written: a run on the wrong folder or with the wrong --period would otherwise publish a
complete 成绩单 in which every unit is 数据有误 or scores nothing.

`period_outside_plan()` (intake/folder.py) is judged before reading, `refusal()` after: each returns the one
Chinese line of the refusal, or None.
"""
from __future__ import annotations

from collections import Counter

from ..core import parse_reported_period
from .batch import Batch
from .folder import READ_SUFFIXES, period_outside_plan  # noqa: F401  (published here too)

READABLE = "、".join(sorted(READ_SUFFIXES))


def refusal(batch: Batch) -> str | None:
    """The refusal of a batch that cannot be this period's, or None.

    - no return at all (youyi-xl's own outputs do not count);
    - most returns read (more than half of those whose cover could be read) declare another
      period or year in 报送期;
    - the folder holds another period's returns for more than half of the units that sent this
      period's (a parent folder of two periods: every unit would be 数据有误)."""
    every = [*batch.returns, *batch.superseded]
    forms = sum(1 for i in batch.issue_list if i.code == "output-skipped" and "填报表" in i.message)
    if not every and forms:
        return (f"报表文件夹“{batch.folder}”中只有youyi-xl生成、尚未填写的空白填报表（{forms}份），"
                "像是下发的表格，不是各单位报回的报表；未生成任何文件：请核对报表文件夹")
    if not every:
        return (f"报表文件夹“{batch.folder}”中没有找到任何报表（{READABLE}），未生成任何文件："
                "请核对报表文件夹")
    periods = {text: parse_reported_period(text, batch.period.year)      # a batch writes a few texts
               for text in {r.period_written for r in every}}
    declared = [(r, periods[r.period_written]) for r in every if r.period_written or r.unit]
    others = Counter(p for _, p in declared if p is not None and p != batch.period)
    if not others:
        return None
    other, count = others.most_common(1)[0]
    total = sum(others.values())
    if 2 * total > len(declared):
        return (f"报表文件夹中多数报表（{len(declared)}份中的{total}份）的报送期是{other.label}，"
                f"不是本次指定的{batch.period.label}：请核对 --period 或报表文件夹，未生成任何文件")
    this_units = {r.unit for r, p in declared if r.unit and p in (None, batch.period)}
    other_units = {r.unit for r, p in declared if r.unit and p == other}
    if this_units and 2 * len(this_units & other_units) > len(this_units):
        return (f"报表文件夹中同时有{other.label}（{count}份）和{batch.period.label}"
                f"（{len(declared) - total}份）两期的报表：请只选本期报表所在的文件夹，未生成任何文件")
    return None
