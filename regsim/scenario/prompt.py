"""A command as a person sees it: `actor$ command`, with any password or credential replaced by
`***`. A scenario file may spell out a made-up `docker login -p …`; nothing regsim prints does
(play's text and JSON, the app, worksheets, charts)."""

from __future__ import annotations

SECRET_OPTIONS = frozenset({"-p", "--password", "--creds", "--pull-secret"})


def masked_command(command: str | None) -> str:
    """The command as typed, with any password replaced by `***`."""
    if not command:
        return ""
    words = command.split()
    for i, word in enumerate(words):
        if word in SECRET_OPTIONS and i + 1 < len(words):
            words[i + 1] = "***"
        name, eq, _ = word.partition("=")
        if eq and name in SECRET_OPTIONS:
            words[i] = f"{name}=***"
    return " ".join(words)


def prompt_line(actor: str | None, command: str | None) -> str:
    """`actor$ command` (or `$ command`), the command masked."""
    return f"{actor}$ {masked_command(command)}" if actor else f"$ {masked_command(command)}"
