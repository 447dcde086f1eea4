"""Names mean what docker makes of them, and each client kind mirrors as its real engine does.

- A name with no host is Docker Hub's: github.com/distribution/reference normalize.go
  (`ParseNormalizedNamed`, `splitDockerDomain`, `familiarizeName`).
- dockerd's `registry-mirrors` serve docker.io only: moby registry/service_v2.go
  (`lookupV2Endpoints`) and https://docs.docker.com/docker-hub/image-library/mirror/ ("it's not
  possible to mirror another private registry"); a failing mirror falls back to the next
  endpoint: moby distribution/errors.go (`continueOnError`).
- containerd's hosts.toml, per registry: containerd docs/hosts.md ("server field": hosts first,
  in order, then the server); each request moves on to the next host on any failure:
  core/remotes/docker/resolver.go ("trying next host"), fetcher.go ("try another host").
- crictl's output: kubernetes-sigs/cri-tools cmd/crictl/image.go and util.go.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from regsim.cli import main
from regsim.model.client.daemon import Runtime
from regsim.model.oci.reference import parse_reference
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.proxy import PullThroughCache
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.engine import replay
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError

ORIGIN = "registry.example"
MIRROR = "mirror.example"
IMAGE = f"{ORIGIN}/team/app:v1"
MB = 1_000_000


def world_with_mirror(mirror_of: str = ORIGIN) -> World:
    """ORIGIN holds team/app:v1, docker.io holds team/tool:v1 and library/python:3.12; MIRROR caches `mirror_of`."""
    world = World()
    for host in (ORIGIN, "docker.io"):
        world.add_registry(Registry(host, clock=world.current_time))
    world.add_registry(PullThroughCache(MIRROR, mirror_of, 3600.0, world=world), "mirror")
    publisher = world.add_client("publisher")
    for ref in (IMAGE, "docker.io/team/tool:v1", "python:3.12"):
        assert publisher.build(ref, [("base", 10 * MB), (ref, 1 * MB)]).ok
        assert publisher.push(ref).ok
    return world


# ----- names ---------------------------------------------------------------------------------------


def test_a_short_name_goes_to_docker_hub_under_library_even_with_another_registry_set_up():
    world = world_with_mirror()
    client = world.add_client("dev")
    with world.recording() as events:
        out = client.pull("python:3.12")
    assert out.ok, out.output
    assert {e.dst for e in events} == {"docker.io"}
    assert any(e.path == "/v2/library/python/manifests/3.12" for e in events)
    assert out.output[-1] == "Status: Downloaded newer image for python:3.12"   # docker hides docker.io/library/


def test_docker_images_hides_docker_hub_and_library_but_shows_every_other_host():
    world = world_with_mirror()
    client = world.add_client("dev")
    for ref in ("python:3.12", "team/tool:v1", IMAGE):
        assert client.pull(ref).ok
    assert [row.repository for row in client.image_rows()] == ["python", "team/tool", f"{ORIGIN}/team/app"]


@pytest.mark.parametrize("text", ["python", "python:3.12", "team/app:v1", "docker.io/library/python:3.12",
                                  "index.docker.io/team/app", "registry.example/team/app:v1",
                                  "registry.example/library/app", "localhost:5000/app", "a/b/c:d"])
def test_the_familiar_form_and_the_full_form_name_the_same_image(text: str):
    # distribution/reference: ParseNormalizedNamed(FamiliarString(ref)) is ref again
    ref = parse_reference(text)
    assert parse_reference(ref.familiar()) == ref == parse_reference(ref.full)


# ----- dockerd's registry-mirrors ------------------------------------------------------------------


def test_dockerd_mirrors_are_never_asked_for_a_private_registrys_image():
    world = world_with_mirror(mirror_of=ORIGIN)
    client = world.add_client("dev", mirrors=[MIRROR])
    with world.recording() as events:
        assert client.pull(IMAGE).ok
    assert {e.dst for e in events} == {ORIGIN}


def test_dockerd_mirrors_serve_docker_hub_names():
    world = world_with_mirror(mirror_of="docker.io")
    client = world.add_client("dev", mirrors=[MIRROR])
    with world.recording() as events:
        out = client.pull("team/tool:v1")
    assert out.ok, out.output
    assert {e.dst for e in events if e.src == "dev"} == {MIRROR}


def test_dockerd_falls_back_to_docker_hub_when_its_mirror_cannot_be_reached():
    world = world_with_mirror(mirror_of="docker.io")
    client = world.add_client("dev", mirrors=[MIRROR])
    world.network.set_up("dev", MIRROR, False)
    with world.recording() as events:
        out = client.pull("team/tool:v1")
    assert out.ok, out.output
    assert [e.dst for e in events if e.src == "dev"][0] == MIRROR
    assert any(e.dst == "docker.io" and "/blobs/" in e.path for e in events if e.src == "dev")


# ----- containerd's hosts.toml and crictl ----------------------------------------------------------


def node(world: World, hosts: dict[str, list[str]] | None = None, name: str = "node"):  # type: ignore[no-untyped-def]
    return world.add_client(name, runtime=Runtime.CONTAINERD, hosts={ORIGIN: [MIRROR]} if hosts is None else hosts)


def test_containerd_resolves_with_head_and_fetches_by_digest_without_a_version_check():
    world = world_with_mirror()
    with world.recording() as events:
        out = node(world, {}).crictl_pull(IMAGE)
    assert out.ok, out.output
    mine = [(e.method, e.path) for e in events if e.src == "node"]
    assert ("GET", "/v2/") not in mine
    assert mine[0] == ("HEAD", "/v2/team/app/manifests/v1")
    assert mine[1][0] == "GET" and mine[1][1].startswith("/v2/team/app/manifests/sha256:")


def test_containerd_asks_the_hosts_toml_mirror_of_a_private_registry_first():
    world = world_with_mirror()
    with world.recording() as events:
        out = node(world).crictl_pull(IMAGE)
    assert out.ok, out.output
    assert {e.dst for e in events if e.src == "node"} == {MIRROR}
    assert all(b.source == MIRROR for b in out.blobs if b.kind == "layer")
    # docs/hosts.md: a request to a mirror names the registry in the `ns` query parameter
    assert all(e.path.endswith(f"?ns={ORIGIN}") for e in events if e.src == "node")


def test_containerd_falls_back_to_the_registry_request_by_request_when_the_mirror_lacks_the_image():
    world = world_with_mirror(mirror_of="docker.io")   # this mirror copies Docker Hub, not registry.example
    with world.recording() as events:
        out = node(world).crictl_pull(IMAGE)
    assert out.ok, out.output
    heads = [(e.dst, e.status) for e in events if e.src == "node" and e.method == "HEAD"]
    assert heads == [(MIRROR, 404), (ORIGIN, 200)]
    # every later request tries the mirror again first, as containerd's fetcher does
    blob_gets = [e.dst for e in events if e.src == "node" and "/blobs/" in e.path]
    assert blob_gets == [MIRROR, ORIGIN] * (len(blob_gets) // 2)


def test_containerd_falls_back_to_the_registry_when_the_mirror_cannot_be_reached():
    world = world_with_mirror()
    client = node(world)
    world.network.set_up("node", MIRROR, False)
    out = client.crictl_pull(IMAGE)
    assert out.ok, out.output
    assert all(b.source is None for b in out.blobs if b.kind == "layer")


def test_with_every_host_down_crictl_says_what_containerd_says():
    world = world_with_mirror()
    client = node(world)
    world.network.set_up("node", MIRROR, False)
    world.network.set_up("node", ORIGIN, False)
    out = client.crictl_pull(IMAGE)
    assert not out.ok and out.error == "NETWORK_UNREACHABLE"
    assert out.output[-1].startswith(
        f'pulling image: rpc error: code = Unknown desc = failed to pull and unpack image "{IMAGE}": '
        f'failed to resolve reference "{IMAGE}"')


def test_crictl_pull_of_a_missing_tag_is_not_found():
    world = world_with_mirror()
    out = node(world, {}).crictl_pull(f"{ORIGIN}/team/app:v9")
    assert not out.ok
    assert out.output[-1].endswith(f'failed to resolve reference "{ORIGIN}/team/app:v9": {ORIGIN}/team/app:v9: '
                                   "not found")


def test_containerd_answers_a_token_challenge_on_its_first_request():
    world = World()
    policy = AccessPolicy("token", UserStore(), {"team/app": RepositoryPolicy("public", {})})
    world.add_registry(Registry(ORIGIN, clock=world.current_time))
    publisher = world.add_client("publisher")
    assert publisher.build(IMAGE, [("base", MB)]).ok and publisher.push(IMAGE).ok
    guarded = Registry(ORIGIN, guard=RegistryAccess(ORIGIN, policy, world.current_time), clock=world.current_time,
                       storage=_restarted(world.registries[ORIGIN]))
    world.add_registry(guarded)
    with world.recording() as events:
        out = node(world, {}).crictl_pull(IMAGE)
    assert out.ok, out.output
    first = [(e.method, e.path.split("?")[0], e.status) for e in events if e.src == "node"][:3]
    assert first == [("HEAD", "/v2/team/app/manifests/v1", 401), ("GET", "/token", 200),
                     ("HEAD", "/v2/team/app/manifests/v1", 200)]


def _restarted(registry: Registry):  # type: ignore[no-untyped-def]
    from conftest import Restarted

    return Restarted(registry.store)


def test_crictl_prints_the_image_id_and_lists_full_names_with_13_digit_ids():
    world = world_with_mirror()
    client = node(world, {})
    out = client.crictl_pull("python:3.12")
    assert out.ok, out.output
    rows = client.crictl_image_rows()
    assert [(r.repository, r.tag) for r in rows] == [("docker.io/library/python", "3.12")]
    assert out.output == [f"Image is up to date for {rows[0].image_id}"]   # the config's digest, in full
    from regsim.scenario.tables import crictl_images_table

    lines = crictl_images_table(rows).docker_lines()
    assert lines[0].split() == ["IMAGE", "TAG", "IMAGE", "ID", "SIZE"]
    assert lines[0].index("TAG") == len("docker.io/library/python") + 3       # tabwriter padding 3
    assert lines[1].split()[2] == rows[0].image_id.removeprefix("sha256:")[:13]
    assert lines[1].split()[3] == "11MB"


def test_crictl_rmi_removes_the_image_with_every_name_it_has():
    world = world_with_mirror()
    client = node(world, {})
    assert client.crictl_pull("python:3.12").ok
    out = client.crictl_rmi("docker.io/library/python:3.12")
    assert out.ok and out.output == ["Deleted: docker.io/library/python:3.12"]
    assert client.crictl_image_rows() == [] and client.layers == {}
    missing = client.crictl_rmi("python:3.12")
    assert not missing.ok and missing.output == ["no such image python:3.12"]


# ----- the scenario format -------------------------------------------------------------------------

HEAD = """\
version: 1
title: t
summary: s
"""


def problems(text: str) -> list[str]:
    with pytest.raises(ContentError) as info:
        parse_scenario(HEAD + text, "s.yaml")
    return [str(p) for p in info.value.problems]


def test_default_is_retired_with_one_error_at_its_line_that_says_what_to_write():
    found = problems("""registries:
  - name: registry.example
    default: true
clients: [dev]
steps:
  - {as: dev, run: docker pull registry.example/team/app:v1}
""")
    assert len(found) == 1
    assert found[0].startswith("s.yaml:6:5: `default:` is retired")
    assert "registry.example/team/app:1.0" in found[0] and "docker.io" in found[0]


def test_a_short_name_sent_to_a_registry_needs_a_docker_io_registry():
    found = problems("""registries: [{name: registry.example}]
clients: [dev]
layers: {base: 1MB}
images: {app:v1: [base]}
steps:
  - {as: dev, run: docker build -t app:v1 .}
  - {as: dev, run: docker push team/app:v1}
""")
    assert len(found) == 1
    assert found[0].startswith("s.yaml:10:")
    assert "Docker Hub (docker.io/team/app:v1)" in found[0] and "registry.example/team/app:v1" in found[0]


def test_a_registry_named_docker_io_stands_for_docker_hub():
    scenario = parse_scenario(HEAD + """registries: [{name: docker.io}]
clients: [dev]
layers: {base: 1MB}
images: {app:v1: [base]}
steps:
  - {as: dev, run: docker build -t app:v1 .}
  - {as: dev, run: docker push app:v1}
""")
    record = replay(scenario).records[-1]
    assert record.ok and record.output[0] == "The push refers to repository [docker.io/library/app]"


def test_a_docker_command_on_a_containerd_node_and_crictl_on_docker_are_lint_errors():
    found = problems("""registries: [{name: registry.example}]
clients:
  - {name: node, runtime: containerd}
  - {name: dev}
steps:
  - {as: node, run: docker pull registry.example/team/app:v1}
  - {as: dev, run: crictl pull registry.example/team/app:v1}
""")
    assert found[0].startswith("s.yaml:9:") and "containerd node" in found[0] and "crictl" in found[0]
    assert found[1].startswith("s.yaml:10:") and "runtime: containerd" in found[1]


def test_mirrors_belong_to_docker_and_hosts_to_containerd():
    found = problems("""registries: [{name: registry.example}, {name: mirror.example, mirror_of: registry.example}]
clients:
  - {name: node, runtime: containerd, mirrors: [mirror.example]}
  - {name: dev, hosts: {registry.example: [mirror.example]}}
  - {name: other, runtime: podman}
steps:
  - {say: nothing}
""")
    assert any(p.startswith("s.yaml:6:") and "hosts: {docker.io: [MIRROR]}" in p for p in found)
    assert any(p.startswith("s.yaml:7:") and "runtime: containerd to use hosts:" in p for p in found)
    assert any(p.startswith("s.yaml:8:") and "docker or containerd" in p for p in found)


def test_mirrors_that_can_never_apply_are_a_warning_that_explains_dockerds_rule(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    path = tmp_path / "mirrors.yaml"
    path.write_text(HEAD + """registries:
  - {name: registry.example}
  - {name: mirror.example, mirror_of: registry.example}
clients: [{name: dev, mirrors: [mirror.example]}]
steps:
  - {as: dev, run: docker pull registry.example/team/app:v1}
""")
    assert main(["lint", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}:7:23: warning: dev's mirrors never apply" in out
    assert "Docker Hub (docker.io) names only" in out and "runtime: containerd with hosts:" in out
    assert replay(parse_scenario(path.read_text())).records[0].requests[0].dst == "registry.example"


def test_a_containerd_node_with_hosts_for_docker_hub_pulls_short_names_through_its_mirror():
    scenario = parse_scenario(HEAD + """registries:
  - {name: docker.io}
  - {name: hub-mirror.example, mirror_of: docker.io}
clients:
  - official
  - {name: node, runtime: containerd, hosts: {docker.io: [hub-mirror.example]}}
layers: {base: 1MB}
images: {python:3.12: [base]}
steps:
  - {as: official, run: docker build -t python:3.12 .}
  - {as: official, run: docker push python:3.12}
  - {as: node, run: crictl pull python:3.12}
  - {as: node, run: crictl images}
""")
    run = replay(scenario)
    pull, images = run.records[2], run.records[3]
    assert pull.ok and {e.dst for e in pull.requests if e.src == "node"} == {"hub-mirror.example"}
    assert pull.verb == "pull"        # a crictl pull is a pull in the charts and the JSON
    assert images.output[1].startswith("docker.io/library/python")


def test_a_mirror_that_refuses_the_node_is_only_a_reason_to_try_the_registry():
    world = world_with_mirror()
    policy = AccessPolicy("token", UserStore(), {"team/app": RepositoryPolicy("private", {})})
    world.add_registry(PullThroughCache(MIRROR, ORIGIN, 3600.0, world=world,
                                        guard=RegistryAccess(MIRROR, policy, world.current_time)), "mirror")
    with world.recording() as events:
        out = node(world).crictl_pull(IMAGE)
    assert out.ok and out.error is None, out.output
    assert [e.status for e in events if e.src == "node" and e.dst == MIRROR][0] == 401
    assert out.output == [out.output[-1]] and out.output[-1].startswith("Image is up to date for sha256:")


def test_a_mirror_listed_for_a_registry_it_does_not_copy_is_a_warning():
    scenario = parse_scenario(HEAD + """registries:
  - {name: docker.io}
  - {name: registry.example}
  - {name: mirror.example, mirror_of: registry.example}
clients:
  - {name: dev, mirrors: [mirror.example]}
  - {name: node, runtime: containerd, hosts: {docker.io: [mirror.example]}}
steps:
  - {as: dev, run: docker pull python:3.12}
  - {as: node, run: crictl pull python:3.12}
""", "s.yaml")
    found = [str(w) for w in scenario.warnings]
    assert len(found) == 2
    assert found[0].startswith("s.yaml:9:27: warning: mirror.example is a pull-through cache of registry.example")
    assert found[1].startswith("s.yaml:10:59: warning:") and "asks it for docker.io names" in found[1]


def test_crictl_pull_creds_serve_one_pull_of_a_private_image_and_are_kept_nowhere():
    # cri-tools cmd/crictl/image.go: --creds USERNAME[:PASSWORD] goes with this one pull request.
    world = World()
    users = UserStore()
    users.add("ops", "s3cret")
    policy = AccessPolicy("token", users, {"team/app": RepositoryPolicy("private", {"ops": frozenset({"pull"})})})
    world.add_registry(Registry(ORIGIN, clock=world.current_time))
    publisher = world.add_client("publisher")
    assert publisher.build(IMAGE, [("base", MB)]).ok and publisher.push(IMAGE).ok
    world.add_registry(Registry(ORIGIN, guard=RegistryAccess(ORIGIN, policy, world.current_time),
                                clock=world.current_time, storage=_restarted(world.registries[ORIGIN])))
    client = node(world, {})
    refused = client.crictl_pull(IMAGE)
    assert not refused.ok and "pull access denied, repository does not exist or may require authorization" in (
        refused.output[-1])
    assert client.crictl_pull(IMAGE, "ops:s3cret").ok
    assert client.credentials == {} and client.logins == {}
    assert "s3cret" not in " ".join(refused.output)


def test_crictl_pull_creds_are_masked_on_charts():
    from regsim.scenario.prompt import masked_command

    assert masked_command("crictl pull --creds ops:s3cret registry.example/team/app:v1") == (
        "crictl pull --creds *** registry.example/team/app:v1")


def test_the_suggested_full_reference_names_a_registry_not_a_mirror():
    found = problems("""registries:
  - {name: cache.example, mirror_of: registry.example}
  - {name: registry.example}
clients: [dev]
steps:
  - {as: dev, run: docker pull team/app:v1}
""")
    assert len(found) == 1 and "(registry.example/team/app:v1)" in found[0]


def test_playing_a_scenario_with_the_retired_key_exits_2_with_one_line_and_no_traceback(tmp_path: Path, capsys):  # type: ignore[no-untyped-def]
    path = tmp_path / "old.yaml"
    path.write_text(HEAD + """registries:
  - {name: registry.example, default: true}
clients: [dev]
steps:
  - {as: dev, run: docker pull registry.example/team/app:v1}
""")
    assert main(["play", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"{path}:5:30: `default:` is retired")
