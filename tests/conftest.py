"""Shared set-up for the registry-model tests: one registry host and the reference images.

The images match the real trace in shared/reference (skopeo against distribution 2.8.2):
`base` is two layers of 3,000,877 B and 1,000,647 B; v1 adds 500,587 B; v2 adds 200,557 B.
"""

from __future__ import annotations

import pytest

from regsim.model.registry.registry import Registry
from regsim.model.registry.storage import MemoryStorage
from regsim.model.registry.store import RegistryStore
from regsim.model.sim.world import World

HOST = "registry.example"
BASE = [("base1", 3_000_877), ("base2", 1_000_647)]
V1 = [*BASE, ("v1", 500_587)]
V2 = [*BASE, ("v2", 200_557)]


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """A world whose default registry is registry.example, with that registry in it.

    Parametrized indirectly, the parameter names the repositories whose tags are immutable.
    """
    w = World(HOST)
    w.add_registry(Registry(HOST, immutable=getattr(request, "param", ())))
    return w


class Restarted(MemoryStorage):
    """Storage that starts with what another registry's store held: the same content served
    by a registry restarted with a new configuration."""

    __slots__ = ("source",)

    def __init__(self, source: RegistryStore) -> None:
        self.source = source

    def load(self, store: RegistryStore) -> None:
        store.blobs.update(self.source.blobs)
        store.repositories.update(self.source.repositories)
        store.layer_digests.update(self.source.layer_digests)
        store.stored_layer_bytes = self.source.stored_layer_bytes


@pytest.fixture
def registry(world: World) -> Registry:
    return world.registries[HOST]


@pytest.fixture
def alice(world: World):  # type: ignore[no-untyped-def]
    """A client that has built app:v1 and app:v2 from the reference recipes."""
    client = world.add_client("alice")
    assert client.build("app:v1", V1).ok
    assert client.build("app:v2", V2).ok
    return client


@pytest.fixture
def bob(world: World):  # type: ignore[no-untyped-def]
    """A client with an empty local store."""
    return world.add_client("bob")


# ----- the app's tests (tests/test_tui*.py): the course read once, apps built on it ----------------
from tui_fixtures import bundled_course, make_app, no_host_state, small_course  # noqa: E402, F401
