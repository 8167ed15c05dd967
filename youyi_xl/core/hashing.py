"""Frozen dataclasses that key caches and dicts, hashed once."""
from __future__ import annotations

from dataclasses import fields
from typing import Any


class HashedOnce:
    """A frozen dataclass used as a cache or dict key (a table keys the readers' header aliases, a
    condition the masks indicators share): its hash is computed once from the fields that compare,
    not field by field on every lookup, and is never pickled, since a string's hash differs from
    process to process (spawned workers). A class sets ``__hash__ = HashedOnce.__hash__`` in its
    body, so that dataclass keeps it."""

    def __hash__(self) -> int:
        found = self.__dict__.get("_hashed")
        if found is None:
            found = hash(tuple(getattr(self, f.name) for f in fields(self) if f.compare))
            object.__setattr__(self, "_hashed", found)
        return found

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_hashed"}
