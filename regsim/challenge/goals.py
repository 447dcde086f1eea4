"""A challenge's goal: target-state sentences about the world, read into predicates and checked.

Each goal is one plain sentence an instructor writes and a learner reads:

    bob has registry.example/team/app:v2                  a client's image store holds the tag
    bob does not have registry.example/team/app:v1
    bob has registry.example/team/app:latest matching registry.example/team/app:v2
                                                          ...and it is the image the registry tags v2
    bob has the image of registry.example/team/app:v2     under any name (pulled from a mirror, say)
    registry.example/team/app:v2 exists                   the registry has a manifest under the tag
    registry.example/team/app:v1 does not exist
    registry.example/team/app:latest is registry.example/team/app:v2    both tags name one manifest
    registry.example stores at most 60MB                  deduplicated layer bytes in its blob store
    ci can pull registry.example/team/app:1.4             the account ci is logged in to the registry as
                                                          (anonymous if none) may pull the repository
                                                          now, and the tag is there
    ci cannot push registry.example/team/app:1.4          ...may not push it (can/cannot: pull, push, delete)

Only the world is read (never a step record), so undo, replay and the headless check agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regsim.model.oci.auth import ACTIONS
from regsim.model.oci.errors import RegistryError
from regsim.model.oci.reference import Reference, parse_reference
from regsim.model.registry.access import RegistryAccess
from regsim.model.sim.world import World
from regsim.units import UnitError, format_size, parse_size, short_digest

FORMS = (
    "CLIENT has REF",
    "CLIENT does not have REF",
    "CLIENT has REF matching REF",
    "CLIENT has the image of REF",
    "REF exists",
    "REF does not exist",
    "REF is REF",
    "REGISTRY stores at most SIZE",
    "CLIENT can pull|push|delete REF",
    "CLIENT cannot pull|push|delete REF",
)

_HAS = re.compile(r"^(?P<client>\S+) has (?P<ref>\S+)(?: matching (?P<like>\S+))?$")
_IMAGE_OF = re.compile(r"^(?P<client>\S+) has the image of (?P<ref>\S+)$")
_LACKS = re.compile(r"^(?P<client>\S+) does not have (?P<ref>\S+)$")
_EXISTS = re.compile(r"^(?P<ref>\S+) exists$")
_GONE = re.compile(r"^(?P<ref>\S+) does not exist$")
_SAME = re.compile(r"^(?P<ref>\S+) is (?P<other>\S+)$")
_MAY = re.compile(r"^(?P<client>\S+) (?P<form>can|cannot) (?P<action>pull|push|delete) (?P<ref>\S+)$")
_STORES = re.compile(r"^(?P<host>\S+) stores at most (?P<size>\S+)$")


class GoalError(ValueError):
    """A goal sentence that cannot be read; the message says what forms there are."""


@dataclass(frozen=True, slots=True)
class Check:
    """One goal's state in one world: held or not, and in words why."""

    text: str
    held: bool
    why: str


@dataclass(frozen=True, slots=True)
class Goal:
    """One goal sentence, read: its form (`has`, `lacks`, `exists`, `gone`, `same`, `stores`, `can`,
    `cannot`) and its words."""

    text: str
    form: str
    client: str | None = None
    ref: Reference | None = None
    other: Reference | None = None
    host: str | None = None
    size: int = 0
    action: str | None = None       # what `can` and `cannot` are about: pull, push or delete

    def names(self) -> tuple[list[str], list[str]]:
        """The clients and the registry hosts the goal names (a linter checks that they exist)."""
        clients = [self.client] if self.client else []
        hosts = [self.host] if self.host else []
        if self.form != "has" and self.form != "lacks" and self.ref is not None:
            hosts.append(self.ref.host)
        if self.other is not None:
            hosts.append(self.other.host)
        return clients, hosts

    def check(self, world: World) -> Check:
        """Whether the goal holds in `world`, with the fact that decides it."""
        match self.form:
            case "has" | "lacks":
                return self._client_check(world)
            case "image":
                return self._image_check(world)
            case "can" | "cannot":
                return self._rights_check(world)
            case "exists" | "gone":
                assert self.ref is not None
                digest, why = _registry_digest(world, self.ref)
                held = (digest is not None) == (self.form == "exists")
                return Check(self.text, held, why)
            case "same":
                assert self.ref is not None and self.other is not None
                first, why_first = _registry_digest(world, self.ref)
                second, why_second = _registry_digest(world, self.other)
                if first is None or second is None:
                    return Check(self.text, False, why_first if first is None else why_second)
                if first == second:
                    return Check(self.text, True, f"both name manifest {short_digest(first)}")
                return Check(self.text, False, f"{self.ref.familiar()} names manifest {short_digest(first)}, "
                             f"{self.other.familiar()} names {short_digest(second)}")
        assert self.host is not None
        registry = world.registries.get(self.host)
        stored = registry.stored_layer_bytes if registry is not None else 0
        held = stored <= self.size
        return Check(self.text, held, f"{self.host} stores {format_size(stored)} of layers"
                     + ("" if held else f", more than {format_size(self.size)}"))

    def _rights_check(self, world: World) -> Check:
        """What the registry's policy lets the client's account do now: what its next token would carry."""
        assert self.client is not None and self.ref is not None and self.action is not None
        ref, action = self.ref, self.action
        registry = world.registries.get(ref.host)
        client = world.clients.get(self.client)
        user = client.logins.get(ref.host) if client is not None else None
        who = f"{self.client}, logged in as {user}," if user else f"{self.client}, not logged in,"
        guard = registry.guard if registry is not None else None
        rights = guard.permitted(user, ref.repository) if isinstance(guard, RegistryAccess) else frozenset(ACTIONS)
        may = action in rights
        why = f"{who} may {action} {ref.repository}" if may else f"{who} may not {action} {ref.repository}"
        if may and action == "pull":
            digest, missing = _registry_digest(world, ref)
            if digest is None:
                may, why = False, missing
        return Check(self.text, may == (self.form == "can"), why)

    def _image_check(self, world: World) -> Check:
        assert self.client is not None and self.other is not None
        wanted, why = _registry_digest(world, self.other)
        if wanted is None:
            return Check(self.text, False, why)
        client = world.clients.get(self.client)
        if client is not None and any(image.key == wanted for image in client.images.values()):
            return Check(self.text, True, f"{self.client} holds manifest {short_digest(wanted)}")
        return Check(self.text, False, f"{self.client} holds no image with manifest {short_digest(wanted)}")

    def _client_check(self, world: World) -> Check:
        assert self.client is not None and self.ref is not None
        client = world.clients.get(self.client)
        image = client.image_for(self.ref) if client is not None else None
        shown = self.ref.familiar()
        if self.form == "lacks":
            return Check(self.text, image is None,
                         f"{self.client} has no {shown}" if image is None else f"{self.client} still has {shown}")
        if image is None:
            return Check(self.text, False, f"{self.client} has no image tagged {shown}")
        if self.other is None:
            return Check(self.text, True, f"{self.client} has {shown}")
        wanted, why = _registry_digest(world, self.other)
        if wanted is None:
            return Check(self.text, False, why)
        if image.key == wanted:
            return Check(self.text, True, f"{self.client}'s {shown} is manifest {short_digest(wanted)}, "
                         f"as {self.other.familiar()} is")
        return Check(self.text, False, f"{self.client}'s {shown} is manifest {short_digest(image.key)}, "
                     f"but {self.other.familiar()} is {short_digest(wanted)}")


def parse_goal(text: str) -> Goal:
    """One goal sentence read; GoalError naming the forms when it matches none."""
    words = " ".join(str(text).split())
    try:
        if match := _MAY.match(words):
            return Goal(words, match["form"], client=match["client"], ref=_ref(match["ref"]), action=match["action"])
        if match := _IMAGE_OF.match(words):
            return Goal(words, "image", client=match["client"], other=_ref(match["ref"]))
        if match := _LACKS.match(words):
            return Goal(words, "lacks", client=match["client"], ref=_ref(match["ref"]))
        if match := _GONE.match(words):
            return Goal(words, "gone", ref=_ref(match["ref"]))
        if match := _STORES.match(words):
            return Goal(words, "stores", host=match["host"], size=parse_size(match["size"]))
        if match := _HAS.match(words):
            like = _ref(match["like"]) if match["like"] else None
            return Goal(words, "has", client=match["client"], ref=_ref(match["ref"]), other=like)
        if match := _EXISTS.match(words):
            return Goal(words, "exists", ref=_ref(match["ref"]))
        if match := _SAME.match(words):
            return Goal(words, "same", ref=_ref(match["ref"]), other=_ref(match["other"]))
    except RegistryError as error:
        raise GoalError(f"goal {words!r}: {error.reason}") from None
    except UnitError as error:
        raise GoalError(f"goal {words!r}: {error}") from None
    raise GoalError(f"goal {words!r} is not one of the forms: {'; '.join(FORMS)}")


def _ref(text: str) -> Reference:
    return parse_reference(text.rstrip(".,"))


def _registry_digest(world: World, ref: Reference) -> tuple[str | None, str]:
    """The manifest digest the registry holds for `ref` (None: it holds none), and why in words."""
    registry = world.registries.get(ref.host)
    shown = ref.familiar()
    if registry is None:
        return None, f"there is no registry {ref.host}"
    try:
        manifest = registry.store.resolve(ref.repository, ref.reference)
    except RegistryError:
        return None, f"{ref.host} has no {shown}"
    return manifest.digest, f"{ref.host} has {shown} (manifest {short_digest(manifest.digest)})"
