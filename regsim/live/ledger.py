"""The byte ledger's annotation of a manifest, the same for `regsim serve` and `regsim watch`.

A stored (PUT) manifest names each of its blobs with how it got into the repository: sent in
this session, mounted from another repository, or already there. Blobs that arrive (an upload
closing, a mount) wait in `Arrivals` until a manifest names them. A fetched (GET) manifest names
the blobs a pull needs. The manifest's bytes go with it where a replay must store them again.
"""

from __future__ import annotations

import base64

from regsim.live.entry import LedgerBlob, ManifestLedger
from regsim.model.core.events import BlobKind, How
from regsim.model.oci.manifest import AnyManifest, Manifest


class Arrivals:
    """Blobs that arrived in each repository (uploaded or mounted) and no stored manifest named yet."""

    def __init__(self) -> None:
        self._arrived: dict[str, dict[str, tuple[How, str | None]]] = {}

    def arrived(self, repository: str, digest: str, how: How, source: str | None = None) -> None:
        self._arrived.setdefault(repository, {})[digest] = (how, source)

    def manifest(
        self, repository: str, reference: str, method: str, digest: str, manifest: AnyManifest, raw: bytes,
        *, with_bytes: bool,
    ) -> ManifestLedger:
        """The ledger of a manifest stored (PUT: each blob says how it came) or fetched (GET)."""
        value = ManifestLedger(repository=repository, reference=reference, manifest=digest,
                               media_type=manifest.media_type, size=len(raw))
        if isinstance(manifest, Manifest):
            arrived = self._arrived.get(repository, {})
            blobs: list[LedgerBlob] = []
            named_blobs = [(BlobKind.CONFIG, manifest.config), *((BlobKind.LAYER, d) for d in manifest.layers)]
            for kind, descriptor in named_blobs:
                named = LedgerBlob(digest=descriptor.digest, kind=kind, size=descriptor.size)
                if method == "PUT":
                    how, source = arrived.pop(descriptor.digest, (How.EXISTS, None))
                    named["how"] = how
                    if source:
                        named["source"] = source
                blobs.append(named)
            value["blobs"] = blobs
        else:
            value["children"] = [entry.digest for entry in manifest.manifests]
        if with_bytes:   # a replay stores the same bytes again
            try:
                value["text"] = raw.decode()
            except UnicodeDecodeError:
                value["base64"] = base64.b64encode(raw).decode()
        return value
