"""What the plan declares in 考核细则.xlsx (DOMAIN §8): 基本信息 (the year, the county, the offices)
and 指标设置 (every indicator: what it counts, its target column, county figure, weight and cap).

Both are read by header text and label, so rows and columns may move. Every problem is an
`Issue` (setting-invalid, with file, sheet and cell); the plan that holds one is refused
before any return is read (`youyi_xl.plan.load_plan`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import (
    AMOUNT,
    CHAIN_PROJECT_MIN_INVESTMENT,
    COUNT,
    METHODS,
    REPORTED,
    SUM,
    SUMMARY,
    TEXT,
    YESNO,
    Column,
    ConditionError,
    Indicator,
    Table,
    cell_ref,
    clean_text,
    column_of,
    compact,
    is_blank,
    make_issue,
    numeric,
    parse_conditions,
    parse_number,
    parse_yes_no,
    table_of,
    tidy_text,
    unit_factor,
)
from ..workbook import DataRow, SheetData, WorkbookData, cell, data_rows, find_label_values, locate

DEFAULT_CAP = 1.2
SETTINGS_SHEET = "基本信息"
# 基本信息: key -> the labels a clerk may write (the first is what the shipped workbook prints)
SETTING_LABELS: dict[str, tuple[str, ...]] = {
    "year": ("年度", "考核年度", "年份"),
    "county": ("县（区）名称", "县区名称", "县名称", "县（市、区）名称"),
    "issuer": ("发文机关", "发文单位"),
    "recipients": ("主送", "主送机关", "主送单位"),
    "cc": ("抄送", "抄送机关", "抄送单位"),
    "printer": ("印发机关", "印发单位"),
    "lead": ("考评牵头单位", "考核牵头单位"),
    "organisers": ("考评组织单位", "考核组织单位"),
    "partners": ("考评配合单位", "考核配合单位"),
    "chain_min": ("产业链项目投资下限(万元)", "产业链项目投资下限"),
}

INDICATOR_SETTINGS = Table("indicator_settings", "指标设置", "考核指标设置", (
    Column("seq", "序号"),
    Column("key", "指标代码", TEXT, aliases=("代码",)),
    Column("name", "指标名称", TEXT, required=True, aliases=("指标", "考核指标")),
    Column("short", "简称", TEXT, aliases=("指标简称",)),
    Column("unit", "计量单位", TEXT, aliases=("单位",)),
    Column("category", "分类", TEXT, aliases=("指标分类", "类别")),
    Column("source", "数据来源", TEXT, aliases=("来源", "数据表")),
    Column("method", "统计方式", TEXT, required=True, aliases=("计算方式", "统计方法")),
    Column("sum_field", "求和字段", TEXT, aliases=("求和列",)),
    Column("conditions", "条件", TEXT, aliases=("统计条件", "计数条件")),
    Column("target", "目标列", TEXT, aliases=("目标所在列", "年度目标列")),
    Column("county", "全县目标", AMOUNT, aliases=("全县年度目标",)),
    Column("weight", "权重(分)", AMOUNT, unit="分", aliases=("权重", "分值")),
    Column("cap", "封顶系数", AMOUNT, aliases=("得分封顶系数", "封顶")),
    Column("scored", "是否计分", YESNO, aliases=("计分",)),
    Column("prose", "通报用语", TEXT, aliases=("通报表述",)),
    Column("noun", "目标称谓", TEXT, aliases=("目标名称",)),
), min_header_matches=4)


@dataclass(frozen=True)
class Settings:
    """基本信息: everything the outputs say about the county, and the plan's year."""

    year: int
    county: str
    issuer: str = ""            # 发文机关 (落款 of the 通报)
    recipients: str = ""        # 主送
    cc: str = ""                # 抄送
    printer: str = ""           # 印发机关
    lead: str = ""              # 考评牵头单位 (signs the 催报, authors the forms)
    chain_min_investment: float = CHAIN_PROJECT_MIN_INVESTMENT   # 万元
    organisers: str = ""        # 考评组织单位 (the 通报: who ran the assessment)
    partners: str = ""          # 考评配合单位 (the 通报: who joined it; may stay empty)

    def __post_init__(self) -> None:
        object.__setattr__(self, "issuer", self.issuer or f"{self.county}人民政府办公室")
        object.__setattr__(self, "printer", self.printer or self.issuer)
        object.__setattr__(self, "lead", self.lead or f"{self.county}发展和改革局")
        object.__setattr__(self, "recipients", self.recipients or DEFAULT_RECIPIENTS)
        object.__setattr__(self, "organisers", self.organisers or self.lead)

    def assessors(self, duty: bool = False) -> str:
        """Who ran the assessment, as the 通报 says it: "甲会同乙" (or "甲要会同乙" for a duty)."""
        must = "要" if duty else ""
        return f"{self.organisers}{must}会同{self.partners}" if self.partners else f"{self.organisers}{must}"


DEFAULT_RECIPIENTS = "各乡（镇）人民政府，县政府直属和在县中、省直各有关单位："


@dataclass(frozen=True)
class Weighting:
    """How one indicator is scored (权重, 封顶系数, 是否计分), where it was declared."""

    key: str
    weight: float
    cap: float
    scored: bool
    cell: str = ""


class Problems:
    """Issues about one workbook, each naming its sheet and cell."""

    def __init__(self, file: Path):
        self.file, self.issues = file, []

    def add(self, sheet: str, ref: str, message: str, hint: str = "", value: Any = "") -> None:
        self.issues.append(make_issue("setting-invalid", message, hint, file=self.file.name, sheet=sheet,
                                      cell=ref, value=clean_text(value)))


# --------------------------------------------------------------------------
# 基本信息
# --------------------------------------------------------------------------

def read_settings(book: WorkbookData, problems: Problems) -> Settings | None:
    """基本信息, or None (with a problem) when the sheet or its 年度 / 县（区）名称 are missing."""
    sheet = _settings_sheet(book)
    if sheet is None:
        problems.add(SETTINGS_SHEET, "", "考核细则中没有“基本信息”工作表（年度、县（区）名称、发文机关等）",
                     "请用 youyi-xl templates 复制新版考核细则模板，填写基本信息")
        return None
    found = find_label_values(sheet.rows, SETTING_LABELS, reach=1)   # the value is next to its label
    text = {key: tidy_text(found.get(key, ("", 0, 0))[0]) for key in SETTING_LABELS}
    year = _year(sheet, found, problems)
    if not text["county"]:
        problems.add(sheet.name, _ref(found, "county"), "基本信息没有填写“县（区）名称”", "如：友谊县")
    chain_min = _chain_min(sheet, found, problems)
    if year is None or not text["county"]:
        return None
    return Settings(year, text["county"], text["issuer"], text["recipients"], text["cc"], text["printer"],
                    text["lead"], chain_min, text["organisers"], text["partners"])


def _settings_sheet(book: WorkbookData) -> SheetData | None:
    wanted = {compact(SETTING_LABELS["year"][0]), compact(SETTING_LABELS["county"][0])}
    sheets = sorted(book.sheets, key=lambda s: compact(s.name) != SETTINGS_SHEET)
    for sheet in sheets:
        labels = {compact(v) for row in sheet.rows[:40] for v in row if isinstance(v, str)}
        if compact(sheet.name) == SETTINGS_SHEET or wanted <= labels:
            return sheet
    return None


def _ref(found: dict, key: str) -> str:
    _, r, c = found.get(key, ("", 0, 0))
    return cell_ref(r, c) if key in found else ""


def _year(sheet: SheetData, found: dict, problems: Problems) -> int | None:
    value = found.get("year", ("", 0, 0))[0]
    parsed = parse_number(str(value).removesuffix("年") if isinstance(value, str) else value, "个")
    year = parsed.value
    if year is None or parsed.code or not year.is_integer() or not 2000 <= year <= 2100:
        problems.add(sheet.name, _ref(found, "year"), f"基本信息的“年度”应为四位年份，现为“{clean_text(value)}”",
                     "如：2022", value)
        return None
    return int(year)


def _chain_min(sheet: SheetData, found: dict, problems: Problems) -> float:
    value = found.get("chain_min", ("", 0, 0))[0]
    if is_blank(value):
        return CHAIN_PROJECT_MIN_INVESTMENT
    parsed = parse_number(value, "万元")
    if parsed.value is None or parsed.code == "number-invalid" or parsed.value < 0:
        problems.add(sheet.name, _ref(found, "chain_min"), f"“产业链项目投资下限(万元)”不是数字：“{clean_text(value)}”",
                     "如：5000", value)
        return CHAIN_PROJECT_MIN_INVESTMENT
    return parsed.value


# --------------------------------------------------------------------------
# 指标设置
# --------------------------------------------------------------------------

class _Row:
    """One 指标设置 row: raw cells and their references."""

    def __init__(self, sheet: SheetData, located, row: DataRow):
        self.sheet, self.located, self.row = sheet, located, row

    def raw(self, key: str) -> Any:
        special = self.sheet.special.get((self.row.index, self.located.columns.get(key, -1)))
        return special if special and special != "=" else cell(self.row.values, self.located, key)

    def text(self, key: str) -> str:
        """The cell as the clerk wrote it (trimmed; full-width kept for what outputs print)."""
        return tidy_text(self.raw(key))

    def ref(self, key: str) -> str:
        return cell_ref(self.row.index, self.located.columns.get(key, 0))


def read_indicators(book: WorkbookData, problems: Problems) -> tuple[tuple[Indicator, ...], tuple[Weighting, ...]]:
    """Every indicator of 指标设置, in order, and how each is scored."""
    found = _indicator_sheet(book)
    if found is None:
        labels = "、".join(c.label for c in INDICATOR_SETTINGS.columns[1:11])
        problems.add(INDICATOR_SETTINGS.sheet, "", f"考核细则中没有“指标设置”表（表头应有：{labels}）",
                     "请用 youyi-xl templates 复制新版考核细则模板")
        return (), ()
    sheet, located = found
    indicators, weights, names = [], [], {}
    for data in data_rows(sheet.rows, located):
        if data.kind != "data":
            continue
        row = _Row(sheet, located, data)
        if not row.text("name"):
            continue
        read = _indicator(row, problems, names)
        if read is not None:
            indicators.append(read[0])
            weights.append(read[1])
    if not indicators and not problems.issues:
        problems.add(sheet.name, "", "“指标设置”表中没有指标", "每行填写一个考核指标")
    _check_weights(sheet, weights, problems)
    return tuple(indicators), tuple(weights)


def _indicator_sheet(book: WorkbookData):
    sheets = sorted(book.sheets, key=lambda s: compact(s.name) != INDICATOR_SETTINGS.sheet)
    for sheet in sheets:
        located = locate(sheet.rows, INDICATOR_SETTINGS, sheet.name)
        if located and not located.missing_required():
            return sheet, located
    return None


def _indicator(row: _Row, problems: Problems, names: dict[str, str]) -> tuple[Indicator, Weighting] | None:
    name, key = row.text("name"), row.text("key") or row.text("name")
    before = len(problems.issues)
    for seen_key in (compact(name), "key:" + key):
        if seen_key in names:
            problems.add(row.sheet.name, row.ref("name"), f"指标“{name}”与{names[seen_key]}重名（名称或代码重复）",
                         "每个指标只保留一行", name)
        names.setdefault(seen_key, row.ref("name"))
    method = METHODS.get(compact(row.raw("method")))
    if method is None:
        problems.add(row.sheet.name, row.ref("method"), f"统计方式“{row.text('method')}”应为计数、求和或填报",
                     "计数：符合条件的行数；求和：某列之和；填报：单位在指标汇总中自填的数", row.raw("method"))
    table = _source(row, method, problems)
    unit, sum_field, factor = _unit_and_field(row, method, table, problems)
    conditions = _conditions(row, method, table, problems)
    target = row.text("target")
    if not target:
        problems.add(row.sheet.name, row.ref("target"), f"指标“{name}”没有填写“目标列”",
                     "填写附件1或附件3中存放各单位该项目标的列的表头，如“签约项目(个)”")
    county = _number(row, "county", "全县目标", problems)
    weighting = _weighting(row, key, problems)
    if len(problems.issues) > before or method is None or table is None:
        return None
    indicator = Indicator(key, name, unit, row.text("short"), row.text("category"), table.key, method, sum_field,
                          conditions, target, county, row.text("prose"), row.text("noun") or "年度目标", factor,
                          row.ref("name"), row.ref("target"))
    return indicator, weighting


def _source(row: _Row, method: str | None, problems: Problems) -> Table | None:
    written = row.raw("source")
    if is_blank(written):
        if method == REPORTED:
            return SUMMARY
        problems.add(row.sheet.name, row.ref("source"), "没有填写“数据来源”",
                     "填写填报表中的表：招商引资项目、重点项目进展、策划储备项目或指标汇总")
        return None
    table = table_of(written)
    if table is None:
        problems.add(row.sheet.name, row.ref("source"), f"数据来源“{clean_text(written)}”不是填报表中的表",
                     "可用：招商引资项目、重点项目进展、策划储备项目、指标汇总", written)
    elif method in (COUNT, SUM) and table is SUMMARY:
        problems.add(row.sheet.name, row.ref("method"), "指标汇总中的数只能“填报”，不能计数或求和",
                     "统计方式改为“填报”，或把数据来源改为明细表", row.raw("method"))
    elif method == REPORTED and table is not SUMMARY:
        problems.add(row.sheet.name, row.ref("source"), "“填报”的指标取自指标汇总，数据来源应为“指标汇总”",
                     "数据来源改为“指标汇总”，或把统计方式改为计数、求和", written)
    return table


def _unit_and_field(row: _Row, method: str | None, table: Table | None, problems: Problems
                    ) -> tuple[str, str, float]:
    unit = row.text("unit")
    if method == COUNT:
        return unit or "个", "", 1.0
    if method != SUM or table is None:
        if not unit and method == REPORTED:
            problems.add(row.sheet.name, row.ref("unit"), "“填报”的指标需要填写计量单位", "如：万元")
        return unit, "", 1.0
    column = column_of(table, row.raw("sum_field")) if not is_blank(row.raw("sum_field")) else None
    if column is None or not numeric(column):
        what = f"“{row.text('sum_field')}”" if row.text("sum_field") else "（空）"
        reason = "不是数字列" if column is not None else f"不是“{table.sheet}”表的列"
        problems.add(row.sheet.name, row.ref("sum_field"), f"求和字段{what}{reason}",
                     "填写要相加的数字列，如“本年累计完成投资(万元)”", row.raw("sum_field"))
        return unit, "", 1.0
    unit = unit or column.unit
    factor = unit_factor(column.unit, unit) if unit != column.unit else 1.0
    if unit != column.unit and factor == 1.0:
        problems.add(row.sheet.name, row.ref("unit"), f"计量单位“{unit}”与求和字段的单位“{column.unit}”不符",
                     f"填写“{column.unit}”（或可换算的单位，如万元→亿元）", unit)
    return unit, column.key, factor


def _conditions(row: _Row, method: str | None, table: Table | None, problems: Problems) -> tuple:
    written = row.raw("conditions")
    if is_blank(written) or table is None:
        return ()
    if method == REPORTED:
        problems.add(row.sheet.name, row.ref("conditions"), "“填报”的指标不能有条件", "删除该条件", written)
        return ()
    try:
        return parse_conditions(written, table)
    except ConditionError as exc:
        problems.add(row.sheet.name, row.ref("conditions"), str(exc), CONDITION_HINT, written)
        return ()


CONDITION_HINT = "条件写法：字段=值、字段=值1,值2、字段≥数、字段≤数、字段在本期，多个条件用“；”隔开"


def _number(row: _Row, key: str, what: str, problems: Problems, minimum: float = 0.0) -> float | None:
    raw = row.raw(key)
    text = compact(raw).removesuffix("分") if isinstance(raw, str) else raw
    if is_blank(text):
        return None
    parsed = parse_number(text, "个")
    if parsed.value is None or parsed.code == "number-invalid" or parsed.value < minimum:
        problems.add(row.sheet.name, row.ref(key), f"{what}“{row.text(key)}”不是有效的数", f"{what}应为不小于{minimum:g}的数",
                     raw)
        return None
    return parsed.value


def _weighting(row: _Row, key: str, problems: Problems) -> Weighting:
    parsed = parse_yes_no(row.raw("scored"))
    if parsed.code:
        problems.add(row.sheet.name, row.ref("scored"), f"“是否计分”{parsed.note}", "请填写“是”或“否”", row.raw("scored"))
    scored = True if parsed.value is None else bool(parsed.value)
    weight = _number(row, "weight", "权重", problems)
    if weight is None and scored and is_blank(row.raw("weight")):
        problems.add(row.sheet.name, row.ref("weight"), f"计分指标“{row.text('name')}”没有权重",
                     "请填写权重，或把“是否计分”改为“否”")
    cap = _number(row, "cap", "封顶系数", problems, minimum=1.0)
    return Weighting(key, weight or 0.0, DEFAULT_CAP if cap is None else cap, scored, row.ref("weight"))


def _check_weights(sheet: SheetData, weights: list[Weighting], problems: Problems) -> None:
    if weights and sum(w.weight for w in weights if w.scored) <= 0:
        problems.add(sheet.name, weights[0].cell, "计分指标的权重全部为0或没有计分指标",
                     "至少一个计分指标的权重应大于0（默认合计100分）")
