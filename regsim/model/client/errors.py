"""What docker prints when a registry refuses it: the error docker makes of a response, and its line.

Two steps, each as docker's own code takes them:

1. The error a response becomes (distribution's client, `registry/client/errors.go`,
   `HandleErrorResponse`, which dockerd uses): a Bearer challenge's `error=` parameter comes
   first, so a 401 with `error="insufficient_scope"` becomes DENIED "requested access to the
   resource is denied" and one with `error="invalid_token"` becomes UNAUTHORIZED; otherwise
   the JSON body's first code and message.
2. The line (moby): an errcode error reads `code in lower case, spaces for "_": message`
   (distribution `registry/api/errcode/errors.go`, `Error.Error`). A pull turns DENIED,
   MANIFEST_UNKNOWN and NAME_UNKNOWN into the sentences of moby's `distribution/errors.go`
   (`translatePullError`, `notFoundError`). dockerd answers "Error response from daemon: …"
   when the error comes before it has written any progress, and writes the bare error into
   the progress stream once it has (moby `api/server/router/image/image_routes.go`:
   `if !output.Flushed() { return err }`): a push has already printed "The push refers to
   repository", a pull has printed "Pulling from" once its manifest arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from regsim.model.oci.auth import AuthInputError, parse_challenge
from regsim.model.oci.errors import ErrorCode
from regsim.model.oci.response import Response

DAEMON = "Error response from daemon: "


@dataclass(frozen=True, slots=True)
class DockerError:
    """The error docker's registry client makes of a refusal: a code and its message."""

    code: str
    message: str
    unexpected_status: str | None = None    # an answer outside 400-499: its status line

    def __str__(self) -> str:
        """errcode's `Error()`: `denied: requested access to the resource is denied`; for a status
        outside 400-499, `UnexpectedHTTPStatusError`'s: `received unexpected HTTP status: 500 …`."""
        if self.unexpected_status is not None:
            return f"received unexpected HTTP status: {self.unexpected_status}"
        return f"{self.code.lower().replace('_', ' ')}: {self.message}"


def docker_error(response: Response) -> DockerError:
    """The error distribution's `HandleErrorResponse` returns for this response (its first one)."""
    if response.status == 401:
        try:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        except AuthInputError:
            challenge = None
        if challenge is not None and challenge.scheme == "Bearer":
            said = challenge.params.get("error")
            code = {"insufficient_scope": ErrorCode.DENIED, "invalid_token": ErrorCode.UNAUTHORIZED}.get(said or "")
            if code is not None:
                return DockerError(code.name, challenge.params.get("error_description") or code.message)
    error = response.error
    named = error.code.name if error is not None else f"HTTP_{response.status}"
    if not 400 <= response.status < 500:
        # HandleErrorResponse reads no body outside 400-499 (a 500 from a pull-through cache
        # whose upstream is down): an UnexpectedHTTPStatusError with the status line.
        status = f"{response.status} {HTTPStatus(response.status).phrase}"
        return DockerError(named, error.message if error is not None else status, status)
    if error is None:
        return DockerError(named, f"status {response.status}")
    return DockerError(named, error.message)


def pull_line(error: DockerError, name: str, reference: str, *, streamed: bool = False) -> str:
    """What a refused pull prints (`name` familiar, `reference` with its tag); `streamed` once
    "Pulling from" was written (a blob refused), so without the daemon's prefix."""
    prefix = "" if streamed else DAEMON
    if error.code == "DENIED":
        return (f"{prefix}pull access denied for {name}, repository does not exist or may require "
                f"'docker login': {error}")
    if error.code == "MANIFEST_UNKNOWN":
        return f"{prefix}manifest for {reference} not found: {error}"
    if error.code == "NAME_UNKNOWN":
        return f"{prefix}repository {name} not found: {error}"
    return f"{prefix}{error}"


def daemon_line(error: DockerError) -> str:
    """Any other refusal dockerd answers before writing progress (a login, a version check)."""
    return f"{DAEMON}{error}"


def stream_line(error: DockerError) -> str:
    """A refusal once progress was written (a push after its first line, a pull's blobs): bare."""
    return str(error)
