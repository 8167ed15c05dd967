"""Failures of the program (not of the data). Each carries the CLI exit code.

Problems found in returned workbooks are `Issue` values, never exceptions.
The CLI catches `YouyiError` once and prints its Chinese message in one line.
"""
from __future__ import annotations


class YouyiError(Exception):
    """Base of every failure that stops a run; message is Chinese, for the clerk."""

    exit_code = 2


class UsageError(YouyiError, ValueError):
    """A command-line argument or API parameter cannot be used (bad period, bad path)."""


class PlanError(YouyiError):
    """The attachment templates cannot be read at all (missing file, missing table)."""


class RulesError(YouyiError):
    """The 考核细则 workbook is unusable (weights missing, negative or summing to 0)."""


class TemplateError(YouyiError):
    """A notice template cannot be rendered (unknown variable, bad Jinja syntax)."""


class OutputError(YouyiError, OSError):
    """An output file or folder cannot be written."""


class RefusedError(YouyiError):
    """The returns cannot be this period's batch (none found, another period's): nothing written."""
