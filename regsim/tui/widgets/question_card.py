"""One question on screen: its label and prompt, the choices or an answer box, and the verdict.

The card only shows things and says what the learner did (a `Committed` message); the screen
grades through the view models and hands back a `Verdict` to show.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from regsim.lessons.question_book import Asked
from regsim.lessons.verdicts import Verdict, choices_of, input_hint

TONES = {
    "right": ("✓ ", "$text-success bold"),
    "wrong": ("✗ ", "$text-error bold"),
    "retry": ("✗ ", "$text-warning bold"),
    "revealed": ("◆ ", "$text-accent bold"),
    "hint": ("? ", "$text-primary bold"),
    "error": ("! ", "$text-warning bold"),
}
NUMBER_START = set("0123456789.,+-")
LETTERS = "abcdefghij"


def page_of(widget: Widget) -> ScrollableContainer | None:
    """The scrolling page (the lesson page, the quiz) a question's widget sits in."""
    for node in widget.ancestors:
        if isinstance(node, ScrollableContainer) and node.focusable:
            return node
    return None


class ChoiceList(OptionList):
    """A question's choices. ↑ ↓ move the highlight without wrapping round (a wrap would move it
    out of sight); ↑ on the first choice, and the page keys (PageUp, PageDown, Home, End), give
    the focus back to the page and scroll it, so a highlight is never moved where it is not seen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "up", "Up", show=False),
        Binding("down", "down", "Down", show=False),
        Binding("pageup", "page('page_up')", show=False),
        Binding("pagedown", "page('page_down')", show=False),
        Binding("home", "page('scroll_home')", show=False),
        Binding("end", "page('scroll_end')", show=False),
    ]

    async def action_up(self) -> None:
        if self.highlighted is None or self.highlighted == 0:
            await self.action_page("scroll_up")
        else:
            self.highlighted -= 1

    def action_down(self) -> None:
        if self.highlighted is None:
            self.highlighted = 0
        elif self.highlighted < self.option_count - 1:
            self.highlighted += 1

    async def action_page(self, action: str) -> None:
        page = page_of(self)
        if page is None:
            return
        self.screen.set_focus(page, scroll_visible=False)
        await page.run_action(action)

    def choose(self, index: int) -> None:
        """Highlight choice `index` and bring the list into view with the focus: the learner
        sees what is marked before Enter commits it."""
        self.highlighted = index
        self.screen.set_focus(self)
        self.scroll_visible(animate=False)


class AnswerInput(Input):
    """The box for a number or size. While it is empty, letters and ← → fall through to the
    screen's keys (h hint, r reveal, n/p and ← → pages), since no answer starts with them.
    Esc leaves the box for the page around it (esc there leaves the screen)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave_box",
            "Leave box",
            key_display="esc",
            tooltip="Back to the page (esc again leaves it)",
        ),
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("cursor_left", "cursor_right") and not self.value:
            return False
        return super().check_action(action, parameters)

    def start_typing(self, character: str) -> None:
        """Take the focus now, with `character` as the start of a new answer.

        The focus moves at once (not on the next turn of the event loop, as `focus()` does), so
        the keys typed right after it come here; and the text is not selected on focus, so the
        next key adds to it instead of replacing it."""
        self.select_on_focus = False  # until the box is left: tab back in selects as usual
        self.screen.set_focus(self)
        self.value = character
        self.cursor_position = len(self.value)

    def add_typed(self, character: str) -> None:
        """A character typed while the focus was on its way here: added as if typed in the box."""
        if self.selection.is_empty:
            self.insert_text_at_cursor(character)
        else:
            self.replace(character, *self.selection)

    def _on_blur(self, event: events.Blur) -> None:
        self.select_on_focus = True  # (Textual also runs Input's own blur handler)

    def action_leave_box(self) -> None:
        """Focus the scrolling page the box sits in (the lesson page, the quiz)."""
        self.screen.set_focus(page_of(self), scroll_visible=False)

    async def action_submit(self) -> None:
        """Commit what is in the box now, then select it: whatever is typed next (however soon)
        is a new answer that replaces it, never one added to it."""
        await super().action_submit()
        self.select_all()

    async def take_key(self, event: events.Key) -> bool:
        """Act on one of the box's own editing keys (Enter, backspace, ctrl+u, ← → …) at once,
        in the order typed; False when the key is not the box's (it goes on to the screen).

        Textual runs a widget's key bindings only once the key has bubbled back up to the app,
        after the characters typed behind it have already been added to the box: an Enter typed
        quickly would then commit the next answer's characters too, and a ctrl+u would erase
        them. Run here, every key keeps its place."""
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue
            if await self.app.run_action(binding.action, self):
                return True
        return False

    async def _on_key(self, event: events.Key) -> None:
        if not event.is_printable and await self.take_key(event):
            event.stop()
            event.prevent_default()
            return
        if not self.value and event.is_printable and event.character not in NUMBER_START:
            # No answer starts with this: it is one of the screen's keys (h, r, n, p, q, ?).
            # (Textual hides single-character bindings while a text box has the focus.)
            event.stop()
            event.prevent_default()
            for node in (self.screen, self.app):
                for binding in getattr(type(node), "BINDINGS", []):
                    keys = binding.key.split(",") if isinstance(binding, Binding) else []
                    if event.key in keys and node.check_action(binding.action, ()):
                        if binding.action == "help":
                            self.action_leave_box()  # help lists the keys of the page
                        await node.run_action(binding.action)
                        return


class QuestionCard(Vertical):
    """A question; `Committed` carries the picked choice's index or the typed text."""

    class Committed(Message):
        def __init__(self, card: QuestionCard, picked: int | str) -> None:
            super().__init__()
            self.card = card
            self.picked = picked

    def __init__(
        self, item: Asked, title: str, verdict: Verdict | None = None, done_title: str | None = None
    ) -> None:
        super().__init__(classes="question")
        self.item = item
        self.title = title
        self.done_title = done_title or title  # once locked (a prediction: its step has run)
        self.verdict = verdict
        self.hint_verdict: Verdict | None = None

    @property
    def key(self) -> str:
        return self.item.key

    @property
    def locked(self) -> bool:
        return self.item.state.locked

    def compose(self) -> ComposeResult:
        question = self.item.question
        yield Static(
            Content(self.done_title if self.locked else self.title), classes="question-label"
        )
        yield Static(Content(question.text), classes="question-prompt")
        choices = choices_of(question)
        if choices:
            yield ChoiceList(
                *(f"({LETTERS[i]}) {text}" for i, text in enumerate(choices)),
                classes="question-choices",
            )
        else:
            yield AnswerInput(
                placeholder=input_hint(question, self.item.state.run), classes="question-input"
            )
        yield Static(classes="question-hint")
        yield Static(classes="question-verdict")

    def on_mount(self) -> None:
        self.show(self.verdict)

    def focus_answer(self, boxes: bool = True) -> bool:
        """Focus the choices (or, with `boxes`, the answer box); False when the question takes
        no more answers or has only a box."""
        if self.locked:
            return False
        for widget in self.query("OptionList, AnswerInput"):
            if isinstance(widget, AnswerInput) and not boxes:
                return False
            if isinstance(widget, ChoiceList) and widget.highlighted is None:
                widget.highlighted = 0
            widget.focus()
            return True
        return False

    def bring_verdict_into_view(self) -> None:
        """Scroll the page so the verdict (or hint) just shown is on screen, after it is laid out."""
        verdict = self.query_one(".question-verdict" if self.verdict else ".question-hint", Static)
        self.call_after_refresh(verdict.scroll_visible, animate=False)

    def choose(self, letter: str) -> bool:
        """Highlight the choice labelled `letter` and focus it (not yet committed); False when
        the question has no such choice or takes no more answers."""
        if self.locked:
            return False
        for choices in self.query(ChoiceList):
            index = LETTERS.find(letter)
            if 0 <= index < choices.option_count:
                choices.choose(index)
                return True
        return False

    @property
    def has_choices(self) -> bool:
        return bool(self.query(ChoiceList))

    def type_into(self, character: str) -> bool:
        """Start the answer with `character` (typed while the page had the focus)."""
        if self.locked:
            return False
        for box in self.query(AnswerInput):
            box.start_typing(character)
            return True
        return False

    def show(self, verdict: Verdict | None) -> None:
        """Show a verdict (None: nothing yet); a hint is kept in its own line."""
        if verdict is not None and verdict.tone == "hint":
            self.hint_verdict = verdict
        elif verdict is not None or self.verdict is None:
            self.verdict = verdict
        self.query_one(".question-hint", Static).update(_render(self.hint_verdict))
        self.query_one(".question-hint", Static).display = self.hint_verdict is not None
        self.query_one(".question-verdict", Static).update(_render(self.verdict))
        self.query_one(".question-verdict", Static).display = self.verdict is not None
        tone = self.verdict.tone if self.verdict else "open"
        for name in TONES:
            self.set_class(name == tone, f"-{name}")
        self.set_class(self.locked, "-locked")
        self.query_one(".question-label", Static).update(
            Content(self.done_title if self.locked else self.title)
        )
        for widget in self.query("OptionList, AnswerInput"):
            widget.disabled = self.locked
        if tone == "error":  # unread (a unit missing, say): the answer stays, to be finished
            for box in self.query(AnswerInput):
                box.cursor_position = len(box.value)
        # (The box selected its answer when it was committed: the next one typed replaces it.)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Committed(self, event.option_index))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Committed(self, event.value))


def _render(verdict: Verdict | None) -> Content:
    if verdict is None:
        return Content("")
    mark, style = TONES.get(verdict.tone, ("", "bold"))
    lines = [Content.assemble((mark + verdict.headline, style))]
    lines += [Content(line) for line in verdict.lines if line]
    return Content("\n").join(lines)
