"""Live mode over real HTTP: every OCI Distribution endpoint, its success and its errors."""

from __future__ import annotations

import http.client
import json
import os

import pytest
from live_helpers import OCI_INDEX, OCI_MANIFEST, Reply, ServerThread, sha256

ZERO = "sha256:" + "0" * 64
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
# What docker pull sends, as two Accept headers, one with a q= parameter.
DOCKER_ACCEPT = [("Accept", f"{OCI_MANIFEST}, {OCI_INDEX};q=0.9"),
                 ("Accept", f"{DOCKER_MANIFEST}, {DOCKER_MANIFEST_LIST}")]


@pytest.fixture
def live(tmp_path):
    with ServerThread(tmp_path / "root") as server:
        yield server


def request_with(live: ServerThread, method: str, path: str, headers: list[tuple[str, str]]) -> Reply:
    """A request whose headers may repeat (as a client may send Accept more than once)."""
    conn = http.client.HTTPConnection("127.0.0.1", live.port, timeout=60)
    try:
        conn.putrequest(method, path)
        for key, value in headers:
            conn.putheader(key, value)
        conn.endheaders()
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


def push_docker_image(live: ServerThread, name: str, platform: str) -> tuple[str, bytes]:
    """A Docker schema 2 image for one platform, stored by digest (untagged)."""
    os_, arch = platform.split("/")
    layer = live.push_blob(name, platform.encode() * 100)
    config = json.dumps({"architecture": arch, "os": os_}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "digest": live.push_blob(name, config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "digest": layer,
                    "size": len(platform) * 100}],
    }).encode()
    reply = live.request("PUT", f"/v2/{name}/manifests/{sha256(manifest)}", manifest,
                         {"Content-Type": DOCKER_MANIFEST})
    assert reply.status == 201, reply
    return sha256(manifest), manifest


def push_index(live: ServerThread, name: str, tag: str, media_type: str,
               children: list[tuple[str, str, str, bytes]]) -> tuple[str, bytes]:
    """An index / manifest list over (platform, media type, digest, bytes) children, by tag."""
    index = json.dumps({"schemaVersion": 2, "mediaType": media_type, "manifests": [
        {"mediaType": kind, "digest": digest, "size": len(raw),
         "platform": {"os": platform.split("/")[0], "architecture": platform.split("/")[1]}}
        for platform, kind, digest, raw in children]}).encode()
    reply = live.request("PUT", f"/v2/{name}/manifests/{tag}", index, {"Content-Type": media_type})
    assert reply.status == 201, reply
    return sha256(index), index


def open_upload(live: ServerThread, name: str = "team/app") -> str:
    reply = live.request("POST", f"/v2/{name}/blobs/uploads/")
    assert reply.status == 202
    assert reply.headers["range"] == "0-0"
    return reply.headers["location"]


# ----- /v2/ and errors ----------------------------------------------------------------------------


def test_every_route_reaches_the_handler_named_after_it():
    from regsim.live.server import HANDLERS
    from regsim.model.oci.routes import RouteName

    assert {route: HANDLERS[route].__name__ for route in RouteName} == {route: f"_{route}" for route in RouteName}


def test_ping_answers_200_with_the_api_version_header(live):
    reply = live.request("GET", "/v2/")
    assert reply.status == 200
    assert reply.headers["docker-distribution-api-version"] == "registry/2.0"
    assert reply.json() == {}


def test_unknown_blob_is_the_specs_json_error(live):
    reply = live.request("GET", f"/v2/team/app/blobs/{ZERO}")
    assert reply.status == 404
    assert reply.json() == {"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry",
                                        "detail": ZERO}]}


def test_a_malformed_digest_is_digest_invalid(live):
    assert live.request("GET", "/v2/team/app/blobs/sha256:xyz").code == "DIGEST_INVALID"


@pytest.mark.parametrize("path", [
    "/v2/../../etc/blobs/" + ZERO,
    "/v2/%2e%2e/%2e%2e/etc/manifests/latest",
    "/v2/team/../../x/tags/list",
    "/v2/Team/App/tags/list",
])
def test_names_that_try_path_traversal_are_name_invalid(live, path, tmp_path):
    reply = live.request("GET", path)
    assert (reply.status, reply.code) == (400, "NAME_INVALID")
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x").exists()


def test_a_method_a_route_does_not_take_is_405_unsupported(live):
    reply = live.request("POST", "/v2/team/app/tags/list")
    assert (reply.status, reply.code) == (405, "UNSUPPORTED")


def test_a_path_outside_the_api_is_404(live):
    assert live.request("GET", "/nothing").status == 404


# ----- blobs and uploads --------------------------------------------------------------------------


def test_single_post_upload_then_head_and_get(live):
    data = os.urandom(10_000)
    digest = live.push_blob("team/app", data)
    head = live.request("HEAD", f"/v2/team/app/blobs/{digest}")
    assert head.status == 200
    assert head.headers["content-length"] == "10000"
    assert head.headers["docker-content-digest"] == digest
    assert head.body == b""
    got = live.request("GET", f"/v2/team/app/blobs/{digest}")
    assert got.status == 200 and got.body == data


def test_blob_get_honours_byte_ranges(live):
    data = bytes(range(256)) * 40
    digest = live.push_blob("team/app", data)
    part = live.request("GET", f"/v2/team/app/blobs/{digest}", headers={"Range": "bytes=100-199"})
    assert part.status == 206
    assert part.body == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = live.request("GET", f"/v2/team/app/blobs/{digest}", headers={"Range": "bytes=10000-"})
    assert tail.status == 206 and tail.body == data[10000:]
    suffix = live.request("GET", f"/v2/team/app/blobs/{digest}", headers={"Range": "bytes=-5"})
    assert suffix.body == data[-5:]
    beyond = live.request("GET", f"/v2/team/app/blobs/{digest}", headers={"Range": "bytes=99999-"})
    assert beyond.status == 416


@pytest.mark.parametrize("byte_range", ["bytes=99999-", "bytes=10240-", "bytes=10240-10300", "bytes=20-10"])
def test_an_unsatisfiable_range_is_416_with_content_range_giving_the_length(live, byte_range):
    data = bytes(range(256)) * 40   # 10,240 bytes
    digest = live.push_blob("team/app", data)
    reply = live.request("GET", f"/v2/team/app/blobs/{digest}", headers={"Range": byte_range})
    assert (reply.status, reply.code) == (416, "RANGE_INVALID")
    assert reply.headers["content-range"] == "bytes */10240"


def test_a_blob_is_served_only_by_repositories_that_link_it(live):
    digest = live.push_blob("team/app", b"team only")
    assert live.request("GET", f"/v2/other/app/blobs/{digest}").code == "BLOB_UNKNOWN"


def test_chunked_upload_with_content_range_then_status_then_put(live):
    data = os.urandom(3000)
    location = open_upload(live)
    first = live.request("PATCH", location, data[:1000], {"Content-Range": "0-999",
                                                          "Content-Type": "application/octet-stream"})
    assert first.status == 202
    assert first.headers["range"] == "0-999"
    status = live.request("GET", location)
    assert status.status == 204
    assert status.headers["range"] == "0-999"
    second = live.request("PATCH", location, data[1000:], {"Content-Range": "1000-2999"})
    assert second.headers["range"] == "0-2999"
    done = live.request("PUT", f"{location}?digest={sha256(data)}")
    assert done.status == 201
    assert done.headers["docker-content-digest"] == sha256(data)
    assert done.headers["location"] == f"/v2/team/app/blobs/{sha256(data)}"
    assert live.request("GET", f"/v2/team/app/blobs/{sha256(data)}").body == data


def test_an_out_of_order_chunk_is_416_and_the_upload_stays_usable(live):
    data = os.urandom(2000)
    location = open_upload(live)
    live.request("PATCH", location, data[:1000], {"Content-Range": "0-999"})
    skipped = live.request("PATCH", location, data[1500:], {"Content-Range": "1500-1999"})
    assert (skipped.status, skipped.code) == (416, "RANGE_INVALID")
    assert live.request("GET", location).headers["range"] == "0-999"
    live.request("PATCH", location, data[1000:], {"Content-Range": "1000-1999"})
    assert live.request("PUT", f"{location}?digest={sha256(data)}").status == 201


def test_a_content_range_that_does_not_match_the_body_is_416(live):
    location = open_upload(live)
    reply = live.request("PATCH", location, b"abc", {"Content-Range": "0-9"})
    assert reply.status == 416
    assert live.request("GET", location).headers["range"] == "0-0"


def test_streamed_patch_without_content_range_as_skopeo_sends_it(live):
    data = os.urandom(50_000)
    location = open_upload(live)
    conn_reply = live.request("PATCH", location, iter([data[:20_000], data[20_000:]]))
    assert conn_reply.status == 202
    assert conn_reply.headers["range"] == "0-49999"
    assert live.request("PUT", f"{location}?digest={sha256(data)}").status == 201


def test_final_put_may_carry_the_last_bytes(live):
    location = open_upload(live)
    live.request("PATCH", location, b"hello ")
    assert live.request("PUT", f"{location}?digest={sha256(b'hello world')}", b"world").status == 201


def test_put_without_digest_is_digest_invalid_and_keeps_the_upload(live):
    location = open_upload(live)
    live.request("PATCH", location, b"abc")
    assert live.request("PUT", location).code == "DIGEST_INVALID"
    assert live.request("GET", location).status == 204


def test_a_digest_mismatch_stores_nothing(live, tmp_path):
    location = open_upload(live)
    live.request("PATCH", location, b"the real bytes")
    wrong = sha256(b"other bytes")
    reply = live.request("PUT", f"{location}?digest={wrong}")
    assert (reply.status, reply.code) == (400, "DIGEST_INVALID")
    assert live.request("HEAD", f"/v2/team/app/blobs/{wrong}").status == 404
    assert live.request("HEAD", f"/v2/team/app/blobs/{sha256(b'the real bytes')}").status == 404
    assert not list((tmp_path / "root" / "blobs").rglob("*/*/*"))
    assert not list((tmp_path / "root" / "uploads").iterdir())
    single = live.request("POST", f"/v2/team/app/blobs/uploads/?digest={wrong}", b"not those")
    assert single.code == "DIGEST_INVALID"
    assert not list((tmp_path / "root" / "blobs").rglob("*/*/*"))


def test_a_cancelled_upload_leaves_nothing(live, tmp_path):
    location = open_upload(live)
    live.request("PATCH", location, os.urandom(5000))
    assert live.request("DELETE", location).status == 204
    assert live.request("GET", location).code == "BLOB_UPLOAD_UNKNOWN"
    assert not list((tmp_path / "root" / "uploads").iterdir())
    assert not list((tmp_path / "root" / "blobs").rglob("*/*/*"))


def test_an_upload_opened_over_http_keeps_its_bytes_in_a_file_under_uploads(live, tmp_path):
    from regsim.live.storage import DiskUploadSession

    location = open_upload(live)
    fallback = live.request("POST", f"/v2/team/app/blobs/uploads/?mount={ZERO}&from=other/app")
    for uuid in (location.rsplit("/", 1)[1], fallback.headers["docker-upload-uuid"]):
        assert (tmp_path / "root" / "uploads" / uuid).is_file()
        assert isinstance(live.registry.uploads[uuid], DiskUploadSession)
    live.request("PATCH", location, b"on disk, not in memory")
    assert live.request("PUT", f"{location}?digest={sha256(b'on disk, not in memory')}").status == 201
    assert not (tmp_path / "root" / "uploads" / location.rsplit("/", 1)[1]).exists()


def test_an_unknown_upload_is_blob_upload_unknown(live):
    reply = live.request("PATCH", "/v2/team/app/blobs/uploads/00000000-0000-4000-8000-000000000000", b"x")
    assert (reply.status, reply.code) == (404, "BLOB_UPLOAD_UNKNOWN")


def test_mount_from_another_repository_and_its_fallback(live):
    digest = live.push_blob("team/app", b"shared layer")
    mounted = live.request("POST", f"/v2/other/app/blobs/uploads/?mount={digest}&from=team/app")
    assert mounted.status == 201
    assert mounted.headers["docker-content-digest"] == digest
    assert live.request("GET", f"/v2/other/app/blobs/{digest}").body == b"shared layer"
    fallback = live.request("POST", f"/v2/third/app/blobs/uploads/?mount={ZERO}&from=team/app")
    assert fallback.status == 202 and "location" in fallback.headers


def test_delete_blob_unlinks_it(live):
    digest = live.push_blob("team/app", b"gone soon")
    assert live.request("DELETE", f"/v2/team/app/blobs/{digest}").status == 202
    assert live.request("HEAD", f"/v2/team/app/blobs/{digest}").status == 404


# ----- manifests, tags, referrers, catalog ----------------------------------------------------------


def test_manifest_put_get_head_by_tag_and_digest(live):
    digest, raw = live.push_image("team/app", "v1", [b"layer one"])
    for reference in ("v1", digest):
        got = live.request("GET", f"/v2/team/app/manifests/{reference}")
        assert got.status == 200 and got.body == raw
        assert got.headers["content-type"] == OCI_MANIFEST
        assert got.headers["docker-content-digest"] == digest
        head = live.request("HEAD", f"/v2/team/app/manifests/{reference}")
        assert head.headers["content-length"] == str(len(raw)) and head.body == b""


@pytest.mark.parametrize("accept", [
    [("Accept", "*/*")],                                   # curl's default
    [("Accept", f"{DOCKER_MANIFEST}, {DOCKER_MANIFEST_LIST}")],
    [("Accept", DOCKER_MANIFEST), ("Accept", OCI_INDEX)],
    [("Accept", "")],
], ids=["curl-default", "docker-types-only", "two-headers-no-oci-manifest", "empty"])
def test_an_oci_manifest_for_a_client_whose_accept_lacks_it_is_404_manifest_unknown(live, accept):
    digest, _ = live.push_image("team/app", "v1", [b"layer one"])
    for reference in ("v1", digest):
        got = request_with(live, "GET", f"/v2/team/app/manifests/{reference}", accept)
        assert got.status == 404
        assert got.json() == {"errors": [{
            "code": "MANIFEST_UNKNOWN",
            "message": "OCI manifest found, but accept header does not support OCI manifests"}]}
        head = request_with(live, "HEAD", f"/v2/team/app/manifests/{reference}", accept)
        assert (head.status, head.body) == (404, b"")
    assert "accept header does not support OCI manifests" in live.server.entries[-1].event.why


def test_repeated_accept_headers_with_q_parameters_all_count(live):
    digest, raw = live.push_image("team/app", "v1", [b"layer one"])
    got = request_with(live, "GET", "/v2/team/app/manifests/v1", DOCKER_ACCEPT)
    assert got.status == 200 and got.body == raw
    assert got.headers["content-type"] == OCI_MANIFEST
    assert got.headers["docker-content-digest"] == digest
    # No Accept header at all accepts no manifest type, as in the reference registry: a bare
    # `curl` of an OCI manifest is 404, and the message says why.
    bare = live.request("GET", "/v2/team/app/manifests/v1", negotiate=False)
    assert bare.status == 404
    assert bare.json()["errors"][0]["message"] == "OCI manifest found, but accept header does not support OCI manifests"


def test_an_oci_index_for_a_client_that_does_not_accept_oci_indexes_is_404(live):
    child, raw = live.push_image("team/app", "amd64", [b"amd64 layer"])
    index_digest, index = push_index(live, "team/app", "multi", OCI_INDEX,
                                     [("linux/amd64", OCI_MANIFEST, child, raw)])
    refused = request_with(live, "GET", "/v2/team/app/manifests/multi", [("Accept", OCI_MANIFEST)])
    assert refused.status == 404
    assert refused.json()["errors"][0] == {
        "code": "MANIFEST_UNKNOWN", "message": "OCI index found, but accept header does not support OCI indexes"}
    got = request_with(live, "GET", "/v2/team/app/manifests/multi", DOCKER_ACCEPT)
    assert got.body == index and got.headers["docker-content-digest"] == index_digest


def test_a_docker_manifest_list_by_tag_goes_to_an_old_client_as_its_linux_amd64_manifest(live):
    arm = push_docker_image(live, "team/app", "linux/arm64")
    amd = push_docker_image(live, "team/app", "linux/amd64")
    list_digest, manifest_list = push_index(live, "team/app", "multi", DOCKER_MANIFEST_LIST, [
        ("linux/arm64", DOCKER_MANIFEST, *arm), ("linux/amd64", DOCKER_MANIFEST, *amd)])
    old_client = [("Accept", DOCKER_MANIFEST)]
    got = request_with(live, "GET", "/v2/team/app/manifests/multi", old_client)
    assert got.status == 200
    assert got.body == amd[1]
    assert got.headers["docker-content-digest"] == amd[0]
    assert got.headers["content-type"] == DOCKER_MANIFEST
    head = request_with(live, "HEAD", "/v2/team/app/manifests/multi", old_client)
    assert head.headers["docker-content-digest"] == amd[0]
    # by digest the list itself: the answer must hash to the digest asked for
    by_digest = request_with(live, "GET", f"/v2/team/app/manifests/{list_digest}", old_client)
    assert by_digest.body == manifest_list
    assert by_digest.headers["content-type"] == DOCKER_MANIFEST_LIST
    # a client that accepts manifest lists gets the list
    assert request_with(live, "GET", "/v2/team/app/manifests/multi", DOCKER_ACCEPT).body == manifest_list


def test_a_docker_manifest_list_without_linux_amd64_is_404_for_an_old_client(live):
    arm = push_docker_image(live, "team/app", "linux/arm64")
    push_index(live, "team/app", "arm", DOCKER_MANIFEST_LIST, [("linux/arm64", DOCKER_MANIFEST, *arm)])
    got = request_with(live, "GET", "/v2/team/app/manifests/arm", [("Accept", DOCKER_MANIFEST)])
    assert got.status == 404
    assert got.json() == {"errors": [{"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}]}


def test_a_manifest_naming_a_missing_blob_is_manifest_blob_unknown(live):
    manifest = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": ZERO, "size": 2}, "layers": []}).encode()
    reply = live.request("PUT", "/v2/team/app/manifests/v1", manifest, {"Content-Type": OCI_MANIFEST})
    assert reply.code == "MANIFEST_BLOB_UNKNOWN"


def test_an_unknown_manifest_and_an_unknown_repository(live):
    # distribution looks up the tag without asking for the repository (registry/handlers/manifests.go).
    assert live.request("GET", "/v2/team/app/manifests/nope").code == "MANIFEST_UNKNOWN"
    live.push_image("team/app", "v1", [b"x"])
    assert live.request("GET", "/v2/team/app/manifests/nope").code == "MANIFEST_UNKNOWN"
    assert live.request("GET", "/v2/team/none/tags/list").code == "NAME_UNKNOWN"


def test_a_manifest_over_4_mib_is_413(live):
    big = b'{"schemaVersion":2,"layers":[],"pad":"' + b"x" * (4 * 1024 * 1024) + b'"}'
    reply = live.request("PUT", "/v2/team/app/manifests/big", big, {"Content-Type": OCI_MANIFEST})
    assert (reply.status, reply.code) == (413, "MANIFEST_TOO_LARGE")


def test_tags_list_is_lexical_with_n_last_and_link(live):
    for tag in ("v10", "b", "a", "v2", "latest"):
        live.push_image("team/app", tag, [b"same layer"])
    every = live.request("GET", "/v2/team/app/tags/list")
    assert every.json() == {"name": "team/app", "tags": ["a", "b", "latest", "v10", "v2"]}
    assert "link" not in every.headers
    page = live.request("GET", "/v2/team/app/tags/list?n=2")
    assert page.json()["tags"] == ["a", "b"]
    assert page.headers["link"] == '</v2/team/app/tags/list?n=2&last=b>; rel="next"'
    after = live.request("GET", "/v2/team/app/tags/list?n=2&last=b")
    assert after.json()["tags"] == ["latest", "v10"]
    last = live.request("GET", "/v2/team/app/tags/list?n=2&last=v10")
    assert last.json()["tags"] == ["v2"] and "link" not in last.headers


@pytest.mark.parametrize("n", ["-1", "abc", "1.5", "0x10", "%C2%B2", "99999999999999999999", "%202", "1e3"])
def test_a_bad_n_on_tags_list_is_400_pagination_number_invalid(live, n):
    live.push_image("team/app", "v1", [b"x"])
    reply = live.request("GET", f"/v2/team/app/tags/list?n={n}")
    assert (reply.status, reply.code) == (400, "PAGINATION_NUMBER_INVALID")
    assert reply.json()["errors"][0]["message"] == "invalid number of results requested"


def test_tags_list_n_as_go_reads_it_and_an_empty_n_is_ignored(live):
    for tag in ("a", "b", "c"):
        live.push_image("team/app", tag, [b"x"])
    assert live.request("GET", "/v2/team/app/tags/list?n=").json()["tags"] == ["a", "b", "c"]
    assert live.request("GET", "/v2/team/app/tags/list?n=%2B2").json()["tags"] == ["a", "b"]   # +2
    assert live.request("GET", "/v2/team/app/tags/list?n=0").json()["tags"] == []


def test_a_bad_n_on_the_catalog_is_400_pagination_number_invalid(live):
    live.push_blob("a/app", b"x")
    for n in ("-3", "many"):
        reply = live.request("GET", f"/v2/_catalog?n={n}")
        assert (reply.status, reply.code) == (400, "PAGINATION_NUMBER_INVALID")


def test_delete_by_tag_is_202_and_removes_only_the_tag(live):
    digest, _ = live.push_image("team/app", "v1", [b"x"])
    live.push_image("team/app", "also", [b"x"])
    assert live.request("DELETE", "/v2/team/app/manifests/v1").status == 202
    assert live.request("GET", "/v2/team/app/manifests/v1").code == "MANIFEST_UNKNOWN"
    assert live.request("GET", f"/v2/team/app/manifests/{digest}").status == 200
    assert live.request("DELETE", f"/v2/team/app/manifests/{digest}").status == 202
    assert live.request("GET", "/v2/team/app/manifests/also").code == "MANIFEST_UNKNOWN"


def test_referrers_lists_manifests_whose_subject_is_the_digest(live):
    subject_digest, subject_raw = live.push_image("team/app", "v1", [b"x"])
    empty = live.push_blob("team/app", b"{}")
    signature = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": "application/example.signature",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
        "layers": [],
        "subject": {"mediaType": OCI_MANIFEST, "digest": subject_digest, "size": len(subject_raw)},
    }).encode()
    put = live.request("PUT", f"/v2/team/app/manifests/{sha256(signature)}", signature,
                       {"Content-Type": OCI_MANIFEST})
    assert put.status == 201 and put.headers["oci-subject"] == subject_digest
    listed = live.request("GET", f"/v2/team/app/referrers/{subject_digest}")
    assert listed.status == 200
    entries = listed.json()["manifests"]
    assert [(e["digest"], e["artifactType"]) for e in entries] == [
        (sha256(signature), "application/example.signature")]
    filtered = live.request("GET", f"/v2/team/app/referrers/{subject_digest}?artifactType=other")
    assert filtered.json()["manifests"] == []
    assert filtered.headers["oci-filters-applied"] == "artifactType"


def test_catalog_lists_repositories_with_paging(live):
    for name in ("b/app", "a/app", "c/app"):
        live.push_blob(name, b"x")
    assert live.request("GET", "/v2/_catalog").json() == {"repositories": ["a/app", "b/app", "c/app"]}
    page = live.request("GET", "/v2/_catalog?n=1&last=a/app")
    assert page.json() == {"repositories": ["b/app"]}
    assert "link" in page.headers


def test_every_request_is_recorded_through_the_world_with_an_explanation(live):
    live.request("HEAD", f"/v2/team/app/blobs/{ZERO}")
    entry = live.server.entries[-1]
    assert (entry.event.method, entry.event.status) == ("HEAD", 404)
    assert "will upload it" in entry.event.why
    assert entry.event.path == f"/v2/team/app/blobs/{ZERO}"
    # The server's log keeps the record; its world keeps none, so it does not grow with the traffic.
    assert live.server.world.recording_now() is None


def test_a_manifest_refused_for_a_missing_accept_header_is_explained_in_the_log(live):
    live.push_image("team/app", "v1", [b"layer one"])
    live.request("GET", "/v2/team/app/manifests/v1", negotiate=False)
    why = live.server.entries[-1].event.why
    assert "team/app:v1 is stored, but not sent" in why
    assert "Accept header" in why


def test_explanations_say_what_each_answer_means(live):
    """A 416 is about the range, not a missing blob; DELETE by tag leaves the manifest, by digest takes
    its tags (the model's handler.delete_manifest); a blob a manifest names is unlinked with a warning
    (distribution's garbage collection marks blobs from manifests, registry/storage/garbagecollect.go)."""
    layer = b"layer bytes" * 10
    digest, _ = live.push_image("team/app", "v1", [layer])
    live.request("PUT", "/v2/team/app/manifests/v2", _, {"Content-Type": OCI_MANIFEST})
    live.request("GET", f"/v2/team/app/blobs/{sha256(layer)}", headers={"Range": "bytes=99999-"})
    live.request("DELETE", "/v2/team/app/manifests/v2")
    live.request("DELETE", f"/v2/team/app/blobs/{sha256(layer)}")
    live.request("DELETE", f"/v2/team/app/manifests/{digest}")
    live.request("GET", "/v2/team/app/referrers/sha256:nothex")
    whys = [e.event.why for e in live.server.entries[-5:]]
    assert whys[0].startswith("416: the Range asked for lies outside") and "RANGE_INVALID" not in whys[0]
    assert whys[1] == "tag v2 is removed from team/app; the manifest it named stays, reachable by its digest"
    assert whys[2].endswith("yet a manifest here still names it: pulls of that image from here now fail on "
                            "this blob, and garbage collection keeps its bytes while a manifest references them")
    assert whys[3].endswith("is deleted from team/app, and every tag that pointed at it goes with it")
    assert whys[4].startswith("referrers refused: ")
