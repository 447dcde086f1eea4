"""The byte ledger of traffic `regsim watch` forwards: the same annotations `regsim serve` records.

The proxy sees no registry state, only the exchanges, so it keeps what they told: the bytes sent
to each upload (its size when it closes), the blobs that arrived in each repository (uploaded or
mounted) since a manifest last named them, and each manifest's bytes as they went by. From these
a manifest PUT says which of its blobs travelled, were mounted or were already there, exactly as
the live server's ledger does (both through regsim.live.ledger), and a replay can rebuild the
world: what was pushed, and what was pulled (the manifests a pull fetched, with their tags), as
far as the traffic showed it.
"""

from __future__ import annotations

from collections.abc import Mapping

from regsim.live.entry import BlobLedger, Ledger
from regsim.live.ledger import Arrivals
from regsim.model.core.events import How
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import parse_manifest
from regsim.model.oci.mediatype import MANIFEST_TYPES
from regsim.model.oci.routes import RouteName


class WatchLedger:
    def __init__(self) -> None:
        self._upload_bytes: dict[str, int] = {}                         # upload id -> bytes sent so far
        self._arrivals = Arrivals()

    def note(
        self, route: RouteName, method: str, parts: Mapping[str, str], headers: Mapping[str, str],
        body: bytes, sent: int,
    ) -> Ledger | None:
        """A successful exchange: what the ledger records of it (None: nothing)."""
        name = parts.get("name", "")
        if route == RouteName.UPLOAD and method in ("PATCH", "PUT"):
            uuid = parts.get("uuid", "")
            total = self._upload_bytes.get(uuid, 0) + sent
            if method == "PATCH":
                self._upload_bytes[uuid] = total
                return None
            self._upload_bytes.pop(uuid, None)
            return self._arrival(name, headers, total, How.SENT, None)
        if route == RouteName.UPLOADS and method == "POST" and "mount" in parts:
            digest = headers.get("Docker-Content-Digest") or parts.get("mount", "")
            self._arrivals.arrived(name, digest, How.MOUNTED, parts.get("from"))
            return None   # its size comes with the manifest that names it
        if route == RouteName.UPLOADS and method == "POST" and sent:
            return self._arrival(name, headers, sent, How.SENT, None)
        if route == RouteName.MANIFEST and method in ("PUT", "GET") and body:
            return self._manifest(name, parts.get("reference", ""), method, headers, body)
        return None

    def _arrival(self, name: str, headers: Mapping[str, str], size: int, how: How, source: str | None) -> Ledger | None:
        digest = headers.get("Docker-Content-Digest", "")
        if not digest:
            return None
        self._arrivals.arrived(name, digest, how, source)
        return BlobLedger(blob=digest, size=size)

    def _manifest(
        self, name: str, reference: str, method: str, headers: Mapping[str, str], raw: bytes
    ) -> Ledger | None:
        content_type = headers.get("Content-Type", "").partition(";")[0].strip()
        try:
            manifest = parse_manifest(raw, content_type if content_type in MANIFEST_TYPES else None)
        except RegistryError:
            return None
        digest = headers.get("Docker-Content-Digest") or manifest.digest
        # The bytes, pushed or pulled: a replay (the Live screen's world, `regsim open`) stores the
        # manifest, as the proxy cannot ask the upstream what it holds.
        return self._arrivals.manifest(name, reference, method, digest, manifest, raw, with_bytes=True)
