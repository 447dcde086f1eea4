"""Repository names, tags and image references, with the spec's grammar and docker's defaults.

A name with no registry host always means Docker Hub, as docker and containerd resolve it:
github.com/distribution/reference normalize.go (`ParseNormalizedNamed`, `splitDockerDomain`)
puts it on `docker.io`, under `library/` when it has one component, and `familiarizeName`
hides exactly that host and prefix again when a name is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from regsim.model.oci.digest import Digest
from regsim.model.oci.errors import ErrorCode, RegistryError

# OCI Distribution Spec: <name> components and tags.
_COMPONENT = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
NAME_RE = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
TAG_RE = re.compile(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$")
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
_HOST_RE = re.compile(rf"^(?:{_LABEL})(?:\.{_LABEL})*(?::[0-9]+)?$")
MAX_NAME_LENGTH = 255
DEFAULT_TAG = "latest"
DOCKER_HUB = "docker.io"                 # distribution/reference: defaultDomain
_LEGACY_DOCKER_HUB = "index.docker.io"   # distribution/reference: legacyDefaultDomain
OFFICIAL_PREFIX = "library/"             # distribution/reference: officialRepoPrefix


def check_name(name: str) -> str:
    """Return `name` when it is a valid repository name; NAME_INVALID otherwise."""
    if not isinstance(name, str) or not name:
        raise RegistryError(ErrorCode.NAME_INVALID, "a repository name cannot be empty", {"name": name})
    if len(name) > MAX_NAME_LENGTH:
        raise RegistryError(
            ErrorCode.NAME_INVALID,
            f"repository name is {len(name)} characters; the limit is {MAX_NAME_LENGTH}",
            {"name": name},
        )
    if not NAME_RE.match(name):
        hint = " (names are lowercase)" if name.lower() != name else ""
        raise RegistryError(
            ErrorCode.NAME_INVALID,
            f"{name!r} is not a valid repository name{hint}: use lowercase letters, digits and "
            "separators (. _ __ -) in components joined by /",
            {"name": name},
        )
    return name


def check_tag(tag: str) -> str:
    """Return `tag` when it is a valid tag; TAG_INVALID otherwise."""
    if not isinstance(tag, str) or not TAG_RE.match(tag):
        raise RegistryError(
            ErrorCode.TAG_INVALID,
            f"{tag!r} is not a valid tag: up to 128 letters, digits, _ . and -, not starting with . or -",
            {"tag": tag},
        )
    return tag


def is_digest_reference(reference: str) -> bool:
    """Whether a manifest reference names a digest rather than a tag."""
    return ":" in reference


# Not frozen, for the reason Descriptor is not (oci/descriptor.py): every new name a client
# builds, tags or pushes makes one (parse_reference keeps them, so none is ever changed).
@dataclass(slots=True, unsafe_hash=True)
class Reference:
    """An image reference split as docker splits it: host, repository, tag and/or digest."""

    host: str
    repository: str
    tag: str | None = None
    digest: Digest | None = None

    @property
    def reference(self) -> str:
        """What goes in `/v2/<name>/manifests/<reference>`: the digest if given, else the tag."""
        if self.digest is not None:
            return str(self.digest)
        return self.tag or DEFAULT_TAG

    def familiar(self) -> str:
        """The short form docker shows (distribution/reference `FamiliarString`): `docker.io/`
        is left out, and so is `library/` before a one-component name; every other host stays."""
        name = self.repository
        if self.host == DOCKER_HUB:
            rest = name[len(OFFICIAL_PREFIX):] if name.startswith(OFFICIAL_PREFIX) else None
            text = rest if rest is not None and "/" not in rest else name
        else:
            text = f"{self.host}/{name}"
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    @property
    def full(self) -> str:
        """The fully qualified form containerd and crictl show: `docker.io/library/python:3.12`."""
        text = f"{self.host}/{self.repository}"
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def __str__(self) -> str:
        return self.familiar()

    def with_tag(self, tag: str | None) -> Reference:
        return Reference(self.host, self.repository, tag, None)


def parse_reference(text: str) -> Reference:
    """Parse `[HOST/]NAME[:TAG][@DIGEST]` as docker does (distribution/reference `ParseNormalizedNamed`).

    The first component is a host when it holds a `.` or a `:` or is `localhost`; otherwise
    the reference goes to Docker Hub (`docker.io`), and a one-component name there gets the
    `library/` prefix (so does `docker.io/python`). `index.docker.io` is Docker Hub's old name.
    No tag and no digest means `latest`.
    """
    if not isinstance(text, str):
        raise RegistryError(ErrorCode.NAME_INVALID, "an image reference cannot be empty")
    return _parse_reference(text)


# A build, its tag and its push parse the same texts again; a Reference is immutable, so one
# parse serves them all (a refused text raises, and lru_cache keeps no exception).
@lru_cache(maxsize=1024)
def _parse_reference(text: str) -> Reference:
    stripped = text.strip()
    if not stripped:
        raise RegistryError(ErrorCode.NAME_INVALID, "an image reference cannot be empty")
    text = stripped
    digest = None
    if "@" in text:
        text, _, digest_text = text.partition("@")
        digest = Digest.parse(digest_text)
    tag = None
    last_slash = text.rfind("/")
    colon = text.rfind(":")
    if colon > last_slash:
        text, tag = text[:colon], text[colon + 1:]
        if not TAG_RE.match(tag):   # check_tag's test, which makes its refusal
            check_tag(tag)
    first, sep, rest = text.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        if not _HOST_RE.match(first):
            raise RegistryError(ErrorCode.NAME_INVALID, f"{first!r} is not a valid registry host")
        host, name = (DOCKER_HUB if first == _LEGACY_DOCKER_HUB else first), rest
    else:
        host, name = DOCKER_HUB, text
    if host == DOCKER_HUB and "/" not in name:
        name = OFFICIAL_PREFIX + name
    if len(name) > MAX_NAME_LENGTH or not NAME_RE.match(name):   # check_name's tests, as above
        check_name(name)
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    return Reference(host, name, tag, digest)
