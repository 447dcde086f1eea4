"""The artifact tools' commands: cosign, oras and helm, which store and find OCI artifacts.

Each runs on a client as its own CLI (not through dockerd): a workstation or CI machine
(`runtime: docker`, the default) runs them; a containerd node does not. Flags and arguments are
those of the real CLIs (cosign `sign`/`verify --key`, oras `attach --artifact-type` and
`discover --artifact-type`, helm `push CHART oci://…`); an unknown flag is refused with the usage.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsim.scenario.command_base import ClientCommand, CommandError, split_options

ARTIFACT_TOOLS = ("cosign", "oras", "helm")
ARTIFACT_USAGE = {
    "cosign sign": "cosign sign --key KEY_FILE NAME[:TAG|@DIGEST]",
    "cosign verify": "cosign verify --key PUBLIC_KEY_FILE NAME[:TAG|@DIGEST]",
    "oras attach": "oras attach --artifact-type TYPE NAME[:TAG|@DIGEST] FILE",
    "oras discover": "oras discover [--artifact-type TYPE] NAME[:TAG|@DIGEST]",
    "helm push": "helm push CHART-VERSION.tgz oci://HOST/REPO",
}


@dataclass(frozen=True, slots=True)
class ArtifactCommand(ClientCommand):
    """A command of an artifact tool; its `tool` is the CLI's name."""

    @property
    def tool(self) -> str:
        return self.verb.split("-", 1)[0]

    @property
    def family(self) -> str:
        return self.verb.split("-", 1)[1]

    @property
    def files(self) -> tuple[str, ...]:
        """The files on the client's disk it reads (declared under `files:`)."""
        return ()


@dataclass(frozen=True, slots=True)
class CosignSign(ArtifactCommand):
    reference: str
    key: str
    verb = "cosign-sign"

    @property
    def writes(self) -> bool:
        return True

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class CosignVerify(ArtifactCommand):
    reference: str
    key: str
    verb = "cosign-verify"

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class OrasAttach(ArtifactCommand):
    reference: str
    artifact_type: str
    file: str
    verb = "oras-attach"

    @property
    def writes(self) -> bool:
        return True

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)

    @property
    def files(self) -> tuple[str, ...]:
        return (self.file,)


@dataclass(frozen=True, slots=True)
class OrasDiscover(ArtifactCommand):
    reference: str
    artifact_type: str | None = None
    verb = "oras-discover"

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class HelmPush(ArtifactCommand):
    chart: str
    target: str                        # oci://HOST/REPO
    verb = "helm-push"

    @property
    def writes(self) -> bool:
        return True

    @property
    def references(self) -> tuple[str, ...]:
        # Where the chart goes is HOST/REPO/NAME:VERSION; its host and repository are checked here.
        return (self.target.removeprefix("oci://").rstrip("/"),)

    @property
    def files(self) -> tuple[str, ...]:
        return (self.chart,)


def _media_type(text: str, usage: str) -> str:
    # A media type is TYPE/SUBTYPE (RFC 6838), as image-spec asks of artifactType.
    kind, slash, sub = text.partition("/")
    if not slash or not kind or not sub or " " in text:
        raise CommandError(f"--artifact-type {text!r} is not a media type such as application/spdx+json; {usage}")
    return text


def parse_artifact_command(text: str, words: list[str]) -> ArtifactCommand:
    """Parse `cosign …`, `oras …` or `helm …`; CommandError with the usage when it is wrong."""
    from regsim.scenario.problems import did_you_mean

    tool = words[0]
    known = sorted(key.split(" ", 1)[1] for key in ARTIFACT_USAGE if key.startswith(f"{tool} "))
    if len(words) < 2:
        raise CommandError(f"{tool} needs a verb here: {', '.join(known)}")
    verb, rest = words[1], words[2:]
    key = f"{tool} {verb}"
    if key not in ARTIFACT_USAGE:
        raise CommandError(f"{tool} has no verb {verb!r} here{did_you_mean(verb, known)}")
    usage = f"usage: {ARTIFACT_USAGE[key]}"
    flags = {"--key": "key"} if tool == "cosign" else {"--artifact-type": "type"} if tool == "oras" else {}
    args, opts = split_options(rest, flags, set(), usage)
    match key, args:
        case "cosign sign", [reference] if "key" in opts:
            return CosignSign(text, reference, opts["key"])
        case "cosign verify", [reference] if "key" in opts:
            return CosignVerify(text, reference, opts["key"])
        case "cosign sign" | "cosign verify", [_]:
            raise CommandError(f"{tool} {verb} needs --key here: keyless signing goes through Fulcio and "
                               f"Rekor, which this simulator does not model; {usage}")
        case "oras attach", [reference, file] if "type" in opts:
            return OrasAttach(text, reference, _media_type(opts["type"], usage), file)
        case "oras attach", [_, _]:
            raise CommandError(f"oras attach needs --artifact-type: it says what the artifact is; {usage}")
        case "oras discover", [reference]:
            kind = opts.get("type")
            return OrasDiscover(text, reference, None if kind is None else _media_type(kind, usage))
        case "helm push", [chart, target]:
            if not target.startswith("oci://"):
                raise CommandError(f"helm pushes to a registry named oci://HOST/REPO, not {target!r}; {usage}")
            return HelmPush(text, chart, target)
    raise CommandError(usage)
