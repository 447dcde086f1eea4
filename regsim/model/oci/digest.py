"""Content addressing: digests as the OCI image spec defines them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from regsim.model.oci.errors import ErrorCode, RegistryError

_sha256 = hashlib.sha256
_HEX_LENGTH = {"sha256": 64, "sha512": 128}
_CANONICAL = re.compile(r"^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$")
_DIGEST_RE = re.compile(r"^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$")


# The digest check_digest accepted last. A push names each missing blob in two HEADs and then
# the PUT that closes its upload, one right after the other: the repeats are answered from here
# instead of the pattern (one entry, so it never grows).
_accepted = [""]


def check_digest(text: str) -> str:
    """`text` when it is a valid digest; DIGEST_INVALID (with the reason) when it is not."""
    if text == _accepted[0]:
        return text
    if type(text) is not str or not _CANONICAL.match(text):
        Digest.parse(text)
    _accepted[0] = text
    return text


@dataclass(frozen=True, slots=True, order=True)
class Digest:
    """`algorithm:hex`, e.g. `sha256:` followed by 64 lowercase hex characters."""

    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @property
    def short(self) -> str:
        """The first 12 hex characters, as docker prints layer ids."""
        return self.hex[:12]

    @classmethod
    def parse(cls, text: str) -> Digest:
        """Parse and validate a digest string; DIGEST_INVALID when malformed."""
        if not isinstance(text, str):
            raise RegistryError(ErrorCode.DIGEST_INVALID, f"a digest must be text, not {text!r}")
        if _CANONICAL.match(text):  # the common, well-formed case, checked in one step
            algorithm, _, hexpart = text.partition(":")
            return cls(algorithm, hexpart)
        match = _DIGEST_RE.match(text)
        if not match:
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"{text!r} is not a digest: expected 'sha256:' followed by 64 hex characters",
            )
        algorithm, hexpart = match.groups()
        if algorithm not in _HEX_LENGTH:
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"unsupported digest algorithm {algorithm!r}: use sha256 or sha512",
            )
        want = _HEX_LENGTH[algorithm]
        if len(hexpart) != want or not all(c in "0123456789abcdef" for c in hexpart):
            raise RegistryError(
                ErrorCode.DIGEST_INVALID,
                f"{text!r} is not a valid {algorithm} digest: expected {want} lowercase hex characters",
            )
        return cls(algorithm, hexpart)

    @classmethod
    def of(cls, data: bytes, algorithm: str = "sha256") -> Digest:
        """The digest of some bytes."""
        if algorithm == "sha256":
            return cls(algorithm, _sha256(data).hexdigest())
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())

    def verify(self, data: bytes) -> bool:
        return hashlib.new(self.algorithm, data).hexdigest() == self.hex


def sized_digest_text(identity: str, size: int) -> str:
    """A stable digest for a sized (not materialised) blob, derived from its identity.

    A scenario's 48 MB layer is never allocated: its digest is the sha256 of a short
    description, so the same layer name and size give the same digest on every run.
    """
    hashed = _SIZED_PREFIX.copy()   # the prefix's state, copied: cheaper than hashing it again
    hashed.update(f"{identity}\0{size}".encode())
    return "sha256:" + hashed.hexdigest()


_SIZED_PREFIX = _sha256(b"regsim-sized-blob\0")   # never updated itself: only its copies are


def sized_digest(identity: str, size: int) -> Digest:
    """`sized_digest_text` as a `Digest`."""
    return Digest("sha256", sized_digest_text(identity, size)[7:])


def sha256_digest(data: bytes) -> str:
    """The `sha256:<hex>` digest of some bytes."""
    return "sha256:" + _sha256(data).hexdigest()
