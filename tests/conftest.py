"""Shared set-up for the registry-model tests: one registry host and the reference images.

The images match the real trace in shared/reference (skopeo against distribution 2.8.2):
`base` is two layers of 3,000,877 B and 1,000,647 B; v1 adds 500,587 B; v2 adds 200,557 B.
"""

from __future__ import annotations

import pytest

from regsim.model.registry import Registry
from regsim.model.world import World

HOST = "registry.example"
BASE = [("base1", 3_000_877), ("base2", 1_000_647)]
V1 = [*BASE, ("v1", 500_587)]
V2 = [*BASE, ("v2", 200_557)]


@pytest.fixture
def world() -> World:
    """A world whose default registry is registry.example, with that registry in it."""
    w = World(HOST)
    w.add_registry(Registry(HOST))
    return w


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
