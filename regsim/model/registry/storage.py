"""Where a registry keeps its bytes and state: the storage interface, and the in-memory backend.

As distribution's storage drivers do, a backend decides where content lives; the registry's
stores and handler are the same whatever the backend. The simulator keeps everything in
memory; live mode passes a disk backend (regsim.live.storage) that writes blobs to files and
saves the repositories after every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from regsim.model.registry.upload import UploadSession

_new = object.__new__

if TYPE_CHECKING:
    from regsim.model.registry.store import RegistryStore


class Storage(Protocol):
    """What a registry asks of the place its content is kept."""

    @property
    def persistent(self) -> bool:
        """Whether it keeps anything beyond the store's own dictionaries (if not, the handler
        need not tell it of each change: the request path stays as short as it can be)."""
        ...

    def first_upload_number(self) -> int:
        """Where upload ids start counting (a persistent backend must not repeat old ones)."""
        ...

    def load(self, store: RegistryStore) -> None:
        """Fill a new registry's store with what was committed before (nothing, in memory)."""
        ...

    def new_upload(self, uuid: str | None, repository: str) -> UploadSession:
        """The session that collects an upload's bytes; `uuid` None: a single-request upload."""
        ...

    def upload_closed(self, session: UploadSession) -> None:
        """The upload was finished, refused or cancelled: drop whatever it left behind."""
        ...

    def manifest_stored(self, digest: str, raw: bytes) -> None:
        """Keep a manifest's bytes under its digest."""
        ...

    def changed(self, store: RegistryStore) -> None:
        """A client changed the repositories: make the change last."""
        ...

    def blobs_freed(self, digests: Sequence[str]) -> None:
        """Garbage collection freed these blobs: drop their content."""
        ...


class MemoryStorage:
    """Everything in the process's memory: the store's dictionaries are the storage."""

    __slots__ = ()

    persistent = False

    def first_upload_number(self) -> int:
        return 0

    def load(self, store: RegistryStore) -> None:
        return None

    def new_upload(self, uuid: str | None, repository: str) -> UploadSession:
        # Made without a call to UploadSession's __init__ (every field set here): a push opens one
        # for every blob it sends, and the call cost as much as the rest.
        session = _new(UploadSession)
        session.uuid = "monolithic" if uuid is None else uuid
        session.repository = repository
        session.received = 0
        session.data = None
        session.sized = None
        session.chunks = 0
        return session

    def upload_closed(self, session: UploadSession) -> None:
        return None

    def manifest_stored(self, digest: str, raw: bytes) -> None:
        return None

    def changed(self, store: RegistryStore) -> None:
        return None

    def blobs_freed(self, digests: Sequence[str]) -> None:
        return None
