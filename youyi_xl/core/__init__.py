"""Stage 0 — the vocabulary every stage shares: the table schema and its records, what an
indicator is and how one is counted (the plan declares them), issues, errors, the reporting
period, value parsing, cell references, the names of the files youyi-xl writes and the mark it
puts in them (`stamp`).

Nothing here reads or writes a file. Later stages import these names from the package
(``from ..core import Period``), never from its modules (tests/test_layers.py).
"""
from __future__ import annotations

from .cells import cell_ref, column_letters
from .errors import OutputError, PlanError, RefusedError, RulesError, TemplateError, UsageError, YouyiError
from .identity import NO_NAME, ProjectIndex, identity_fields, identity_key, identity_of
from .indicators import (
    CHAIN_PROJECT_MIN_INVESTMENT,
    COUNT,
    IN,
    METHOD_LABELS,
    METHODS,
    REPORTED,
    SOURCES,
    SUM,
    Condition,
    ConditionError,
    Indicator,
    column_of,
    in_window,
    is_signed,
    is_started,
    measure,
    numeric,
    parse_conditions,
    table_of,
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
from .memory import collect_new, frozen_cyclic_gc, release_free_memory, without_cyclic_gc
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
    MAX_MAGNITUDE,
    Parsed,
    clean_text,
    compact,
    header_key,
    invisible_chars,
    is_blank,
    is_missing,
    nfkc,
    parse_choice,
    parse_date,
    parse_number,
    parse_yes_no,
    plausible,
    strip_invisible,
    tidy_text,
    unit_factor,
)
from .period import Period, chinese_number, cn_date, parse_reported_period, read_reported_period
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
    target_column,
    with_targets,
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
from .views import (
    COLOUR_LABELS,
    SEVERITY_LABELS,
    STATUS_LABELS,
    YES_NO,
    chinese_frame,
    summary_html,
    summary_repr,
)

__all__ = [
    "NO_NAME", "ProjectIndex", "identity_fields", "identity_key", "identity_of",
    "cell_ref", "column_letters", "without_cyclic_gc", "frozen_cyclic_gc", "collect_new", "release_free_memory",
    "OutputError", "PlanError", "RefusedError", "RulesError", "TemplateError", "UsageError", "YouyiError",
    "CHAIN_PROJECT_MIN_INVESTMENT", "COUNT", "IN", "METHOD_LABELS", "METHODS", "REPORTED", "SOURCES", "SUM",
    "Condition", "ConditionError", "Indicator", "column_of", "in_window", "is_signed", "is_started",
    "measure", "numeric", "parse_conditions", "table_of",
    "CODES", "ISSUE_COLUMNS", "ISSUE_LABELS", "Issue", "Severity", "count_by_severity",
    "issues_frame", "make_issue",
    "DB_NAME", "FEEDBACK_FOLDER", "MAX_NAME_BYTES", "feedback_suffix", "form_name", "json_name",
    "named_file", "named_output", "notice_name", "output_names", "reminder_name", "safe_filename",
    "scorecard_name",
    "Parsed", "clean_text", "compact", "header_key", "invisible_chars", "is_blank", "is_missing", "nfkc", "parse_choice",
    "parse_date", "parse_number", "parse_yes_no", "plausible", "strip_invisible", "tidy_text",
    "unit_factor", "MAX_MAGNITUDE",
    "Period", "chinese_number", "cn_date", "parse_reported_period", "read_reported_period",
    "AMOUNT", "ATTACHMENT1", "ATTACHMENT2", "ATTACHMENT3", "CHOICE", "COVER_FIELDS", "COVER_SHEET",
    "DATE", "INT", "KEY_PROJECT_LIST", "KEY_PROJECTS", "PLANNED", "PROJECTS", "RETURN_TABLES",
    "ROW_TABLES", "SOURCE_FIELDS", "STARTED_STATUSES", "STATUSES", "SUMMARY", "TEXT", "YESNO",
    "Column", "CoverField", "Reported", "Table", "target_column", "with_targets",
    "COLOUR_LABELS", "SEVERITY_LABELS", "STATUS_LABELS", "YES_NO", "chinese_frame", "summary_html",
    "summary_repr",
    "FEEDBACK", "FORM", "HTML_GENERATOR", "MARK_PROPERTY", "NOTICE", "SCORECARD", "Mark", "property_value",
    "read_mark", "stamp",
]
