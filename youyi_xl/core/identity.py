"""Which rows are one project: a project's identity, and the key its records carry.

A project's identity is its name (and investor, for 招商引资项目) without spaces, full-width
forms or invisible characters (`compact`): two rows with equal identities are one project, within
a return (project-duplicate) and across units (project-claimed-twice, counted once). Records do
not hold the identity — at a province's 600,000 rows the compact texts and their tuples were
~140 bytes a record, a seventh of the main process — but its key: a 59-bit number from an
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
    costs a dict lookup a row. Iterated in the order the keys were first met."""

    def __init__(self, table: str) -> None:
        self.table = table
        self._by_key: dict[int, list[list[Any]]] = {}       # key -> [[first record, value], …]
        self._exact: dict[tuple[str, ...], list[Any]] = {}   # identity -> its bucket, for keys met twice
        self._confirmed: set[int] = set()                    # ids of the first buckets entered there

    def setdefault(self, record: Any, value: T) -> T:
        """The value stored for `record`'s project; `value`, stored now, when it is new."""
        buckets = self._by_key.get(record.identity)
        if buckets is None:
            self._by_key[record.identity] = [[record, value]]
            return value
        found = self._bucket(buckets, record)
        if found is not None:
            return found[1]
        bucket = [record, value]
        buckets.append(bucket)
        self._exact[identity_of(record, self.table)] = bucket
        return value

    def get(self, record: Any, default: Any = None) -> Any:
        """The value stored for `record`'s project, else `default`."""
        buckets = self._by_key.get(record.identity)
        found = self._bucket(buckets, record) if buckets is not None else None
        return found[1] if found is not None else default

    def values(self) -> Iterator[T]:
        for buckets in self._by_key.values():
            for bucket in buckets:
                yield bucket[1]

    def __len__(self) -> int:
        return sum(map(len, self._by_key.values()))

    def __bool__(self) -> bool:
        return bool(self._by_key)

    def _bucket(self, buckets: list[list[Any]], record: Any) -> list[Any] | None:
        """The bucket of `record`'s project among those of its key (None: a new project)."""
        first = buckets[0]
        if first[0] is record:
            return first
        if len(buckets) == 1 and id(first) not in self._confirmed:
            self._confirmed.add(id(first))          # the key met again: its identities from now on
            self._exact[identity_of(first[0], self.table)] = first
        return self._exact.get(identity_of(record, self.table))
