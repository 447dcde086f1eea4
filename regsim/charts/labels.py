"""Short, safe names for steps: `push team/app:v1` on an axis, passwords never shown."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from regsim.units import short_digest

if TYPE_CHECKING:
    from regsim.scenario.contract import StepJSON

# Options whose next word is their value, so it is not mistaken for the image reference.
_OPTIONS_WITH_VALUE = frozenset(
    {
        "-t",
        "--tag",
        "-u",
        "--username",
        "-p",
        "--password",
        "--platform",
        "-f",
        "--file",
        "--build-arg",
        "--target",
        "-o",
        "--output",
        "--creds",
        "--image-pull-policy",
        "--pull-secret",
        "--key",              # cosign
        "--artifact-type",    # oras
    }
)
MAX_LABEL = 26


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:  # an unbalanced quote: split on spaces rather than fail a chart
        return command.split()


def _without_host(reference: str) -> str:
    first, sep, rest = reference.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        reference = rest
    name, at, digest = reference.partition("@")
    if at:
        reference = f"{name}@{short_digest(digest)}"
    return reference


def _shorten(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_command(command: str | None, verb: str | None = None) -> str:
    """`docker push registry.example/team/app:v1` → `push team/app:v1` (no host, no flags)."""
    if not command:
        return verb or "say"
    words = _words(command)
    tool = words[0] if words else ""
    if tool in ("docker", "crictl", "kubelet", "cosign", "oras", "helm"):   # the CLI's name says little on a chart tick
        words = words[1:]
    if not words:
        return verb or "say"
    head = words[0]
    rest = words[1:]
    if head == "registry" and rest:
        head, rest = rest[0], rest[1:]
        if head == "gc":
            return "registry gc"
    tag_value = None
    positional: list[str] = []
    skip = False
    for i, word in enumerate(rest):
        if skip:
            skip = False
            continue
        if word in _OPTIONS_WITH_VALUE:
            skip = True
            if word in ("-t", "--tag") and i + 1 < len(rest):
                tag_value = rest[i + 1]
            continue
        if word.startswith("-"):
            if word.startswith("--tag="):
                tag_value = word.partition("=")[2]
            continue
        positional.append(word)
    target = tag_value if head == "build" and tag_value else (positional[-1] if positional else "")
    if head == "network" and len(rest) == 3:   # `network down A B`: which link, by short names
        a, b = (host.split(".")[0] for host in rest[1:])
        return _shorten(f"{rest[0]} {a}–{b}")
    if tool in ("oras", "helm") and positional:   # oras attach REF FILE: the image; helm push CHART: the chart
        target = positional[0]
    if head == "login" or head == "logout":
        return _shorten(f"{head} {target}".strip())
    return _shorten(f"{head} {_without_host(target)}".strip())


def step_verb(step: StepJSON) -> str:
    """The step's verb, or the command's first word when the record has none."""
    verb = step.get("verb")
    if verb:
        return str(verb)
    words = _words(step.get("command") or "")
    if words and words[0] == "docker":
        words = words[1:]
    return words[0] if words else "say"


def step_label(step: StepJSON) -> str:
    """`2 push team/app:v1`, with ✗ after a step that failed."""
    label = f"{step.get('index', '?')} {short_command(step.get('command'), step_verb(step))}"
    return label + " ✗" if step.get("ok") is False else label
