"""Docker Hub's pull rate limit, rule by rule, as Docker's documentation defines it.

Sources: docs.docker.com/docker-hub/usage/pulls/ (docker/docs content/manuals/docker-hub/usage/pulls.md,
2025) and, before it, docs.docker.com/docker-hub/download-rate-limit/ (content/docker-hub/download-rate-limit.md,
2020-2024). The limits here are small made-up numbers, not Docker Hub's.
"""

from __future__ import annotations

import json

from regsim.model.core.context import RequestContext
from regsim.model.registry.access import RegistryAccess
from regsim.model.registry.policy import AccessPolicy, RepositoryPolicy, UserStore
from regsim.model.registry.proxy import PullThroughCache
from regsim.model.registry.ratelimit import DOCKER_HUB_MESSAGE, PullRateLimit
from regsim.model.registry.registry import Registry
from regsim.model.sim.world import World
from regsim.scenario.engine import check_expectations, replay
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError

HUB = "docker.io"
NAT = "203.0.113.7"          # documentation addresses (RFC 5737, RFC 3849)
OTHER = "198.51.100.20"
SIX_HOURS = 6 * 3600.0
PASSWORDS = {"publisher": "publisher-pw-81", "ci-bot": "ci-bot-pw-42"}


def hub(pulls: int = 3, authenticated: int | None = None, *, auth: str = "token") -> World:
    """docker.io with a pull limit, holding python:3.12 (one platform) and node:22 (two platforms)."""
    world = World(HUB)
    users = UserStore()
    for name, password in PASSWORDS.items():
        users.add(name, password)
    policies = {name: RepositoryPolicy("public", {"publisher": frozenset({"pull", "push"})})
                for name in ("library/python", "library/node")}
    guard = RegistryAccess(HUB, AccessPolicy(auth, users, policies), world.current_time) if auth != "none" else None
    world.add_registry(Registry(HUB, guard=guard, rate_limit=PullRateLimit(pulls, SIX_HOURS, authenticated),
                                clock=world.current_time))
    publisher = world.add_client("publisher")
    if guard is not None:
        assert publisher.login(HUB, "publisher", PASSWORDS["publisher"]).ok
    assert publisher.build("python:3.12", [("debian", 49_000), ("cpython", 19_000)]).ok
    assert publisher.push("python:3.12").ok
    assert publisher.build("node:22", {"linux/amd64": [("node-amd64", 40_000)],
                                       "linux/arm64": [("node-arm64", 41_000)]}).ok
    assert publisher.push("node:22").ok
    return world


def remaining(world: World, source: str, user: str | None = None) -> int | None:
    limit = world.registries[HUB].rate_limit
    assert isinstance(limit, PullRateLimit)
    return limit.remaining(source, user, world.now)


def manifest_requests(world: World, client_name: str, ref: str) -> list[tuple[str, int, int | None]]:
    with world.recording() as events:
        world.clients[client_name].pull(ref)
    return [(e.method, e.status, e.rate_limit_remaining) for e in events if "/manifests/" in e.path]


def test_a_head_costs_no_pull():
    # "These headers are returned on both GET and HEAD requests. Using GET emulates a real pull and
    # counts towards the limit. Using HEAD won't." (docs.docker.com/docker-hub/usage/pulls/)
    world = hub(pulls=3, auth="none")
    registry = world.registries[HUB]
    for _ in range(5):
        answer = registry.head_manifest(None, "library/python", "3.12")
        assert answer.headers["RateLimit-Remaining"] == "3;w=21600"
    answer = registry.get_manifest(None, "library/python", "3.12")
    assert answer.headers["RateLimit-Remaining"] == "2;w=21600"
    registry.get_manifest(None, "library/python", "3.12")
    registry.get_manifest(None, "library/python", "3.12")
    # A spent budget still answers a HEAD: a 200 with "ratelimit-remaining: 0;w=21600", as shown in
    # docker/hub-feedback#2464.
    answer = registry.head_manifest(None, "library/python", "3.12")
    assert (answer.status, answer.headers["RateLimit-Remaining"]) == (200, "0;w=21600")


def test_a_multi_platform_pull_counts_once():
    # "A pull for a multi-arch image will count as one pull for each different architecture"
    # (docs.docker.com/docker-hub/usage/pulls/); earlier: "A pull request for a multi-arch image makes
    # two manifest requests" of the "up to two GET requests" one pull is (download-rate-limit/).
    world = hub(pulls=3, auth="none")
    world.add_client("runner", address=NAT)
    first = manifest_requests(world, "runner", "node:22")
    # The index's GET spends nothing; the linux/amd64 manifest's GET is the one pull.
    assert first == [("GET", 200, 3), ("GET", 200, 2)]
    second = manifest_requests(world, "runner", "node:22")
    assert second == [("GET", 200, 2), ("GET", 200, 1)]
    assert remaining(world, NAT) == 1   # two docker pulls of a two-platform image: 2 pulls, not 4


def test_a_single_platform_pull_counts_once():
    # "A pull for a normal image makes one pull for a single manifest" (docs.docker.com/docker-hub/usage/pulls/).
    world = hub(pulls=3, auth="none")
    world.add_client("runner", address=NAT)
    assert manifest_requests(world, "runner", "python:3.12") == [("GET", 200, 2)]


def test_clients_behind_one_address_share_the_anonymous_budget():
    # Unauthenticated users are limited "per IPv4 address or IPv6 /64 subnet"
    # (docs.docker.com/docker-hub/usage/pulls/): runners behind one NAT are one address to Docker Hub.
    world = hub(pulls=2)
    for name in ("runner-1", "runner-2", "runner-3"):
        world.add_client(name, address=NAT)
    world.add_client("laptop", address=OTHER)
    assert world.clients["runner-1"].pull("python:3.12").ok
    assert world.clients["runner-2"].pull("python:3.12").ok
    refused = world.clients["runner-3"].pull("python:3.12")
    assert not refused.ok and refused.error == "TOOMANYREQUESTS"
    assert "203.0.113.7" in (refused.message or "")
    assert world.clients["laptop"].pull("python:3.12").ok   # another address, another budget


def test_clients_without_an_address_each_have_their_own_budget():
    world = hub(pulls=1, auth="none")
    for name in ("dev-1", "dev-2"):
        world.add_client(name)
        assert world.clients[name].pull("python:3.12").ok
    assert not world.clients["dev-1"].pull("python:3.12").ok


def test_ipv6_clients_share_a_budget_per_64_subnet():
    # "100 per IPv4 address or IPv6 /64 subnet" (docs.docker.com/docker-hub/usage/pulls/, 2025).
    world = hub(pulls=1, auth="none")
    world.add_client("a", address="2001:db8:1:2::a")
    world.add_client("b", address="2001:db8:1:2::b")
    world.add_client("c", address="2001:db8:1:3::c")
    assert world.clients["a"].pull("python:3.12").ok
    assert not world.clients["b"].pull("python:3.12").ok   # same /64
    assert world.clients["c"].pull("python:3.12").ok       # the next /64


def test_a_logged_in_client_counts_against_its_account_not_its_address():
    # Anonymous users "will have the limits enforced via IP"; "Pulls are accounted to the user doing the
    # pull" (docs.docker.com/docker-hub/download-rate-limit/); per account once signed in (usage/pulls/).
    world = hub(pulls=1, authenticated=2)
    anonymous = world.add_client("runner-1", address=NAT)
    signed_in = world.add_client("runner-2", address=NAT)
    elsewhere = world.add_client("build-box", address=OTHER)
    for client in (signed_in, elsewhere):
        assert client.login(HUB, "ci-bot", PASSWORDS["ci-bot"]).ok
    assert anonymous.pull("python:3.12").ok
    assert not anonymous.pull("python:3.12").ok               # the address's one pull is spent
    assert signed_in.pull("python:3.12").ok                   # the account's budget, at the same address
    assert remaining(world, NAT, "ci-bot") == 1
    assert elsewhere.pull("python:3.12").ok                   # same account from another address: same budget
    refused = elsewhere.pull("python:3.12")
    assert refused.error == "TOOMANYREQUESTS" and "ci-bot" in (refused.message or "")


def test_without_an_authenticated_limit_logged_in_pulls_are_not_counted():
    # No ratelimit header means the pull does not count, as for a paid plan (docs.docker.com/docker-hub/usage/pulls/).
    world = hub(pulls=1)
    runner = world.add_client("runner", address=NAT)
    assert runner.login(HUB, "ci-bot", PASSWORDS["ci-bot"]).ok
    assert manifest_requests(world, "runner", "python:3.12") == [("GET", 200, None)]
    assert runner.pull("python:3.12").ok
    assert remaining(world, NAT) == 1


def test_manifest_answers_carry_docker_hubs_headers():
    # "ratelimit-limit: 100;w=21600", "ratelimit-remaining: 76;w=21600", "docker-ratelimit-source: 192.0.2.1"
    # (docs.docker.com/docker-hub/usage/pulls/): the limit and what is left, per window in seconds.
    world = hub(pulls=3, auth="none")
    world.add_client("runner", address=NAT)
    with world.recording() as events:
        world.clients["runner"].pull("python:3.12")
    (manifest,) = [e for e in events if "/manifests/" in e.path]
    assert manifest.rate_limit == ("3;w=21600", "2;w=21600", NAT)
    assert all(e.rate_limit is None for e in events if "/blobs/" in e.path)   # blobs are not pulls


def test_the_refusal_is_429_toomanyrequests_as_docker_prints_it():
    # Over the limit Docker Hub "returns a 429 response code ... when the manifest is requested"
    # (docs.docker.com/docker-hub/usage/pulls/); docker prints the code and Docker Hub's message
    # (as reported in docker/hub-feedback#2429).
    world = hub(pulls=1, auth="none")
    runner = world.add_client("runner", address=NAT)
    assert runner.pull("python:3.12").ok
    with world.recording() as events:
        refused = runner.pull("python:3.12")
    assert refused.output[-1] == (
        "Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase "
        "the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit")
    (answer,) = [e for e in events if "/manifests/" in e.path]
    assert answer.status == 429
    registry = world.registries[HUB]
    curl = RequestContext("curl", address=NAT)   # the registry reads the sender's address from the context
    response, _ = world.send(curl, HUB, "GET", "/v2/library/python/manifests/3.12",
                             lambda: registry.get_manifest(None, "library/python", "3.12", None, curl),
                             "a script's GET")
    assert response.status == 429
    assert isinstance(response.body, bytes)
    assert json.loads(response.body) == {"errors": [{"code": "TOOMANYREQUESTS", "message": DOCKER_HUB_MESSAGE}]}


def test_a_pull_leaves_the_window_six_hours_after_it_was_made():
    # "The RateLimit-Remaining header contains the number of pulls remaining for the six hour rolling
    # window" (Docker's blog, "Checking Your Current Docker Pull Rate Limits and Status", 2020).
    world = hub(pulls=2, auth="none")
    runner = world.add_client("runner", address=NAT)
    assert runner.pull("python:3.12").ok        # at 0 h
    world.now += 2 * 3600
    assert runner.pull("python:3.12").ok        # at 2 h
    world.now += 4 * 3600 + 60
    assert runner.pull("python:3.12").ok        # 6 h 1 min: the first pull has left the window
    refused = runner.pull("python:3.12")
    assert not refused.ok and "in 1 h 59 min" in (refused.message or "")   # the 2 h pull leaves at 8 h


def test_a_mirror_spends_its_own_budget_once_and_checks_tags_with_free_heads():
    world = hub(pulls=3, auth="none")
    world.add_registry(PullThroughCache("mirror.example", HUB, 3600.0, world=world))
    for name in ("runner-1", "runner-2", "runner-3"):
        world.add_client(name, mirrors=["mirror.example"], address=NAT)
    for name in ("runner-1", "runner-2", "runner-3"):
        assert world.clients[name].pull("python:3.12").ok
    assert remaining(world, NAT) == 3                 # the runners never reached docker.io
    assert remaining(world, "mirror.example") == 2    # the mirror's one fill; its tag checks were HEADs


# ----- in a scenario file ---------------------------------------------------------------------------

SCENARIO = """\
version: 1
title: NAT
summary: Runners behind one NAT address share one budget.
registries:
  - name: docker.io
    rate_limit: {pulls: 2, per: 6h}
clients:
  - official
  - {name: runner-1, address: 203.0.113.7}
  - {name: runner-2, address: 203.0.113.7}
  - {name: runner-3, address: 203.0.113.7}
  - {name: laptop}
layers: {base: 1MB}
images:
  tool:1: [base]
steps:
  - {as: official, run: docker build -t tool:1 .}
  - {as: official, run: docker push tool:1}
  - {as: runner-1, run: docker pull tool:1, expect: {rate_limit_remaining: 1}}
  - {as: runner-2, run: docker pull tool:1, expect: {rate_limit_remaining: 0}}
  - {as: runner-3, run: docker pull tool:1, expect: {ok: false, error: TOOMANYREQUESTS}}
  - {as: laptop, run: docker pull tool:1, expect: {ok: true, rate_limit_remaining: 1}}
"""


def test_a_scenario_shares_one_budget_between_clients_with_one_address():
    run = replay(parse_scenario(SCENARIO, "nat.yaml"))
    assert check_expectations(run) == []
    pulls = [record.to_dict() for record in run.records[2:]]
    manifest = [r for r in pulls[0]["requests"] if "/manifests/" in r["path"]]
    assert [r.get("rate_limit_remaining") for r in manifest] == [1]
    assert list(manifest[0])[-1] == "rate_limit_remaining"   # after the keys every request has
    assert all("rate_limit_remaining" not in r for r in pulls[0]["requests"] if "/blobs/" in r["path"])


def problems(text: str) -> list[str]:
    try:
        parse_scenario(text, "bad.yaml")
    except ContentError as error:
        return [str(problem) for problem in error.problems]
    return []


def test_bad_rate_limits_and_addresses_are_reported_at_their_place():
    text = SCENARIO.replace("rate_limit: {pulls: 2, per: 6h}",
                            "rate_limit: {pulls: 0, per: soon, authenticated: -1, burst: 2}")
    text = text.replace("{name: runner-2, address: 203.0.113.7}", "{name: runner-2, address: the-office}")
    text = text.replace("expect: {rate_limit_remaining: 1}}", "expect: {rate_limit_remaining: -1}}")
    assert problems(text) == [
        "bad.yaml:6:25: pulls is a whole number of pulls (1 or more) per address in each window",
        "bad.yaml:6:33: 'soon' is not a duration: write e.g. 80ms, 30s, 10m, 2h or 1d",
        "bad.yaml:6:54: authenticated is a whole number of pulls (1 or more) per account in each window",
        "bad.yaml:6:58: unknown key 'burst' in rate_limit (known: authenticated, per, pulls)",
        "bad.yaml:10:31: address is an IPv4 or IPv6 address such as 203.0.113.7, not 'the-office'",
        "bad.yaml:19:76: rate_limit_remaining is a count (0 or more)",
    ]


def test_a_zero_window_is_reported():
    text = SCENARIO.replace("rate_limit: {pulls: 2, per: 6h}", "rate_limit: {pulls: 2, per: 0s}")
    assert problems(text) == ["bad.yaml:6:33: per is the window's length, longer than 0 (e.g. 6h)"]


def test_the_players_request_detail_shows_the_rate_limit_headers():
    from regsim.tui.views.requests import rate_limit_lines

    world = hub(pulls=3, auth="none")
    world.add_client("runner", address=NAT)
    with world.recording() as events:
        world.clients["runner"].pull("python:3.12")
    manifest, *blobs = [e for e in events if "/manifests/" in e.path or "/blobs/" in e.path]
    assert rate_limit_lines(manifest)[-1] == (
        "RateLimit-Limit: 3;w=21600  RateLimit-Remaining: 2;w=21600  Docker-RateLimit-Source: 203.0.113.7")
    assert all(rate_limit_lines(blob) == () for blob in blobs)


def test_an_account_limit_on_a_registry_nobody_can_log_in_to_is_reported():
    text = SCENARIO.replace("rate_limit: {pulls: 2, per: 6h}", "rate_limit: {pulls: 2, authenticated: 5}")
    assert problems(text) == [
        "bad.yaml:6:43: authenticated counts logged-in pulls, but nobody can log in to docker.io (auth: none): "
        "give it auth: token or basic, or leave authenticated out"]
