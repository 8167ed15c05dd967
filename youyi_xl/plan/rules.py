"""The 考核细则 (DOMAIN §6, §8): one workbook declares the year and county (基本信息), every indicator
with its weight and cap (指标设置), the deductions (扣分), the colour bands (颜色), the 先进/后进
quotas (先进后进) and the 一票否决 list — all read from Excel, by header text and label.

Every problem of the workbook is an `Issue` (setting-invalid, with sheet and cell), as the
attachments' problems are; `read_rulebook()` collects them all, and `load_rules()` /
`youyi_xl.plan.load_plan()` refuse a workbook with any error, naming every place at fault.
Weights that do not sum to 100 are no error (only their ratios matter: docs/scoring.md).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from ..core import (
    AMOUNT,
    TEXT,
    Column,
    Indicator,
    Issue,
    RulesError,
    Table,
    cell_ref,
    clean_text,
    compact,
    header_key,
    is_blank,
    parse_number,
    parse_yes_no,
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
from .settings import DEFAULT_CAP, Problems, Settings, read_indicators, read_settings

RULES_FILE = "考核细则.xlsx"
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
    source: str = ""                    # the workbook read

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


@dataclass(frozen=True)
class Rulebook:
    """Everything the 考核细则 declares, and what is wrong with it."""

    file: Path
    settings: Settings | None
    indicators: tuple[Indicator, ...]
    rules: Rules | None
    issues: tuple[Issue, ...]

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    def refusal(self) -> str:
        """One Chinese sentence naming every place at fault (the first eight)."""
        errors = [i for i in self.issues if i.is_error]
        places = [f"{i.sheet}{' ' + i.cell if i.cell else ''}：{i.message}" for i in errors[:8]]
        more = f"等{len(errors)}处" if len(errors) > 8 else f"共{len(errors)}处"
        return f"考核细则“{self.file.name}”设置有误（{more}）：" + "；".join(places)


# --------------------------------------------------------------------------
# finding and reading the workbook
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


def read_rulebook(path: str | Path | None = None) -> Rulebook:
    """Read the 考核细则 (a file, a plan folder holding 考核细则.xlsx, or the shipped one), every
    problem collected; only a workbook that cannot be opened at all raises RulesError."""
    file = rules_file(path)
    book, unreadable = read_workbook(file)
    if book is None:
        detail = unreadable[0].message if unreadable else "无法读取"
        raise RulesError(f"考核细则“{file.name}”无法读取：{detail}")
    problems = Problems(file)
    settings = read_settings(book, problems)
    indicators, weights = read_indicators(book, problems)
    reader = _RulesReader(file, book, problems)
    rules = reader.read(tuple(IndicatorRule(w.key, w.weight, w.cap, w.scored, w.cell) for w in weights))
    return Rulebook(file, settings, indicators, rules, tuple(problems.issues))


def load_rules(path: str | Path | None = None) -> Rules:
    """The scoring rules of the 考核细则; RulesError naming every place at fault."""
    book = read_rulebook(path)
    if book.has_errors or book.rules is None:
        raise RulesError(book.refusal())
    return book.rules


# --------------------------------------------------------------------------
# 扣分, 颜色, 先进后进, 一票否决
# --------------------------------------------------------------------------

def _item_index(items: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(name): key for key, names in items.items() for name in names}


class _Found:
    """One located rules table, with the cell references bound to it."""

    def __init__(self, sheet: SheetData, located: Located):
        self.sheet, self.located = sheet, located

    def rows(self) -> list[DataRow]:
        return [r for r in data_rows(self.sheet.rows, self.located) if r.kind == "data"]

    def raw(self, row: DataRow, key: str) -> Any:
        special = self.sheet.special.get((row.index, self.located.columns.get(key, -1)))
        return "" if special == "=" else special or cell(row.values, self.located, key)

    def ref(self, row: DataRow | None, key: str) -> str:
        return cell_ref(row.index, self.located.columns.get(key, 0)) if row is not None else ""


class _RulesReader:
    def __init__(self, file: Path, book: WorkbookData, problems: Problems):
        self.file, self.book, self.problems = file, book, problems

    def read(self, indicators: tuple[IndicatorRule, ...]) -> Rules:
        green, yellow = self.colours()
        advanced, lagging, veto = self.ranking()
        return Rules(indicators, self.deductions(), green, yellow, advanced, lagging, veto,
                     self.vetoed() if veto else (), str(self.file))

    def add(self, found: _Found | None, row: DataRow | None, key: str, message: str, hint: str = "",
            value: Any = "") -> None:
        sheet = found.sheet.name if found is not None else key
        self.problems.add(sheet, found.ref(row, key) if found is not None else "", message, hint, value)

    def table(self, table: Table, required: bool = True) -> _Found | None:
        """The table by sheet name first, then by its header row on any sheet."""
        sheets = sorted(self.book.sheets, key=lambda s: compact(s.name) != compact(table.sheet))
        for sheet in sheets:
            located = locate(sheet.rows, table, sheet.name)
            if located and not located.missing_required():
                return _Found(sheet, located)
        if required:
            labels = "、".join(c.label for c in table.required_columns)
            self.problems.add(table.sheet, "", f"考核细则中找不到“{table.sheet}”表（表头应有：{labels}）",
                              "请使用下发的考核细则模板")
        return None

    def number(self, found: _Found, row: DataRow, key: str) -> float | None:
        raw = found.raw(row, key)
        text = compact(raw).removesuffix("分").removesuffix("%") if isinstance(raw, str) else raw
        parsed = parse_number(text, "个")
        return None if parsed.code or parsed.value is None else parsed.value

    # -- 扣分 -----------------------------------------------------------------
    def deductions(self) -> dict[str, float]:
        found = self.table(DEDUCTIONS)
        values: dict[str, float] = {}
        if found is None:
            return dict(DEFAULT_DEDUCTIONS)
        items = _item_index(DEDUCTION_ITEMS)
        written: set[str] = set()
        for row in found.rows():
            label = found.raw(row, "item")
            key = items.get(header_key(label))
            written.add(key or "")
            if key is None:
                self.add(found, row, "item", f"“{clean_text(label)}”不是可用的扣分项目",
                         "可用的扣分项目：" + "、".join(v[0] for v in DEDUCTION_ITEMS.values()), label)
                continue
            points = self.number(found, row, "points")
            if points is None:
                self.add(found, row, "points", f"扣分“{clean_text(found.raw(row, 'points'))}”不是数字", "不扣分请填0",
                         found.raw(row, "points"))
                continue
            values[key] = abs(points)   # 5 and -5 both mean "take 5 points off"
        for key, names in DEDUCTION_ITEMS.items():
            if key not in written:
                self.add(found, None, "item", f"缺少扣分项目“{names[0]}”", "不扣分请填0")
        return {**DEFAULT_DEDUCTIONS, **values}

    # -- 颜色 -----------------------------------------------------------------
    def colours(self) -> tuple[float, float]:
        found = self.table(COLOURS)
        if found is None:
            return DEFAULT_GREEN, DEFAULT_YELLOW
        items = _item_index(COLOUR_ITEMS)
        limits: dict[str, tuple[float, DataRow]] = {}
        for row in found.rows():
            key = items.get(header_key(found.raw(row, "colour")))
            if key in ("green", "yellow"):
                limit = self.percent(found, row)
                if limit is not None:
                    limits[key] = (limit, row)
        for key, word in (("green", "绿"), ("yellow", "黄")):
            if key not in limits:
                self.add(found, None, "colour", f"缺少“{word}”的序时完成率下限（或下限不是有效的百分数）", "请恢复该行，如绿100、黄80")
        if len(limits) < 2:
            return DEFAULT_GREEN, DEFAULT_YELLOW
        (green, row), (yellow, yellow_row) = limits["green"], limits["yellow"]
        if not 0 < yellow <= green:
            self.add(found, yellow_row, "threshold", f"黄色下限{yellow:.0%}应大于0且不高于绿色下限{green:.0%}",
                     "默认：绿100、黄80")
        return green, yellow

    def percent(self, found: _Found, row: DataRow) -> float | None:
        """100 or "100%" → 1.0; a number up to 5 is already a fraction (a %-formatted cell)."""
        value = self.number(found, row, "threshold")
        if value is None or value < 0:
            return None
        return value if value <= 5 else value / 100

    # -- 先进后进, 一票否决 ---------------------------------------------------
    def ranking(self) -> tuple[int, int, bool]:
        sheet = self.ranking_sheet()
        if sheet is None:
            self.problems.add(RANKING_SHEET, "", f"考核细则中找不到“{RANKING_SHEET}”表（先进单位名额、后进单位名额）",
                              "请使用下发的考核细则模板")
            return DEFAULT_ADVANCED, DEFAULT_LAGGING, False
        found = find_label_values(sheet.rows, RANKING_LABELS)
        advanced = self.count(sheet, found, "advanced", DEFAULT_ADVANCED)
        lagging = self.count(sheet, found, "lagging", DEFAULT_LAGGING)
        value, r, c = found.get("veto", ("", 0, 1))
        parsed = parse_yes_no(value)
        if parsed.code:
            self.problems.add(sheet.name, cell_ref(r, c), f"“启用一票否决”{parsed.note}", "请填写“是”或“否”", value)
        return advanced, lagging, bool(parsed.value)

    def ranking_sheet(self) -> SheetData | None:
        wanted = {header_key(n) for names in RANKING_LABELS.values() for n in names}
        sheets = sorted(self.book.sheets, key=lambda s: compact(s.name) != RANKING_SHEET)
        for sheet in sheets:
            if any(isinstance(v, str) and header_key(v) in wanted for row in sheet.rows[:40] for v in row):
                return sheet
        return None

    def count(self, sheet: SheetData, found: dict, key: str, default: int) -> int:
        label = RANKING_LABELS[key][0]
        if key not in found:
            self.problems.add(sheet.name, "", f"缺少“{label}”", "请恢复该行（默认3）")
            return default
        value, r, c = found[key]
        parsed = parse_number(value, "个")
        if parsed.code or parsed.value is None or parsed.value < 0 or not parsed.value.is_integer():
            self.problems.add(sheet.name, cell_ref(r, c), f"“{label}”应为0或正整数，现为“{clean_text(value)}”",
                              "默认每组3个", value)
            return default
        return int(parsed.value)

    def vetoed(self) -> tuple[VetoEntry, ...]:
        found = self.table(VETO, required=False)
        if found is None:
            return ()
        return tuple(VetoEntry(clean_text(found.raw(row, "unit")), clean_text(found.raw(row, "reason")),
                               found.ref(row, "unit"))
                     for row in found.rows() if not is_blank(found.raw(row, "unit")))


def rules_error_for_unit(rules: Rules, entry: VetoEntry) -> RulesError:
    """The error for a 一票否决 name that is no unit of the plan."""
    file = Path(rules.source).name if rules.source else RULES_FILE
    where = f"单元格{entry.cell}" if entry.cell else ""
    return RulesError(f"考核细则“{file}”工作表“{VETO.sheet}”{where}：“{entry.unit}”不是目标分解表中的单位。"
                      "请填写目标分解表中的单位名称")
