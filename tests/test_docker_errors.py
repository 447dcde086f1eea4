"""The line docker prints for every error code a registry of the model can send.

Sources, each named where it is followed:
- distribution `registry/client/errors.go` (`HandleErrorResponse`): a Bearer challenge's
  `error="insufficient_scope"` becomes DENIED, `error="invalid_token"` UNAUTHORIZED, before the body.
- distribution `registry/api/errcode/errors.go` (`Error.Error`): `code in lower case: message`.
- moby `distribution/errors.go` (`translatePullError`, `notFoundError`): the pull sentences.
- moby `api/server/router/image/image_routes.go`: "Error response from daemon: " only before any
  progress was written; a push's errors come after "The push refers to repository", bare.
"""

from __future__ import annotations

import pytest

from regsim.model.client.errors import DockerError, docker_error, pull_line, stream_line
from regsim.model.oci.auth import Scope, bearer_challenge, format_challenge
from regsim.model.oci.errors import ErrorCode, RegistryError
from regsim.model.oci.response import Response

NAME = "registry.example/team/app"
REF = "registry.example/team/app:v1"
DAEMON = "Error response from daemon: "


def refusal(code: ErrorCode, **headers: str) -> Response:
    return Response.from_error(RegistryError(code, headers=dict(headers) or None))


def challenge(error: str | None) -> str:
    scope = Scope("repository", "team/app", frozenset({"pull"}))
    return format_challenge(bearer_challenge("https://registry.example/token", "registry.example", [scope], error))


# Every code, as errcode prints it: the code in lower case with spaces, then the spec's message
# (distribution registry/api/errcode/errors.go and registry/api/v2/errors.go).
ERRCODE_TEXT = {
    ErrorCode.BLOB_UNKNOWN: "blob unknown: blob unknown to registry",
    ErrorCode.BLOB_UPLOAD_INVALID: "blob upload invalid: blob upload invalid",
    ErrorCode.BLOB_UPLOAD_UNKNOWN: "blob upload unknown: blob upload unknown to registry",
    ErrorCode.DIGEST_INVALID: "digest invalid: provided digest did not match uploaded content",
    ErrorCode.MANIFEST_BLOB_UNKNOWN: "manifest blob unknown: blob unknown to registry",
    ErrorCode.MANIFEST_INVALID: "manifest invalid: manifest invalid",
    ErrorCode.MANIFEST_UNKNOWN: "manifest unknown: manifest unknown",
    ErrorCode.NAME_INVALID: "name invalid: invalid repository name",
    ErrorCode.NAME_UNKNOWN: "name unknown: repository name not known to registry",
    ErrorCode.SIZE_INVALID: "size invalid: provided length did not match content length",
    ErrorCode.UNAUTHORIZED: "unauthorized: authentication required",
    ErrorCode.DENIED: "denied: requested access to the resource is denied",
    ErrorCode.UNSUPPORTED: "unsupported: the operation is unsupported",
    ErrorCode.TOOMANYREQUESTS: "toomanyrequests: too many requests",
    ErrorCode.TAG_INVALID: "tag invalid: manifest tag did not match URI",
    ErrorCode.RANGE_INVALID: "range invalid: invalid content range",
    ErrorCode.MANIFEST_TOO_LARGE: "manifest too large: manifest too large",
    ErrorCode.PAGINATION_NUMBER_INVALID: "pagination number invalid: invalid number of results requested",
    # Outside 400-499 HandleErrorResponse reads no body: UnexpectedHTTPStatusError's text
    # (distribution registry/client/errors.go).
    ErrorCode.UNAVAILABLE: "received unexpected HTTP status: 503 Service Unavailable",
    ErrorCode.UNKNOWN: "received unexpected HTTP status: 500 Internal Server Error",
}


def test_every_code_the_model_can_send_has_its_line():
    assert set(ERRCODE_TEXT) == set(ErrorCode)


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_a_push_prints_the_errcode_text_bare(code):
    # moby image_routes.go postImagesPush: the stream began with "The push refers to repository".
    assert stream_line(docker_error(refusal(code))) == ERRCODE_TEXT[code]


# moby distribution/errors.go, notFoundError.Error: three codes get a sentence of their own.
PULL_SENTENCES = {
    ErrorCode.DENIED: (f"pull access denied for {NAME}, repository does not exist or may require 'docker login': "
                       "denied: requested access to the resource is denied"),
    ErrorCode.MANIFEST_UNKNOWN: f"manifest for {REF} not found: manifest unknown: manifest unknown",
    ErrorCode.NAME_UNKNOWN: f"repository {NAME} not found: name unknown: repository name not known to registry",
}


@pytest.mark.parametrize("code", list(ErrorCode), ids=lambda c: c.name)
def test_a_pull_refused_before_progress_prints_the_daemons_answer(code):
    line = pull_line(docker_error(refusal(code)), NAME, REF)
    assert line == DAEMON + PULL_SENTENCES.get(code, ERRCODE_TEXT[code])


def test_a_pull_refused_after_pulling_from_prints_the_same_sentence_bare():
    line = pull_line(DockerError("DENIED", ErrorCode.DENIED.message), NAME, REF, streamed=True)
    assert line == PULL_SENTENCES[ErrorCode.DENIED]


def test_a_401_with_insufficient_scope_is_denied_whatever_its_body_says():
    # distribution registry/client/errors.go: the challenge's error= is read before the body.
    response = refusal(ErrorCode.UNAUTHORIZED, **{"WWW-Authenticate": challenge("insufficient_scope")})
    assert response.status == 401
    assert docker_error(response) == DockerError("DENIED", "requested access to the resource is denied")
    assert pull_line(docker_error(response), "team/app", "team/app:v1") == (
        "Error response from daemon: pull access denied for team/app, repository does not exist or may "
        "require 'docker login': denied: requested access to the resource is denied")


def test_a_401_with_an_invalid_token_is_unauthorized():
    response = refusal(ErrorCode.UNAUTHORIZED, **{"WWW-Authenticate": challenge("invalid_token")})
    assert str(docker_error(response)) == "unauthorized: authentication required"


def test_a_401_without_an_error_parameter_reads_the_body():
    response = refusal(ErrorCode.UNAUTHORIZED, **{"WWW-Authenticate": challenge(None)})
    assert docker_error(response).code == "UNAUTHORIZED"


def test_a_response_without_a_json_body_names_its_status():
    assert docker_error(Response(404)) == DockerError("HTTP_404", "status 404")
    assert str(docker_error(Response(502))) == "received unexpected HTTP status: 502 Bad Gateway"


def test_a_registry_s_own_message_replaces_the_codes_in_the_line():
    # errcode's Error() prints the body's message: Docker Hub's 429 says how to raise the limit.
    said = RegistryError(ErrorCode.TOOMANYREQUESTS, message="You have reached your pull rate limit.")
    line = pull_line(docker_error(Response.from_error(said)), NAME, REF)
    assert line == DAEMON + "toomanyrequests: You have reached your pull rate limit."
