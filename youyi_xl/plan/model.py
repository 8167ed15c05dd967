"""The plan as data: its settings and indicators, the units (with their aliases), chains, key
projects and every unit's targets (`Plan`), and how a written unit name is matched to a unit
(`unit_key`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..core import Indicator, Issue, clean_text, compact, summary_html, summary_repr

if TYPE_CHECKING:  # pragma: no cover
    from .rules import Rules
    from .settings import Settings

GROUPS = ("乡镇", "部门")
MAX_NAME_SEARCH = 120   # characters of a file name searched for a unit name
_ALIAS_NOTE = re.compile(r"别名[:：]\s*([^;；。]*)")
_SUFFIXES = ("人民政府", "政府")


@dataclass(frozen=True)
class Unit:
    name: str
    group: str                   # 乡镇 / 部门
    aliases: tuple[str, ...] = ()
    order: int = 0


@dataclass(frozen=True)
class Chain:
    name: str
    leader: str
    lead_unit: str
    partners: tuple[str, ...]
    signed_target: float
    started_target: float
    focus: str = ""


@dataclass(frozen=True)
class KeyProject:
    name: str
    category: str                # 省级百大 / 市级百大 / 500万元以上产业项目
    nature: str                  # 新建 / 续建
    unit: str
    leader: str
    chain: str
    total_investment: float | None
    plan_investment: float | None
    start_month: str = ""


@dataclass
class Plan:
    """The year's plan: what it measures (indicators, settings, rules) and what each unit must deliver."""

    units: tuple[Unit, ...]
    targets: dict[str, dict[str, float | None]]
    chains: tuple[Chain, ...]
    key_projects: tuple[KeyProject, ...]
    county_targets: dict[str, float | None]
    fx_rate: float
    issues: tuple[Issue, ...]
    files: dict[str, Path]
    indicators: tuple[Indicator, ...] = ()     # 指标设置, in the order every output lists them
    settings: Settings | None = None           # 基本信息: year, county, offices
    rules: Rules | None = None                 # the 考核细则's scoring rules
    _lookup: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self._lookup:
            self._lookup = build_alias_lookup(self.units, self.county)

    @property
    def year(self) -> int:
        """The plan's year: every date window, every "year assumed" and 报送期 check uses it."""
        return self.settings.year

    @property
    def county(self) -> str:
        return self.settings.county if self.settings is not None else ""

    @cached_property
    def by_indicator(self) -> dict[str, Indicator]:
        return {i.key: i for i in self.indicators}

    def indicator(self, key: str) -> Indicator:
        return self.by_indicator[key]

    def unit(self, name: Any) -> Unit | None:
        """The unit a written name means (aliases, full-width and spaces tolerated)."""
        canonical = self._lookup.get(unit_key(name, self.county))
        return self.by_name.get(canonical) if canonical else None

    @cached_property
    def by_name(self) -> dict[str, Unit]:
        return {u.name: u for u in self.units}

    @cached_property
    def name_keys(self) -> tuple[tuple[str, str], ...]:
        """(written form, unit) of every name and alias, longest first: for finding a unit in a file name."""
        keys = {}
        for unit in self.units:
            for name in (unit.name, *unit.aliases, unit_key(unit.name, self.county)):
                key = compact(name)
                if len(key) >= 2:
                    keys.setdefault(key, unit.name)
        return tuple(sorted(keys.items(), key=lambda kv: (-len(kv[0]), kv[0])))

    def unit_in_text(self, text: str) -> str | None:
        """The unit whose name or alias appears in `text` (the longest match), e.g. a file name.

        Looks up every substring of the (short) text in a dict, longest first, so the cost does
        not grow with the number of units."""
        stem = compact(text)[:MAX_NAME_SEARCH]
        keys = self._name_key_map
        for length in range(min(len(stem), self._longest_key), 1, -1):
            for start in range(len(stem) - length + 1):
                unit = keys.get(stem[start:start + length])
                if unit is not None:
                    return unit
        return None

    @cached_property
    def _name_key_map(self) -> dict[str, str]:
        return dict(self.name_keys)

    @cached_property
    def _longest_key(self) -> int:
        return max((len(key) for key, _ in self.name_keys), default=0)

    def group(self, group: str) -> tuple[Unit, ...]:
        return tuple(u for u in self.units if u.group == group)

    def target(self, unit: str, key: str) -> float | None:
        return self.targets.get(unit, {}).get(key)

    def key_projects_of(self, unit: str) -> tuple[KeyProject, ...]:
        return self._projects_by_unit.get(unit, ())

    @cached_property
    def _projects_by_unit(self) -> dict[str, tuple[KeyProject, ...]]:
        grouped: dict[str, list[KeyProject]] = {}
        for project in self.key_projects:
            grouped.setdefault(project.unit, []).append(project)
        return {unit: tuple(projects) for unit, projects in grouped.items()}

    @property
    def chain_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.chains)

    @cached_property
    def chain_keys(self) -> dict[str, str]:
        """Normalised chain name -> chain name, for matching what units write."""
        return {compact(c.name): c.name for c in self.chains}

    @property
    def has_errors(self) -> bool:
        return any(i.is_error for i in self.issues)

    def __repr__(self) -> str:
        groups = "、".join(f"{g}{len(self.group(g))}" for g in dict.fromkeys(u.group for u in self.units))
        return summary_repr("Plan", f"{self.county}{self.year}年" if self.settings else "（无基本信息）", [
            f"{len(self.units)}个单位（{groups}）", f"{len(self.indicators)}项指标",
            f"{len(self.chains)}条产业链", f"{len(self.key_projects)}个重点项目",
            f"模板问题{len(self.issues)}条" if self.issues else "模板无问题"])

    def _repr_html_(self) -> str:
        import pandas as pd

        facts = [("年度", self.year if self.settings else ""), ("县（区）", self.county),
                 ("单位", repr(self).split("：", 1)[-1].rstrip(")"))]
        rows = [{"指标": i.label, "计量单位": i.unit, "分类": i.category, "全县目标": self.county_targets.get(i.key)}
                for i in self.indicators]
        return summary_html(f"考核方案（{self.county}{self.year if self.settings else ''}年）", facts,
                            pd.DataFrame(rows), "指标和全县目标：", max_rows=40)

    def units_frame(self):
        """One row per unit: 单位, 类别, 别名 and every indicator's annual target."""
        import pandas as pd

        keys = [i.key for i in self.indicators]
        rows = [{"unit": u.name, "group": u.group, "aliases": "、".join(u.aliases),
                 **{k: self.target(u.name, k) for k in keys}} for u in self.units]
        return pd.DataFrame(rows, columns=["unit", "group", "aliases", *keys])

    def chains_frame(self):
        import pandas as pd

        return pd.DataFrame([c.__dict__ for c in self.chains])

    def key_projects_frame(self):
        import pandas as pd

        return pd.DataFrame([p.__dict__ for p in self.key_projects])


# --------------------------------------------------------------------------
# unit names
# --------------------------------------------------------------------------

CACHED_NAME_CHARS = 64      # a unit name this short has its key cached (a hostile cover cannot fill it)


def unit_key(name: Any, county: str = "") -> str:
    """The comparison form of a unit name: no spaces, NFKC, no county (友谊县) or 县 prefix, no
    人民政府/政府 suffix. A plan's every table names each of its units again: short names are
    keyed once."""
    if type(name) is str and len(name) <= CACHED_NAME_CHARS:
        return _cached_unit_key(name, county)
    return _unit_key(name, county)


def _unit_key(name: Any, county: str) -> str:
    text = compact(name)
    for prefix in (compact(county), "县") if county else ("县",):
        if text.startswith(prefix) and len(text) > len(prefix) + 1:
            text = text[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            text = text[: -len(suffix)]
            break
    return text


_cached_unit_key = lru_cache(maxsize=65536)(_unit_key)


def build_alias_lookup(units: Iterable[Unit], county: str = "") -> dict[str, str]:
    lookup: dict[str, str] = {}
    for unit in units:
        for name in (unit.name, *unit.aliases):
            lookup.setdefault(unit_key(name, county), unit.name)
    return lookup


def aliases_from_note(note: Any) -> tuple[str, ...]:
    """备注 "别名：发改局、县发改局" -> ('发改局', '县发改局')."""
    match = _ALIAS_NOTE.search(clean_text(note))
    if not match:
        return ()
    parts = re.split(r"[、,，/\s]+", match.group(1))
    return tuple(p for p in (compact(x) for x in parts) if p)


# --------------------------------------------------------------------------
