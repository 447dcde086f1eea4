"""One route table for the OCI Distribution API: it parses every path the live server answers and builds it back."""

from __future__ import annotations

import pytest

from regsim.model.oci.routes import ROUTE, ROUTES, RouteName, match_path

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("path", "route", "parts"),
    [
        ("/v2/", RouteName.PING, {}),
        ("/v2", RouteName.PING, {}),
        ("/v2/_catalog", RouteName.CATALOG, {}),
        ("/v2/team/app/tags/list", RouteName.TAGS, {"name": "team/app"}),
        ("/v2/team/app/manifests/v1", RouteName.MANIFEST, {"name": "team/app", "reference": "v1"}),
        (f"/v2/team/app/manifests/{DIGEST}", RouteName.MANIFEST, {"name": "team/app", "reference": DIGEST}),
        ("/v2/team/app/blobs/uploads/", RouteName.UPLOADS, {"name": "team/app"}),
        ("/v2/team/app/blobs/uploads", RouteName.UPLOADS, {"name": "team/app"}),
        ("/v2/a/b/c/blobs/uploads/0f3c", RouteName.UPLOAD, {"name": "a/b/c", "uuid": "0f3c"}),
        (f"/v2/team/app/blobs/{DIGEST}", RouteName.BLOB, {"name": "team/app", "digest": DIGEST}),
        (f"/v2/team/app/referrers/{DIGEST}", RouteName.REFERRERS, {"name": "team/app", "digest": DIGEST}),
        ("/token", RouteName.TOKEN, {}),
        ("/token/", RouteName.TOKEN, {}),
    ],
)
def test_a_path_reads_as_its_route_and_parts(path: str, route: RouteName, parts: dict[str, str]) -> None:
    found = match_path(path)
    assert found is not None
    assert found.route.name == route
    assert found.parts == parts


def test_the_query_is_left_off_and_percent_escapes_are_decoded() -> None:
    found = match_path(f"/v2/team/app/blobs/uploads/?mount={DIGEST.replace(':', '%3A')}&from=base")
    assert found is not None and found.route.name == RouteName.UPLOADS
    found = match_path(f"/v2/team/app/manifests/{DIGEST.replace(':', '%3A')}")
    assert found is not None and found.reference == DIGEST
    assert found.name == "team/app" and found.digest == "" and found.uuid == ""


def test_an_upload_is_never_read_as_a_blob_named_uploads() -> None:
    found = match_path("/v2/team/app/blobs/uploads")
    assert found is not None and found.route.name == RouteName.UPLOADS


@pytest.mark.parametrize("path", ["/", "/v1/team/app/manifests/v1", "/v2/team/app/manifests/", "/v2/team/app/nothing"])
def test_a_path_the_api_does_not_have_has_no_route(path: str) -> None:
    assert match_path(path) is None


@pytest.mark.parametrize(
    ("route", "parts", "path"),
    [
        (RouteName.PING, {}, "/v2/"),
        (RouteName.TAGS, {"name": "team/app"}, "/v2/team/app/tags/list"),
        (RouteName.MANIFEST, {"name": "team/app", "reference": "v1"}, "/v2/team/app/manifests/v1"),
        (RouteName.UPLOADS, {"name": "team/app"}, "/v2/team/app/blobs/uploads/"),
        (RouteName.UPLOAD, {"name": "team/app", "uuid": "0f3c"}, "/v2/team/app/blobs/uploads/0f3c"),
        (RouteName.BLOB, {"name": "team/app", "digest": DIGEST}, f"/v2/team/app/blobs/{DIGEST}"),
        (RouteName.TOKEN, {}, "/token/"),
    ],
)
def test_a_route_builds_the_path_it_parses(route: RouteName, parts: dict[str, str], path: str) -> None:
    assert ROUTE[route].build(**parts) == path
    found = match_path(path)
    assert found is not None and found.route.name == route and found.parts == parts


def test_every_route_names_the_methods_the_spec_gives_it() -> None:
    methods = {route.name: route.methods for route in ROUTES}
    assert methods[RouteName.MANIFEST] == {"GET", "HEAD", "PUT", "DELETE"}
    assert methods[RouteName.BLOB] == {"GET", "HEAD", "DELETE"}
    assert methods[RouteName.UPLOADS] == {"POST"}
    assert methods[RouteName.UPLOAD] == {"GET", "PATCH", "PUT", "DELETE"}
    assert set(methods) == set(RouteName)
