"""A registry's answer: the spec's status, headers and body, as data."""

from __future__ import annotations

from collections.abc import Callable

from regsim.model.oci.blob import Body
from regsim.model.oci.errors import RegistryError


class Response:
    """Status, headers and body (None: no body), and the error a refusal carries."""

    __slots__ = ("body", "error", "headers", "status")

    def __init__(
        self,
        status: int,
        headers: dict[str, str] | None = None,
        body: Body | None = None,
        error: RegistryError | None = None,
    ) -> None:
        self.status = status
        self.headers = {} if headers is None else headers
        self.body = body
        self.error = error

    def __repr__(self) -> str:
        return f"Response({self.status}, {self.headers!r}, {self.body!r}, {self.error!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return (self.status, self.headers, self.body, self.error) == (
            other.status, other.headers, other.body, other.error)

    __hash__ = None  # type: ignore[assignment]   # mutable, like the dataclass it replaces

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def length(self) -> int:
        return 0 if self.body is None else len(self.body)

    @classmethod
    def from_error(cls, error: RegistryError) -> Response:
        """The spec's answer to a refused request: the code's status, and a JSON error body."""
        # Drop the traceback: it would tie the failed call's frames to this answer.
        error.__traceback__ = None
        return Refusal(error.code.status, _given, (error,))


def _given(error: RegistryError) -> RegistryError:
    return error


class Answer(Response):
    """An answer whose headers are written (`write(*args)`) the first time they are read.

    A push reads few of its answers' headers (an upload's Location) and never those of a
    blob HEAD that found the blob, or of its PATCH and PUT: writing them would be wasted.
    """

    __slots__ = ("_args", "_headers", "_write")

    def __init__(
        self, status: int, write: Callable[..., dict[str, str]], args: tuple[object, ...], body: Body | None = None
    ) -> None:
        self.status = status
        self._write = write
        self._args = args
        self._headers: dict[str, str] | None = None
        self.body = body
        self.error = None

    @property   # Response's attribute, made when first read
    def headers(self) -> dict[str, str]:
        headers = self._headers
        if headers is None:
            headers = self._headers = self._write(*self._args)
        return headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self._headers = value


class Refusal(Response):
    """A refusal whose error, JSON body and headers are made the first time one is read.

    Most refusals a simulated push meets answer a blob HEAD, which carries no body
    (RFC 9110 §9.3.2), and whose error no client reads: making it would be wasted. Every
    caller reads what it needs right after the request, while the registry is as it answered.
    """

    __slots__ = ("_args", "_body", "_error", "_headers", "_make")
    _body: Body | None   # set with the headers, when first read

    def __init__(self, status: int, make: Callable[..., RegistryError], args: tuple[object, ...]) -> None:
        self.status = status
        self._make = make
        self._args = args
        self._error: RegistryError | None = None
        self._headers: dict[str, str] | None = None

    @property   # Response's attribute, made when first read
    def error(self) -> RegistryError | None:
        error = self._error
        if error is None:
            error = self._error = self._make(*self._args)
        return error

    @error.setter
    def error(self, value: RegistryError | None) -> None:
        self._error = value

    def _write(self) -> dict[str, str]:
        error = self.error
        assert error is not None
        body = self._body = error.body_bytes()
        headers = self._headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
        if error.headers:
            headers.update(error.headers)
        return headers

    @property
    def headers(self) -> dict[str, str]:
        headers = self._headers
        if headers is None:
            headers = self._write()
        return headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self._headers = value

    @property
    def body(self) -> Body | None:
        if self._headers is None:
            self._write()
        return self._body

    @body.setter
    def body(self, value: Body | None) -> None:
        if self._headers is None:
            self._write()   # the headers that go with the body it had
        self._body = value


class Status(Response):
    """An answer that is its status alone, shared by every request it answers (see
    `Handler.head_blob_status`): its headers read empty, and it has no body and no error.
    Nothing may change one."""

    __slots__ = ()

    def __init__(self, status: int) -> None:
        self.status = status
        self.body = None
        self.error = None

    @property
    def headers(self) -> dict[str, str]:
        return {}   # a new table each time: a reader's change cannot reach the next request's answer

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        raise AttributeError("a shared Status answer cannot be given headers")
