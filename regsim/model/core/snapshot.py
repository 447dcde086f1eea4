"""How the parts of a world copy themselves when the step engine keeps a snapshot after each step.

`copy.deepcopy` walks every dict, string and tuple one Python call at a time, and most of a world
is dicts of values nothing changes once made (names, digests, frozen records), which one
`dict.copy()` copies whole. A class names the fields it copies that way; every other field is
deep-copied as before, so a field added later is never shared between a world and its snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from types import MethodType
from typing import Any, TypeVar

T = TypeVar("T")
Copier = Callable[[Any, dict[int, Any]], Any]   # (value, memo) -> its copy

_ATOMIC = frozenset({str, int, float, bool, type(None), bytes})


def copy_fields(obj: T, memo: dict[int, Any], copiers: Mapping[str, Copier]) -> T:
    """A copy of `obj` (an instance with a `__dict__`): each field named in `copiers` copied by its
    copier, the rest deep-copied with `memo` (so what the world shares stays shared in the copy)."""
    copied: T = object.__new__(type(obj))
    memo[id(obj)] = copied
    fields = copied.__dict__
    deepcopy = copy.deepcopy
    for name, value in obj.__dict__.items():
        copier = copiers.get(name)
        if copier is not None:
            fields[name] = copier(value, memo)
        elif type(value) in _ATOMIC:
            fields[name] = value
        elif (found := memo.get(id(value))) is not None:   # copied already (the world, a shared store)
            fields[name] = found
        elif type(value) is MethodType:   # a callback into its owner (the world's clock): bound to the owner's copy
            fields[name] = memo[id(value)] = MethodType(value.__func__, deepcopy(value.__self__, memo))
        else:
            fields[name] = deepcopy(value, memo)
    return copied


def same(value: T, memo: dict[int, Any]) -> T:
    """For a field whose value nothing changes once made."""
    return value


def shallow(value: Any, memo: dict[int, Any]) -> Any:
    """For a dict, list, set or deque of values nothing changes once made. A table two parts of the
    world hold (a registry's blob store, which each repository's stores read) is copied once, and
    both copies hold that one."""
    copied = memo.get(id(value))
    if copied is None:
        copied = memo[id(value)] = value.copy()
    return copied


def dict_of_tables(value: dict[Any, Any], memo: dict[int, Any]) -> dict[Any, Any]:
    """For a dict whose values are lists or sets (that nothing else holds) of values nothing changes."""
    return {key: items.copy() for key, items in value.items()}


def dict_of_copies(value: dict[Any, Any], memo: dict[int, Any]) -> dict[Any, Any]:
    """For a dict whose values are deep-copied (what else holds one of them holds its copy)."""
    deepcopy = copy.deepcopy
    return {key: deepcopy(item, memo) for key, item in value.items()}
