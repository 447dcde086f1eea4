"""The order choices are shown in: fixed for each question, but not the order the file lists them.

Authors tend to write the right answer first; shown that way, "(a)" would always win. So every view
(the app, `regsim lessons --json`, lint, the scenario player) shows a question's choices sorted by
the sha256 of `order/KEY/choice text`, where KEY names the question (`lesson-id/question-id`,
or `scenario-id/step` for a scenario's own predict). The same question always shows the same
order, whatever the file's order, and the right answer's position varies from question to
question. Answers are graded by the choice picked (its text), never by where it was listed.

The fixed prefix `order/` only salts the hash: without it the bundled course happened to show
the right answer first in 24 of its 50 questions; with it, first, second and third come up
17, 19 and 14 times. Changing it reshuffles every question, so leave it be.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
SALT = "order"


def choice_rank(key: str, text: str) -> str:
    """The sort key of one choice of the question named `key`."""
    return hashlib.sha256(f"{SALT}/{key}/{text}".encode()).hexdigest()


def presentation_order(key: str, texts: Sequence[str]) -> list[int]:
    """The file positions of the choices, in the order they are shown (ties, which only a repeated
    text can make, keep the file's order)."""
    return sorted(range(len(texts)), key=lambda i: (choice_rank(key, texts[i]), i))


def in_presentation_order(key: str, items: Sequence[T], text: Callable[[T], str] = str) -> list[T]:
    """`items` (choices, or their texts) in the order they are shown."""
    return [items[i] for i in presentation_order(key, [text(item) for item in items])]
