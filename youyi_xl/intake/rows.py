"""The data rows of one located table into records (DOMAIN §4): every cell the form needs,
parsed as the schema says, every problem an `Issue` pointing at its cell and row.

Most cells of a return are already clean (a float in a number column, a date, a listed
choice): a fast reader per column takes those, and everything else (blank marks, text
numbers, unit suffixes, Excel error values, formulas without a value) goes through the full
parse with its issue.
"""
from __future__ import annotations

import datetime as dt
import operator
from bisect import bisect_right
from functools import lru_cache, partial
from typing import Any, Callable, NamedTuple, Sequence

from ..core import (
    AMOUNT,
    CHOICE,
    DATE,
    INT,
    MAX_MAGNITUDE,
    TEXT,
    YESNO,
    Column,
    Parsed,
    Period,
    Reported,
    cell_ref,
    clean_text,
    compact,
    header_key,
    identity_fields,
    identity_key,
    is_blank,
    parse_choice,
    parse_date,
    parse_number,
    parse_yes_no,
    plausible,
    strip_invisible,
    tidy_text,
    unit_factor,
)
from ..plan import Plan
from ..workbook import Located, SheetData, data_rows, header_unit, picker
from .returndata import ReturnData

OTHER_CHAIN = "其他"
PLAUSIBLE_FACTOR = 1000     # no figure of a return exceeds the plan's county target x 1,000


class RowReader:
    """Parses the data rows of one located table, column by column."""

    def __init__(self, ret: ReturnData, sheet: SheetData, located: Located, plan: Plan, period: Period):
        self.ret, self.sheet, self.located, self.plan = ret, sheet, located, plan
        self.year = period.year
        self.table = located.table
        self.chains = plan.chain_keys
        self.limits = magnitude_limits(plan)
        (self.factors, self.keys, self.indexes, self.slots, self.defaults, self.pick,
         self.identity_slots, self.fast, self.direct, _) = _layout(located, self.chains, self.limits)
        self.special = dict(sheet.special)      # with the cells a merged special cell covers
        merges = _MergedColumns(sheet.merged, self.indexes, located.data_start)
        self.merges = merges if merges else None        # tested once per table, not per row
        self.compacted: dict[str, str] = {}      # text -> its compact form, for this table's rows

    def read_records(self) -> tuple:
        """Every data row of the table as a record (blank rows, 合计 rows and notes left out)."""
        make, source = self.table.record._make, (self.ret.unit or "", self.ret.file, self.sheet.name)
        rows, read_row, identity = self.sheet.rows, self.read_row, self.identity
        records = []
        for row in data_rows(rows, self.located):
            if row.kind == "data":
                values = read_row(row.index, row.values)
                if values is not None:
                    records.append(make((*source, row.index + 1, True, identity(values), *values)))
        return tuple(records)

    def identity(self, values: list[Any]) -> int:
        """The key of what compares two rows as one project, within a return and across units
        (core.identity): the name (and investor) without spaces, full-width forms or invisible
        characters (compact). A text's compact form is made once per table (an investor's rows)."""
        known = self.compacted
        parts = []
        for i in self.identity_slots:       # a plain loop: one or two texts, no generator a row
            text = values[i] or ""
            found = known.get(text)
            if found is None:
                found = known[text] = compact(text)
            parts.append(found)
        return identity_key(tuple(parts))

    def read_row(self, r: int, values) -> list[Any] | None:
        """The values of one row in the record's order (table.value_keys), or None for a blank row."""
        raw = self.pick(values)
        # a row is blank by its own cells: a merged cell alone is no data; is_blank is called from C
        # up to the first filled cell (most often the first, a project's name)
        if all(map(is_blank, raw)) and not self._holds_special(r):
            return None
        if self.merges is not None:
            raw = self.merges.fill(self.sheet.rows, r, raw, self.special)
        # each column's fast reader takes its cell (an empty optional cell is its default, an empty
        # required one _SLOW), all called from C; what they leave goes through read_cell in column order
        found = list(map(_call, self.fast, raw))
        special = self.special
        if special:             # an error value or a formula without its result reads as ''
            for i, c in enumerate(self.indexes):
                if (r, c) in special:
                    found[i] = _SLOW
        if _SLOW in found:
            for i, value in enumerate(found):
                if value is _SLOW:
                    found[i] = self.read_cell(r, self.keys[i], raw[i])
        if self.direct:
            return found
        parsed = self.defaults[:]
        for slot, value in zip(self.slots, found):
            parsed[slot] = value
        return parsed

    def _holds_special(self, r: int) -> bool:
        """Whether a cell of row `r` the table reads holds an error value or a formula without its
        result (read as ''): such a row is not blank, whatever its other cells."""
        special = self.sheet.special
        return bool(special) and any((r, c) in special for c in self.indexes)

    def where(self, r: int, key: str, value: Any = "") -> dict[str, Any]:
        return {"sheet": self.sheet.name, "cell": cell_ref(r, self.located.columns[key]), "row": r + 1,
                "field": self.table.column(key).label, "value": clean_text(value)}

    def read_cell(self, r: int, key: str, value: Any, limit: float | None = None) -> Any:
        column = self.table.column(key)
        special = self.special.get((r, self.located.columns[key])) if self.special else None
        if special is not None:
            if special == "=":
                self.ret.add("formula-uncached", f"“{column.label}”是公式，但文件中没有计算结果",
                             "请用Excel或WPS打开、确认数值后保存再报送（或把公式改为数值）",
                             **self.where(r, key, "(公式)"))
                return None
            value = special
        parsed = self.parse(column, value, limit)
        return self.settle(r, column, value, parsed)

    def parse(self, column: Column, value: Any, limit: float | None = None) -> Parsed:
        if column.kind in (AMOUNT, INT):
            unit = column.unit if column.kind == AMOUNT else "个"
            limit = limit if limit is not None else self.limits.get(unit, MAX_MAGNITUDE)
            parsed = parse_number(value, unit, limit)
            factor = self.factors.get(column.key, 1.0)
            if factor != 1.0 and parsed.value is not None and parsed.code is None:
                written = header_unit(self.located.header_text[column.key])
                parsed = Parsed(round(parsed.value * factor, 6), "unit-converted",
                                f"“{parsed.value:g}”按表头单位{written}换算为"
                                f"{parsed.value * factor:g}{column.unit}")
            return plausible(parsed, unit, limit)
        if column.kind == DATE:
            return parse_date(value, self.year)
        if column.kind == YESNO:
            return parse_yes_no(value)
        if column.kind == CHOICE:
            return self.parse_choice(column, value)
        return Parsed(None if is_blank(value) else tidy_text(value))

    def parse_choice(self, column: Column, value: Any) -> Parsed:
        if column.key != "chain":
            return parse_choice(value, column.choices, column.choice_map)
        if is_blank(value):
            return Parsed(None)
        name = self.chains.get(compact(value)) or _loose_chain(compact(value), self.chains)
        if name or compact(value) == OTHER_CHAIN:
            return Parsed(name or OTHER_CHAIN)
        return Parsed(clean_text(value), "chain-unknown", f"“{clean_text(value)}”不是附件2中的产业链")

    def settle(self, r: int, column: Column, value: Any, parsed: Parsed) -> Any:
        if parsed.code in ("number-invalid", "date-invalid", "choice-invalid"):
            self.ret.add(parsed.code, f"{column.label}填写的{parsed.note}", _HINTS[parsed.code](column),
                         **self.where(r, column.key, value))
            return None
        if parsed.code:
            self.ret.add(parsed.code, f"{column.label}填写的{parsed.note}", _WARN_HINTS[parsed.code],
                         **self.where(r, column.key, value))
        if parsed.value is None:
            if column.required:
                self.ret.add("value-missing", f"“{column.label}”为必填项，本行未填写",
                             column.hint or f"请填写{column.label}", **self.where(r, column.key, value))
            if column.zero_if_blank:
                return 0.0
        return parsed.value

    # -- 指标汇总 -------------------------------------------------------------
    def read_reported(self) -> dict[str, Reported]:
        """The unit's own figure for each indicator named in 指标汇总 (first row of each wins)."""
        found: dict[str, Reported] = {}
        columns = self.located.columns
        rows, names = self.sheet.rows, summary_names(self.plan)
        for row in data_rows(rows, self.located):
            if row.kind != "data":
                continue
            r, values = row.index, row.values
            key = names.get(header_key(values[columns["indicator"]]))
            if key is None or key in found:
                continue
            cells: dict[str, Any] = {}
            limit = self.limits.get(self.plan.indicator(key).unit, MAX_MAGNITUDE)
            for field_key in ("target", "actual"):
                if field_key in columns:
                    c = columns[field_key]
                    value = values[c]
                    clean = type(value) in (float, int) and -limit <= value <= limit \
                        and self.factors[field_key] == 1.0 and (r, c) not in self.special
                    cells[field_key] = float(value) if clean else self.read_cell(r, field_key, value, limit)
                    cells[field_key + "_cell"] = cell_ref(r, c)
            found[key] = Reported(self.ret.unit or "", self.ret.file, self.sheet.name, r + 1, key,
                                  cells.get("target"), cells.get("actual"), cells.get("target_cell", ""),
                                  cells.get("actual_cell", ""))
        return found


class _Layout(NamedTuple):
    """What reading a table's rows needs from where its columns are: built once per layout (the
    returns of a batch share their forms) and per plan (its chains and magnitude limits)."""

    factors: dict[str, float]
    keys: list[str]
    indexes: list[int]
    slots: list[int]
    defaults: list[Any]
    pick: Callable[[Sequence[Any]], Sequence[Any]]
    identity_slots: list[int]
    fast: list[Callable[[Any], Any]]
    direct: bool                        # every value column found, in the record's order
    plan_parts: tuple[dict, dict]       # the chains and limits it was built for (kept alive: their ids key it)


_LAYOUTS: dict[tuple, _Layout] = {}
MAX_LAYOUTS = 256


def _layout(located: Located, chains: dict[str, str], limits: dict[str, float]) -> _Layout:
    factors = {key: _header_factor(located, key) for key in located.columns}     # what the headers say
    key = (located.table, tuple(located.columns.items()), tuple(factors.values()), id(chains), id(limits))
    found = _LAYOUTS.get(key)
    if found is None:
        if len(_LAYOUTS) >= MAX_LAYOUTS:
            _LAYOUTS.clear()
        found = _LAYOUTS[key] = _new_layout(located, factors, chains, limits)
    return found


def _new_layout(located: Located, factors: dict[str, float], chains: dict[str, str],
                limits: dict[str, float]) -> _Layout:
    table = located.table
    # a row's values go in the record's order; 序号 is a label, not a value (never read)
    order = {key: i for i, key in enumerate(table.value_keys)}
    keys = [k for k in located.columns if k in order]
    indexes = [located.columns[k] for k in keys]
    columns = [table.column(k) for k in keys]
    slots = [order[k] for k in keys]
    return _Layout(
        factors, keys, indexes, slots,
        [0.0 if table.column(k).zero_if_blank else None for k in table.value_keys],
        picker(indexes),
        [order[k] for k in identity_fields(table.key) if k in order],
        [_fast_reader(c, factors[c.key], chains, limits.get(c.unit, MAX_MAGNITUDE),
                      _SLOW if c.required else (0.0 if c.zero_if_blank else None)) for c in columns],
        slots == list(range(len(table.value_keys))),
        (chains, limits))


def _header_factor(located: Located, key: str) -> float:
    column = located.table.column(key)
    if column.kind != AMOUNT:
        return 1.0
    return unit_factor(header_unit(located.header_text.get(key, "")), column.unit)


_SLOW = object()    # a fast reader's answer for "take the full path" (blank, text number, …)


def _fast_reader(column: Column, factor: float, chains: dict[str, str], limit: float,
                 empty: Any) -> Callable[[Any], Any]:
    """The value of a cell that is already clean (a float in a number column, a date, a listed
    choice), `empty` for an empty cell ('' or None: an optional cell's default, or _SLOW for a
    required one, reported by read_cell), or _SLOW. Clean cells are most cells; everything else
    goes through read_cell."""
    kind = column.kind
    numbers, datetime, date = (float, int), dt.datetime, dt.date        # closed over, not looked up a cell
    if kind in (AMOUNT, INT) and factor == 1.0:
        return lambda v: float(v) if type(v) in numbers and -limit <= v <= limit else \
            empty if v == "" or v is None else _SLOW
    if kind == DATE:
        return lambda v: v.date() if type(v) is datetime else v if type(v) is date else \
            empty if v == "" or v is None else _SLOW
    if kind == TEXT:
        return partial(_read_text, empty)
    if kind == YESNO:
        return lambda v: _YES_NO.get(v, _SLOW) if type(v) is str and v else \
            empty if v == "" or v is None else _SLOW
    if kind == CHOICE:
        allowed = {n: n for n in chains.values()} if column.key == "chain" else {c: c for c in column.choices}
        return lambda v: allowed.get(v, _SLOW) if type(v) is str and v else \
            empty if v == "" or v is None else _SLOW
    return lambda v: empty if v == "" or v is None else _SLOW


_YES_NO = {"是": True, "否": False}
_call = getattr(operator, "call", None) or (lambda function, value: function(value))    # 3.10


def _read_text(empty: Any, value: Any) -> Any:
    """A text cell trimmed and its spaces collapsed, called from C (a partial of the column's
    `empty`: one Python call a cell); _SLOW for what may be a blank mark (无, /, -: short texts)
    or no text."""
    if type(value) is not str or not value:
        return empty if value == "" or value is None else _SLOW
    # every invisible character goes, printable or not (U+3164, U+2800, U+FE0F are printable):
    # as read_cell's tidy_text, which strip_invisible answers at once for a text without one
    text = " ".join(strip_invisible(value).split())
    return text if len(text) > 3 or (text and not is_blank(text)) else _SLOW


def magnitude_limits(plan: Plan) -> dict[str, float]:
    """The largest figure a return may hold, per unit (万元, 万美元, 个): the plan's largest county
    target in that unit x PLAUSIBLE_FACTOR, at most MAX_MAGNITUDE (docs/decisions.md)."""
    units = {i.key: i.unit for i in plan.indicators}
    return _limits(tuple((units.get(key, ""), target) for key, target in plan.county_targets.items()))


@lru_cache(maxsize=16)
def _limits(targets: tuple[tuple[str, float | None], ...]) -> dict[str, float]:
    limits: dict[str, float] = {}
    for unit, target in targets:
        if unit and isinstance(target, (int, float)) and target > 0:
            limits[unit] = min(max(limits.get(unit, 0.0), target * PLAUSIBLE_FACTOR), MAX_MAGNITUDE)
    return limits


class _MergedColumns:
    """Merged cells of a table's columns that span data rows (DOMAIN §4.3): the value of the
    merge's top-left cell applies to every row below it that the merge spans."""

    def __init__(self, merged: Sequence[tuple[int, int, int, int]], indexes: list[int], start: int):
        columns = set(indexes)
        spans: dict[int, list[tuple[int, int]]] = {}
        for r0, c0, r1, _ in merged:
            if r1 > r0 and r0 >= start and c0 in columns:
                spans.setdefault(c0, []).append((r0, r1))
        self.spans = {c: sorted(found) for c, found in spans.items()}
        self.tops = {c: [r0 for r0, _ in found] for c, found in self.spans.items()}
        self.positions = [(i, c) for i, c in enumerate(indexes) if c in self.spans]

    def __bool__(self) -> bool:
        return bool(self.positions)

    def fill(self, rows: Sequence[Sequence[Any]], r: int, raw: list[Any],
             special: dict[tuple[int, int], str]) -> list[Any]:
        """`raw` with the empty cells of row `r` that a merge covers holding its top-left value;
        a covered cell of a special top-left cell (an error value) becomes special too."""
        raw = list(raw)
        for i, c in self.positions:
            if raw[i] != "" and raw[i] is not None:
                continue
            at = bisect_right(self.tops[c], r) - 1
            if at < 0:
                continue
            r0, r1 = self.spans[c][at]
            if r0 < r <= r1:
                top = rows[r0]
                raw[i] = top[c] if c < len(top) else ""
                if (r0, c) in special:
                    special[(r, c)] = special[(r0, c)]
        return raw


def _loose_chain(text: str, chains: dict[str, str]) -> str | None:
    """'玉米产业链' or '玉米' for '玉米(含鲜食玉米)': one chain whose core name matches."""
    core = text.removesuffix("产业链").split("(")[0]
    hits = {n for k, n in chains.items() if core and k.removesuffix("产业链").split("(")[0] == core}
    return hits.pop() if len(hits) == 1 else None


_HINTS: dict[str, Callable[[Column], str]] = {
    "number-invalid": lambda c: f"请只填写数字（单位：{c.unit or '个'}），不要写文字或估计值",
    "date-invalid": lambda c: "请填写实际日期，如 2022-03-05 或 2022年3月5日",
    "choice-invalid": lambda c: "请从下拉列表中选择：" + "、".join(c.choices or ("是", "否")),
}
_WARN_HINTS = {
    "unit-converted": "已自动换算；建议直接填写以万元为单位的数字",
    "year-assumed": "请写明年份，如 2022年3月5日",
    "chain-unknown": "请从下拉列表选择附件2中的产业链；本项目计入本单位，不计入任何产业链",
}


def summary_names(plan: Plan) -> dict[str, str]:
    """What units write in the 指标 column of 指标汇总 (normalised) -> the indicator's key."""
    cached = _SUMMARY_NAMES.get(id(plan))
    if cached is None or cached[0] is not plan:
        names: dict[str, str] = {}
        for ind in plan.indicators:
            for name in ind.names:
                names.setdefault(header_key(name), ind.key)
        cached = _SUMMARY_NAMES[id(plan)] = (plan, names)
    return cached[1]


_SUMMARY_NAMES: dict[int, tuple[Plan, dict[str, str]]] = {}
