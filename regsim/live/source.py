"""What the Live screen and the client examples read of a live source: `regsim serve`'s server or
`regsim watch`'s proxy (which holds no registry of its own: `registry` and `world` are None)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from regsim.live.entry import LiveEntry
    from regsim.model.registry.registry import Registry
    from regsim.model.sim.world import World


class LiveSource(Protocol):
    entries: list[LiveEntry]
    listeners: list[Callable[[LiveEntry], None]]

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    @property
    def auth(self) -> str: ...

    @property
    def root(self) -> Path | str: ...

    @property
    def users(self) -> Sequence[tuple[str, str]]: ...

    @property
    def url(self) -> str: ...

    @property
    def service(self) -> str: ...

    @property
    def registry(self) -> Registry | None: ...

    @property
    def world(self) -> World | None: ...

    def account_names(self) -> list[str]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
