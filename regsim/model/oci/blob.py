"""Blob content: real bytes, or a sized stand-in that carries only a digest and a length."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# Not frozen (nothing changes one once made): a push makes one for every blob it uploads and
# the store one for every blob it holds, and a frozen dataclass costs three times as much to make.
@dataclass(slots=True, init=False)
class SizedContent:
    """A stand-in for `length` bytes at `offset` of a blob whose digest and size are known."""

    digest: str
    size: int
    offset: int
    length: int

    def __init__(self, digest: str, size: int, offset: int = 0, length: int = -1) -> None:
        self.digest = digest
        self.size = size
        self.offset = offset
        self.length = length if length >= 0 else size - offset

    def __len__(self) -> int:
        return self.length

    def __deepcopy__(self, memo: dict[int, Any]) -> SizedContent:   # never changed once made
        return self


Body = bytes | SizedContent


def body_length(body: Body | None) -> int:
    return 0 if body is None else len(body)


@dataclass(slots=True)   # not frozen, for the reason SizedContent is not
class Blob:
    """What the blob store holds: a digest, a size, and the bytes when they are real."""

    digest: str
    size: int
    data: bytes | None = None

    def __deepcopy__(self, memo: dict[int, Any]) -> Blob:   # never changed once made: snapshots share it
        return self

    @property
    def sized(self) -> bool:
        return self.data is None
