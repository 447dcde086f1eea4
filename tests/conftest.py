"""Shared set-up for the registry-model tests: one registry host and the reference images.

The images match the real trace in shared/reference (skopeo against distribution 2.8.2):
`base` is two layers of 3,000,877 B and 1,000,647 B; v1 adds 500,587 B; v2 adds 200,557 B.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from regsim.model.registry.registry import Registry
from regsim.model.registry.storage import MemoryStorage
from regsim.model.registry.store import RegistryStore
from regsim.model.sim.world import World

if TYPE_CHECKING:
    from regsim.scenario.engine import Run

HOST = "registry.example"
BASE = [("base1", 3_000_877), ("base2", 1_000_647)]
V1 = [*BASE, ("v1", 500_587)]
V2 = [*BASE, ("v2", 200_557)]


# ----- how the suite runs ------------------------------------------------------------------------

# One worker per core (two on the CI machine): the tests are CPU-bound, and there two workers beat
# one, three and four. PYTEST_XDIST_AUTO_NUM_WORKERS=N overrides the count.
WORKERS = "auto"


# The longest single tests (a browser and a server, tmux sessions, the walk through every lesson)
# run first, shared between the two workers: started last, one of them would keep one worker busy
# after the other has finished. xdist's work stealing hands each worker an equal run of the list
# (the first half, the second half), so the long ones lead each half in turn.
LONG_FIRST = ("test_web_browser.py", "test_tui_tmux.py", "test_tui_sandbox_save.py")


def long_first(items: list[pytest.Item]) -> list[pytest.Item]:
    long = [item for item in items if item.path.name in LONG_FIRST or item.get_closest_marker("walk")]
    rest = [item for item in items if item not in set(long)]
    first, second = long[0::2], long[1::2]
    middle = max(0, len(items) // 2 - len(first))
    return first + rest[:middle] + second + rest[middle:]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The app driven through Pilot (the async tests of the tests/test_tui*.py files) is slow:
    each test draws real screens, about 1-7 s apiece. `-m "not slow"` leaves them out."""
    for item in items:
        function = getattr(item, "function", None)
        if item.path.name.startswith("test_tui") and inspect.iscoroutinefunction(function):
            item.add_marker(pytest.mark.slow)
    items[:] = long_first(items)


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`pytest` alone runs on WORKERS processes; `-n N` chooses, and `-n 0` or `-p no:xdist` runs in one."""
    if not config.pluginmanager.hasplugin("xdist") or "PYTEST_XDIST_WORKER" in os.environ:
        return
    if config.option.numprocesses is None and not config.option.usepdb and not config.option.collectonly:
        config.option.numprocesses = WORKERS
    if config.option.dist == "no" and config.option.numprocesses:   # not chosen: an idle worker takes
        config.option.dist = "worksteal"                                # tests queued for a busy one


# Deterministic in CI (the same examples on every run, so a failure there is one anyone can
# repeat); random locally, to keep finding new cases. Neither has a deadline: a shared machine's
# pauses are not bugs. HYPOTHESIS_PROFILE=ci locally replays what CI runs.
settings.register_profile("ci", derandomize=True, deadline=None, database=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(scope="session", autouse=True)
def no_user_folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Progress, live roots and other per-user data go to this worker's own folder, never the
    developer's and never another worker's. Tests that write there still take their own tmp_path.

    Each worker has its own tmux server too: with one shared server, one worker's last
    kill-session stops it while another's new-session is connecting, and that one fails."""
    base = tmp_path_factory.mktemp("user")
    with pytest.MonkeyPatch.context() as patch:
        for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "TMUX_TMPDIR"):
            (base / name.lower()).mkdir()
            patch.setenv(name, str(base / name.lower()))
        patch.delenv("TMUX", raising=False)   # not the session a developer runs pytest in
        yield


# ----- the bundled scenarios, replayed once --------------------------------------------------------


@functools.cache
def _replayed(path: Path) -> Run:
    from regsim.scenario.engine import replay
    from regsim.scenario.loader import load_scenario

    return replay(load_scenario(path))


@pytest.fixture(scope="session")
def replayed() -> Callable[[str | Path], Run]:
    """The run of a bundled scenario (by id or path), replayed once per worker and shared.

    Only for tests that read the run: a test that changes it, or that checks that two replays
    agree, replays for itself."""
    from regsim.bundled import find_scenario

    return lambda scenario: _replayed(find_scenario(str(scenario)).resolve())


@pytest.fixture(scope="session")
def bundled_lessons():  # type: ignore[no-untyped-def]
    """The course as the app loads it, once per worker, for tests that read it."""
    from regsim.lessons.loader import lesson_dirs, load_lessons

    return load_lessons(lesson_dirs())


# ----- the model tests' world, registry and clients ----------------------------------------------


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """A world with one registry, registry.example, in it.

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
        for name, saved in self.source.repositories.items():   # its links, over the new blob store
            repo = store.repository(name)
            for digest in saved.blobs.enumerate():
                repo.blobs.link(digest)
            for manifest in saved.manifests.revisions():
                repo.manifests.put(manifest)
            for tag, digest in saved.tags.links().items():
                repo.tags.tag(tag, digest)
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
