"""What every scenario command is: the parsed command's base classes, its error, and option splitting.

`commands.py` parses docker, crictl, registry, network and wait commands; `artifact_commands.py`
parses the artifact tools' (cosign, oras, helm). Both build on these."""

from __future__ import annotations

from dataclasses import dataclass


class CommandError(ValueError):
    """A command that cannot be run as written."""


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command line; each verb is a subclass that holds its arguments by name."""

    text: str

    @property
    def verb(self) -> str:
        raise NotImplementedError

    @property
    def needs_client(self) -> bool:
        """Whether a client (`as: NAME`) runs it."""
        return False

    @property
    def writes(self) -> bool:
        """Whether it stores something in a registry (a push, a signature, an attached artifact)."""
        return False

    @property
    def family(self) -> str:
        """The short verb a learner sees: push, pull, registry, network, wait, ..."""
        return self.verb.split("-", 1)[0]

    @property
    def references(self) -> tuple[str, ...]:
        """The image references it names (to check their hosts before running)."""
        return ()

    @property
    def hosts(self) -> tuple[str, ...]:
        """The registries it names by host."""
        return ()


@dataclass(frozen=True, slots=True)
class ClientCommand(Command):
    """A client's command: docker's on a docker client, crictl's on a containerd node."""

    @property
    def needs_client(self) -> bool:
        return True

    @property
    def tool(self) -> str:
        """The CLI it belongs to, which is the runtime a client must run: docker or crictl."""
        return "docker"


def split_options(
    words: list[str], flags: dict[str, str], switches: set[str], usage: str
) -> tuple[list[str], dict[str, str]]:
    """Split words into positional arguments and options (`-t X`, `--tag=X`, `--delete-untagged`);
    an unknown option, or one missing its value, is a CommandError that ends with `usage`."""
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
                    raise CommandError(f"{name} needs a value; {usage}")
                i += 1
                value = words[i]
            options[flags[name]] = value
        elif word.startswith("-") and word != "-":
            raise CommandError(f"unknown option {word!r}; {usage}")
        else:
            positional.append(word)
        i += 1
    return positional, options
