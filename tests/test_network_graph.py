"""The network as a graph: routers, shared links and routes (issue 19).

A request crosses every link of the lowest-latency route through routers: its round trip is the
sum of their latencies and the slowest link bounds its bytes, as TCP over a routed path does
(one connection's throughput is capped by its bottleneck link, its round trip is the path's).
"""

from __future__ import annotations

import textwrap

import pytest

from regsim.model.sim.events import UNREACHABLE
from regsim.scenario.engine import replay
from regsim.scenario.loader import parse_scenario
from regsim.scenario.problems import ContentError

MB = 1_000_000
WAN = 100e6 / 8    # bytes per second over the 100 Mbit/s WAN

SITE = textwrap.dedent("""\
    version: 1
    title: A site behind one WAN
    summary: Two servers share one WAN uplink through the site's router.
    registries:
      - {name: registry.example, default: true}
    clients:
      - name: ci
      - name: srv1
      - name: srv2
    routers: [site-a, dc]
    network:
      - {between: [srv1, site-a], bandwidth: 1Gbit/s, latency: 1ms}
      - {between: [srv2, site-a], bandwidth: 1Gbit/s, latency: 1ms}
      - {between: [site-a, dc], bandwidth: 100Mbit/s, latency: 78ms}
      - {between: [dc, registry.example], bandwidth: 10Gbit/s, latency: 1ms}
    layers: {base: 40MB}
    images:
      app:1.0: [base]
    steps:
      - {as: ci, run: docker build -t registry.example/team/app:1.0 .}
      - {as: ci, run: docker push registry.example/team/app:1.0}
      - {id: pull, as: srv1, run: docker pull registry.example/team/app:1.0}
      - {run: network down site-a dc}
      - {id: cut-off, as: srv2, run: docker pull registry.example/team/app:1.0}
      - {run: network up site-a dc}
      - {id: again, as: srv2, run: docker pull registry.example/team/app:1.0}
    """)


def _step(run, step_id):  # type: ignore[no-untyped-def]
    index = next(s.index for s in run.scenario.steps if s.id == step_id)
    return run.records[index - 1]


def test_a_request_crosses_every_link_of_its_route_and_pays_each_round_trip() -> None:
    run = replay(parse_scenario(SITE))
    record = _step(run, "pull")
    assert record.ok, record.output
    used = {tuple(link["between"]) for link in record.links}
    assert used == {("site-a", "srv1"), ("dc", "site-a"), ("dc", "registry.example")}
    # One pull: its requests one after another (80 ms round trip each), the 40 MB layer and the
    # small config in parallel, all bounded by the 100 Mbit/s WAN (the bottleneck).
    serial = sum(1 for e in record.requests if e.lane == "serial")
    layer_and_config = sum(e.bytes for e in record.requests if e.lane == "download")
    assert record.seconds >= serial * 0.080 + 40 * MB / WAN
    assert record.seconds == pytest.approx(serial * 0.080 + 0.080 + layer_and_config / WAN, rel=0.01)
    wan = next(link for link in record.links if link["between"] == ["dc", "site-a"])
    assert wan["bytes"] >= 40 * MB


def test_a_link_down_on_the_only_route_makes_the_registry_unreachable_until_it_comes_back() -> None:
    run = replay(parse_scenario(SITE))
    cut = _step(run, "cut-off")
    assert not cut.ok and cut.error == "NETWORK_UNREACHABLE"
    assert all(e.status == UNREACHABLE for e in cut.requests)
    again = _step(run, "again")
    assert again.ok and again.layers_pulled == 1


def test_a_pair_no_link_joins_still_talks_over_a_fast_local_link() -> None:
    run = replay(parse_scenario(SITE))
    push = run.records[1]      # ci has no link at all: today's implicit local link
    assert push.ok
    assert [link["between"] for link in push.links] == [["ci", "registry.example"]]


def test_the_lowest_latency_route_wins_and_only_routers_forward() -> None:
    text = SITE.replace(
        "  - {between: [dc, registry.example], bandwidth: 10Gbit/s, latency: 1ms}\n",
        "  - {between: [dc, registry.example], bandwidth: 10Gbit/s, latency: 1ms}\n"
        "  - {between: [srv1, registry.example], bandwidth: 10Mbit/s, latency: 200ms}\n"
        "  - {between: [srv2, srv1], bandwidth: 10Gbit/s, latency: 0.1ms}\n")
    run = replay(parse_scenario(text))
    used = {tuple(link["between"]) for link in _step(run, "pull").links}
    assert ("registry.example", "srv1") not in used           # 200 ms direct loses to 80 ms routed
    used = {tuple(link["between"]) for link in _step(run, "again").links}
    assert ("srv1", "srv2") not in used                       # srv1 is a client: it forwards nothing


@pytest.mark.parametrize(("change", "message", "line"), [
    ("routers: [site-a, dc]", "routers: [site-a, dc, spare]", "10:23"),
    ("{between: [site-a, dc],", "{between: [site-a, dcc],", "14:24"),
])
def test_lint_names_a_router_with_no_links_and_a_link_to_an_unknown_node(change, message, line) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ContentError) as caught:
        parse_scenario(SITE.replace(change, message), "site.yaml")
    text = str(caught.value)
    assert f"site.yaml:{line}:" in text
    assert ("'spare' has no links" in text) if "spare" in message else ("'dcc' is not a client" in text)
