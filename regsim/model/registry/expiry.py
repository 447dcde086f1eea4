"""When a pull-through cache's copies expire, as distribution's TTL expiration scheduler decides.

Follows distribution/distribution registry/proxy/scheduler/scheduler.go: an entry is a
`repository@digest` reference, a kind (blob or manifest) and an expiry time; adding an entry
for a reference that already has one replaces it (the old timer is stopped), and when an
entry's time comes its kind's callback runs once and the entry is gone. The simulator has no
timers: `run_due` fires every entry whose time has come, in the order their timers would have.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from regsim.units import format_seconds, format_size

# Told of an expired entry: (repository, digest).
ExpiryCallback = Callable[[str, str], None]


class EntryKind(Enum):
    BLOB = "blob"
    MANIFEST = "manifest"


@dataclass(slots=True, frozen=True)
class ExpiryEntry:
    repository: str
    digest: str
    kind: EntryKind
    expires_at: float

    def __deepcopy__(self, memo: dict[int, Any]) -> ExpiryEntry:   # immutable: a world's snapshot can share it
        return self

    @property
    def key(self) -> str:
        """The entry's reference, as scheduler.go keys it (`reference.String()`)."""
        return f"{self.repository}@{self.digest}"


class ExpiryScheduler:
    """Entries by reference; `run_due(now)` expires those whose time has come."""

    __slots__ = ("_soonest", "entries", "on_blob_expire", "on_manifest_expire")

    def __init__(self, on_blob_expire: ExpiryCallback, on_manifest_expire: ExpiryCallback) -> None:
        self.entries: dict[str, ExpiryEntry] = {}
        self.on_blob_expire = on_blob_expire
        self.on_manifest_expire = on_manifest_expire
        self._soonest = math.inf    # no entry expires before this (checked on every request)

    def __deepcopy__(self, memo: dict[int, Any]) -> ExpiryScheduler:
        copied = object.__new__(ExpiryScheduler)
        memo[id(self)] = copied
        copied.entries = self.entries.copy()
        copied.on_blob_expire = copy.deepcopy(self.on_blob_expire, memo)   # the copy's cache's callbacks
        copied.on_manifest_expire = copy.deepcopy(self.on_manifest_expire, memo)
        copied._soonest = self._soonest
        return copied

    def add(self, repository: str, digest: str, kind: EntryKind, now: float, ttl: float) -> ExpiryEntry:
        """Schedule `repository@digest` to expire `ttl` seconds from `now` (scheduler.go `add`:
        a new entry for the same reference replaces the old one)."""
        entry = ExpiryEntry(repository, digest, kind, now + ttl)
        self.entries[entry.key] = entry
        self._soonest = min(self._soonest, entry.expires_at)
        return entry

    def run_due(self, now: float) -> list[ExpiryEntry]:
        """Expire every entry whose time is `now` or earlier, soonest first; the entries expired."""
        if now < self._soonest:
            return []
        due = sorted((e for e in self.entries.values() if e.expires_at <= now), key=lambda e: (e.expires_at, e.key))
        for entry in due:
            del self.entries[entry.key]
            callback = self.on_blob_expire if entry.kind is EntryKind.BLOB else self.on_manifest_expire
            callback(entry.repository, entry.digest)
        self._soonest = min((e.expires_at for e in self.entries.values()), default=math.inf)
        return due


def expiry_notes(host: str, ttl: float, due: list[ExpiryEntry], layer_bytes_freed: int) -> list[str]:
    """What a cache deleted at expiry, in a learner's words: one line per repository."""
    freed = format_size(layer_bytes_freed)
    names = sorted({entry.repository for entry in due})
    notes = []
    for name in names:
        kinds = [entry.kind for entry in due if entry.repository == name]
        manifests, blobs = kinds.count(EntryKind.MANIFEST), kinds.count(EntryKind.BLOB)
        deleted = f"{_count(manifests, 'manifest')} and {_count(blobs, 'blob')}"
        notes.append(f"{host}: the {format_seconds(ttl)} TTL of what it fetched for {name} ran out: "
                     f"{deleted} deleted" + (f" ({freed} of layers)" if len(names) == 1 else ""))
    if len(names) > 1:
        notes.append(f"{host}: {freed} of layers deleted at expiry")
    return notes


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
