"""The tags of one repository: each tag's current link to a manifest digest.

Follows distribution's registry/storage/tagstore.go: `Tag` overwrites the tag's current link
(so pushing a tag again moves it), `Get` reads it (ErrTagUnknown when the tag has none),
`Untag` removes it, `All` lists the tags sorted, and `Lookup` finds the tags whose current
link is a digest (what deleting a manifest by digest untags, so no tag is left dangling).
"""

from __future__ import annotations

from typing import Any


class TagStore:
    """Tag -> manifest digest, one current link per tag."""

    __slots__ = ("_current",)

    def __init__(self) -> None:
        self._current: dict[str, str] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> TagStore:
        copied = object.__new__(TagStore)
        memo[id(self)] = copied
        copied._current = self._current.copy()
        return copied

    def __len__(self) -> int:
        return len(self._current)

    def __contains__(self, tag: object) -> bool:
        return tag in self._current

    def tag(self, tag: str, digest: str) -> None:
        """Point `tag` at `digest`, replacing whatever it named before."""
        self._current[tag] = digest

    def get(self, tag: str) -> str | None:
        """The digest `tag` names now, or None (distribution: ErrTagUnknown)."""
        return self._current.get(tag)

    def untag(self, tag: str) -> None:
        """Remove the tag (KeyError when there is none, as the driver's PathNotFound)."""
        del self._current[tag]

    def all(self) -> list[str]:
        """Every tag, sorted (distribution sorts: the driver's listing has no order)."""
        return sorted(self._current)

    def lookup(self, digest: str) -> list[str]:
        """The tags whose current link is `digest`, sorted; none for a digest no tag names."""
        return sorted(tag for tag, current in self._current.items() if current == digest)

    def links(self) -> dict[str, str]:
        """Every tag with the digest it names, sorted by tag (a copy)."""
        return dict(sorted(self._current.items()))
