"""A Kubernetes node's kubelet pulls as its image manager decides, and containerd fetches only what it lacks.

- imagePullPolicy: kubernetes/kubernetes pkg/kubelet/images/image_manager.go (`EnsureImageExists`,
  `shouldPullImage`) and https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy
  ("Always: every time the kubelet launches a container, the kubelet queries the container image
  registry to resolve the name to an image digest. If the kubelet has a container image with that
  exact digest cached locally, the kubelet uses its cached image").
- The default policy: pkg/apis/core/v1/defaults.go `SetDefaults_Container` (":latest" or no tag:
  Always; otherwise IfNotPresent) and the same page, "Default image pull policy".
- A re-pull of content containerd holds is one HEAD: containerd core/remotes/handlers.go `fetch`
  (an existing digest's writer says AlreadyExists, and nothing is fetched).
- A HEAD spends no Docker Hub pull: docs.docker.com/docker-hub/usage/pulls/ ("Using GET emulates a
  real pull and counts towards the limit. Using HEAD won't.").
"""

from __future__ import annotations

import pytest

from regsim.model.client.daemon import Runtime
from regsim.model.client.kubelet import PullPolicy, default_policy
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.ratelimit import PullRateLimit
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.commands import CommandError, KubeletPull, parse_command

HOST = "registry.example"
IMAGE = f"{HOST}/team/app:1.0"
MB = 1_000_000


def cluster(private: bool = False, limit: PullRateLimit | None = None) -> World:
    world = World()
    guard = None
    if private:
        users = UserStore()
        users.add("ci", "push-pw")
        users.add("puller", "pull-pw")
        grants = {"ci": frozenset({"pull", "push"}), "puller": frozenset({"pull"})}
        guard = RegistryAccess(HOST, AccessPolicy("token", users, {"team/app": RepositoryPolicy("private", grants)}),
                               world.current_time)
    world.add_registry(Registry(HOST, guard=guard, clock=world.current_time, rate_limit=limit))
    ci = world.add_client("ci")
    if private:
        assert ci.login(HOST, "ci", "push-pw").ok
    assert ci.build(IMAGE, [("base", 30 * MB), ("app-1", 5 * MB)]).ok and ci.push(IMAGE).ok
    return world


def test_if_not_present_starts_from_the_nodes_copy_without_asking_the_registry():
    world = cluster()
    node = world.add_client("node", runtime=Runtime.CONTAINERD)
    assert node.kubelet_pull(IMAGE, "IfNotPresent").ok
    with world.recording() as events:
        again = node.kubelet_pull(IMAGE, "IfNotPresent")
    assert again.ok and events == [] and again.blobs == []
    assert again.output == [f'Container image "{IMAGE}" already present on machine']


def test_always_resolves_the_tag_with_one_head_and_downloads_nothing_when_it_is_unchanged():
    world = cluster()
    node = world.add_client("node", runtime=Runtime.CONTAINERD)
    assert node.kubelet_pull(IMAGE, "Always").ok
    with world.recording() as events:
        again = node.kubelet_pull(IMAGE, "Always")
    assert again.ok
    assert [(e.method, e.path) for e in events] == [("HEAD", "/v2/team/app/manifests/1.0")]
    assert again.output[-1] == f'Successfully pulled image "{IMAGE}"'


def test_a_moved_tag_reaches_always_nodes_and_not_if_not_present_nodes():
    world = cluster()
    always = world.add_client("always", runtime=Runtime.CONTAINERD)
    cached = world.add_client("cached", runtime=Runtime.CONTAINERD)
    for node in (always, cached):
        assert node.kubelet_pull(IMAGE, "IfNotPresent").ok
    ci = world.clients["ci"]
    assert ci.build(IMAGE, [("base", 30 * MB), ("app-2", 5 * MB)]).ok and ci.push(IMAGE).ok
    moved = always.kubelet_pull(IMAGE, "Always")
    kept = cached.kubelet_pull(IMAGE, "IfNotPresent")
    assert [b.size for b in moved.blobs if b.kind == "layer" and b.how == "pulled"] == [5 * MB]
    assert kept.blobs == []
    assert always.tags != cached.tags            # two nodes, one tag, two different images


def test_never_refuses_a_missing_image_without_a_request():
    world = cluster()
    node = world.add_client("node", runtime=Runtime.CONTAINERD)
    with world.recording() as events:
        out = node.kubelet_pull(IMAGE, "Never")
    assert not out.ok and out.error == "ErrImageNeverPull" and events == []
    assert out.output == [f'Container image "{IMAGE}" is not present with pull policy of Never']


@pytest.mark.parametrize(("text", "policy"), [
    ("nginx", PullPolicy.ALWAYS),
    ("nginx:latest", PullPolicy.ALWAYS),
    ("registry.example:5000/team/app", PullPolicy.ALWAYS),      # a port is not a tag
    ("nginx:1.27", PullPolicy.IF_NOT_PRESENT),
    ("registry.example/team/app@sha256:" + "a" * 64, PullPolicy.IF_NOT_PRESENT),
])
def test_the_policy_left_out_of_a_pod_spec_depends_on_the_tag(text: str, policy: PullPolicy):
    assert default_policy(text) == policy


def test_an_image_pull_secret_serves_one_pull_and_the_node_keeps_no_credentials():
    world = cluster(private=True)
    node = world.add_client("node", runtime=Runtime.CONTAINERD)
    refused = node.kubelet_pull(IMAGE)
    assert not refused.ok and refused.output[-1].startswith(f'Failed to pull image "{IMAGE}": ')
    assert node.kubelet_pull(IMAGE, secret="puller:pull-pw").ok
    assert node.credentials == {} and node.logins == {}
    # IfNotPresent (the default for :1.0) never asks again, so a pod with no secret starts from this copy.
    assert node.kubelet_pull(IMAGE).output == [f'Container image "{IMAGE}" already present on machine']


def test_always_restarts_spend_no_docker_hub_pulls():
    world = cluster(limit=PullRateLimit(3, 6 * 3600.0))
    nodes = [world.add_client(f"node{i}", runtime=Runtime.CONTAINERD, address="198.51.100.20") for i in (1, 2)]
    for node in nodes:
        assert node.kubelet_pull(IMAGE, "Always").ok
    for _ in range(5):
        for node in nodes:
            assert node.kubelet_pull(IMAGE, "Always").ok
    third = world.add_client("node3", runtime=Runtime.CONTAINERD, address="198.51.100.20")
    assert third.kubelet_pull(IMAGE).ok                 # the third pull of the window
    fourth = world.add_client("node4", runtime=Runtime.CONTAINERD, address="198.51.100.20")
    assert fourth.kubelet_pull(IMAGE).error == "TOOMANYREQUESTS"


def test_kubelet_pull_reads_the_policy_and_secret_and_refuses_an_unknown_policy():
    command = parse_command("kubelet pull --image-pull-policy Always --pull-secret u:p registry.example/a:1")
    assert command == KubeletPull(command.text, "registry.example/a:1", "Always", "u:p")
    with pytest.raises(CommandError, match="Always, IfNotPresent or Never"):
        parse_command("kubelet pull --image-pull-policy Sometimes registry.example/a:1")


def test_the_sandbox_runs_kubelet_pull_on_a_node_and_refuses_it_on_a_docker_client():
    from regsim.bundled import find_scenario
    from regsim.scenario.loader import load_scenario
    from regsim.scenario.sandbox import SandboxSession

    session = SandboxSession.from_scenario(load_scenario(find_scenario("kubernetes-nodes")))
    assert session.enter("as node7").kind == "actor"
    never = session.enter(f"kubelet pull --image-pull-policy Never {IMAGE}")
    assert never.kind == "ran" and never.record is not None and never.record.error == "ErrImageNeverPull"
    assert session.enter("as ci").kind == "actor"
    refused = session.enter(f"kubelet pull {IMAGE}")
    assert refused.kind == "problem" and "runtime: containerd" in refused.message


def test_a_scenario_with_an_unknown_pull_policy_names_its_line():
    from regsim.scenario.loader import parse_scenario
    from regsim.scenario.problems import ContentError

    text = """\
version: 1
title: t
registries: [{name: registry.example}]
clients: [{name: node, runtime: containerd}]
steps:
  - {as: node, run: kubelet pull --image-pull-policy Sometimes registry.example/team/app:1.0}
"""
    with pytest.raises(ContentError) as info:
        parse_scenario(text, "s.yaml")
    found = [str(p) for p in info.value.problems]
    assert len(found) == 1 and found[0].startswith("s.yaml:6:") and "Always, IfNotPresent or Never" in found[0]
