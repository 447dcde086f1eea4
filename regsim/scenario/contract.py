"""The `regsim play --json` contract as types: what a step and a run look like as JSON.

`StepRecord.to_dict` and `run_to_dict` (records.py) make these; the charts, the app and the
command line read them. Key order is the JSON's order: a change here changes the bytes
`play --json` prints (tests/test_engine.py checks the JSON has exactly these keys in this order;
mypy checks every reader).
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

from regsim.model.core.events import Change
from regsim.model.sim.network import NodeKind

# "from" is a Python keyword, so the two dicts that carry it are declared the functional way.
RequestJSON = TypedDict("RequestJSON", {
    "method": str,
    "path": str,
    "status": int,
    "bytes": int,
    "from": str,
    "to": str,
    "why": str,
    "outcome": str,
    # Only on an answer from a rate-limited registry: the pulls its RateLimit-Remaining header left.
    "rate_limit_remaining": NotRequired[int],
})


class BlobJSON(TypedDict):
    digest: str
    kind: str            # layer | config | manifest
    name: str | None
    size: int
    how: str             # sent, exists, mounted, local, pulled, mirror-hit, mirror-miss
    bytes: int           # what the blob put on the acting client's link
    source: str | None


class LinkUseJSON(TypedDict):
    between: list[str]
    bytes: int
    seconds: float
    # The largest share of the link's bandwidth in use at once during the step (a step the flow model timed).
    peak_share: NotRequired[float]


class ClientTimeJSON(TypedDict):
    """One client of a step where clients act at once."""

    client: str
    seconds: float       # from the step's start until this client's command was done
    ok: bool


class ReferrerJSON(TypedDict):
    """An artifact (a signature, an SBOM) that points at an image through `subject`."""

    subject: str                 # the digest of the image manifest it points at
    digest: str                  # the artifact manifest's digest
    artifact_type: str | None
    how: str                     # pushed (this step stored it) | listed (this step found it)
    via: str                     # api (the referrers API) | tag-schema (the sha256-<hex> index)


class AccessJSON(TypedDict):
    """What a `registry grant` or `registry revoke` step changed."""

    registry: str
    repository: str
    user: str
    change: Change
    actions: list[str]           # the actions the command named
    holds: list[str]             # every action the user holds on the repository after the step


class StorageJSON(TypedDict):
    stored_layer_bytes: int
    logical_layer_bytes: int
    freed_bytes: int


class StepJSON(TypedDict):
    index: int
    id: str | None
    actor: str | None
    command: str | None
    verb: str
    say: str | None
    ok: bool
    error: str | None
    message: str | None
    output: list[str]
    requests: list[RequestJSON]
    blobs: list[BlobJSON]
    layer_bytes_up: int
    layer_bytes_down: int
    naive_layer_bytes_up: int
    naive_layer_bytes_down: int
    saved_layer_bytes: int
    config_bytes: int
    manifest_bytes: int
    layers_pushed: int
    layers_mounted: int
    layers_skipped: int
    layers_pulled: int
    cache_hits: int
    seconds: float
    background_seconds: float
    clock_seconds: float
    links: list[LinkUseJSON]
    storage: dict[str, StorageJSON]
    clients: NotRequired[list[ClientTimeJSON]]   # only in a step of clients acting at once
    referrers: NotRequired[list[ReferrerJSON]]   # only in a step of cosign, oras or helm
    access: NotRequired[AccessJSON]              # only in a registry grant or revoke step that ran


class NodeJSON(TypedDict):
    name: str
    kind: NodeKind       # client, registry, mirror, replica, router, live registry


class LinkJSON(TypedDict):
    between: list[str]
    bandwidth_bps: float
    latency_s: float


class TopologyJSON(TypedDict):
    nodes: list[NodeJSON]
    links: list[LinkJSON]


class ImageLayerJSON(TypedDict):
    digest: str
    layer: str | None    # the scenario's name for the layer, when a client knows it
    size: int


class RunJSON(TypedDict):
    """A whole run as the charts read it: steps, topology, the final images, the unit system."""

    scenario: str
    title: str
    summary: str
    units: str           # decimal | binary
    steps: list[StepJSON]
    topology: TopologyJSON
    images: dict[str, dict[str, list[ImageLayerJSON]]]     # registry -> "name:tag" -> layers
    manifests: dict[str, dict[str, str]]                   # registry -> "name:tag" -> digest
