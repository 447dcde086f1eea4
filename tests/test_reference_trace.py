"""The model replays the real trace in shared/reference/skopeo-vs-distribution-2.8.2.md.

Every request is compared as `METHOD PATH STATUS`, with each digest in the path replaced by
the short name the reference uses for the blob it stands for (`sha256:3b8fabf9` is the
3,000,877 B base layer, and so on) and upload session ids shown as `<uuid>`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from urllib.parse import unquote

from conftest import HOST

from regsim.model.core.context import RequestContext
from regsim.model.core.events import How
from regsim.model.sim.world import World

# The reference's short digests, by the blob each stands for.
REFERENCE_NAMES = {
    "base1": "sha256:3b8fabf9",   # 3,000,877 B
    "base2": "sha256:e8550f93",   # 1,000,647 B
    "v1": "sha256:82d4d309",      # 500,587 B
    "v2": "sha256:47bc039a",      # 200,557 B
    "config:v1": "sha256:20a7c451",
    "config:v2": "sha256:42043714",
}
LAYER_SIZES = {"base1": 3_000_877, "base2": 1_000_647, "v1": 500_587, "v2": 200_557}

SECTION_1_PUSH_V1 = """
GET /v2/ 200
HEAD /v2/team/app/blobs/sha256:3b8fabf9 404
HEAD /v2/team/app/blobs/sha256:3b8fabf9 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:3b8fabf9 201
HEAD /v2/team/app/blobs/sha256:e8550f93 404
HEAD /v2/team/app/blobs/sha256:e8550f93 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:e8550f93 201
HEAD /v2/team/app/blobs/sha256:82d4d309 404
HEAD /v2/team/app/blobs/sha256:82d4d309 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:82d4d309 201
HEAD /v2/team/app/blobs/sha256:20a7c451 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:20a7c451 201
PUT /v2/team/app/manifests/v1 201
"""

SECTION_2_PUSH_V2 = """
GET /v2/ 200
HEAD /v2/team/app/blobs/sha256:3b8fabf9 200
HEAD /v2/team/app/blobs/sha256:e8550f93 200
HEAD /v2/team/app/blobs/sha256:47bc039a 404
HEAD /v2/team/app/blobs/sha256:47bc039a 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:47bc039a 201
HEAD /v2/team/app/blobs/sha256:42043714 404
POST /v2/team/app/blobs/uploads/ 202
PATCH /v2/team/app/blobs/uploads/<uuid> 202
PUT /v2/team/app/blobs/uploads/<uuid>?digest=sha256:42043714 201
PUT /v2/team/app/manifests/v2 201
"""

# The reference percent-encodes the mount query; it is compared here after decoding.
SECTION_3_PUSH_V2_TO_OTHER = """
GET /v2/ 200
HEAD /v2/other/app/blobs/sha256:3b8fabf9 404
HEAD /v2/team/app/blobs/sha256:3b8fabf9 200
POST /v2/other/app/blobs/uploads/?from=team/app&mount=sha256:3b8fabf9 201
HEAD /v2/other/app/blobs/sha256:e8550f93 404
HEAD /v2/team/app/blobs/sha256:e8550f93 200
POST /v2/other/app/blobs/uploads/?from=team/app&mount=sha256:e8550f93 201
HEAD /v2/other/app/blobs/sha256:47bc039a 404
HEAD /v2/team/app/blobs/sha256:47bc039a 200
POST /v2/other/app/blobs/uploads/?from=team/app&mount=sha256:47bc039a 201
HEAD /v2/other/app/blobs/sha256:42043714 404
POST /v2/other/app/blobs/uploads/ 202
PATCH /v2/other/app/blobs/uploads/<uuid> 202
PUT /v2/other/app/blobs/uploads/<uuid>?digest=sha256:42043714 201
PUT /v2/other/app/manifests/v2 201
"""

SECTION_4_PULL_V1 = """
GET /v2/ 200
GET /v2/team/app/manifests/v1 200
GET /v2/team/app/blobs/sha256:82d4d309 200
GET /v2/team/app/blobs/sha256:3b8fabf9 200
GET /v2/team/app/blobs/sha256:e8550f93 200
GET /v2/team/app/blobs/sha256:20a7c451 200
"""

SECTION_4_PULL_V2 = """
GET /v2/ 200
GET /v2/team/app/manifests/v2 200
GET /v2/team/app/blobs/sha256:47bc039a 200
GET /v2/team/app/blobs/sha256:42043714 200
"""


def lines(block: str) -> list[str]:
    return [line for line in block.strip().splitlines()]


def reference_names(client) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Each of the client's blob digests -> the short digest the reference trace shows for it."""
    names: dict[str, str] = {}
    for tag in ("v1", "v2"):
        image = client.image_for(client.parse(f"app:{tag}"))
        (manifest,) = image.manifests.values()
        names[manifest.config.digest] = REFERENCE_NAMES[f"config:{tag}"]
        for layer in manifest.layers:
            names[layer.digest] = REFERENCE_NAMES[client.layer_names[layer.digest]]
    return names


def normalise(path: str, names: dict[str, str]) -> str:
    path = unquote(path)
    for digest, short in names.items():
        path = path.replace(digest, short)
    return re.sub(r"/blobs/uploads/[0-9a-zA-Z-]+", "/blobs/uploads/<uuid>", path)


def trace(events, names) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{e.method} {normalise(e.path, names)} {e.status}" for e in events]


def push_all_sections(world: World, alice):  # type: ignore[no-untyped-def]
    """Sections 1-3 in order; returns each section's (events, outcome)."""
    alice.tag("app:v1", f"{HOST}/team/app:v1")
    alice.tag("app:v2", f"{HOST}/team/app:v2")
    alice.tag("app:v2", f"{HOST}/other/app:v2")
    results = []
    for ref in (f"{HOST}/team/app:v1", f"{HOST}/team/app:v2", f"{HOST}/other/app:v2"):
        with world.recording() as events:
            outcome = alice.push(ref)
            assert outcome.ok, outcome.output
            results.append((list(events), outcome))
    return results


def layer_bytes_up(outcome) -> int:  # type: ignore[no-untyped-def]
    return sum(b.moved for b in outcome.blobs if b.kind == "layer")


# ----- sections 1 to 3: pushes ----------------------------------------------------------------


def test_first_push_to_an_empty_repository_matches_the_reference_request_by_request(world, alice):
    (events, outcome), _, _ = push_all_sections(world, alice)
    assert trace(events, reference_names(alice)) == lines(SECTION_1_PUSH_V1)
    assert layer_bytes_up(outcome) == 3_000_877 + 1_000_647 + 500_587


def test_first_push_uploads_each_layer_with_its_exact_size(world, alice):
    (events, _), _, _ = push_all_sections(world, alice)
    patches = [e.bytes for e in events if e.method == "PATCH"]
    assert patches[:3] == [3_000_877, 1_000_647, 500_587]


def test_second_push_heads_each_base_layer_once_and_uploads_only_the_new_layer(world, alice):
    _, (events, outcome), _ = push_all_sections(world, alice)
    assert trace(events, reference_names(alice)) == lines(SECTION_2_PUSH_V2)
    by_name = {b.name: b.how for b in outcome.blobs if b.kind == "layer"}
    assert by_name == {"base1": "exists", "base2": "exists", "v2": How.SENT}
    assert layer_bytes_up(outcome) == 200_557


def test_push_to_another_repository_mounts_every_layer_and_sends_no_layer_bytes(world, alice):
    _, _, (events, outcome) = push_all_sections(world, alice)
    assert trace(events, reference_names(alice)) == lines(SECTION_3_PUSH_V2_TO_OTHER)
    assert [b.how for b in outcome.blobs if b.kind == "layer"] == [How.MOUNTED] * 3
    assert layer_bytes_up(outcome) == 0
    assert sum(e.bytes for e in events if e.method == "PATCH") == sum(
        b.size for b in outcome.blobs if b.kind == "config"
    )


def test_mount_request_query_is_percent_encoded_as_the_reference_client_sends_it(world, alice):
    _, _, (events, _) = push_all_sections(world, alice)
    mounts = [e.path for e in events if e.method == "POST" and "mount=" in e.path]
    assert mounts
    for path in mounts:
        assert "from=team%2Fapp&mount=sha256%3A" in path


# ----- section 4: pulls -------------------------------------------------------------------------


def test_pulling_v1_then_v2_into_one_store_fetches_only_the_missing_layer_and_config(world, alice, bob):
    push_all_sections(world, alice)
    names = reference_names(alice)
    for ref, expected in ((f"{HOST}/team/app:v1", SECTION_4_PULL_V1), (f"{HOST}/team/app:v2", SECTION_4_PULL_V2)):
        with world.recording() as events:
            outcome = bob.pull(ref)
            assert outcome.ok, outcome.output
            got = trace(events, names)
            want = lines(expected)
            # The version check and the manifest come first; blobs may arrive in any order.
            assert got[:2] == want[:2]
            assert Counter(got[2:]) == Counter(want[2:])


def test_pulled_layers_carry_exactly_their_sizes_in_the_response(world, alice, bob):
    push_all_sections(world, alice)
    names = reference_names(alice)
    short_to_size = {REFERENCE_NAMES[name]: size for name, size in LAYER_SIZES.items()}
    with world.recording() as events:
        bob.pull(f"{HOST}/team/app:v1")
        bob.pull(f"{HOST}/team/app:v2")
        sizes = {}
        for e in events:
            short = normalise(e.path, names).rsplit("/", 1)[1]
            if short in short_to_size:
                sizes.setdefault(short, []).append(e.bytes)
        assert sizes == {short: [size] for short, size in short_to_size.items()}


def test_second_pull_moves_only_the_new_layer(world, alice, bob):
    push_all_sections(world, alice)
    bob.pull(f"{HOST}/team/app:v1")
    outcome = bob.pull(f"{HOST}/team/app:v2")
    layers = {b.name or b.digest: b.how for b in outcome.blobs if b.kind == "layer"}
    assert sorted(layers.values()) == ["local", "local", "pulled"]
    assert sum(b.moved for b in outcome.blobs if b.kind == "layer") == 200_557


# ----- section 5: error bodies and the version check ------------------------------------------------


def test_unknown_blob_answers_404_with_the_reference_json_body(world, registry, alice):
    push_all_sections(world, alice)
    zero = "sha256:" + "0" * 64
    response, event = world.send(
        RequestContext("alice"), HOST, "GET", f"/v2/team/app/blobs/{zero}",
        lambda: registry.get_blob(None, "team/app", zero), "test",
    )
    assert response.status == 404
    expected = (
        '{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"'
        + zero + '"}]}\n'
    ).encode()
    assert response.body == expected
    assert len(response.body) == 157
    assert event.bytes == 157
    assert response.headers["Content-Type"] == "application/json"


def test_every_404_on_a_missing_blob_during_push_carries_no_body(world, alice):
    """The reference's access log says 157 for these HEAD 404s: what the handler wrote. None of
    it goes on the wire: a HEAD response has no body (RFC 9110 §9.3.2), and Go's net/http eats
    what a handler writes for HEAD (golang/go src/net/http/server.go, chunkWriter.Write)."""
    (events, _), _, _ = push_all_sections(world, alice)
    misses = [e for e in events if e.status == 404]
    assert misses and all(e.method == "HEAD" and e.bytes == 0 for e in misses)


def test_tags_of_a_capitalised_repository_answer_404_name_unknown_as_the_reference_does(world, registry):
    response, _ = world.send(
        RequestContext("alice"), HOST, "GET", "/v2/Team/app/tags/list",
        lambda: registry.list_tags(None, "Team/app"), "test",
    )
    assert response.status == 404
    assert json.loads(response.body) == {
        "errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known to registry",
                    "detail": {"name": "Team/app"}}]
    }


def test_tags_of_an_unknown_repository_answer_404_name_unknown_with_the_name_as_detail(world, registry):
    response, _ = world.send(
        RequestContext("alice"), HOST, "GET", "/v2/team/nothing/tags/list",
        lambda: registry.list_tags(None, "team/nothing"), "test",
    )
    assert response.status == 404
    assert json.loads(response.body) == {
        "errors": [{"code": "NAME_UNKNOWN", "message": "repository name not known to registry",
                    "detail": {"name": "team/nothing"}}]
    }


def test_version_check_answers_200_with_the_distribution_api_version_header(registry):
    response = registry.ping()
    assert response.status == 200
    headers = {k.lower(): v for k, v in response.headers.items()}
    assert headers["docker-distribution-api-version"] == "registry/2.0"
    assert response.body == b"{}"
    assert response.length == 2


def test_replaying_the_reference_scenario_twice_gives_identical_requests_and_state():
    from conftest import V1, V2

    from regsim.model.registry.registry import Registry

    def run():  # type: ignore[no-untyped-def]
        w = World(HOST)
        reg = w.add_registry(Registry(HOST))
        a = w.add_client("alice")
        a.build("app:v1", V1)
        a.build("app:v2", V2)
        all_events = []
        for (events, _) in push_all_sections(w, a):
            all_events.extend(e.to_dict() for e in events)
        b = w.add_client("bob")
        with w.recording() as events:
            b.pull(f"{HOST}/team/app:v1")
            b.pull(f"{HOST}/team/app:v2")
            all_events.extend(e.to_dict() for e in events)
            return all_events, reg.snapshot_json(), b.snapshot_json()

    assert run() == run()


def test_the_bundled_mount_scenario_makes_the_reference_requests_and_no_extra_head_on_the_source():
    # Section 3 of shared/reference: per layer, HEAD the target (404), HEAD the source once (200),
    # POST the mount (201); the config is uploaded; then the manifest. The scenario's image has
    # four layers where the reference's had three, so the per-layer requests repeat four times.
    from pathlib import Path

    from regsim.scenario.engine import replay
    from regsim.scenario.loader import load_scenario

    def shape(line: str) -> str:
        method, path, status = line.split(" ")
        path = re.sub(r"sha256:[0-9a-f]{8,64}", "<digest>", path)
        path = path.replace("team/app", "<source>").replace("other/app", "<target>")
        return f"{method} {re.sub(r'/manifests/v[0-9]+', '/manifests/<tag>', path)} {status}"

    reference = [shape(line) for line in lines(SECTION_3_PUSH_V2_TO_OTHER)]
    version_check, per_layer, after_layers = reference[0], reference[1:4], reference[10:]
    assert reference[1:10] == per_layer * 3
    scenario = load_scenario(Path(__file__).parent.parent / "scenarios" / "cross-repo-mount.yaml")
    run = replay(scenario)
    (record,) = [r for r in run.records if r.command == "docker push registry.example/other/app:v1"]
    got = [shape(f"{e.method} {normalise(e.path, {})} {e.status}") for e in record.requests]
    assert got == [version_check, *per_layer * 4, *after_layers]
    source_heads = [e for e in record.requests if e.method == "HEAD" and "/team/app/" in e.path]
    assert len(source_heads) == len({e.path for e in source_heads}) == 4
