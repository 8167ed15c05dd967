"""The 考核细则 (DOMAIN §6): weights, caps, deductions, colour bands, 先进/后进 — read from Excel.

The clerk edits `考核细则.xlsx` (shipped in templates/, or a copy in the plan
folder) and the ranking follows. Tables are found by their header text, rows by
their Chinese label, so rows and columns may move. A workbook that cannot be
used raises `RulesError` naming file, sheet and cell; weights that do not sum
to 100 are not an error (only their ratios matter: see docs/scoring.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..core import (
    AMOUNT,
    BY_KEY,
    INDICATORS,
    KEYS,
    TEXT,
    YESNO,
    Column,
    RulesError,
    Table,
    cell_ref,
    clean_text,
    compact,
    header_key,
    is_blank,
    parse_number,
    parse_yes_no,
    summary_label,
)
from ..workbook import (
    DataRow,
    Located,
    SheetData,
    WorkbookData,
    cell,
    data_rows,
    find_label_values,
    locate,
    read_workbook,
)

RULES_FILE = "考核细则.xlsx"
TITLE = "友谊县2022年招商引资和项目建设工作考核细则"
DEFAULT_CAP = 1.2

# DOMAIN §6 defaults; docs/scoring.md gives the reasons for each weight.
DEFAULT_WEIGHTS: dict[str, float] = {
    "signed_projects": 15, "started_projects": 10, "out_of_province_funds": 10,
    "foreign_direct_investment": 5, "provincial_new_projects": 5,
    "provincial_plan_investment": 5, "municipal_projects": 5, "municipal_new_projects": 5,
    "municipal_plan_investment": 5, "industrial_projects": 5, "industrial_new_projects": 5,
    "industrial_plan_investment": 5, "planned_projects": 5, "fixed_asset_investment": 15,
}
DEFAULT_DEDUCTIONS: dict[str, float] = {"missing": 5.0, "errors": 2.0}
DEFAULT_GREEN, DEFAULT_YELLOW = 1.0, 0.8
DEFAULT_ADVANCED = DEFAULT_LAGGING = 3

# Row labels of the 扣分 and 颜色 tables (the first one of each is what the workbook prints).
DEDUCTION_ITEMS: dict[str, tuple[str, ...]] = {
    "missing": ("未按时报送", "未报送", "逾期未报送", "未按时报送填报表"),
    "errors": ("数据有误", "报送数据有误", "数据错误", "填报数据有误"),
}
COLOUR_ITEMS: dict[str, tuple[str, ...]] = {
    "green": ("绿", "绿色", "green"), "yellow": ("黄", "黄色", "yellow"),
    "red": ("红", "红色", "red"), "grey": ("灰", "灰色", "grey", "gray"),
}
RANKING_LABELS: dict[str, tuple[str, ...]] = {
    "advanced": ("先进单位名额", "先进名额", "先进单位数"),
    "lagging": ("后进单位名额", "后进名额", "后进单位数"),
    "veto": ("启用一票否决", "是否启用一票否决", "一票否决"),
}
RANKING_SHEET = "先进后进"

WEIGHTS = Table("rule_weights", "指标权重", "考核指标权重", (
    Column("seq", "序号"),
    Column("indicator", "指标", TEXT, required=True, aliases=("考核指标", "指标名称")),
    Column("unit", "计量单位", TEXT, aliases=("单位",)),
    Column("weight", "权重(分)", AMOUNT, unit="分", required=True, aliases=("分值", "权重分")),
    Column("cap", "封顶系数", AMOUNT, aliases=("得分封顶系数", "封顶")),
    Column("scored", "是否计分", YESNO, aliases=("计分",)),
    Column("key", "指标代码", TEXT, aliases=("代码",)),
), min_header_matches=2)
DEDUCTIONS = Table("rule_deductions", "扣分", "扣分标准", (
    Column("seq", "序号"),
    Column("item", "扣分项目", TEXT, required=True, aliases=("扣分情形", "情形")),
    Column("points", "扣分(分)", AMOUNT, unit="分", required=True, aliases=("扣分分值", "分值")),
    Column("note", "说明", TEXT),
), min_header_matches=2)
COLOURS = Table("rule_colours", "颜色", "颜色标识", (
    Column("colour", "颜色", TEXT, required=True, aliases=("颜色标识",)),
    Column("threshold", "序时完成率不低于(%)", AMOUNT, aliases=("序时完成率不低于", "下限(%)", "下限")),
    Column("meaning", "含义", TEXT, aliases=("说明",)),
), min_header_matches=2)
VETO = Table("rule_veto", "一票否决", "一票否决单位名单", (
    Column("seq", "序号"),
    Column("unit", "单位名称", TEXT, required=True, aliases=("单位",)),
    Column("reason", "否决事由", TEXT, aliases=("事由", "原因")),
    Column("basis", "认定依据", TEXT, aliases=("依据",)),
), min_header_matches=2)


@dataclass(frozen=True)
class IndicatorRule:
    """How one indicator is scored."""

    key: str
    weight: float
    cap: float = DEFAULT_CAP
    scored: bool = True
    cell: str = field(default="", compare=False)   # where the weight was read (for messages)


@dataclass(frozen=True)
class VetoEntry:
    """A unit barred from 先进 when 一票否决 is on."""

    unit: str
    reason: str = ""
    cell: str = field(default="", compare=False)


@dataclass(frozen=True)
class Rules:
    """The 考核细则 in force. Weights are relative: only their ratios matter."""

    indicators: tuple[IndicatorRule, ...]
    deductions: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DEDUCTIONS))
    green: float = DEFAULT_GREEN        # 序时完成率 ≥ green → green
    yellow: float = DEFAULT_YELLOW      # ≥ yellow → yellow, below → red
    advanced_count: int = DEFAULT_ADVANCED
    lagging_count: int = DEFAULT_LAGGING
    veto: bool = False
    vetoed: tuple[VetoEntry, ...] = ()
    source: str = ""                    # the workbook read ('' for the built-in defaults)

    def rule(self, key: str) -> IndicatorRule:
        return next(r for r in self.indicators if r.key == key)

    @property
    def weights(self) -> dict[str, float]:
        """Key -> weight of every scored indicator, scaled to sum to 100."""
        scored = {r.key: r.weight for r in self.indicators if r.scored}
        total = sum(scored.values())
        return {k: w * 100.0 / total for k, w in scored.items()}

    def deduction(self, status: str) -> float:
        """Points taken off for a unit's status (missing / errors / submitted)."""
        return float(self.deductions.get(status, 0.0))

    def colour(self, time_rate: float | None) -> str:
        """green / yellow / red by 序时完成率; grey when there is no rate (no target)."""
        if time_rate is None:
            return "grey"
        value = round(time_rate, 6)
        if value >= self.green:
            return "green"
        return "yellow" if value >= self.yellow else "red"


def default_rules() -> Rules:
    """DOMAIN §6 as code: what the shipped workbook holds (tools/build_rules.py writes it)."""
    return Rules(tuple(IndicatorRule(k, float(DEFAULT_WEIGHTS[k])) for k in KEYS))


# --------------------------------------------------------------------------
# finding the workbook
# --------------------------------------------------------------------------

def default_rules_file() -> Path:
    """The 考核细则.xlsx shipped with the package."""
    return Path(str(resources.files("youyi_xl.templates"))) / RULES_FILE


def rules_file(path: str | Path | None = None) -> Path:
    """The workbook to read: `path` itself, 考核细则.* in the folder `path`, or the shipped one."""
    if path is None:
        return default_rules_file()
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.stem == Path(RULES_FILE).stem
                       and p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".et"))
        return found[0] if found else default_rules_file()
    if not path.is_file():
        raise RulesError(f"考核细则文件“{path}”不存在")
    return path


def load_rules(path: str | Path | None = None) -> Rules:
    """Read the 考核细则 workbook (a file, a plan folder holding 考核细则.xlsx, or the shipped one)."""
    file = rules_file(path)
    book, problems = read_workbook(file)
    if book is None:
        detail = problems[0].message if problems else "无法读取"
        raise RulesError(f"考核细则“{file.name}”无法读取：{detail}")
    return _RulesReader(file, book).read()


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def _label_index() -> dict[str, str]:
    """Normalised indicator texts (label, short label, template header, key) -> key."""
    index: dict[str, str] = {}
    for ind in INDICATORS:
        for name in (ind.label, summary_label(ind.key), ind.short, ind.column, ind.header, ind.key):
            index.setdefault(header_key(name), ind.key)
    return index


_LABELS = _label_index()


def _item_index(items: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(name): key for key, names in items.items() for name in names}


class _Found:
    """One located rules table, with the cell references and errors bound to it."""

    def __init__(self, file: Path, sheet: SheetData, located: Located):
        self.file, self.sheet, self.located = file, sheet, located

    def rows(self) -> list[DataRow]:
        return [r for r in data_rows(self.sheet.rows, self.located) if r.kind == "data"]

    def raw(self, row: DataRow, key: str) -> Any:
        special = self.sheet.special.get((row.index, self.located.columns.get(key, -1)))
        if special == "=":
            raise self.error(row, key, "是公式，但文件中没有计算结果", "请在Excel中打开并保存，或直接填写数值")
        return special or cell(row.values, self.located, key)

    def ref(self, row: DataRow, key: str) -> str:
        return cell_ref(row.index, self.located.columns.get(key, 0))

    def error(self, row: DataRow | None, key: str, problem: str, hint: str = "") -> RulesError:
        where = f"{self.ref(row, key)}" if row is not None else ""
        return _error(self.file, self.sheet.name, where, problem, hint)


def _error(file: Path, sheet: str, where: str, problem: str, hint: str = "") -> RulesError:
    place = f"考核细则“{file.name}”工作表“{sheet}”" + (f"单元格{where}" if where else "")
    return RulesError(f"{place}：{problem}" + (f"。{hint}" if hint else ""))


class _RulesReader:
    def __init__(self, file: Path, book: WorkbookData):
        self.file, self.book = file, book

    def read(self) -> Rules:
        green, yellow = self.colours()
        advanced, lagging, veto = self.ranking()
        return Rules(self.indicators(), self.deductions(), green, yellow, advanced, lagging,
                     veto, self.vetoed() if veto else (), str(self.file))

    def table(self, table: Table, required: bool = True) -> _Found | None:
        """The table by sheet name first, then by its header row on any sheet."""
        sheets = sorted(self.book.sheets, key=lambda s: compact(s.name) != compact(table.sheet))
        for sheet in sheets:
            located = locate(sheet.rows, table, sheet.name)
            if located and not located.missing_required():
                return _Found(self.file, sheet, located)
        if not required:
            return None
        labels = "、".join(c.label for c in table.required_columns)
        raise RulesError(f"考核细则“{self.file.name}”中找不到“{table.sheet}”表"
                         f"（表头应有：{labels}）。请使用下发的考核细则模板")

    # -- 指标权重 -------------------------------------------------------------
    def indicators(self) -> tuple[IndicatorRule, ...]:
        found = self.table(WEIGHTS)
        rules: dict[str, IndicatorRule] = {}
        for row in found.rows():
            rule = self.indicator_row(found, row, rules)
            if rule is not None:
                rules[rule.key] = rule
        missing = [BY_KEY[k].label for k in KEYS if k not in rules]
        if missing:
            raise found.error(None, "indicator", f"缺少指标“{'”“'.join(missing)}”",
                              "不计分的指标请保留该行，把“是否计分”填“否”")
        ordered = tuple(rules[k] for k in KEYS)
        _check_total(found, ordered)
        return ordered

    def indicator_row(self, found: _Found, row: DataRow, seen: dict) -> IndicatorRule | None:
        label = found.raw(row, "indicator")
        if is_blank(label):
            if any(not is_blank(found.raw(row, k)) for k in ("weight", "cap")):
                raise found.error(row, "indicator", "有权重但没有指标名称", "请填写指标名称或删除本行")
            return None
        key = _LABELS.get(header_key(label)) or _LABELS.get(header_key(found.raw(row, "key")))
        if key is None:
            raise found.error(row, "indicator", f"“{clean_text(label)}”不是考核指标",
                              "指标名称应与工作方案一致，如“招商签约项目”")
        if key in seen:
            raise found.error(row, "indicator", f"指标“{BY_KEY[key].label}”重复（已在{seen[key].cell}）",
                              "每个指标只保留一行")
        scored = self.scored(found, row)
        weight = self.number(found, row, "weight", required=scored, what="权重")
        cap = self.number(found, row, "cap", required=False, what="封顶系数")
        if cap is not None and cap < 1:
            raise found.error(row, "cap", f"封顶系数{cap:g}小于1", "封顶系数应不小于1（默认1.2）")
        return IndicatorRule(key, weight or 0.0, DEFAULT_CAP if cap is None else cap, scored,
                             found.ref(row, "weight"))

    def scored(self, found: _Found, row: DataRow) -> bool:
        if "scored" not in found.located.columns:
            return True
        parsed = parse_yes_no(found.raw(row, "scored"))
        if parsed.code:
            raise found.error(row, "scored", f"“是否计分”{parsed.note}", "请填写“是”或“否”")
        return True if parsed.value is None else parsed.value

    def number(self, found: _Found, row: DataRow, key: str, required: bool, what: str) -> float | None:
        raw = found.raw(row, key)
        text = compact(raw).removesuffix("分") if isinstance(raw, str) else raw
        parsed = parse_number(text, "个")
        if parsed.code:
            raise found.error(row, key, f"{what}“{clean_text(raw)}”不是数字", f"请填写数字{what}")
        if parsed.value is None and required:
            raise found.error(row, key, f"计分指标“{clean_text(found.raw(row, 'indicator'))}”没有{what}",
                              f"请填写{what}，或把“是否计分”改为“否”")
        if parsed.value is not None and parsed.value < 0:
            raise found.error(row, key, f"{what}{parsed.value:g}是负数", f"{what}应为0或正数")
        return parsed.value

    # -- 扣分 -----------------------------------------------------------------
    def deductions(self) -> dict[str, float]:
        found = self.table(DEDUCTIONS)
        items = _item_index(DEDUCTION_ITEMS)
        values: dict[str, float] = {}
        for row in found.rows():
            label = found.raw(row, "item")
            key = items.get(header_key(label))
            if key is None:
                raise found.error(row, "item", f"“{clean_text(label)}”不是可用的扣分项目",
                                  "可用的扣分项目：" + "、".join(v[0] for v in DEDUCTION_ITEMS.values()))
            raw = found.raw(row, "points")
            text = compact(raw).removesuffix("分") if isinstance(raw, str) else raw
            parsed = parse_number(text, "个")
            if parsed.code or parsed.value is None:
                raise found.error(row, "points", f"扣分“{clean_text(raw)}”不是数字", "不扣分请填0")
            values[key] = abs(parsed.value)   # 5 and -5 both mean "take 5 points off"
        for key, names in DEDUCTION_ITEMS.items():
            if key not in values:
                raise found.error(None, "item", f"缺少扣分项目“{names[0]}”", "不扣分请填0")
        return values

    # -- 颜色 -----------------------------------------------------------------
    def colours(self) -> tuple[float, float]:
        found = self.table(COLOURS)
        items = _item_index(COLOUR_ITEMS)
        limits: dict[str, tuple[float, DataRow]] = {}
        for row in found.rows():
            key = items.get(header_key(found.raw(row, "colour")))
            if key in ("green", "yellow"):
                limits[key] = (self.percent(found, row), row)
        for key, names in (("green", "绿"), ("yellow", "黄")):
            if key not in limits:
                raise found.error(None, "colour", f"缺少“{names}”的序时完成率下限", "请恢复该行")
        (green, row), (yellow, _) = limits["green"], limits["yellow"]
        if not 0 < yellow <= green:
            raise found.error(row, "threshold", f"绿色下限{green:.0%}应不低于黄色下限{yellow:.0%}且大于0",
                              "默认：绿100、黄80")
        return green, yellow

    def percent(self, found: _Found, row: DataRow) -> float:
        """100 or "100%" → 1.0; a number up to 5 is already a fraction (a %-formatted cell)."""
        raw = found.raw(row, "threshold")
        text = compact(raw).removesuffix("%") if isinstance(raw, str) else raw
        parsed = parse_number(text, "个")
        if parsed.code or parsed.value is None or parsed.value < 0:
            raise found.error(row, "threshold", f"序时完成率下限“{clean_text(raw)}”不是有效的百分数",
                              "请填写如100、80这样的百分数")
        return parsed.value if parsed.value <= 5 else parsed.value / 100

    # -- 先进后进, 一票否决 ---------------------------------------------------
    def ranking(self) -> tuple[int, int, bool]:
        sheet = self.ranking_sheet()
        found = find_label_values(sheet.rows, RANKING_LABELS)
        advanced = self.count(sheet, found, "advanced")
        lagging = self.count(sheet, found, "lagging")
        value, r, c = found.get("veto", ("", 0, 1))
        parsed = parse_yes_no(value)
        if parsed.code:
            raise _error(self.file, sheet.name, cell_ref(r, c), f"“启用一票否决”{parsed.note}",
                         "请填写“是”或“否”")
        return advanced, lagging, bool(parsed.value)

    def ranking_sheet(self) -> SheetData:
        wanted = {header_key(n) for names in RANKING_LABELS.values() for n in names}
        sheets = sorted(self.book.sheets, key=lambda s: compact(s.name) != RANKING_SHEET)
        for sheet in sheets:
            if any(isinstance(v, str) and header_key(v) in wanted for row in sheet.rows[:40] for v in row):
                return sheet
        raise RulesError(f"考核细则“{self.file.name}”中找不到“{RANKING_SHEET}”表（先进单位名额、后进单位名额）。"
                         "请使用下发的考核细则模板")

    def count(self, sheet: SheetData, found: dict, key: str) -> int:
        label = RANKING_LABELS[key][0]
        if key not in found:
            raise _error(self.file, sheet.name, "", f"缺少“{label}”", "请恢复该行（默认3）")
        value, r, c = found[key]
        parsed = parse_number(value, "个")
        if parsed.code or parsed.value is None or parsed.value < 0 or not parsed.value.is_integer():
            raise _error(self.file, sheet.name, cell_ref(r, c), f"“{label}”应为0或正整数，现为“{clean_text(value)}”",
                         "默认每组3个")
        return int(parsed.value)

    def vetoed(self) -> tuple[VetoEntry, ...]:
        found = self.table(VETO, required=False)
        if found is None:
            return ()
        return tuple(VetoEntry(clean_text(found.raw(row, "unit")), clean_text(found.raw(row, "reason")),
                               found.ref(row, "unit"))
                     for row in found.rows() if not is_blank(found.raw(row, "unit")))


def _check_total(found: _Found, rules: tuple[IndicatorRule, ...]) -> None:
    if sum(r.weight for r in rules if r.scored) <= 0:
        raise found.error(None, "weight", "计分指标的权重全部为0或没有计分指标",
                          "至少一个计分指标的权重应大于0（默认合计100分）")


def rules_error_for_unit(rules: Rules, entry: VetoEntry) -> RulesError:
    """The error for a 一票否决 name that is no unit of the plan."""
    file = Path(rules.source) if rules.source else Path(RULES_FILE)
    return _error(file, VETO.sheet, entry.cell, f"“{entry.unit}”不是目标分解表中的单位",
                  "请填写目标分解表中的单位名称")
