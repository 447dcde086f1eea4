"""A challenge's limits: what the learner's own commands may cost, summed over their step records.

    limits:
      commands: 4                  commands that ran (a line regsim could not run is not counted)
      layer_bytes_up: 3MB          layer bytes the acting clients sent, over every command
      layer_bytes_down: 0B         ...and received
      layers_pushed: 1             layers uploaded (a mount or a skip is not an upload)
      sent_by: {docker.io: 310MB}  blob bytes a registry sent (to clients, mirrors and replicas)
      link:                        bytes over one link of the network (the WAN to a far registry)
        between: [mirror.example, registry.example]
        at_most: 120MB

A limit reads only the learner's records (never the setup's), so undo gives its budget back.
"""

from __future__ import annotations

from dataclasses import dataclass

from regsim.scenario.records import StepRecord
from regsim.units import format_size

SIZE_LIMITS = ("layer_bytes_up", "layer_bytes_down")
COUNT_LIMITS = ("commands", "layers_pushed", "layers_pulled")
KEYS = (*COUNT_LIMITS, *SIZE_LIMITS, "sent_by", "link")

_WORDS = {
    "commands": "commands",
    "layers_pushed": "layers uploaded",
    "layers_pulled": "layers downloaded",
    "layer_bytes_up": "of layers sent",
    "layer_bytes_down": "of layers received",
}


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `most` of one measure (`between`: the link's two ends, for `link`)."""

    key: str
    most: int
    between: tuple[str, str] | None = None
    registry: str | None = None     # for sent_by

    def measure(self, records: list[StepRecord]) -> int:
        if self.key == "commands":
            return len(records)
        if self.key == "link":
            assert self.between is not None
            ends = set(self.between)
            return sum(use["bytes"] for r in records for use in r.links if set(use["between"]) == ends)
        if self.key == "sent_by":
            return sum(event.bytes for r in records for event in r.requests
                       if event.dst == self.registry and event.method == "GET" and "/blobs/" in event.path)
        return sum(int(getattr(r, self.key)) for r in records)

    def describe(self, value: int | None = None) -> str:
        """`at most 3MB of layers sent` (with `value`: `8MB of layers sent, at most 3MB`)."""
        most = self.shown(self.most)
        if self.key == "link":
            assert self.between is not None
            what = f"over the link {self.between[0]} ↔ {self.between[1]}"
            return f"at most {most} {what}" if value is None else f"{self.shown(value)} {what}, at most {most}"
        if self.key == "sent_by":
            what = f"of blobs sent by {self.registry}"
            return f"at most {most} {what}" if value is None else f"{self.shown(value)} {what}, at most {most}"
        words = "command" if self.key == "commands" and value == 1 else _WORDS[self.key]
        if value is None:
            return f"at most {most} {words}"
        return f"{self.shown(value)} {words}, at most {most}"

    def shown(self, amount: int) -> str:
        return str(amount) if self.key in COUNT_LIMITS else format_size(amount)


@dataclass(frozen=True, slots=True)
class LimitCheck:
    limit: Limit
    value: int

    @property
    def held(self) -> bool:
        return self.value <= self.limit.most

    @property
    def text(self) -> str:
        return self.limit.describe(self.value)
