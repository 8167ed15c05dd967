"""Stage 2 — the plan: the 考核细则's declarations, then units, targets, chains and key projects
from the three attachments.

`load_plan()` reads the plan folder a clerk edits in Excel (or the shipped one): first the
考核细则 (基本信息, 指标设置 and the scoring rules, `rules.read_rulebook`), which says which column
of 附件1 or 附件3 holds each indicator's targets; then the attachments, by header row, so a clerk
can add rows or move columns. A plan whose declarations cannot work is refused with PlanError
naming every sheet and cell at fault, before any return is read; what is wrong with a template's
values becomes an `Issue` in `plan.issues` (file, sheet, cell).
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from ..core import (
    ATTACHMENT1,
    ATTACHMENT2,
    ATTACHMENT3,
    COUNT,
    KEY_PROJECT_LIST,
    KEY_PROJECTS,
    MAX_MAGNITUDE,
    REPORTED,
    STARTED_STATUSES,
    Indicator,
    Issue,
    PlanError,
    Table,
    cell_ref,
    clean_text,
    compact,
    is_blank,
    make_issue,
    parse_choice,
    parse_number,
    target_column,
    with_targets,
    without_cyclic_gc,
)
from ..workbook import DataRow, Located, SheetData, WorkbookData, cell, data_rows, locate, read_workbook
from .model import Chain, KeyProject, Plan, Unit, aliases_from_note, build_alias_lookup, unit_key
from .rules import Rulebook, default_rules_file, read_rulebook

DEFAULT_FX_RATE = 6.7   # 元人民币 per 美元, when attachment 1 states none
_FX = re.compile(r"1\s*美元\s*[=＝]\s*([0-9]+(?:\.[0-9]+)?)\s*元")
FILE_PATTERNS = {
    "attachment1": ("attachment1", "附件1"),
    "attachment2": ("attachment2", "附件2"),
    "attachment3": ("attachment3", "附件3"),
}
TARGET_FILES = ("attachment1", "attachment3")      # where indicators' target columns may be

# --------------------------------------------------------------------------
# loading
# --------------------------------------------------------------------------

def default_template_dir() -> Path:
    """The templates shipped with the package (works from a wheel and an editable install)."""
    return Path(str(resources.files("youyi_xl.templates")))


def find_template_files(folder: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    candidates = sorted(p for p in folder.iterdir()
                        if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods", ".et")
                        and not p.name.startswith(("~$", ".~")))
    for key, patterns in FILE_PATTERNS.items():
        for path in candidates:
            if any(path.stem.lower().startswith(p) for p in patterns):
                files[key] = path
                break
        else:
            names = "、".join(f"{p}.xlsx" for p in patterns)
            raise PlanError(f"在“{folder}”中找不到{_ATTACHMENT_LABEL[key]}（文件名应为 {names}）")
    return files


_ATTACHMENT_LABEL = {"attachment1": "附件1 招商引资目标任务分解表",
                     "attachment2": "附件2 产业链建设任务分解表",
                     "attachment3": "附件3 重点项目和固定资产投资目标任务分解表"}


@without_cyclic_gc
def load_plan(path: str | Path | None = None) -> Plan:
    """Read the plan folder (the shipped one by default) into a `Plan`; PlanError when its
    declarations cannot work (every sheet and cell at fault named)."""
    folder = Path(path) if path is not None else default_template_dir()
    if not folder.is_dir():
        raise PlanError(f"模板文件夹“{folder}”不存在")
    book = read_rulebook(folder)
    if book.has_errors or book.settings is None or book.rules is None:
        raise PlanError(_refusal(book))
    files = find_template_files(folder)
    builder = _PlanBuilder(files, book)
    plan = builder.build()
    if builder.refused:
        raise PlanError(_refusal(Rulebook(book.file, book.settings, book.indicators, book.rules,
                                          tuple(builder.refused))))
    return plan


def _refusal(book: Rulebook) -> str:
    shipped = "（文件夹中没有考核细则，用的是随程序提供的）" if book.file == default_rules_file() else ""
    return book.refusal() + shipped


class _Sheet:
    """One located table of one template workbook, with issue helpers bound to it."""

    def __init__(self, path: Path, sheet: SheetData, located: Located):
        self.path, self.sheet, self.located = path, sheet, located
        self.rows = sheet.rows

    def where(self, r: int, key: str) -> dict[str, str]:
        c = self.located.columns.get(key, 0)
        return {"file": self.path.name, "sheet": self.sheet.name, "cell": cell_ref(r, c),
                "field": self.located.table.column(key).label if key in self.located.columns else key}

    def iter(self) -> Iterable[DataRow]:
        return data_rows(self.rows, self.located)


class _PlanBuilder:
    def __init__(self, files: dict[str, Path], book: Rulebook):
        self.files, self.book = files, book
        self.indicators: tuple[Indicator, ...] = book.indicators
        self.county = book.settings.county
        self.issues: list[Issue] = list(book.issues)
        self.refused: list[Issue] = []          # declarations the attachments contradict
        self.placed: dict[str, str] = {}        # indicator key -> attachment1 / attachment3
        self.workbooks: dict[str, WorkbookData] = {}
        self.total_rows: dict[str, tuple[_Sheet, DataRow]] = {}
        self.sheet2: _Sheet | None = None

    # -- reading ------------------------------------------------------------
    def workbook(self, key: str) -> WorkbookData:
        if key not in self.workbooks:
            data, problems = read_workbook(self.files[key])
            if data is None:
                detail = problems[0].message if problems else "无法读取"
                raise PlanError(f"{_ATTACHMENT_LABEL[key]}“{self.files[key].name}”无法读取：{detail}")
            self.workbooks[key] = data
        return self.workbooks[key]

    def table(self, key: str, table: Table) -> _Sheet:
        data = self.workbook(key)
        sheets = sorted(data.sheets, key=lambda s: compact(s.name) != compact(table.sheet))
        for sheet in sheets:
            located = locate(sheet.rows, table, sheet.name)
            if located and not located.missing_required():
                return _Sheet(data.path, sheet, located)
        raise PlanError(f"{_ATTACHMENT_LABEL[key]}“{data.path.name}”中找不到表头"
                        f"（应有“{table.columns[1].label}”等列）")

    def number(self, sheet: _Sheet, row: DataRow, key: str, unit: str) -> float | None:
        raw = cell(row.values, sheet.located, key)
        special = sheet.sheet.special.get((row.index, sheet.located.columns.get(key, -1)))
        if not special and type(raw) in (float, int) and 0 <= raw <= MAX_MAGNITUDE:
            return float(raw)       # most targets: what parse_number gives, without its checks
        if special:
            raw = special if special != "=" else ""
        parsed = parse_number(raw, unit)
        if parsed.code == "number-invalid":
            self.issues.append(make_issue("number-invalid", f"目标值{parsed.note}", "请填写数字（无任务填0）",
                                          value=clean_text(raw), **sheet.where(row.index, key)))
            return None
        if parsed.value is not None and parsed.value < 0:
            self.issues.append(make_issue("amount-negative", "目标值不能为负数", "请改为0或正数",
                                          value=clean_text(raw), **sheet.where(row.index, key)))
            return None
        return parsed.value

    # -- building -----------------------------------------------------------
    def build(self) -> Plan:
        sheets = self.target_sheets()
        units, targets = self.read_units(sheets["attachment1"])
        self.read_attachment3(sheets["attachment3"], build_alias_lookup(units, self.county), targets)
        chains = self.read_chains(units)
        key_projects = self.read_key_projects(units, chains)
        county = self.county_totals(targets)
        self.check_list_against_targets(units, targets, key_projects)
        return Plan(units=tuple(units), targets=targets, chains=tuple(chains), key_projects=tuple(key_projects),
                    county_targets=county, fx_rate=self.fx_rate(), issues=tuple(self.issues),
                    files={**self.files, "rules": self.book.file}, indicators=self.indicators,
                    settings=self.book.settings, rules=self.book.rules)

    def target_sheets(self) -> dict[str, _Sheet]:
        """附件1 and 附件3 located with every declared target column; which attachment holds each
        indicator's column (none, or both, is a declaration the plan cannot work with)."""
        columns = tuple(target_column(i.key, i.target_column, i.unit, i.is_count) for i in self.indicators)
        sheets = {"attachment1": self.table("attachment1", with_targets(ATTACHMENT1, columns)),
                  "attachment3": self.table("attachment3", with_targets(ATTACHMENT3, columns))}
        for ind in self.indicators:
            found = [key for key in TARGET_FILES if ind.key in sheets[key].located.columns]
            if len(found) == 1:
                self.placed[ind.key] = found[0]
                continue
            names = "、".join(self.files[k].name for k in TARGET_FILES)
            problem = (f"指标“{ind.label}”的目标列“{ind.target_column}”在{names}中都找不到" if not found
                       else f"指标“{ind.label}”的目标列“{ind.target_column}”在{names}中都有，无法确定")
            self.refused.append(make_issue("setting-invalid", problem, "目标列应与附件1或附件3的表头一字不差",
                                           file=self.book.file.name, sheet="指标设置", cell=ind.target_cell,
                                           value=ind.target_column))
        return sheets

    def keys_in(self, attachment: str) -> list[Indicator]:
        return [i for i in self.indicators if self.placed.get(i.key) == attachment]

    def read_units(self, sheet: _Sheet):
        units: list[Unit] = []
        targets: dict[str, dict[str, float | None]] = {}
        seen: dict[str, str] = {}
        indicators = self.keys_in("attachment1")
        for row in sheet.iter():
            if row.kind == "total":
                self.total_rows["attachment1"] = (sheet, row)
                continue
            if row.kind != "data":
                continue
            name = compact(cell(row.values, sheet.located, "unit"))
            if not name:
                continue
            if not self.unique(name, seen, sheet, row):
                continue
            group = self.group_of(sheet, row, name)
            note = cell(row.values, sheet.located, "note")
            units.append(Unit(name, group, aliases_from_note(note), len(units) + 1))
            targets[name] = {i.key: self.number(sheet, row, i.key, i.unit) for i in indicators}
        return units, targets

    def unique(self, name: str, seen: dict[str, str], sheet: _Sheet, row: DataRow) -> bool:
        key = unit_key(name, self.county)
        where = sheet.where(row.index, "unit")
        if key in seen:
            self.issues.append(make_issue(
                "unit-duplicate", f"单位“{name}”重复出现（首次在{seen[key]}）",
                "每个单位只保留一行，合并其目标", value=name, unit=name, **where))
            return False
        seen[key] = where["cell"]
        return True

    def group_of(self, sheet: _Sheet, row: DataRow, name: str) -> str:
        raw = cell(row.values, sheet.located, "group")
        column = ATTACHMENT1.column("group")
        parsed = parse_choice(raw, column.choices, column.choice_map)
        if parsed.value:
            return parsed.value
        if not is_blank(raw):
            self.issues.append(make_issue("choice-invalid", f"单位类别{parsed.note}",
                                          "单位类别填“乡镇”或“部门”", value=clean_text(raw),
                                          unit=name, **sheet.where(row.index, "group")))
        return "乡镇" if name.endswith(("乡", "镇")) else "部门"

    def read_attachment3(self, sheet: _Sheet, lookup: dict[str, str], targets) -> None:
        indicators = self.keys_in("attachment3")
        seen: dict[str, str] = {}
        for row in sheet.iter():
            if row.kind == "total":
                self.total_rows["attachment3"] = (sheet, row)
                continue
            if row.kind != "data":
                continue
            raw = cell(row.values, sheet.located, "unit")
            name = lookup.get(unit_key(raw, self.county))
            if name is None:
                self.unknown_unit(sheet, row, "unit", raw, "附件1")
                continue
            if not self.unique(name, seen, sheet, row):
                continue
            targets[name].update({i.key: self.number(sheet, row, i.key, i.unit) for i in indicators})
        for name in targets:
            for ind in self.indicators:
                targets[name].setdefault(ind.key, None)

    def unknown_unit(self, sheet: _Sheet, row: DataRow, key: str, raw: Any, where_list: str) -> None:
        self.issues.append(make_issue(
            "unit-unknown", f"“{clean_text(raw)}”不是{where_list}中的单位",
            f"请使用{where_list}中的单位名称", value=clean_text(raw), **sheet.where(row.index, key)))

    def read_chains(self, units: list[Unit]) -> list[Chain]:
        sheet = self.table("attachment2", ATTACHMENT2)
        lookup = build_alias_lookup(units, self.county)
        chains: list[Chain] = []
        for row in sheet.iter():
            if row.kind == "total":
                self.total_rows["attachment2"] = (sheet, row)
                continue
            if row.kind != "data":
                continue
            chain = self.chain_row(sheet, row, lookup)
            if chain:
                chains.append(chain)
        self.sheet2 = sheet
        return chains

    def chain_row(self, sheet: _Sheet, row: DataRow, lookup: dict[str, str]) -> Chain | None:
        get = lambda key: cell(row.values, sheet.located, key)  # noqa: E731
        name = clean_text(get("chain"))
        if not name:
            return None
        lead = self.resolve(sheet, row, "lead_unit", get("lead_unit"), lookup)
        partners = tuple(filter(None, (self.resolve(sheet, row, "partners", p, lookup)
                                       for p in re.split(r"[、,，;；\s]+", clean_text(get("partners")))
                                       if p)))
        return Chain(name, clean_text(get("leader")), lead or "", partners,
                     self.number(sheet, row, "signed", "个") or 0,
                     self.number(sheet, row, "started", "个") or 0, clean_text(get("focus")))

    def resolve(self, sheet: _Sheet, row: DataRow, key: str, raw: Any, lookup) -> str | None:
        if is_blank(raw):
            return None
        name = lookup.get(unit_key(raw, self.county))
        if name is None:
            self.unknown_unit(sheet, row, key, raw, "附件1")
        return name

    def read_key_projects(self, units: list[Unit], chains: list[Chain]) -> list[KeyProject]:
        sheet = self.table("attachment3", KEY_PROJECT_LIST)
        lookup = build_alias_lookup(units, self.county)
        chain_names = {compact(c.name): c.name for c in chains}
        projects = []
        for row in sheet.iter():
            if row.kind != "data":
                continue
            project = self.key_project_row(sheet, row, lookup, chain_names)
            if project:
                projects.append(project)
        return projects

    def key_project_row(self, sheet, row, lookup, chain_names) -> KeyProject | None:
        get = lambda key: cell(row.values, sheet.located, key)  # noqa: E731
        name = clean_text(get("name"))
        if not name:
            return None
        unit = self.resolve(sheet, row, "unit", get("unit"), lookup)
        category = self.choice(sheet, row, "category")
        nature = self.choice(sheet, row, "nature")
        chain = compact(get("chain"))
        if chain and chain not in chain_names:
            self.issues.append(make_issue("chain-unknown", f"产业链“{clean_text(get('chain'))}”不在附件2中",
                                          "请使用附件2中的产业链名称", value=clean_text(get("chain")),
                                          **sheet.where(row.index, "chain")))
        if not (unit and category and nature):
            return None
        return KeyProject(name, category, nature, unit, clean_text(get("leader")),
                          chain_names.get(chain, clean_text(get("chain"))),
                          self.number(sheet, row, "total_investment", "万元"),
                          self.number(sheet, row, "plan_investment", "万元"),
                          clean_text(get("start_month")))

    def choice(self, sheet: _Sheet, row: DataRow, key: str) -> str | None:
        column = KEY_PROJECT_LIST.column(key)
        raw = cell(row.values, sheet.located, key)
        parsed = parse_choice(raw, column.choices, column.choice_map)
        if parsed.value is None:
            note = parsed.note or f"{column.label}为空"
            self.issues.append(make_issue("choice-invalid", note, "可选：" + "、".join(column.choices),
                                          value=clean_text(raw), **sheet.where(row.index, key)))
        return parsed.value

    # -- totals -------------------------------------------------------------
    def county_totals(self, targets) -> dict[str, float | None]:
        county: dict[str, float | None] = {}
        for ind in self.indicators:
            values = [t.get(ind.key) for t in targets.values()]
            county[ind.key] = self.checked_total(self.placed.get(ind.key, "attachment1"), ind.key, values,
                                                 ind.county_target, ind.label)
        self.check_chain_totals()
        return county

    def checked_total(self, attachment: str, key: str, values: list, expected: float | None, label: str = ""):
        column_sum = round(sum(v for v in values if v is not None), 6)
        total = self.total_cell(attachment, key)
        if total is not None:
            stated, where = total
            if stated is not None and abs(stated - column_sum) > 1e-6:
                self.issues.append(make_issue(
                    "sum-mismatch", f"合计{stated:g}不等于各单位之和{column_sum:g}",
                    "请核对各行数值或合计公式", value=f"{stated:g}", **where))
        if expected is not None and abs(column_sum - expected) > 1e-6:
            where = total[1] if total else {"file": self.files[attachment].name}
            self.issues.append(make_issue(
                "county-target-mismatch",
                f"{label}各单位合计{column_sum:g}，与方案确定的全县目标{expected:g}不符",
                "如为有意调整可忽略；否则请核对分解数", value=f"{column_sum:g}", **where))
        return column_sum

    def total_cell(self, attachment: str, key: str):
        entry = self.total_rows.get(attachment)
        if entry is None or key not in entry[0].located.columns:
            return None
        sheet, row = entry
        c = sheet.located.columns[key]
        raw = row.values[c] if c < len(row.values) else ""
        if sheet.sheet.special.get((row.index, c)) == "=" or is_blank(raw):
            return None, sheet.where(row.index, key)
        parsed = parse_number(raw, "万元")
        return parsed.value, sheet.where(row.index, key)

    def check_chain_totals(self) -> None:
        sheet = self.sheet2
        if sheet is None:
            return
        for key in ("signed", "started"):
            values = []
            for row in sheet.iter():
                if row.kind == "data" and clean_text(cell(row.values, sheet.located, "chain")):
                    values.append(parse_number(cell(row.values, sheet.located, key), "个").value)
            self.checked_total("attachment2", key, values, None)

    def check_list_against_targets(self, units, targets, projects: list[KeyProject]) -> None:
        """重点项目清单 counts and plan investment per unit against 目标分解 (warnings)."""
        listed = [i for i in self.indicators if i.source == KEY_PROJECTS.key and i.method != REPORTED]
        by_unit: dict[str, list[KeyProject]] = {}
        for project in projects:
            by_unit.setdefault(project.unit, []).append(project)
        for unit in units:
            rows = _listed_rows(by_unit[unit.name]) if listed and unit.name in by_unit else ()
            for ind in listed if rows else ():
                value, target = _listed_total(ind, rows), targets[unit.name].get(ind.key) or 0
                if abs(target - value) > 1e-6:
                    self.issues.append(make_issue(
                        "county-target-mismatch",
                        f"{unit.name}{ind.label}：重点项目清单合计{value:g}，目标分解表为{target:g}",
                        "请核对重点项目清单与目标分解表", unit=unit.name, field=ind.label,
                        file=self.files["attachment3"].name, sheet=KEY_PROJECT_LIST.sheet))

    def fx_rate(self) -> float:
        for sheet in self.workbook("attachment1").sheets:
            for row in sheet.rows:
                for value in row:
                    if isinstance(value, str) and "美元" in value:
                        match = _FX.search(clean_text(value))
                        if match:
                            return float(match.group(1))
        return DEFAULT_FX_RATE


_LISTED_FIELDS = frozenset({"name", "category", "nature", "total_investment", "plan_investment", "chain"})


def listed_value(indicator: Indicator, projects: Iterable[KeyProject]) -> float:
    """What a 重点项目进展 indicator comes to over a unit's listed key projects, as if every one
    had started and done its year's plan: the targets the 重点项目清单 implies. Conditions on what
    the list does not hold (开工状态, 开工日期 …) are left out; 本年累计完成投资 is the plan."""
    return _listed_total(indicator, _listed_rows(projects))


def _listed_total(indicator: Indicator, rows: list[Any]) -> float:
    """listed_value over the listed projects' rows (`_listed_rows`), made once per unit."""
    conditions = tuple(c for c in indicator.conditions if c.field in _LISTED_FIELDS)
    chosen = [r for r in rows if all(c.field not in _LISTED_FIELDS or c.holds(r, None) for c in conditions)]
    if indicator.method == COUNT:
        return float(len(chosen))
    return round(sum(getattr(r, indicator.sum_field) or 0.0 for r in chosen) * indicator.factor, 6)


def _listed_rows(projects: Iterable[KeyProject]) -> list[Any]:
    """Listed key projects as 重点项目进展 rows, each started and its year's plan done."""
    return [KEY_PROJECTS.make_record({"name": p.name, "category": p.category, "nature": p.nature,
                                      "total_investment": p.total_investment, "plan_investment": p.plan_investment,
                                      "completed_investment": p.plan_investment, "chain": p.chain,
                                      "status": STARTED_STATUSES[0]}) for p in projects]
