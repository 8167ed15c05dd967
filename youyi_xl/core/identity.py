"""Which rows are one project: a project's identity, and the key its records carry.

A project's identity is its name (and investor, for 招商引资项目) without spaces, full-width
forms or invisible characters (`compact`): two rows with equal identities are one project, within
a return (project-duplicate) and across units (project-claimed-twice, counted once). Records do
not hold the identity — the compact texts and their tuple were ~140 bytes of a 招商引资项目 row's
~550 (10,000 returns: the main process 48 MB smaller without them) — but its key: a 59-bit number from an
unkeyed hash of the identity (BLAKE2b: the same in every worker, every run and every machine,
unlike Python's `hash` of a text).
Equal identities have equal keys; equal keys are confirmed by comparing the identities
themselves (`ProjectIndex`), so two different projects whose keys collide stay two.
"""
from __future__ import annotations

from hashlib import blake2b
from typing import Any, Generic, Iterator, TypeVar

from .normalize import compact

IDENTITY_KEYS = {"projects": ("name", "investor")}      # a 招商引资项目 is its name and its investor
NAME_ONLY = ("name",)
NO_NAME = 0              # the key of a row without a name (never one project with another)
_KEY_SHIFT = 5           # 64 - 5 = 59 bits: an int of two 30-bit digits (32 bytes, not 36)


def identity_fields(table: str) -> tuple[str, ...]:
    return IDENTITY_KEYS.get(table, NAME_ONLY)


def identity_of(record: Any, table: str) -> tuple[str, ...]:
    """The identity of a record of `table` (table key: projects, key_projects, planned)."""
    return tuple(compact(getattr(record, k, None) or "") for k in identity_fields(table))


def identity_key(identity: tuple[str, ...]) -> int:
    """The key of an identity: NO_NAME without a name, else a number in 1 .. 2**59-1."""
    if not identity or not identity[0]:
        return NO_NAME
    text = "\x1f".join(identity).encode("utf-8", "surrogatepass")
    return (int.from_bytes(blake2b(text, digest_size=8).digest(), "little") >> _KEY_SHIFT) or 1


T = TypeVar("T")


class ProjectIndex(Generic[T]):
    """Values by project (a dict whose keys are the projects of records): looked up by the
    records' identity keys, confirmed by their identities — computed only when a key is met
    again (the same project, or two projects whose keys collide), so indexing a province's rows
    costs a dict lookup a row and no object a row (a value that is the first record itself is not
    stored twice). Iterated in the order first met (projects whose key another had first, last)."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._first: dict[int, Any] = {}                # key -> the first record with it
        self._values: dict[int, T] = {}                 # key -> its project's value (unless that record)
        self._exact: dict[tuple[str, ...], T] = {}      # identity -> value, for keys met again
        self._more: list[T] = []                        # values of projects whose key another had first
        self._confirmed: set[int] = set()               # keys whose first record's identity is in _exact

    def setdefault(self, record: Any, value: T) -> T:
        """The value stored for `record`'s project; `value`, stored now, when it is new."""
        key = record.identity
        first = self._first.get(key)
        if first is None:
            self._first[key] = record
            if value is not record:
                self._values[key] = value
            return value
        if first is record:
            return self._values.get(key, first)
        exact, identity = self._exact_for(key, first), identity_of(record, self.table)
        found = exact.get(identity, _NONE)
        if found is not _NONE:
            return found
        exact[identity] = value
        self._more.append(value)
        return value

    def get(self, record: Any, default: Any = None) -> Any:
        """The value stored for `record`'s project, else `default`."""
        key = record.identity
        first = self._first.get(key)
        if first is None:
            return default
        if first is record:
            return self._values.get(key, first)
        return self._exact_for(key, first).get(identity_of(record, self.table), default)

    def values(self) -> Iterator[T]:
        for key, first in self._first.items():
            yield self._values.get(key, first)
        yield from self._more

    def __len__(self) -> int:
        return len(self._first) + len(self._more)

    def __bool__(self) -> bool:
        return bool(self._first)

    def _exact_for(self, key: int, first: Any) -> dict[tuple[str, ...], T]:
        """Values by identity, holding the first project of `key` from its second meeting on."""
        if key not in self._confirmed:
            self._confirmed.add(key)
            self._exact[identity_of(first, self.table)] = self._values.get(key, first)
        return self._exact


_NONE = object()
