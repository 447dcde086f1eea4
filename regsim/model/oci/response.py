"""A registry's answer: the spec's status, headers and body, as data."""

from __future__ import annotations

from dataclasses import dataclass, field

from regsim.model.oci.blob import Body
from regsim.model.oci.errors import RegistryError


@dataclass(slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Body | None = None
    error: RegistryError | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def length(self) -> int:
        return 0 if self.body is None else len(self.body)

    @classmethod
    def from_error(cls, error: RegistryError) -> Response:
        # Drop the traceback: it would tie the failed call's frames to this answer.
        error.__traceback__ = None
        body = error.body_bytes()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if error.headers:
            headers.update(error.headers)
        return cls(error.status, headers, body, error)
