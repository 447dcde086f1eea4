"""The OCI Distribution API's routes: one table that both parses a path and builds one.

As distribution's `registry/api/v2/routes.go` and `urls.go`: each route has a name, the
methods it answers and a path pattern. `match_path` turns a request path into its route and
the parts it names (repository, reference, digest, upload id); `Route.build` turns the parts
back into a path. The model's clients and registries build every path they send or answer
with it, the live server dispatches on it and the live explanations read it, so none of them
disagrees about what a path means.

    >>> found = match_path("/v2/team/app/manifests/v1")
    >>> found.route.name, found.name, found.reference
    (<RouteName.MANIFEST: 'manifest'>, 'team/app', 'v1')
    >>> ROUTE[RouteName.BLOB].build(name="team/app", digest="sha256:abc")
    '/v2/team/app/blobs/sha256:abc'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import unquote


class RouteName(StrEnum):
    PING = "ping"              # GET /v2/: is this a v2 registry, must I log in?
    CATALOG = "catalog"
    TAGS = "tags"
    MANIFEST = "manifest"
    UPLOADS = "uploads"        # POST: open an upload session (or mount, or a monolithic upload)
    UPLOAD = "upload"          # one upload session: PATCH a chunk, PUT to close, GET status, DELETE
    BLOB = "blob"
    REFERRERS = "referrers"
    TOKEN = "token"            # the token service (not under /v2/, but part of every conversation)


_PART = {
    "name": r"(?P<name>.+)",
    "reference": r"(?P<reference>[^/]+)",
    "digest": r"(?P<digest>[^/]+)",
    "uuid": r"(?P<uuid>[^/]+)",
}


@dataclass(frozen=True, slots=True)
class Route:
    name: RouteName
    methods: frozenset[str]
    template: str              # "/v2/{name}/manifests/{reference}"; a trailing "/?" allows one slash
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.escape(self.template.removesuffix("/?"))
        for part, group in _PART.items():
            regex = regex.replace(re.escape("{" + part + "}"), group)
        slash = "/?" if self.template.endswith("/?") else ""
        object.__setattr__(self, "pattern", re.compile(f"^{regex}{slash}$"))

    def build(self, **parts: str) -> str:
        """The path of this route for these parts: `build(name="team/app", reference="v1")`.

        A route whose slash is optional is built with it (`/v2/`, as clients ask)."""
        return self.template.removesuffix("?").format(**parts)


def _route(name: RouteName, methods: str, template: str) -> Route:
    return Route(name, frozenset(methods.split()), template)


# Order matters: the first route whose pattern matches a path is its route (an upload's path
# would also read as a blob named "uploads").
ROUTES: tuple[Route, ...] = (
    _route(RouteName.PING, "GET HEAD", "/v2/?"),
    _route(RouteName.CATALOG, "GET", "/v2/_catalog"),
    _route(RouteName.TAGS, "GET", "/v2/{name}/tags/list"),
    _route(RouteName.MANIFEST, "GET HEAD PUT DELETE", "/v2/{name}/manifests/{reference}"),
    _route(RouteName.UPLOADS, "POST", "/v2/{name}/blobs/uploads/?"),
    _route(RouteName.UPLOAD, "GET PATCH PUT DELETE", "/v2/{name}/blobs/uploads/{uuid}"),
    _route(RouteName.BLOB, "GET HEAD DELETE", "/v2/{name}/blobs/{digest}"),
    _route(RouteName.REFERRERS, "GET", "/v2/{name}/referrers/{digest}"),
    _route(RouteName.TOKEN, "GET POST", "/token/?"),
)
ROUTE: dict[RouteName, Route] = {route.name: route for route in ROUTES}


# The paths a client or a registry sends, built from the table above (bound once: a client builds
# several per blob). The routes' parts are plain strings already checked by the reference grammar.
_MANIFEST = ROUTE[RouteName.MANIFEST].template.format
_BLOB = ROUTE[RouteName.BLOB].template.format
_UPLOAD = ROUTE[RouteName.UPLOAD].template.format
_TAGS = ROUTE[RouteName.TAGS].template.format
_REFERRERS = ROUTE[RouteName.REFERRERS].template.format
PING_PATH = ROUTE[RouteName.PING].build()
TOKEN_PATH = ROUTE[RouteName.TOKEN].build().removesuffix("/")


def manifest_path(name: str, reference: str) -> str:
    return _MANIFEST(name=name, reference=reference)


def blob_path(name: str, digest: str) -> str:
    """`blob_path(name, "")` is the prefix a digest completes."""
    return _BLOB(name=name, digest=digest)


def uploads_path(name: str) -> str:
    return ROUTE[RouteName.UPLOADS].build(name=name)


def upload_path(name: str, uuid: str) -> str:
    return _UPLOAD(name=name, uuid=uuid)


def tags_path(name: str) -> str:
    return _TAGS(name=name)


def referrers_path(name: str, digest: str) -> str:
    return _REFERRERS(name=name, digest=digest)


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A path's route and the parts it named (empty when the route has no such part)."""

    route: Route
    parts: dict[str, str]

    @property
    def name(self) -> str:
        """The repository name."""
        return self.parts.get("name", "")

    @property
    def reference(self) -> str:
        """A manifest's tag or digest."""
        return self.parts.get("reference", "")

    @property
    def digest(self) -> str:
        return self.parts.get("digest", "")

    @property
    def uuid(self) -> str:
        return self.parts.get("uuid", "")


def request_path(raw: str) -> str:
    """A request's path as routes read it: the query left off, percent-escapes decoded."""
    return unquote(raw.partition("?")[0])


def match_path(raw: str) -> RouteMatch | None:
    """The route of a request path (query and percent-escapes allowed), or None if it has none."""
    path = request_path(raw)
    for route in ROUTES:
        found = route.pattern.match(path)
        if found is not None:
            return RouteMatch(route, found.groupdict())
    return None
