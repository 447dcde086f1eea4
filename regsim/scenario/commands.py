"""The commands a scenario step (or the sandbox) can run, parsed and checked before anything runs."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from enum import StrEnum

from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import parse_reference
from regsim.scenario.artifact_commands import ARTIFACT_TOOLS, ARTIFACT_USAGE, parse_artifact_command

# The base classes live in command_base.py (artifact_commands.py builds on them too); named here as before.
from regsim.scenario.command_base import ClientCommand as ClientCommand
from regsim.scenario.command_base import Command as Command
from regsim.scenario.command_base import CommandError as CommandError
from regsim.scenario.command_base import split_options
from regsim.units import UnitError, parse_duration

USAGE = {
    "docker build": "docker build -t NAME[:TAG] [.]",
    "docker tag": "docker tag SOURCE TARGET",
    "docker push": "docker push NAME[:TAG]",
    "docker pull": "docker pull [--platform OS/ARCH] NAME[:TAG|@DIGEST]",
    "docker login": "docker login HOST -u USER -p PASSWORD",
    "docker logout": "docker logout HOST",
    "docker rmi": "docker rmi NAME[:TAG]",
    "docker images": "docker images",
    "docker system df": "docker system df",
    "crictl pull": "crictl pull [--creds USER:PASSWORD] NAME[:TAG|@DIGEST]",
    "crictl images": "crictl images",
    "crictl rmi": "crictl rmi NAME[:TAG]",
    "kubelet pull": "kubelet pull [--image-pull-policy Always|IfNotPresent|Never] [--pull-secret USER:PASSWORD] "
                    "NAME[:TAG|@DIGEST]",
    "registry delete": "registry delete HOST/REPO:TAG | HOST/REPO@DIGEST",
    "registry gc": "registry gc [--delete-untagged] [HOST]",
    "registry tags": "registry tags HOST/REPO",
    "registry catalog": "registry catalog [HOST]",
    "registry grant": "registry grant USER ACTIONS HOST/REPO (the admin, as on Docker Hub's repository "
                      "permissions; ACTIONS: pull,push,delete)",
    "registry revoke": "registry revoke USER ACTIONS HOST/REPO (the admin takes the actions back)",
    "network down": "network down A B",
    "network up": "network up A B",
    "wait": "wait DURATION (e.g. wait 2h)",
    **ARTIFACT_USAGE,
}


class Verb(StrEnum):
    """What a command does; `family` (the part before the dash) is what a learner sees."""

    BUILD = "build"
    TAG = "tag"
    PUSH = "push"
    PULL = "pull"
    LOGIN = "login"
    LOGOUT = "logout"
    RMI = "rmi"
    IMAGES = "images"
    DF = "df"
    REGISTRY_DELETE = "registry-delete"
    REGISTRY_GC = "registry-gc"
    REGISTRY_TAGS = "registry-tags"
    REGISTRY_CATALOG = "registry-catalog"
    REGISTRY_GRANT = "registry-grant"
    REGISTRY_REVOKE = "registry-revoke"
    NETWORK_DOWN = "network-down"
    NETWORK_UP = "network-up"
    WAIT = "wait"


@dataclass(frozen=True, slots=True)
class Build(ClientCommand):
    target: str                        # `-t NAME[:TAG]`, also the recipe's name
    verb = Verb.BUILD

    @property
    def references(self) -> tuple[str, ...]:
        return (self.target,)


@dataclass(frozen=True, slots=True)
class Tag(ClientCommand):
    source: str
    target: str
    verb = Verb.TAG

    @property
    def references(self) -> tuple[str, ...]:
        return (self.source, self.target)


@dataclass(frozen=True, slots=True)
class Push(ClientCommand):
    reference: str
    verb = Verb.PUSH

    @property
    def writes(self) -> bool:
        return True

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class Pull(ClientCommand):
    reference: str
    platform: str | None = None
    verb = Verb.PULL

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class Login(ClientCommand):
    host: str
    user: str
    password: str
    verb = Verb.LOGIN

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.host,)


@dataclass(frozen=True, slots=True)
class Logout(ClientCommand):
    host: str
    verb = Verb.LOGOUT

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.host,)


@dataclass(frozen=True, slots=True)
class Rmi(ClientCommand):
    reference: str
    verb = Verb.RMI

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class Images(ClientCommand):
    verb = Verb.IMAGES


@dataclass(frozen=True, slots=True)
class SystemDf(ClientCommand):
    verb = Verb.DF


@dataclass(frozen=True, slots=True)
class CrictlCommand(ClientCommand):
    """A crictl command: a containerd node (`runtime: containerd`) runs it."""

    @property
    def tool(self) -> str:
        return "crictl"


@dataclass(frozen=True, slots=True)
class CrictlPull(CrictlCommand):
    reference: str
    creds: str | None = None           # `--creds USER:PASSWORD`: this pull's credentials, kept nowhere
    verb = Verb.PULL

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class CrictlImages(CrictlCommand):
    verb = Verb.IMAGES


@dataclass(frozen=True, slots=True)
class CrictlRmi(CrictlCommand):
    reference: str
    verb = Verb.RMI

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class KubeletPull(CrictlCommand):
    """What the kubelet does for a container's image before starting it (model/client/kubelet.py)."""

    reference: str
    policy: str | None = None          # imagePullPolicy; None: the default for this name
    secret: str | None = None          # an imagePullSecret's USER:PASSWORD, for this pull only
    verb = Verb.PULL

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class RegistryDelete(Command):
    reference: str                     # HOST/REPO:TAG or HOST/REPO@DIGEST
    verb = Verb.REGISTRY_DELETE

    @property
    def references(self) -> tuple[str, ...]:
        return (self.reference,)


@dataclass(frozen=True, slots=True)
class RegistryGc(Command):
    host: str | None = None            # None: the first registry the scenario lists
    delete_untagged: bool = False
    verb = Verb.REGISTRY_GC

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.host,) if self.host else ()


@dataclass(frozen=True, slots=True)
class RegistryTags(Command):
    repository: str                    # HOST/REPO
    verb = Verb.REGISTRY_TAGS

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.repository.partition("/")[0],)


@dataclass(frozen=True, slots=True)
class RegistryCatalog(Command):
    host: str | None = None
    verb = Verb.REGISTRY_CATALOG

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.host,) if self.host else ()


@dataclass(frozen=True, slots=True)
class RegistryGrant(Command):
    """The registry administrator gives (or takes back) an account's actions on one repository.

    Not a docker command: what an administrator does in the registry's own interface, such as a
    Docker Hub repository's team permissions (Hub API `POST /v2/repositories/NS/REPO/groups` with
    `permission: read|write|admin`; the docs: "Permissions are cumulative", Read pulls a private
    repository, Write pushes, Admin may also delete) or Harbor's Projects > Members > + User (Guest
    pulls, Developer pushes, Maintainer deletes). Grants here are per repository, as Hub's are. No
    client runs it, as none runs `registry gc`."""

    user: str
    actions: tuple[str, ...]           # pull, push, delete (as the token spec names them)
    repository: str                    # HOST/REPO
    revoke: bool = False

    @property
    def verb(self) -> str:
        return Verb.REGISTRY_REVOKE if self.revoke else Verb.REGISTRY_GRANT

    @property
    def hosts(self) -> tuple[str, ...]:
        return (self.repository.partition("/")[0],)


@dataclass(frozen=True, slots=True)
class SetLink(Command):
    """`network down A B` / `network up A B`."""

    a: str
    b: str
    up: bool

    @property
    def verb(self) -> str:
        return Verb.NETWORK_UP if self.up else Verb.NETWORK_DOWN


@dataclass(frozen=True, slots=True)
class Wait(Command):
    duration: str                      # as written: `2h`
    verb = Verb.WAIT

    @property
    def seconds(self) -> float:
        return parse_duration(self.duration)


@dataclass(frozen=True, slots=True)
class Recorded(Command):
    """A client operation seen in a live session (`push team/app:v1`): described, never run."""

    operation: str                     # push, pull, delete, upload, tags, inspect, login, request (a LiveOperation)

    @property
    def verb(self) -> str:
        return self.operation

    @property
    def needs_client(self) -> bool:
        return self.operation in (Verb.PUSH, Verb.PULL, Verb.LOGIN)


def _usage(key: str) -> str:
    return f"usage: {USAGE[key]}"


def _options(words: list[str], flags: dict[str, str], switches: set[str], key: str) -> tuple[list[str], dict[str, str]]:
    """Split words into positional arguments and options (`-t X`, `--tag=X`, `--delete-untagged`)."""
    return split_options(words, flags, switches, _usage(key))


def parse_command(text: str) -> Command:
    """Parse one command line; CommandError with the usage when it is wrong."""
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise CommandError(f"cannot split the command into words: {error}") from None
    if not words:
        raise CommandError("the command is empty")
    head = words[0]
    if head == "docker":
        if len(words) < 2:
            verbs = ", ".join(k.split(" ", 1)[1] for k in USAGE if k.startswith("docker"))
            raise CommandError(f"docker needs a verb: {verbs}")
        verb, rest = words[1], words[2:]
        if verb == "system" and rest[:1] == ["df"]:
            return SystemDf(text)
        if verb == "image" and rest[:1] == ["ls"]:
            verb, rest = "images", rest[1:]
        key = f"docker {verb}"
        if key not in USAGE:
            known = sorted(k.split(" ", 1)[1] for k in USAGE if k.startswith("docker"))
            from regsim.scenario.problems import did_you_mean

            raise CommandError(f"docker has no verb {verb!r} here{did_you_mean(verb, known)}")
        if verb == "build":
            args, opts = _options(rest, {"-t": "tag", "--tag": "tag"}, set(), key)
            if "tag" not in opts or any(a not in (".",) for a in args):
                raise CommandError(_usage(key))
            return Build(text, opts["tag"])
        if verb == "pull":
            args, opts = _options(rest, {"--platform": "platform"}, set(), key)
            if len(args) != 1:
                raise CommandError(_usage(key))
            return Pull(text, args[0], opts.get("platform"))
        if verb == "login":
            flags = {"-u": "user", "--username": "user", "-p": "password", "--password": "password"}
            args, opts = _options(rest, flags, set(), key)
            if len(args) != 1 or "user" not in opts or "password" not in opts:
                raise CommandError(_usage(key))
            return Login(text, args[0], opts["user"], opts["password"])
        args, _ = _options(rest, {}, set(), key)
        match verb, args:
            case "tag", [source, target]:
                return Tag(text, source, target)
            case "push", [reference]:
                return Push(text, reference)
            case "logout", [host]:
                return Logout(text, host)
            case "rmi", [reference]:
                return Rmi(text, reference)
            case "images", []:
                return Images(text)
        raise CommandError(_usage(key))
    if head == "crictl":
        return _crictl(text, words[1:])
    if head == "kubelet":
        return _kubelet(text, words[1:])
    if head in ARTIFACT_TOOLS:
        return parse_artifact_command(text, words)
    if head == "registry":
        verb, rest = (words[1] if len(words) > 1 else ""), words[2:]
        key = f"registry {verb}"
        if key not in USAGE:
            from regsim.scenario.problems import did_you_mean

            known = sorted(k.split(" ", 1)[1] for k in USAGE if k.startswith("registry"))
            raise CommandError(f"registry has no command {verb!r}{did_you_mean(verb, known)}")
        if verb in ("grant", "revoke"):
            return _grant(text, verb, rest)
        args, opts = _options(rest, {}, {"--delete-untagged"}, key)
        limits = {"delete": (1, 1), "gc": (0, 1), "tags": (1, 1), "catalog": (0, 1)}[verb]
        if not limits[0] <= len(args) <= limits[1]:
            raise CommandError(_usage(key))
        if verb == "delete":
            return RegistryDelete(text, args[0])
        if verb == "gc":
            return RegistryGc(text, args[0] if args else None, "delete-untagged" in opts)
        if verb == "tags":
            return RegistryTags(text, args[0])
        return RegistryCatalog(text, args[0] if args else None)
    if head == "network":
        if len(words) != 4 or words[1] not in ("down", "up"):
            raise CommandError(_usage("network down"))
        return SetLink(text, words[2], words[3], up=words[1] == "up")
    if head == "wait":
        if len(words) != 2:
            raise CommandError(_usage("wait"))
        try:
            parse_duration(words[1])
        except UnitError as error:
            raise CommandError(str(error)) from None
        return Wait(text, words[1])
    from regsim.scenario.problems import did_you_mean

    raise CommandError(f"unknown command {head!r}{did_you_mean(head, HEADS)}; "
                       f"commands start with {', '.join(HEADS[:-1])} or {HEADS[-1]}")


HEADS = ("docker", "crictl", "kubelet", *ARTIFACT_TOOLS, "registry", "network", "wait")
POLICIES = ("Always", "IfNotPresent", "Never")


GRANTABLE = ("pull", "push", "delete")


def _grant(text: str, verb: str, words: list[str]) -> RegistryGrant:
    """`registry grant USER ACTIONS HOST/REPO`: ACTIONS is pull, push and delete, joined by commas."""
    args, _ = _options(words, {}, set(), f"registry {verb}")
    if len(args) != 3:
        raise CommandError(_usage(f"registry {verb}"))
    user, actions, repository = args
    named = tuple(dict.fromkeys(a.strip() for a in actions.split(",")))
    for action in named:
        if action not in GRANTABLE:
            from regsim.scenario.problems import did_you_mean

            raise CommandError(f"{action!r} is not an action a registry grants{did_you_mean(action, GRANTABLE)}")
    host, slash, name = repository.partition("/")
    if not slash or not name or "." not in host and ":" not in host and host != "localhost":
        raise CommandError(f"{repository!r}: name the repository with its registry, HOST/REPO "
                           "(registry.example/team/app)")
    if ":" in name or "@" in name:
        raise CommandError(f"{repository!r}: rights are given on a whole repository, without a tag or digest")
    return RegistryGrant(text, user, named, repository, revoke=verb == "revoke")


def _crictl(text: str, words: list[str]) -> CrictlCommand:
    """crictl's image verbs (cri-tools cmd/crictl/image.go): `pull`, `images` (or `img`), `rmi`."""
    from regsim.scenario.problems import did_you_mean

    known = sorted(k.split(" ", 1)[1] for k in USAGE if k.startswith("crictl"))
    if not words:
        raise CommandError(f"crictl needs a verb: {', '.join(known)}")
    verb, rest = ("images" if words[0] in ("image", "img") else words[0]), words[1:]
    key = f"crictl {verb}"
    if key not in USAGE:
        raise CommandError(f"crictl has no verb {verb!r} here{did_you_mean(verb, known)}")
    args, opts = _options(rest, {"--creds": "creds"} if verb == "pull" else {}, set(), key)
    match verb, args:
        case "pull", [reference]:
            return CrictlPull(text, reference, opts.get("creds"))
        case "images", []:
            return CrictlImages(text)
        case "rmi", [reference]:
            return CrictlRmi(text, reference)
    raise CommandError(_usage(key))


def _kubelet(text: str, words: list[str]) -> KubeletPull:
    """`kubelet pull`: a container's image, its imagePullPolicy and an imagePullSecret."""
    if words[:1] != ["pull"]:
        raise CommandError(f"kubelet has one verb here, pull; {_usage('kubelet pull')}")
    flags = {"--image-pull-policy": "policy", "--pull-secret": "secret"}
    args, opts = _options(words[1:], flags, set(), "kubelet pull")
    if len(args) != 1:
        raise CommandError(_usage("kubelet pull"))
    policy = opts.get("policy")
    if policy is not None and policy not in POLICIES:
        raise CommandError(f"imagePullPolicy is Always, IfNotPresent or Never, not {policy!r}")
    return KubeletPull(text, args[0], policy, opts.get("secret"))


def check_reference(text: str) -> str:
    """The host a reference goes to (`docker.io` for a short name), or raise CommandError with the
    grammar's reason."""
    try:
        return parse_reference(text).host
    except RegistryError as error:
        raise CommandError(f"{text!r}: {error.reason}") from None
