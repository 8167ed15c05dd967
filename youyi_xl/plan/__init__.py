"""Stage 2 — the plan folder a clerk edits in Excel: the 考核细则 (`rules`: 基本信息 and 指标设置 in
`settings`, the scoring rules) and the three attachments (`attachments`: units, targets, chains,
key projects), read into the `Plan` of `model`."""
from __future__ import annotations

from .attachments import FILE_PATTERNS, default_template_dir, listed_value, load_plan
from .model import GROUPS, Chain, KeyProject, Plan, Unit, unit_key
from .rules import (
                    IndicatorRule,
                    Rulebook,
                    Rules,
                    VetoEntry,
                    default_rules_file,
                    load_rules,
                    read_rulebook,
                    rules_error_for_unit,
)
from .settings import INDICATOR_SETTINGS, SETTING_LABELS, Settings

__all__ = ["FILE_PATTERNS", "default_template_dir", "listed_value", "load_plan", "GROUPS", "Chain", "KeyProject",
           "Plan", "Unit", "unit_key", "IndicatorRule", "Rulebook", "Rules", "VetoEntry", "default_rules_file",
           "load_rules", "read_rulebook", "rules_error_for_unit", "INDICATOR_SETTINGS", "SETTING_LABELS",
           "Settings"]
