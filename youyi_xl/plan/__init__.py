"""Stage 2 — the plan folder a clerk edits in Excel: units, targets, chains and key projects
(the three attachments) and the 考核细则 (weights, deductions, colour bands)."""
from __future__ import annotations

from .attachments import (
                          FILE_PATTERNS,
                          Chain,
                          KeyProject,
                          Plan,
                          Unit,
                          default_template_dir,
                          load_plan,
)
from .rules import (
                          IndicatorRule,
                          Rules,
                          default_rules,
                          default_rules_file,
                          load_rules,
                          rules_error_for_unit,
)

__all__ = ["FILE_PATTERNS", "Chain", "KeyProject", "Plan", "Unit", "default_template_dir",
           "load_plan", "IndicatorRule", "Rules", "default_rules", "default_rules_file",
           "load_rules", "rules_error_for_unit"]
