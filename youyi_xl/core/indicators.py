"""What an indicator is, and how one is counted from the rows of a return (DOMAIN §4.1, §8).

The indicators are not Python: the plan folder declares them in Excel (考核细则.xlsx, sheet
指标设置, read by youyi_xl.plan). Each declaration names the return table it counts
(数据来源), how (统计方式: 计数 rows that meet the conditions, 求和 a column over them, or 填报
the unit's own 指标汇总 figure) and its 条件 in a small language, parsed here by
`parse_conditions`:

    签约日期在本期                       a date in the period's year, on or before its end
    是否开工=是                          one value; 开工状态=已开工,已竣工  any of several
    总投资(万元)≥5000 / 总投资≤2亿元      a number at least / at most
    conditions joined by ；  (also ; and the full-width forms ＝ ≥ ≦ ＞＝ ，)

Fields are named as the return form heads its columns (with or without the unit, or any header
alias of the schema). Everything downstream — the forms' 指标汇总 rows, the targets read from
the attachments, the checks, the evaluation, the 成绩单's columns, the 通报's sentences and the
result JSON — follows the declaration, in its order.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter
from typing import Any, Iterable, Mapping

from .hashing import HashedOnce
from .normalize import compact, header_key, parse_choice, parse_number
from .schema import (
    AMOUNT,
    CHOICE,
    DATE,
    INT,
    KEY_PROJECTS,
    PLANNED,
    PROJECTS,
    SUMMARY,
    TEXT,
    YESNO,
    Column,
    Table,
)

COUNT, SUM, REPORTED = "count", "sum", "reported"
METHODS = {"计数": COUNT, "求和": SUM, "填报": REPORTED}
METHOD_LABELS = {v: k for k, v in METHODS.items()}
SOURCES: tuple[Table, ...] = (PROJECTS, KEY_PROJECTS, PLANNED, SUMMARY)   # 数据来源, by sheet name
IN, AT_LEAST, AT_MOST, IN_PERIOD = "in", ">=", "<=", "in_period"
COUNT_UNITS = ("个", "项", "家")
DEFAULT_TARGET_NOUN = "年度目标"

# Chains (attachment 2) count signed projects of this investment or more (基本信息 may change it).
CHAIN_PROJECT_MIN_INVESTMENT = 5000.0   # 万元


class ConditionError(ValueError):
    """A 条件 that cannot be used; the message is Chinese and names the part at fault."""


@dataclass(frozen=True)
class Condition(HashedOnce):
    """One condition a row must meet: field (a column key), how, and against what."""

    field: str
    op: str                     # in / >= / <= / in_period
    values: tuple = ()          # in: the allowed values; >= / <=: (the number,)
    text: str = ""              # as written, for messages

    __hash__ = HashedOnce.__hash__

    def mask(self, rows: list[Any], end: dt.date) -> list[bool]:
        """`holds` for every row, as one pass over the field's values."""
        values = list(map(attrgetter(self.field), rows))
        if self.op == IN:
            return list(map(self.values.__contains__, values))     # `v in values`, in C
        if self.op == IN_PERIOD:
            year = end.year             # in_window, written out: the commonest condition
            return [isinstance(v, dt.date) and v.year == year and v <= end for v in values]
        bound = self.values[0]          # a float compared at once; anything else as _is_number says
        if self.op == AT_LEAST:           # (NaN: False either way)
            return [v >= bound if type(v) is float else _is_number(v) and v >= bound for v in values]
        return [v <= bound if type(v) is float else _is_number(v) and v <= bound for v in values]

    def holds(self, row: Any, end: dt.date) -> bool:
        value = getattr(row, self.field)
        if self.op == IN:
            return value in self.values
        if self.op == IN_PERIOD:
            return in_window(value, end)
        if not _is_number(value):
            return False
        return value >= self.values[0] if self.op == AT_LEAST else value <= self.values[0]


@dataclass(frozen=True)
class Indicator:
    """One target of the work plan, as 指标设置 declares it."""

    key: str                    # the stable code (指标代码), else the name: JSON keys, column keys
    label: str                  # 指标名称: the wording every output uses
    unit: str                   # 计量单位: 个 / 万元 / 万美元 / 亿元 …
    short: str = ""             # 简称: narrow table headers
    category: str = ""          # 分类: the 通报 paragraph it belongs to
    source: str = "summary"     # the return table's key (projects, key_projects, planned, summary)
    method: str = REPORTED      # count / sum / reported
    sum_field: str = ""         # the column summed (求和)
    conditions: tuple[Condition, ...] = ()
    target_column: str = ""     # the header of 附件1 / 附件3 that holds each unit's target
    county_target: float | None = None
    prose: str = ""             # how the 通报 words what was done (通报用语), else the label
    target_noun: str = DEFAULT_TARGET_NOUN   # 目标称谓: 年度目标 / 市定目标 / 年度计划投资
    factor: float = 1.0         # 求和: the summed column's unit to this unit (万元 → 亿元: 0.0001)
    cell: str = field(default="", compare=False)   # where it was declared (messages)
    target_cell: str = field(default="", compare=False)   # where its 目标列 was declared

    def __post_init__(self) -> None:
        object.__setattr__(self, "short", self.short or self.label)
        object.__setattr__(self, "prose", self.prose or self.label)

    @property
    def is_count(self) -> bool:
        return self.method == COUNT or self.unit in COUNT_UNITS

    @property
    def summary_label(self) -> str:
        """The 指标 cell of this indicator's 指标汇总 row: 招商签约项目(个)."""
        return f"{self.label}({self.unit})"

    @property
    def names(self) -> tuple[str, ...]:
        """Every text a unit may write for it in 指标汇总 (label, with unit, short, target header)."""
        base = self.target_column.split("(")[0].split("（")[0]
        return tuple(dict.fromkeys(n for n in (self.summary_label, self.label, self.short,
                                               self.target_column, base) if n))

    def value(self, rows: Iterable[Any], end: dt.date, masks: dict | None = None) -> float:
        """What the rows count to (计数 / 求和); the caller passes only rows that count.
        `masks` (a condition's (field, op, values) → which of these rows meet it) lets
        indicators over the same rows share the work of conditions they have in common
        (`measure`)."""
        rows = rows if isinstance(rows, list) else list(rows)
        masks = {} if masks is None else masks
        flags = []
        for c in self.conditions:
            # keyed by a plain tuple, hashed and compared in C: a Condition's hash and == are
            # Python calls, and equal conditions of different indicators meet here every return
            key = (c.field, c.op, c.values)
            found = masks.get(key)
            if found is None:
                found = masks[key] = c.mask(rows, end)
            flags.append(found)
        selected = flags[0] if len(flags) == 1 else map(all, zip(*flags))
        if self.method == COUNT:
            return float(len(rows) if not flags else sum(selected))
        chosen = rows if not flags else list(compress(rows, selected))
        total = sum([v if type(v) is float and v == v else _num(v)
                     for v in map(attrgetter(self.sum_field), chosen)]) * self.factor
        return round(total, 6)


def in_window(date: object, end: dt.date) -> bool:
    """A date in the period's year, on or before the period end."""
    return isinstance(date, dt.date) and date.year == end.year and date <= end


def is_signed(row: Any, end: dt.date) -> bool:
    """A 招商引资项目 signed in the period (the chains of attachment 2 count these)."""
    return in_window(row.sign_date, end)


def is_started(row: Any, end: dt.date) -> bool:
    """A 招商引资项目 started in the period (是否开工 = 是, 开工日期 in the window)."""
    return row.started is True and in_window(row.start_date, end)


def _is_number(value: object) -> bool:
    """A number a ≥ / ≤ condition compares: not a bool, not NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _num(value: object) -> float:
    """A number to add up; None, NaN and booleans count as 0."""
    return float(value) if _is_number(value) else 0.0


def measure(indicators: Iterable[Indicator], rows: Mapping[str, Iterable[Any]], end: dt.date,
            reported: Mapping[str, float | None] | None = None) -> dict[str, float | None]:
    """Every indicator over a set of rows (one unit's, or the county's), cumulative to `end`.

    `rows` maps a table key (projects, key_projects, planned) to its counted records;
    `reported` gives the 填报 indicators their figure (None where there is none)."""
    reported = reported or {}
    lists = {key: value if isinstance(value, list) else list(value) for key, value in rows.items()}
    masks: dict[str, dict] = {key: {} for key in lists}
    return {ind.key: (reported.get(ind.key) if ind.method == REPORTED
                      else ind.value(lists.get(ind.source, []), end, masks.get(ind.source, {})))
            for ind in indicators}


# --------------------------------------------------------------------------
# the 条件 language
# --------------------------------------------------------------------------

_SPLIT_CONDITIONS = re.compile(r"[;；]")
_SPLIT_VALUES = re.compile(r"[,，、/]")
_OPERATORS = (("≥", AT_LEAST), (">=", AT_LEAST), ("≧", AT_LEAST), ("≤", AT_MOST), ("<=", AT_MOST),
              ("≦", AT_MOST), ("=", IN))
_PERIOD_WORDS = ("在本期", "在本期内", "属于本期")
_YES_NO = {"是": True, "否": False}


def table_of(name: Any) -> Table | None:
    """The return table a 数据来源 cell names (its sheet name or an alias), or None."""
    key = compact(name)
    for table in SOURCES:
        if key in {compact(n) for n in (table.sheet, *table.sheet_aliases, table.title)}:
            return table
    return None


def column_of(table: Table, name: Any) -> Column | None:
    """The column of `table` a field name means: its label, the label without the unit, or
    any header alias of the schema (序号 is no field)."""
    wanted = header_key(_normal(name))
    for column in table.columns:
        if column.key != "seq" and wanted in column.header_keys():
            return column
    return None


def _normal(text: Any) -> str:
    """NFKC (full-width to half-width), no spaces: ＝ → =, ＞＝ → >=, （ → (."""
    return "".join(unicodedata.normalize("NFKC", "" if text is None else str(text)).split())


def parse_conditions(text: Any, table: Table) -> tuple[Condition, ...]:
    """The conditions of one 条件 cell over `table`; ConditionError (Chinese) when one cannot be
    used: unknown field, an operator its column cannot take, a value outside a drop-down list."""
    conditions = []
    for part in (p for p in _SPLIT_CONDITIONS.split(_normal(text)) if p):
        conditions.append(_condition(part, table))
    return tuple(conditions)


def _condition(part: str, table: Table) -> Condition:
    for word in _PERIOD_WORDS:
        if part.endswith(word):
            return _period_condition(part[: -len(word)], part, table)
    for symbol, op in _OPERATORS:
        name, found, value = part.partition(symbol)
        if found:
            column = _field(name, part, table)
            if op == IN:
                return Condition(column.key, IN, _choices(column, value, part), part)
            return Condition(column.key, op, (_bound(column, value, part),), part)
    raise ConditionError(f"条件“{part}”无法识别：应写成“字段=值”“字段≥数”“字段≤数”或“字段在本期”")


def _field(name: str, part: str, table: Table) -> Column:
    column = column_of(table, name) if name else None
    if column is None:
        fields = "、".join(c.label for c in table.columns if c.key != "seq")
        raise ConditionError(f"条件“{part}”中的字段“{name}”不是“{table.sheet}”表的列（可用：{fields}）")
    return column


def _period_condition(name: str, part: str, table: Table) -> Condition:
    column = _field(name, part, table)
    if column.kind != DATE:
        raise ConditionError(f"条件“{part}”：“在本期”只能用于日期列，“{column.label}”不是日期")
    return Condition(column.key, IN_PERIOD, (), part)


def _bound(column: Column, value: str, part: str) -> float:
    if column.kind not in (AMOUNT, INT):
        raise ConditionError(f"条件“{part}”：“{column.label}”不是数字列，不能用≥或≤比较")
    parsed = parse_number(value, column.unit or "个")
    if parsed.value is None or parsed.code == "number-invalid":
        raise ConditionError(f"条件“{part}”中的“{value}”不是数字")
    return parsed.value


def _choices(column: Column, value: str, part: str) -> tuple:
    written = [v for v in _SPLIT_VALUES.split(value) if v]
    if not written:
        raise ConditionError(f"条件“{part}”的“=”后面没有值")
    if column.kind == YESNO:
        if any(v not in _YES_NO for v in written):
            raise ConditionError(f"条件“{part}”：“{column.label}”只能是“是”或“否”")
        return tuple(_YES_NO[v] for v in written)
    if column.kind == CHOICE and column.choices:
        found = [parse_choice(v, column.choices, column.choice_map).value for v in written]
        if None in found:
            bad = written[found.index(None)]
            raise ConditionError(f"条件“{part}”中的“{bad}”不是“{column.label}”的可选项"
                                 f"（{'、'.join(column.choices)}）")
        return tuple(found)
    if column.kind in (TEXT, CHOICE):
        return tuple(written)
    raise ConditionError(f"条件“{part}”：“{column.label}”是{'日期' if column.kind == DATE else '数字'}列，"
                         "请用“在本期”或“≥”“≤”")


def numeric(column: Column) -> bool:
    """A column that can be summed (求和字段)."""
    return column.kind in (AMOUNT, INT)
