"""Blob content: real bytes, or a sized stand-in that carries only a digest and a length."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SizedContent:
    """A stand-in for `length` bytes at `offset` of a blob whose digest and size are known."""

    digest: str
    size: int
    offset: int = 0
    length: int = -1

    def __post_init__(self) -> None:
        if self.length < 0:
            object.__setattr__(self, "length", self.size - self.offset)

    def __len__(self) -> int:
        return self.length


Body = bytes | SizedContent


def body_length(body: Body | None) -> int:
    return 0 if body is None else len(body)


@dataclass(frozen=True, slots=True)
class Blob:
    """What the blob store holds: a digest, a size, and the bytes when they are real."""

    digest: str
    size: int
    data: bytes | None = None

    @property
    def sized(self) -> bool:
        return self.data is None
