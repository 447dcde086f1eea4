"""Property tests: random pushes, pulls, tags, deletes and GCs never break the registry's invariants.

Invariants checked after every step:
- no manifest in any repository names a blob the store no longer holds;
- `stored_layer_bytes` is the sum of the sizes of the layer blobs the store holds;
- while every stored layer belongs to a tagged image, stored layer bytes <= logical layer bytes;
- every tag names a manifest the repository holds, and any client can pull any tag.
Per step: deleting a manifest removes no blob; GC frees exactly the blobs no remaining manifest
names (and reports their bytes). At the end: replaying the same steps in a fresh world gives the
same registry state and the very same requests.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from regsim.model.oci.descriptor import layer_blob
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.manifest import Index, Manifest
from regsim.model.registry.gc import collect_garbage
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World

HOST = "registry.example"
POOL = [("os", 3_000), ("runtime", 2_000), ("libs", 1_500), ("app-a", 500), ("app-b", 300), ("cfg", 40)]
POOL_DIGESTS = {layer_blob(name, size).digest: size for name, size in POOL}
CLIENTS = ("alice", "bob", "carol")
PLATFORMS = {"alice": "linux/amd64", "bob": "linux/amd64", "carol": "linux/arm64"}
REPOS = ("team/app", "other/app", "team/tool")
TAGS = ("v1", "v2", "latest")

clients = st.sampled_from(CLIENTS)
repos = st.sampled_from(REPOS)
tags = st.sampled_from(TAGS)
recipes = st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4, unique=True).map(tuple)


def fresh_world() -> World:
    world = World(HOST)
    world.add_registry(Registry(HOST))
    for name in CLIENTS:
        world.add_client(name, platform=PLATFORMS[name])
    return world


def referenced(registry: Registry) -> set[str]:
    needed: set[str] = set()
    for repo in registry.repositories.values():
        for manifest in repo.manifests.revisions():
            needed.add(manifest.digest)
            if isinstance(manifest, Manifest):
                needed.update(manifest.blob_digests())
    return needed


def apply(world: World, op: tuple) -> list[object]:  # type: ignore[type-arg]
    """Run one step; returns what it showed (outputs, errors, GC reports) for the replay check."""
    registry = world.registries[HOST]
    kind, *args = op
    if kind == "build_push":
        client, recipe, repo, tag = args
        c = world.clients[client]
        ref = f"{HOST}/{repo}:{tag}"
        c.build(ref, [POOL[i] for i in recipe])
        out = c.push(ref)
        return [out.ok, out.error, out.output]
    if kind == "build_push_multi":
        client, amd64, arm64, repo, tag = args
        c = world.clients[client]
        ref = f"{HOST}/{repo}:{tag}"
        c.build(ref, {"linux/amd64": [POOL[i] for i in amd64], "linux/arm64": [POOL[i] for i in arm64]})
        out = c.push(ref)
        return [out.ok, out.error, out.output]
    if kind == "retag_push":
        client, src_repo, src_tag, repo, tag = args
        c = world.clients[client]
        ref = f"{HOST}/{repo}:{tag}"
        tagged = c.tag(f"{HOST}/{src_repo}:{src_tag}", ref)
        if not tagged.ok:
            return [tagged.error]
        out = c.push(ref)
        return [out.ok, out.error, out.output]
    if kind == "pull":
        client, repo, tag = args
        out = world.clients[client].pull(f"{HOST}/{repo}:{tag}")
        return [out.ok, out.error, out.output]
    if kind == "rmi":
        client, repo, tag = args
        out = world.clients[client].rmi(f"{HOST}/{repo}:{tag}")
        return [out.ok, out.output]
    if kind in ("delete_tag", "delete_digest"):
        repo, tag = args
        try:
            reference = tag if kind == "delete_tag" else registry.resolve(repo, tag).digest
            return [registry.delete_manifest(None, repo, reference).status]
        except RegistryError as error:
            return [error.code.name]
    if kind == "gc":
        (untagged,) = args
        report = collect_garbage(registry, delete_untagged=untagged)
        return [report.blobs_freed, report.bytes_freed, report.layer_bytes_freed, report.manifests_deleted,
                report.freed]
    raise AssertionError(f"unknown step {kind}")


def run_logged(world: World, log: list[tuple]) -> tuple[bytes, list[dict], list[object]]:  # type: ignore[type-arg]
    requests: list[dict] = []  # type: ignore[type-arg]
    shown: list[object] = []
    for op in log:
        with world.recording() as events:
            shown.append(apply(world, op))
        requests.extend(e.to_dict() for e in events)
    snapshots = [world.registries[HOST].snapshot_json()] + [c.snapshot_json() for c in world.clients.values()]
    return b"\n".join(snapshots), requests, shown


class RegistryWorld(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = fresh_world()
        self.registry = self.world.registries[HOST]
        self.log: list[tuple] = []  # type: ignore[type-arg]
        self.requests: list[dict] = []  # type: ignore[type-arg]
        self.shown: list[object] = []

    def step(self, op: tuple) -> list[object]:  # type: ignore[type-arg]
        with self.world.recording() as events:
            shown = apply(self.world, op)
        self.log.append(op)
        self.shown.append(shown)
        self.requests.extend(e.to_dict() for e in events)
        return shown

    def tagged(self, repo: str, tag: str) -> bool:
        r = self.registry.repositories.get(repo)
        return r is not None and tag in r.tags

    # ----- rules -----------------------------------------------------------------------------

    @rule(client=clients, recipe=recipes, repo=repos, tag=tags)
    def build_and_push(self, client, recipe, repo, tag):  # type: ignore[no-untyped-def]
        ok, _error, output = self.step(("build_push", client, recipe, repo, tag))
        assert ok, output
        assert self.tagged(repo, tag)

    @rule(client=clients, amd64=recipes, arm64=recipes, repo=repos, tag=tags)
    def build_multi_platform_and_push(self, client, amd64, arm64, repo, tag):  # type: ignore[no-untyped-def]
        ok, _error, output = self.step(("build_push_multi", client, amd64, arm64, repo, tag))
        assert ok, output
        assert isinstance(self.registry.resolve(repo, tag), Index)

    @rule(client=clients, src_repo=repos, src_tag=tags, repo=repos, tag=tags)
    def retag_and_push(self, client, src_repo, src_tag, repo, tag):  # type: ignore[no-untyped-def]
        shown = self.step(("retag_push", client, src_repo, src_tag, repo, tag))
        if len(shown) == 3:
            assert shown[0], shown[2]

    @rule(client=clients, repo=repos, tag=tags)
    def pull(self, client, repo, tag):  # type: ignore[no-untyped-def]
        exists = self.tagged(repo, tag)
        ok, _error, output = self.step(("pull", client, repo, tag))
        assert ok == exists, output
        if exists:
            manifest = self.registry.resolve(repo, tag)
            if isinstance(manifest, Index):
                entry = manifest.for_platform(self.world.clients[client].platform)
                manifest = self.registry.resolve(repo, entry.digest)
            local = self.world.clients[client].layers
            assert all(layer.digest in local for layer in manifest.layers)

    @rule(client=clients, repo=repos, tag=tags)
    def rmi(self, client, repo, tag):  # type: ignore[no-untyped-def]
        self.step(("rmi", client, repo, tag))

    @rule(repo=repos, tag=tags, by_digest=st.booleans())
    def delete(self, repo, tag, by_digest):  # type: ignore[no-untyped-def]
        blobs = dict(self.registry.blobs)
        stored = self.registry.stored_layer_bytes
        target = self.registry.resolve(repo, tag).digest if self.tagged(repo, tag) else None
        snapshot = self.registry.snapshot_json()
        (result,) = self.step(("delete_digest" if by_digest else "delete_tag", repo, tag))
        assert self.registry.blobs == blobs          # deleting a manifest never removes a blob
        assert self.registry.stored_layer_bytes == stored
        if result == "DENIED":
            # a manifest an index still lists cannot go by digest: nothing changes
            assert by_digest and target is not None
            listed = [m for m in self.registry.repositories[repo].manifests.revisions()
                      if isinstance(m, Index) and any(e.digest == target for e in m.manifests)]
            assert listed
            assert self.registry.snapshot_json() == snapshot
        else:
            # an unknown repository is MANIFEST_UNKNOWN too, as distribution answers
            assert result == (202 if target else "MANIFEST_UNKNOWN")
            assert not self.tagged(repo, tag)

    @rule(untagged=st.booleans())
    def gc(self, untagged):  # type: ignore[no-untyped-def]
        before = dict(self.registry.blobs)
        freed_count, freed_bytes, layer_bytes, _, freed = self.step(("gc", untagged))
        after = set(self.registry.blobs)
        assert after == referenced(self.registry)    # exactly the unreferenced blobs went
        assert set(freed) == set(before) - after
        assert freed_count == len(freed)
        assert freed_bytes == sum(before[d].size for d in freed)
        assert layer_bytes == sum(before[d].size for d in freed if d in POOL_DIGESTS)
        for repo in self.registry.repositories.values():
            assert set(repo.blobs.enumerate()) <= after

    # ----- invariants ------------------------------------------------------------------------------

    @invariant()
    def no_manifest_names_a_missing_blob(self) -> None:
        for repo in self.registry.repositories.values():
            for manifest in repo.manifests.revisions():
                digest = manifest.digest
                assert digest in self.registry.blobs
                if isinstance(manifest, Manifest):
                    missing = set(manifest.blob_digests()) - set(self.registry.blobs)
                    assert not missing, f"{repo.name}@{digest[:19]} names missing {missing}"

    @invariant()
    def every_tag_names_a_stored_manifest(self) -> None:
        for repo in self.registry.repositories.values():
            for digest in repo.tags.links().values():
                top = repo.manifests.get(digest)
                assert top is not None
                if isinstance(top, Index):   # a tagged index keeps every platform's manifest
                    assert all(entry.digest in repo.manifests for entry in top.manifests)

    @invariant()
    def stored_layer_bytes_is_the_size_of_the_layers_held(self) -> None:
        held = sum(size for digest, size in POOL_DIGESTS.items() if digest in self.registry.blobs)
        assert self.registry.stored_layer_bytes == held

    @invariant()
    def stored_never_exceeds_logical_while_every_layer_is_tagged(self) -> None:
        held = {d for d in POOL_DIGESTS if d in self.registry.blobs}
        tagged = {layer.digest for layers in self.registry.tagged_images().values() for layer in layers}
        if held <= tagged:
            assert self.registry.stored_layer_bytes <= self.registry.logical_layer_bytes()

    def teardown(self) -> None:
        if not self.log:
            return
        here = (
            b"\n".join([self.registry.snapshot_json()] + [c.snapshot_json() for c in self.world.clients.values()]),
            self.requests,
            self.shown,
        )
        again = run_logged(fresh_world(), self.log)
        assert again[0] == here[0], "replay gave a different state"
        assert again[1] == here[1], "replay gave different requests"
        assert again[2] == here[2], "replay printed different output"


RegistryWorld.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_registry_invariants_hold_under_random_pushes_pulls_deletes_and_gc = RegistryWorld.TestCase
