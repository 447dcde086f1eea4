"""The sandbox's command line: each Enter runs the line as it stands at that key, and a pasted
block of several lines runs each line as its own command, as a shell would."""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class CommandLine(Input):
    # (Textual runs Input's own handler of each event after these, unless prevent_default.)

    async def _on_key(self, event: events.Key) -> None:
        # Enter is taken here, not through Input's binding: a binding runs only once the key
        # has bubbled up to the app, and keys typed right behind it (tmux send-keys, a fast
        # typist) would by then be in the line too ("docker imagesdocker system df").
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.run_now(self.value)

    def run_now(self, line: str) -> None:
        """Send `line` as a command and empty the box for whatever is typed next."""
        self.post_message(self.Submitted(self, line))
        self.value = ""

    def _on_paste(self, event: events.Paste) -> None:
        lines = event.text.splitlines()
        if len(lines) <= 1 and not event.text.endswith(("\n", "\r")):
            return  # one line: pasted as Input pastes it
        event.stop()
        event.prevent_default()
        finished = lines if event.text.endswith(("\n", "\r")) else lines[:-1]
        rest = "" if finished is lines else lines[-1]
        before = self.value[: self.cursor_position]
        for number, line in enumerate(finished):
            self.run_now(before + line if number == 0 else line)
        self.value = rest
        self.cursor_position = len(rest)
