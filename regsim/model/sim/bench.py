"""`regsim bench`: push a Docker-Hub-shaped synthetic registry through the scenario code path.

Shapes follow published Docker Hub figures: a median compressed image of about 150 MiB,
images built on a few popular bases (alpine, debian, ubuntu, node, python, ...) that many
images share, publishers owning a handful of repositories with several tags each. Every
image is built, tagged and pushed by a docker-like client, request by request, exactly as a
scenario step does it; dedup accounting is the registry's own.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import time
from typing import Any

from regsim.model.core.events import BlobKind, How
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World

# Enum members bound once: reading a member off its class costs about 0.15 µs in CPython 3.11,
# and these are read for every blob (or request) a command moves.
_LAYER = BlobKind.LAYER
_SENT = How.SENT   # the only way a push moves a blob

MIB = 1024 * 1024
HOST = "hub.example"
# Popular bases as layer stacks (name, size); the language runtimes sit on debian, as the official images do.
BASES: dict[str, list[tuple[str, int]]] = {
    "alpine": [("alpine-3", int(3.4 * MIB))],
    "debian": [("debian-12", 49 * MIB)],
    "ubuntu": [("ubuntu-24.04", 29 * MIB)],
    "node": [("debian-12", 49 * MIB), ("bp-curl", 24 * MIB), ("bp-scm", 64 * MIB), ("node-22", 45 * MIB)],
    "python": [("debian-12", 49 * MIB), ("bp-curl", 24 * MIB), ("python-3.12", 19 * MIB),
               ("python-pip", 3 * MIB)],
    "golang": [("debian-12", 49 * MIB), ("bp-curl", 24 * MIB), ("bp-scm", 64 * MIB), ("go-1.23", 68 * MIB)],
}
BASE_WEIGHTS = {"alpine": 25, "debian": 15, "ubuntu": 20, "node": 15, "python": 15, "golang": 10}
REPOS_PER_PUBLISHER = 10
TAGS_PER_REPO = 5
LAYERS_PER_IMAGE = 10


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def run_bench(images: int, seed: int = 7) -> dict[str, Any]:
    """Build and push `images` images; report counts, dedup, seconds and peak memory."""
    rng = random.Random(seed)
    getrandbits = rng.getrandbits
    world = World(HOST)
    registry = world.add_registry(Registry(HOST))
    bases = list(BASE_WEIGHTS)
    weights = [BASE_WEIGHTS[b] for b in bases]
    layer_references = 0
    pushed_layer_bytes = 0
    requests = 0
    gc.disable()   # millions of small objects, none of them cyclic garbage
    start = time.perf_counter()
    made = 0
    publisher = 0
    while made < images:
        publisher += 1
        client = world.add_client(f"pub{publisher}")
        for repo_index in range(REPOS_PER_PUBLISHER):
            if made >= images:
                break
            base = BASES[rng.choices(bases, weights)[0]]
            repository = f"pub{publisher}/app{repo_index}"
            # Dependencies are shared by a repository's tags; the top layers change with every tag.
            deps = [(f"{repository}-deps{i}", rng.randint(2, 40) * MIB) for i in range(3)]
            for tag_index in range(TAGS_PER_REPO):
                if made >= images:
                    break
                own = LAYERS_PER_IMAGE - len(base) - len(deps)
                top = []
                for i in range(own):
                    # randint(1, 12) as CPython draws it (Random._randbelow: 4 random bits, drawn
                    # again while 12 or more), without its three Python calls: the same numbers.
                    drawn = getrandbits(4)
                    while drawn >= 12:
                        drawn = getrandbits(4)
                    top.append((f"{repository}-t{tag_index}-l{i}", (drawn + 1) * MIB))
                recipe = base + deps + top
                local = f"{repository}:v{tag_index}"
                client.build(local, recipe)
                reference = f"{HOST}/{local}"
                client.tag(local, reference)
                with world.recording() as sink:
                    outcome = client.push(reference)
                if not outcome.ok:
                    raise RuntimeError(f"bench push failed: {outcome.message}")
                requests += len(sink)
                layer_references += len(recipe)
                for blob in outcome.blobs:   # a loop: a generator's resumptions cost more
                    if blob.how is _SENT and blob.kind is _LAYER:   # BlobRecord.moved, for a push
                        pushed_layer_bytes += blob.size
                made += 1
        del world.clients[client.name]   # a publisher's machine is not kept once it has pushed
    seconds = time.perf_counter() - start
    # Every tag's image bytes, read once for the logical sum (Registry.logical_layer_bytes) and the median.
    sizes = _tagged_image_bytes(registry)
    logical = sum(sizes)
    stored = registry.layer_bytes_stored()
    result: dict[str, Any] = {
        "images": made,
        "repositories": len(registry.repositories),
        "layer_references": layer_references,
        "requests": requests,
        "distinct_layers": len(registry.layer_digests),
        "logical_layer_bytes": logical,
        "stored_layer_bytes": stored,
        "dedup_saving_percent": round(100 * (logical - stored) / logical, 1) if logical else 0.0,
        "uploaded_layer_bytes": pushed_layer_bytes,
        "median_image_mib": round((sizes[len(sizes) // 2] if sizes else 0) / MIB, 1),
        "seconds": round(seconds, 3),
        "microseconds_per_layer_reference": round(1e6 * seconds / max(layer_references, 1), 2),
        "peak_memory_bytes": _peak_rss_bytes(),
    }
    # The registry leaves the world (which refers to itself through its replication), so that
    # reference counting frees it as this returns; the collector, enabled again, would otherwise
    # walk every object of the run to find it (at 100,000 images, seconds of CPU).
    world.registries.clear()
    gc.enable()
    return result


def _tagged_image_bytes(registry: Registry) -> list[int]:
    """Each tag's image layer bytes (its images summed, as `tagged_images` lists them, without
    building that listing: at 100,000 images it would raise the peak memory), in ascending order."""
    sizes = [
        sum([image.layer_bytes for image in registry.image_manifests(manifest, repo)])
        for repo in registry.repositories.values()
        for digest in repo.tags.links().values()
        if (manifest := repo.manifests.get(digest)) is not None
    ]
    sizes.sort()
    return sizes
