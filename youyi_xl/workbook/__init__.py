"""Stage 1 — any workbook file into plain grids, safely; tables found in a grid by header.

`read_source` opens a file once (never a FIFO, never past the size limit) and judges its
bytes; `read_workbook` parses them and never raises on a bad file (a problem is one
file-unreadable issue); `locate` finds a declared table by its header row; `copy_refusal`
says whether openpyxl may load a workbook (the 退回意见 copy) at a bounded cost. Shared by
the plan (the attachment templates and the 考核细则) and the intake (returns).
"""
from __future__ import annotations

from .archive import Archive, is_archive, member_name, read_archive, read_member
from .budget import copy_refusal
from .package import package
from .preflight import Source, os_reason, read_source
from .reader import SheetData, WorkbookData, read_workbook
from .tables import DataRow, Located, cell, data_rows, find_label_values, header_unit, locate, picker

__all__ = ["Archive", "copy_refusal", "is_archive", "member_name", "read_archive", "read_member", "Source",
           "os_reason", "package", "read_source", "SheetData", "WorkbookData", "read_workbook", "DataRow", "Located", "cell",
           "data_rows", "find_label_values", "header_unit", "locate", "picker"]
