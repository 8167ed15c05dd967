"""Stage 2 — the plan folder a clerk edits in Excel: units, targets, chains and key projects
(the three attachments, `attachments` → the `Plan` of `model`) and the 考核细则 (`rules`)."""
from __future__ import annotations

from .attachments import FILE_PATTERNS, default_template_dir, load_plan
from .model import GROUPS, Chain, KeyProject, Plan, Unit, unit_key
from .rules import IndicatorRule, Rules, default_rules, default_rules_file, load_rules, rules_error_for_unit

__all__ = ["FILE_PATTERNS", "default_template_dir", "load_plan", "GROUPS", "Chain", "KeyProject", "Plan",
           "Unit", "unit_key", "IndicatorRule", "Rules", "default_rules", "default_rules_file", "load_rules",
           "rules_error_for_unit"]
