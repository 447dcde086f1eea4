"""The network as a graph: routers, shared links and routes (issue 19).

A request crosses every link of the lowest-latency route through routers: its round trip is the
sum of their latencies and the slowest link bounds its bytes, as TCP over a routed path does
(one connection's throughput is capped by its bottleneck link, its round trip is the path's).
"""

from __future__ import annotations

import textwrap

import pytest

from regsim.model.core.events import UNREACHABLE
from regsim.scenario.engine import replay
from regsim.scenario.fleet import WAN_BANDWIDTH, WAN_ROUND_TRIP, fleet_scenario
from regsim.scenario.loader import load_scenario, parse_scenario
from regsim.scenario.problems import ContentError

MB = 1_000_000
WAN = 100e6 / 8    # bytes per second over the 100 Mbit/s WAN

SITE = textwrap.dedent("""\
    version: 1
    title: A site behind one WAN
    summary: Two servers share one WAN uplink through the site's router.
    registries:
      - {name: registry.example}
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


# --- Clients acting at once ------------------------------------------------------------------


def fleet(count: int, *, mirror: bool = False) -> str:
    return fleet_scenario(count, mirror=mirror)


def _wan(record):  # type: ignore[no-untyped-def]
    return next(link for link in record.links if link["between"] == ["dc", "site-a"])


def test_fifty_clients_pulling_at_once_take_the_bytes_across_the_wan_over_its_bandwidth_plus_round_trips() -> None:
    record = _step(replay(parse_scenario(fleet(50))), "rollout")
    assert record.ok and record.layers_pulled == 250
    wan = _wan(record)
    # Every client's own copy of every blob crosses the one WAN; the WAN is full the whole time, so
    # the step is the WAN's bytes over its bandwidth plus the round trips before the first byte:
    # GET /v2/, GET the manifest, then the first blob GET (80 ms each across the routed path).
    # Every byte of every answer to the fifty clients crosses it once: no more (no double count), no less.
    assert wan["bytes"] == sum(request.bytes for request in record.requests) >= 50 * 67 * MB
    arithmetic = wan["bytes"] / (WAN_BANDWIDTH / 8) + 3 * WAN_ROUND_TRIP
    assert record.seconds == pytest.approx(arithmetic, rel=0.01)
    assert wan["peak_share"] == pytest.approx(1.0)
    assert len(record.clients) == 50 and max(c["seconds"] for c in record.clients) == pytest.approx(record.seconds)


def test_together_is_slower_per_client_than_alone_and_one_copy_per_client_crosses_the_wan() -> None:
    alone = _step(replay(parse_scenario(fleet(1))), "rollout")
    five = _step(replay(parse_scenario(fleet(5))), "rollout")
    assert _wan(five)["bytes"] == 5 * _wan(alone)["bytes"]
    assert five.seconds == pytest.approx(5 * (alone.seconds - 3 * 0.080) + 3 * 0.080, rel=0.01)


def test_a_client_with_a_fast_route_finishes_first_and_the_record_says_when_each_was_done() -> None:
    text = fleet(3).replace("{between: [srv3, site-a], bandwidth: 1Gbit/s, latency: 1ms}",
                            "{between: [srv3, site-a], bandwidth: 1Gbit/s, latency: 1ms}\n"
                            "  - {between: [srv3, dc], bandwidth: 10Gbit/s, latency: 2ms}")
    record = _step(replay(parse_scenario(text)), "rollout")
    done = {c["client"]: c["seconds"] for c in record.clients}
    assert done["srv3"] < done["srv1"] == pytest.approx(done["srv2"])
    assert record.seconds == pytest.approx(max(done.values()))
    assert record.to_dict()["clients"] == record.clients


def test_a_mirror_asked_for_a_blob_it_is_still_copying_streams_it_from_upstream_again() -> None:
    # distribution registry/proxy/proxyblobstore.go: the first request for a blob starts `go storeLocal`
    # and streams the blob with copyContent (two GETs); a request that finds the digest in `inflight`
    # is answered by copyContent from the remote, without storing, after its own Stat (a HEAD: each
    # request has its own remote blob statter). N clients at once: N HEADs and N+1 GETs per blob
    # (https://github.com/distribution/distribution/pull/3428: "as many times as many simultaneous
    # clients there are plus one"). So a cold mirror costs the WAN more than no mirror at all.
    cold = _step(replay(parse_scenario(fleet(5, mirror=True))), "rollout")
    assert cold.ok and cold.cache_hits == 0          # srv2..srv5 got every layer streamed from upstream for them
    assert sum(1 for b in cold.blobs if b.kind == "layer" and b.how == "mirror-miss") == 25
    asked: dict[str, list[str]] = {}
    for r in cold.requests:
        if r.src == "mirror.site" and "/blobs/" in r.path:
            asked.setdefault(r.path, []).append(r.method)
    assert len(asked) == 6 and all(sorted(methods) == ["GET"] * 6 + ["HEAD"] * 5 for methods in asked.values())
    kept = [r for r in cold.requests if r.src == "mirror.site" and r.method == "GET" and r.lane == "background"]
    assert len(kept) == 6                            # one copy of each blob into storage
    direct = _step(replay(parse_scenario(fleet(5))), "rollout")
    layers = sum(r.bytes for r in kept)
    assert _wan(cold)["bytes"] == pytest.approx(_wan(direct)["bytes"] + layers, abs=5 * 10_000)
    assert cold.seconds == pytest.approx(direct.seconds * 6 / 5, rel=0.02)


def test_max_min_fairness_gives_the_leftover_of_a_shared_link_to_the_flow_not_limited_elsewhere() -> None:
    from regsim.model.sim.fairness import max_min_rates

    # Two flows share link A (10); one of them also crosses link B (2): B caps it at 2, the other gets 8.
    rates = max_min_rates([(("a", "x"),), (("a", "x"), ("b", "y"))], {("a", "x"): 10.0, ("b", "y"): 2.0})
    assert rates == pytest.approx([8.0, 2.0])


def test_the_short_form_and_a_range_name_the_same_clients_as_listing_each_part() -> None:
    base = fleet(3)
    short = parse_scenario(base).steps[-1]
    listed = parse_scenario(base.replace('as: "srv[1-3]", run: docker pull registry.example/team/app:1.0',
                                         "together: [{as: srv1, run: docker pull registry.example/team/app:1.0},"
                                         " {as: [srv2, srv3], run: docker pull registry.example/team/app:1.0}]"))
    spanned = parse_scenario(base.replace('as: "srv[1-3]"', "as: [srv1..srv3]"))
    assert ([a for a, _ in short.together] == [a for a, _ in listed.steps[-1].together]
            == [a for a, _ in spanned.steps[-1].together] == ["srv1", "srv2", "srv3"])


@pytest.mark.parametrize(("together", "message"), [
    ("[{as: srv1, run: docker pull app:1.0}, {as: [srv2, srv1], run: docker pull app:1.0}]",
     "srv1 is named twice in one together step"),
    ("[{as: srv9, run: docker pull app:1.0}]", "unknown client 'srv9'"),
    ("[{as: srv1, run: network down site-a dc}]", "clients acting together run client commands"),
    ("[{as: [], run: docker pull app:1.0}]", "say which clients act with as:"),
    # Writes at once race: each push's HEAD finds the blob missing and both upload it (moby
    # distribution/push_v2.go checks with a HEAD, then uploads); run one after another, the
    # second would find it there, a result no real pair of pushes at once gives.
    ("[{as: srv1, run: docker push app:1.0}, {as: srv2, run: docker pull app:1.0}]",
     "docker push to docker.io/library/app cannot run together with another client that uses it"),
])
def test_lint_a_together_step_naming_a_client_twice_or_an_unknown_one(together, message) -> None:  # type: ignore[no-untyped-def]
    text = fleet(3).replace('as: "srv[1-3]", run: docker pull registry.example/team/app:1.0', f"together: {together}")
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "fleet.yaml")
    assert message in str(caught.value) and "fleet.yaml:" in str(caught.value)


def test_a_together_step_prints_its_clients_and_each_link_s_peak_as_its_contract_names() -> None:
    from typing import get_type_hints

    from regsim.scenario.contract import ClientTimeJSON, LinkUseJSON, StepJSON

    step = _step(replay(parse_scenario(fleet(2))), "rollout").to_dict()
    # every field but `referrers` (only a step of cosign, oras or helm has it) and `access` (a grant's)
    assert list(step) == [key for key in get_type_hints(StepJSON) if key not in ("referrers", "access")]
    assert all(list(link) == list(get_type_hints(LinkUseJSON)) for link in step["links"])
    assert all(list(client) == list(get_type_hints(ClientTimeJSON)) for client in step["clients"])


# --- Charts ----------------------------------------------------------------------------------


def test_the_rollout_chart_has_one_row_per_client_with_when_it_was_done(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from regsim.charts import export, terminal_lines
    from regsim.scenario.records import run_to_dict

    run = run_to_dict(replay(parse_scenario(fleet(4))))
    rows = list(csv.DictReader(export(run, "rollout", tmp_path / "r.csv").open(encoding="utf-8")))
    assert [r["client"] for r in rows] == ["srv1", "srv2", "srv3", "srv4"]
    step = run["steps"][-1]
    assert max(float(r["seconds"]) for r in rows) == pytest.approx(step["seconds"])
    assert export(run, "rollout", tmp_path / "r.png").read_bytes().startswith(b"\x89PNG")
    lines = terminal_lines(run, "rollout", 80)
    assert len(lines) == 5 and all("srv" in line for line in lines[1:])


def test_the_network_chart_draws_routers_and_reads_each_links_peak_share(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from regsim.charts import chart_data, make_figure
    from regsim.scenario.records import run_to_dict

    run = run_to_dict(replay(parse_scenario(fleet(4))))
    rows = {(r["node_a"], r["node_b"]): r for r in chart_data(run, "network")}
    assert rows[("dc", "site-a")]["peak_share"] == pytest.approx(1.0)        # the WAN is full
    assert rows[("dc", "registry.example")]["peak_share"] < 0.05             # the 10 Gbit/s uplink is not
    assert {n["kind"] for n in run["topology"]["nodes"]} >= {"router", "client", "registry"}
    figure = make_figure(run, "network")
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert any("at most 100% in use" in t for t in texts)
    assert "site-a" in texts and "dc" in texts


def test_a_mirror_warmed_by_one_canary_serves_the_rest_of_the_fleet_without_the_wan() -> None:
    run = replay(load_scenario("scenarios/fleet-rollout.yaml"))
    warm = _step(run, "site-b-warm")
    assert warm.cache_hits == 9
    wan = next(link for link in warm.links if link["between"] == ["dc", "site-b"])
    assert wan["bytes"] == 0 and warm.seconds < 0.2
    assert _step(run, "site-b-cold").seconds > 100 * warm.seconds


def test_clients_pushing_at_once_do_not_wait_for_the_replication_their_pushes_set_off() -> None:
    text = textwrap.dedent("""\
        version: 1
        title: Two teams push at once
        summary: Both pushes land; the replica copies them in the background.
        registries:
          - {name: registry.example, replicas: [{name: eu.registry.example, lag: 0}]}
        clients: [alice, bob]
        network:
          - {between: [alice, registry.example], bandwidth: 100Mbit/s, latency: 20ms}
          - {between: [bob, registry.example], bandwidth: 100Mbit/s, latency: 20ms}
          - {between: [registry.example, eu.registry.example], bandwidth: 10Mbit/s, latency: 100ms}
        layers: {a: 20MB, b: 20MB}
        images:
          a:1: [a]
          b:1: [b]
        steps:
          - {as: alice, run: docker build -t registry.example/team/a:1 .}
          - {as: bob, run: docker build -t registry.example/team/b:1 .}
          - id: both
            together:
              - {as: alice, run: docker push registry.example/team/a:1}
              - {as: bob, run: docker push registry.example/team/b:1}
        """)
    record = _step(replay(parse_scenario(text)), "both")
    assert record.ok and record.layers_pushed == 2
    done = max(c["seconds"] for c in record.clients)
    assert done < 3.0                                       # 20 MB each over its own 100 Mbit/s link
    assert record.background_seconds > 30                  # 40 MB over the 10 Mbit/s link to the replica
    # Each copy starts when its push has stored the manifest (a push event: distribution
    # notifications/listener.go dispatches ManifestPushed after Put succeeds; Harbor's
    # src/controller/event/handler/replication/replication.go replicates on PushArtifactEvent),
    # not at the step's start: the step is the pushes, then the copies.
    first = min(c["seconds"] for c in record.clients)
    assert record.seconds == pytest.approx(first + record.background_seconds, rel=1e-6)


@pytest.mark.parametrize("mirror", [False, True])
def test_one_client_acting_together_takes_what_the_same_step_alone_takes(mirror) -> None:  # type: ignore[no-untyped-def]
    text = fleet(1, mirror=mirror)
    together = _step(replay(parse_scenario(text)), "rollout")
    alone = _step(replay(parse_scenario(text.replace('as: "srv[1-1]"', "as: srv1"))), "rollout")
    assert together.seconds == pytest.approx(alone.seconds, rel=1e-9)
    assert [link["bytes"] for link in together.links] == [link["bytes"] for link in alone.links]


@pytest.mark.parametrize("mirror", [False, True])
def test_clients_acting_alike_are_timed_as_one_and_each_finishes_as_if_timed_on_its_own(
        mirror, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Alike clients (same requests, own links of the same bandwidth) share one simulation (alike.py);
    # srv3's slower own link makes it unlike the others. Every record equals the one made by timing
    # each client on its own.
    from regsim.model.sim import flows
    from regsim.model.sim.alike import Alike

    text = fleet(4, mirror=mirror).replace("{between: [srv3, site-a], bandwidth: 1Gbit/s",
                                           "{between: [srv3, site-a], bandwidth: 20Mbit/s")
    grouped = [record.to_dict() for record in replay(parse_scenario(text)).records]
    monkeypatch.setattr(flows, "alike", lambda sents, *_: [Alike([part], [[]]) for part in range(len(sents))])
    alone = [record.to_dict() for record in replay(parse_scenario(text)).records]
    assert grouped == alone
    if not mirror:   # through a cold mirror the first client's blobs fill the cache and the others' do not
        finished = {c["client"]: c["seconds"] for c in grouped[-1]["clients"]}
        assert finished["srv1"] == finished["srv2"] == finished["srv4"] != finished["srv3"]


def test_routes_are_the_paths_networkx_finds_ties_broken_alike() -> None:
    # The routes' own Dijkstra (routes.py) stands in for networkx's single_source_dijkstra_path with a
    # weight that lets only routers forward; on random topologies with many equal latencies, both pick
    # the same path to every node.
    import random

    import networkx as nx

    from regsim.model.sim.routes import Graphs, _dijkstra_paths

    rng = random.Random(19)
    for _ in range(60):
        nodes = [f"n{i}" for i in range(rng.randint(3, 12))]
        routers = frozenset(rng.sample(nodes, rng.randint(1, len(nodes) - 1)))
        pairs = sorted({tuple(sorted(rng.sample(nodes, 2))) for _ in range(rng.randint(2, 25))})
        edges = tuple(((a, b), 1e9, rng.choice([0.001, 0.002, 0.003]), True) for a, b in pairs)
        graph = nx.Graph()
        for (a, b), _, latency, _ in edges:
            graph.add_edge(a, b, latency=latency)
        ours = Graphs(edges, routers)
        for source in graph.nodes:
            def through(u, v, data, source=source, routers=routers):  # type: ignore[no-untyped-def]
                return data["latency"] if u == source or u in routers else None
            expected = nx.single_source_dijkstra_path(graph, source, weight=through)
            assert _dijkstra_paths(ours.up, source, routers) == expected


@pytest.mark.parametrize(("change", "position", "message"), [
    # a range that overlaps a name listed beside it: the position of the range
    ('as: "srv[1-3]", run:', "26:30", "srv1 is named twice in one together step: a client runs one command at a time"),
    # a step that takes down a link to a node that is nowhere in the network
    ("together-free", "27:11", "'dcc' is not a client, registry or router here (did you mean 'dc'?)"),
])
def test_lint_places_a_twice_named_client_and_an_unknown_link_node_at_their_line_and_column(
        change, position, message) -> None:  # type: ignore[no-untyped-def]
    text = fleet(3)
    if change == "together-free":
        text += "  - {run: network down site-a dcc}\n"
    else:
        text = text.replace(change, 'as: [srv1, "srv[1-3]"], run:')
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "fleet.yaml")
    assert f"fleet.yaml:{position}: {message}" in str(caught.value).splitlines()


def test_the_sandbox_takes_a_link_between_routers_down_and_refuses_one_to_an_unknown_node() -> None:
    from regsim.scenario.sandbox import SandboxSession

    session = SandboxSession.from_scenario(parse_scenario(fleet(2)))
    assert session.enter("network down site-a dc").kind != "problem"
    refused = session.enter("network down site-a dcc")
    assert refused.kind == "problem" and "not a client, registry or router" in refused.message


# --- How a together step reads ---------------------------------------------------------------


def test_a_together_step_reads_as_its_clients_compactly_each_command_once_and_when_each_was_done() -> None:
    from regsim.scenario.together_text import clients_label, finish_groups, step_prompts
    from regsim.tui.widgets.step_panels import done_summary

    text = fleet(12).replace(
        '  - {id: rollout, as: "srv[1-12]", run: docker pull registry.example/team/app:1.0}\n',
        "  - id: rollout\n    together:\n"
        '      - {as: "srv[1-10]", run: docker pull registry.example/team/app:1.0}\n'
        "      - {as: [srv12, srv11], run: docker pull registry.example/team/app:1.0@sha256:" + "0" * 64 + "}\n")
    scenario = parse_scenario(text)
    prompts = step_prompts(scenario.steps[-1])
    assert prompts == [("srv1 … srv10 (10 at once)", "docker pull registry.example/team/app:1.0"),
                       ("srv12, srv11", "docker pull registry.example/team/app:1.0@sha256:" + "0" * 64)]
    assert clients_label([f"n{i}" for i in range(1, 60, 2)]).endswith(", … (30 at once)")
    record = _step(replay(scenario), "rollout")
    # srv12 and srv11 fail at once (no such manifest): they are done first (named in the order given),
    # while the ten pulls share the WAN
    groups = finish_groups(record.clients)
    assert groups[0].startswith("srv12, srv11 after") and groups[-1].startswith("srv1 … srv10 after")
    shown = [line.plain for line in done_summary(record)]
    assert shown[0].startswith("srv1 … srv10, srv12, srv11 (12 at once)$ docker pull")
    assert f"Done: {groups[0]}" in shown and f"      {groups[-1]}" in shown


@pytest.mark.parametrize(("command", "message"), [
    # srv1 and registry.example are joined by the route srv1 → site-a → dc → registry.example:
    # cutting a link no one listed would change nothing, and `network up` would lay a new fast one.
    ("network down srv1 registry.example", "no link in network: joins srv1 and registry.example"),
    ("network up srv1 srv2", "no link in network: joins srv1 and srv2"),
])
def test_lint_a_routed_network_refuses_a_link_its_network_list_does_not_have(command, message) -> None:  # type: ignore[no-untyped-def]
    text = fleet(2).replace('as: "srv[1-2]", run: docker pull registry.example/team/app:1.0', f"run: {command}")
    with pytest.raises(ContentError) as caught:
        parse_scenario(text, "fleet.yaml")
    assert message in str(caught.value) and "fleet.yaml:" in str(caught.value)
    # a listed link may be cut as before
    parse_scenario(fleet(2).replace('as: "srv[1-2]", run: docker pull registry.example/team/app:1.0',
                                    "run: network down site-a dc"))
