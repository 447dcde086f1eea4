"""A class's learners: their names, the key each one's browser holds, and where their progress is kept.

Under the data folder (`regsim web --data DIR`):
    learners/ID.json   {"name": "Ada Lovelace", "key": SHA-256 of the browser's key}, created exclusively
    progress/ID.json   the learner's progress, the same file and atomic writes as `regsim progress` uses
    work/ID/           the folder the learner's app runs in (its chart exports land there)

ID is a hash of the name (case-folded), so no file name ever holds text a learner typed: a name cannot
reach outside these folders, and two spellings of one name ("ada", "Ada") are one learner. A name is
claimed by the first browser that gives it; the same name from another browser is refused, so one
learner's answers never show in another's session. Several servers may share the folder: a claim is an
exclusive create, and each progress file has one writer (its learner's one app).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from regsim.lessons.progress import write_atomically

NAME_LIMIT = 40
_NAME_MARKS = " -'."
COOKIE = "regsim_learner"


class JoinRefused(ValueError):
    """A name or class code that is not accepted; the message is for the learner."""


@dataclass(frozen=True, slots=True)
class Learner:
    id: str
    name: str
    progress: Path
    work: Path


def clean_name(raw: str) -> str:
    """The name as kept (spaces collapsed), or JoinRefused saying what a name may hold."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name:
        raise JoinRefused("Type your name (the one your instructor will know you by).")
    if len(name) > NAME_LIMIT:
        raise JoinRefused(f"A name is at most {NAME_LIMIT} characters.")
    if not name[0].isalnum() or not all(ch.isalnum() or ch in _NAME_MARKS for ch in name):
        raise JoinRefused("A name holds letters, digits, spaces, hyphens, apostrophes and dots, "
                          "and starts with a letter or digit.")
    return name


def learner_id(name: str) -> str:
    return hashlib.sha256(b"regsim-learner\0" + name.casefold().encode()).hexdigest()[:24]


def code_matches(given: str, expected: str | None) -> bool:
    """Whether a class code is right; compared in constant time. No code set: every code is right."""
    if expected is None:
        return True
    return hmac.compare_digest(given.strip().encode(), expected.strip().encode())


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Roster:
    """The learners of one data folder."""

    def __init__(self, data: Path) -> None:
        self.data = Path(data)
        self.identities = self.data / "learners"
        self.progress = self.data / "progress"
        self.work = self.data / "work"

    def learner(self, id_: str, name: str) -> Learner:
        return Learner(id_, name, self.progress / f"{id_}.json", self.work / id_)

    def join(self, raw_name: str, cookie: str | None) -> tuple[Learner, str]:
        """The learner named `raw_name`, and the cookie their browser keeps: a new learner is
        claimed; a returning one must bring the key their browser was given."""
        name = clean_name(raw_name)
        id_ = learner_id(name)
        path = self.identities / f"{id_}.json"
        known = self.verify(cookie)
        if known is not None and known.id == id_:
            return known, cookie or ""
        key = secrets.token_urlsafe(24)
        self.identities.mkdir(parents=True, exist_ok=True)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise JoinRefused(f"The name {name!r} is already taken in this class. If it is yours, open regsim "
                              "in the browser you used before; otherwise add an initial.") from None
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump({"name": name, "key": _key_hash(key)}, file)
            file.flush()
            os.fsync(file.fileno())
        learner = self.learner(id_, name)
        learner.work.mkdir(parents=True, exist_ok=True)
        return learner, f"{id_}.{key}"

    def verify(self, cookie: str | None) -> Learner | None:
        """The learner whose browser holds `cookie`, or None (no cookie, a forged one, an unknown id)."""
        id_, _, key = (cookie or "").partition(".")
        if len(id_) != 24 or not all(ch in "0123456789abcdef" for ch in id_) or not key:
            return None
        identity = self._identity(id_)
        if identity is None or not hmac.compare_digest(identity["key"], _key_hash(key)):
            return None
        return self.learner(id_, identity["name"])

    def _identity(self, id_: str) -> dict[str, str] | None:
        try:
            data = json.loads((self.identities / f"{id_}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not (isinstance(data, dict) and isinstance(data.get("name"), str) and isinstance(data.get("key"), str)):
            return None
        return {"name": data["name"], "key": data["key"]}

    def learners(self) -> list[Learner]:
        """Every learner who joined, by name."""
        found = []
        for path in sorted(self.identities.glob("*.json")) if self.identities.is_dir() else ():
            identity = self._identity(path.stem)
            if identity is not None:
                found.append(self.learner(path.stem, identity["name"]))
        return sorted(found, key=lambda learner: learner.name.casefold())

    def replace_progress(self, learner: Learner, text: str) -> None:
        """An imported progress file (already checked) in place of the learner's, atomically."""
        write_atomically(learner.progress, text)
