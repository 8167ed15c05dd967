"""Stage 0 — the vocabulary every stage shares: indicators, the table schema, issues,
errors, the reporting period, value parsing and how indicators are counted.

Nothing here reads or writes a file. Later stages import these names from the
package (``from ..core import Period``), never from its modules.
"""
from __future__ import annotations

from .errors import (
                     OutputError,
                     PlanError,
                     RulesError,
                     TemplateError,
                     UsageError,
                     YouyiError,
)
from .indicators import (
                     BY_KEY,
                     CHAIN_PROJECT_MIN_INVESTMENT,
                     INDICATORS,
                     KEYS,
                     Indicator,
)
from .issues import (
                     CODES,
                     ISSUE_COLUMNS,
                     ISSUE_LABELS,
                     Issue,
                     Severity,
                     count_by_severity,
                     issues_frame,
                     make_issue,
)
from .measure import is_signed, is_started, measure, project_key
from .names import (
                     DB_NAME,
                     FEEDBACK_FOLDER,
                     MAX_NAME_BYTES,
                     feedback_suffix,
                     form_name,
                     json_name,
                     named_file,
                     notice_name,
                     output_names,
                     reminder_name,
                     safe_filename,
                     scorecard_name,
)
from .normalize import (
                     Parsed,
                     clean_text,
                     compact,
                     header_key,
                     is_blank,
                     parse_choice,
                     parse_date,
                     parse_number,
                     parse_yes_no,
                     tidy_text,
                     unit_factor,
)
from .period import Period, chinese_number, cn_date, parse_reported_period
from .schema import (
                     AMOUNT,
                     ATTACHMENT1,
                     ATTACHMENT2,
                     ATTACHMENT3,
                     CHOICE,
                     COVER_FIELDS,
                     COVER_SHEET,
                     DATE,
                     INT,
                     KEY_PROJECT_LIST,
                     KEY_PROJECTS,
                     PLANNED,
                     PROJECTS,
                     RETURN_TABLES,
                     SUMMARY,
                     TEXT,
                     YESNO,
                     Column,
                     CoverField,
                     Table,
                     summary_label,
)

__all__ = [
    "OutputError", "PlanError", "RulesError", "TemplateError", "UsageError", "YouyiError",
    "BY_KEY", "CHAIN_PROJECT_MIN_INVESTMENT", "INDICATORS", "KEYS", "Indicator",
    "CODES", "ISSUE_COLUMNS", "ISSUE_LABELS", "Issue", "Severity", "count_by_severity",
    "issues_frame", "make_issue",
    "is_signed", "is_started", "measure", "project_key",
    "Parsed", "clean_text", "compact", "header_key", "is_blank", "parse_choice", "parse_date",
    "parse_number", "parse_yes_no", "tidy_text", "unit_factor",
    "DB_NAME", "FEEDBACK_FOLDER", "MAX_NAME_BYTES", "feedback_suffix", "form_name", "json_name",
    "named_file", "notice_name", "output_names", "reminder_name", "safe_filename", "scorecard_name",
    "Period", "chinese_number", "cn_date", "parse_reported_period",
    "AMOUNT", "ATTACHMENT1", "ATTACHMENT2", "ATTACHMENT3", "CHOICE", "COVER_FIELDS", "COVER_SHEET",
    "DATE", "INT", "KEY_PROJECT_LIST", "KEY_PROJECTS", "PLANNED", "PROJECTS", "RETURN_TABLES",
    "SUMMARY", "TEXT", "YESNO", "Column", "CoverField", "Table", "summary_label",
]
