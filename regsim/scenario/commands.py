"""The commands a scenario step (or the sandbox) can run, parsed and checked before anything runs."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import parse_reference
from regsim.model.units import UnitError, parse_duration

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
    "registry delete": "registry delete HOST/REPO:TAG | HOST/REPO@DIGEST",
    "registry gc": "registry gc [--delete-untagged] [HOST]",
    "registry tags": "registry tags HOST/REPO",
    "registry catalog": "registry catalog [HOST]",
    "network down": "network down A B",
    "network up": "network up A B",
    "wait": "wait DURATION (e.g. wait 2h)",
}
CLIENT_VERBS = {"build", "tag", "push", "pull", "login", "logout", "rmi", "images", "df"}


class CommandError(ValueError):
    """A command that cannot be run as written."""


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: a verb and its arguments."""

    text: str
    verb: str                    # build, tag, push, pull, login, logout, rmi, images, df,
                                 # registry-delete, registry-gc, registry-tags, registry-catalog,
                                 # network-down, network-up, wait
    args: tuple[str, ...] = ()
    options: dict[str, str] = field(default_factory=dict)

    @property
    def needs_client(self) -> bool:
        return self.verb in CLIENT_VERBS

    @property
    def family(self) -> str:
        """The short verb a learner sees: push, pull, registry, network, wait, ..."""
        return self.verb.split("-", 1)[0]


def _usage(key: str) -> str:
    return f"usage: {USAGE[key]}"


def _options(words: list[str], flags: dict[str, str], switches: set[str], key: str) -> tuple[list[str], dict[str, str]]:
    """Split words into positional arguments and options (`-t X`, `--tag=X`, `--delete-untagged`)."""
    positional: list[str] = []
    options: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, value = word.partition("=")
        if name in switches:
            options[name.lstrip("-")] = "true"
        elif name in flags:
            if not eq:
                if i + 1 >= len(words):
                    raise CommandError(f"{name} needs a value; {_usage(key)}")
                i += 1
                value = words[i]
            options[flags[name]] = value
        elif word.startswith("-") and word != "-":
            raise CommandError(f"unknown option {word!r}; {_usage(key)}")
        else:
            positional.append(word)
        i += 1
    return positional, options


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
            raise CommandError("docker needs a verb: " + ", ".join(k.split(" ", 1)[1] for k in USAGE if k.startswith("docker")))
        verb, rest = words[1], words[2:]
        if verb == "system" and rest[:1] == ["df"]:
            return Command(text, "df")
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
            return Command(text, "build", (opts["tag"],))
        if verb == "pull":
            args, opts = _options(rest, {"--platform": "platform"}, set(), key)
            if len(args) != 1:
                raise CommandError(_usage(key))
            return Command(text, "pull", tuple(args), opts)
        if verb == "login":
            args, opts = _options(rest, {"-u": "user", "--username": "user", "-p": "password", "--password": "password"},
                                  set(), key)
            if len(args) != 1 or "user" not in opts or "password" not in opts:
                raise CommandError(_usage(key))
            return Command(text, "login", tuple(args), opts)
        arity = {"tag": 2, "push": 1, "logout": 1, "rmi": 1, "images": 0}[verb]
        args, _ = _options(rest, {}, set(), key)
        if len(args) != arity:
            raise CommandError(_usage(key))
        return Command(text, verb, tuple(args))
    if head == "registry":
        verb, rest = (words[1] if len(words) > 1 else ""), words[2:]
        key = f"registry {verb}"
        if key not in USAGE:
            from regsim.scenario.problems import did_you_mean

            known = sorted(k.split(" ", 1)[1] for k in USAGE if k.startswith("registry"))
            raise CommandError(f"registry has no command {verb!r}{did_you_mean(verb, known)}")
        args, opts = _options(rest, {}, {"--delete-untagged"}, key)
        limits = {"delete": (1, 1), "gc": (0, 1), "tags": (1, 1), "catalog": (0, 1)}[verb]
        if not limits[0] <= len(args) <= limits[1]:
            raise CommandError(_usage(key))
        return Command(text, f"registry-{verb}", tuple(args), opts)
    if head == "network":
        if len(words) != 4 or words[1] not in ("down", "up"):
            raise CommandError(_usage("network down"))
        return Command(text, f"network-{words[1]}", (words[2], words[3]))
    if head == "wait":
        if len(words) != 2:
            raise CommandError(_usage("wait"))
        try:
            parse_duration(words[1])
        except UnitError as error:
            raise CommandError(str(error)) from None
        return Command(text, "wait", (words[1],))
    from regsim.scenario.problems import did_you_mean

    raise CommandError(f"unknown command {head!r}{did_you_mean(head, ['docker', 'registry', 'network', 'wait'])}; "
                       "commands start with docker, registry, network or wait")


def references_in(command: Command) -> list[str]:
    """The image references a command names (to check their hosts before running)."""
    if command.verb in ("tag",):
        return list(command.args)
    if command.verb in ("push", "pull", "rmi", "build", "registry-delete"):
        return [command.args[0]]
    return []


def check_reference(text: str, default_host: str) -> str | None:
    """The host a reference goes to, or raise CommandError with the grammar's reason."""
    try:
        return parse_reference(text, default_host).host
    except RegistryError as error:
        raise CommandError(f"{text!r}: {error.reason}") from None
