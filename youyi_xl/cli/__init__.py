"""The `youyi-xl` command: a thin layer over the public API."""
from __future__ import annotations

from .main import main

__all__ = ["main"]
