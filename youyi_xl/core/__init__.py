"""Stage 0 — the vocabulary every stage shares: indicators, the table schema and its records,
issues, errors, the reporting period, value parsing, how indicators are counted, cell
references, the names of the files youyi-xl writes and the mark it puts in them (`stamp`).

Nothing here reads or writes a file. Later stages import these names from the package
(``from ..core import Period``), never from its modules (tests/test_layers.py).
"""
from __future__ import annotations

from .cells import cell_ref, column_letters
from .errors import OutputError, PlanError, RefusedError, RulesError, TemplateError, UsageError, YouyiError
from .indicators import BY_KEY, CHAIN_PROJECT_MIN_INVESTMENT, INDICATORS, KEYS, Indicator
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
from .measure import in_window, is_key_started, is_planned, is_signed, is_started, measure, project_key
from .names import (
                     DB_NAME,
                     FEEDBACK_FOLDER,
                     MAX_NAME_BYTES,
                     feedback_suffix,
                     form_name,
                     json_name,
                     named_file,
                     named_output,
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
                     ROW_TABLES,
                     SOURCE_FIELDS,
                     STARTED_STATUSES,
                     STATUSES,
                     SUMMARY,
                     TEXT,
                     YESNO,
                     Column,
                     CoverField,
                     Reported,
                     Table,
                     summary_label,
)
from .stamp import (
                     FEEDBACK,
                     FORM,
                     HTML_GENERATOR,
                     MARK_PROPERTY,
                     NOTICE,
                     SCORECARD,
                     Mark,
                     property_value,
                     read_mark,
                     stamp,
)

__all__ = [
    "cell_ref", "column_letters",
    "OutputError", "PlanError", "RefusedError", "RulesError", "TemplateError", "UsageError", "YouyiError",
    "BY_KEY", "CHAIN_PROJECT_MIN_INVESTMENT", "INDICATORS", "KEYS", "Indicator",
    "CODES", "ISSUE_COLUMNS", "ISSUE_LABELS", "Issue", "Severity", "count_by_severity",
    "issues_frame", "make_issue",
    "in_window", "is_key_started", "is_planned", "is_signed", "is_started", "measure", "project_key",
    "DB_NAME", "FEEDBACK_FOLDER", "MAX_NAME_BYTES", "feedback_suffix", "form_name", "json_name",
    "named_file", "named_output", "notice_name", "output_names", "reminder_name", "safe_filename", "scorecard_name",
    "Parsed", "clean_text", "compact", "header_key", "is_blank", "parse_choice", "parse_date",
    "parse_number", "parse_yes_no", "tidy_text", "unit_factor",
    "Period", "chinese_number", "cn_date", "parse_reported_period",
    "AMOUNT", "ATTACHMENT1", "ATTACHMENT2", "ATTACHMENT3", "CHOICE", "COVER_FIELDS", "COVER_SHEET",
    "DATE", "INT", "KEY_PROJECT_LIST", "KEY_PROJECTS", "PLANNED", "PROJECTS", "RETURN_TABLES",
    "ROW_TABLES", "SOURCE_FIELDS", "STARTED_STATUSES", "STATUSES", "SUMMARY", "TEXT", "YESNO",
    "Column", "CoverField", "Reported", "Table", "summary_label",
    "FEEDBACK", "FORM", "HTML_GENERATOR", "MARK_PROPERTY", "NOTICE", "SCORECARD", "Mark", "property_value", "read_mark", "stamp",
]
