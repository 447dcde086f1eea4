"""A registry without the referrers API: what distribution (2.8 and 3.x) answers.

distribution has no route for `GET /v2/<name>/referrers/<digest>` (its registry/api/v2/routes.go
lists none; the API is an open pull request, distribution/distribution#4828), so the router's
not-found handler answers `404 page not found`, and a manifest PUT with a `subject` is stored
without the `OCI-Subject` header. That 404 and that missing header are how clients learn they must
keep the referrers list themselves under the Referrers Tag Schema tag (OCI distribution-spec v1.1
spec.md, "Pushing Manifests with Subject" and "Unavailable Referrers API").
"""

from __future__ import annotations

from regsim.model.oci.response import Response

NOT_FOUND_BODY = b"404 page not found\n"   # Go's http.NotFound, which gorilla/mux answers with


def no_referrers_route() -> Response:
    """The answer to a referrers request at a registry without that route."""
    return Response(404, {"Content-Type": "text/plain; charset=utf-8",
                          "Content-Length": str(len(NOT_FOUND_BODY))}, NOT_FOUND_BODY)


def without_subject_header(response: Response) -> Response:
    """A manifest PUT's answer from a registry that stores `subject` without acting on it."""
    response.headers.pop("OCI-Subject", None)
    return response
