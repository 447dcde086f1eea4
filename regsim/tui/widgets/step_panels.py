"""The two step panels: what the next step will do, and what the step just done printed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from regsim.scenario.prompt import prompt_line
from regsim.scenario.records import StepRecord
from regsim.scenario.spec import StepSpec
from regsim.scenario.together_text import finish_groups, step_prompts
from regsim.tui.views.ask import answer_text
from regsim.tui.views.output import narrow_output
from regsim.units import format_seconds


def prompt(actor: str | None, command: str | None) -> str:
    """A command as a shell prompt line: `alice$ docker push …`."""
    return prompt_line(actor, command) if command else ""


class NextStep(Static):
    """The narration and command of the step that `next` will run."""

    def show(
        self,
        step: StepSpec | None,
        total: int,
        finished_note: str | None = None,
        withheld: str | None = None,
        ask: bool = True,
    ) -> None:
        """`withheld`: a note shown instead of the step's narration (it would give away an
        answer the learner has not committed yet). `ask`: False leaves out the scenario's own
        prediction prompt (a lesson asks its own questions, and the narration may answer it)."""
        if step is None:
            self.border_title = "Finished"
            self.update(
                Content.assemble(
                    ("That was the last step. ", "bold"),
                    (
                        finished_note
                        or "Press g to start again, or q to go back.",
                        "dim",
                    ),
                )
            )
            return
        self.border_title = f"Next: step {step.index} of {total}"
        parts: list[Content | str | tuple[str, str]] = []
        if withheld:
            parts.append((withheld, "italic $text-muted"))
        elif step.say:
            parts.append(step.say)
        prompts = step_prompts(step)
        if len(prompts) > 1:   # clients acting at once, not all with the same command
            parts += ["\n" if parts else "", ("At once:", "$text-muted")]
        for actor, command in prompts:
            if parts:
                parts.append("\n")
            parts.append((prompt(actor, command), "$text-primary bold"))
        if step.ask is not None and ask:
            parts += ["\n", ("Predict: ", "$text-warning bold"), step.ask.question]
            for letter, choice in zip("abcdefgh", step.ask.choices, strict=False):
                parts += ["\n", (f"  ({letter}) ", "$text-warning"), choice]
        self.update(
            Content.assemble(*parts) if parts else Content.assemble(("(an empty step)", "dim"))
        )


def done_title(record: StepRecord) -> tuple[str, str]:
    """The step panel's border title and subtitle."""
    subtitle = f"{format_seconds(record.seconds)} simulated" if record.seconds else ""
    if record.background_seconds:
        subtitle += f", {format_seconds(record.background_seconds)} of background {record.background_work}"
    return f"Step {record.index} done", subtitle


def done_summary(record: StepRecord, step: StepSpec | None = None) -> list[Content]:
    """The command, ok or its error, and the predicted answer: the lines above the output."""
    lines = []
    if record.command:
        lines.append(Content.assemble((prompt(record.actor, record.command), "$text-primary bold")))
    if record.ok:
        lines.append(Content.assemble(("ok", "$text-success bold")))
    else:
        lines.append(
            Content.assemble(
                ("error ", "$text-error bold"),
                (record.error or "", "$text-error bold"),
                (f": {record.message}" if record.message else "", "$text-error"),
            )
        )
    if step is not None and step.ask is not None:
        lines.append(
            Content.assemble(
                ("Answer: ", "$text-warning bold"),
                (answer_text(step.ask, record), "bold"),
                ("  (", "dim"),
                (step.ask.question, "dim"),
                (")", "dim"),
            )
        )
    if record.clients:   # clients acting at once: when each was done, soonest first
        for i, group in enumerate(finish_groups(record.clients)):
            lines.append(Content.assemble(("Done: " if i == 0 else "      ", "dim"), group))
    return lines


def note_content(typed: str, message: str, lines: list[str] | None = None, failed: bool = False) -> Content:
    """A line the sandbox answered itself (a problem with what was typed, help, undo, `as`): what
    was typed, the answer, and the commands it lists."""
    shown = [Content.assemble((typed, "$text-primary bold"))] if typed else []
    shown.append(
        Content.assemble(
            *((("error ", "$text-error bold"),) if failed else ()),
            (message, "$text-error" if failed else "bold"),
        )
    )
    if lines and not message.endswith(":"):  # (help's message is its own heading)
        shown.append(Content.assemble(("You can type:", "bold")))
    if lines:
        shown += [Content.assemble((line, "$text-accent")) for line in lines]
    return Content("\n").join(shown)


def done_content(record: StepRecord, step: StepSpec | None = None) -> Content:
    """The step's summary, then what it printed; tables lose their padding (in a narrow column a
    padded row wraps into two broken ones)."""
    lines = done_summary(record, step) + [Content(line) for line in narrow_output(record)]
    return Content("\n").join(lines)


class DoneStep(Static):
    """The step just done: ok or its error, then the lines the docker CLI printed."""

    def show(
        self, record: StepRecord | None, step: StepSpec | None = None, idle_note: str | None = None
    ) -> None:
        self.set_class(record is not None and not record.ok, "-failed")
        if record is None:
            self.border_title = "Nothing done yet"
            self.border_subtitle = ""
            note = idle_note or "Press → (or n, space) to run the first step."
            self.update(Content.assemble((note, "dim")))
            return
        self.border_title, self.border_subtitle = done_title(record)
        self.update(done_content(record, step))


class OutputPanel(VerticalScroll):
    """The sandbox's output: what the last command printed, or the sandbox's own answer (help, a
    problem). It scrolls, as `help` is longer than the panel on a small screen: tab focuses it, and
    PageUp/PageDown scroll it from the command line."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown = Content("")

    def compose(self) -> ComposeResult:
        yield Static(classes="output-text")

    def show(self, record: StepRecord) -> None:
        self.set_class(not record.ok, "-failed")
        self.border_title, self.border_subtitle = done_title(record)
        self._draw(done_content(record))

    def show_note(
        self, typed: str, message: str, lines: list[str] | None = None, failed: bool = False
    ) -> None:
        self.set_class(failed, "-failed")
        self.border_title = "Cannot run that" if failed else "Sandbox"
        self.border_subtitle = ""
        self._draw(note_content(typed, message, lines, failed))

    def _draw(self, content: Content) -> None:
        self._shown = content
        self.query_one(".output-text", Static).update(content)
        self.scroll_home(animate=False)   # each answer is read from its first line

    @property
    def text(self) -> str:
        """What the panel shows, as plain text."""
        return self._shown.plain


class DonePanel(Vertical):
    """The step just done, for a narrow column (a lesson's simulator): the summary wraps, but the
    lines the command printed do not. Tables lose their padding so they fit; a line still too
    long ends in an ellipsis."""

    def compose(self) -> ComposeResult:
        yield Static(classes="done-summary")
        yield Static(classes="done-output")

    def show(
        self, record: StepRecord | None, step: StepSpec | None = None, idle_note: str | None = None
    ) -> None:
        self.set_class(record is not None and not record.ok, "-failed")
        summary = self.query_one(".done-summary", Static)
        output = self.query_one(".done-output", Static)
        if record is None:
            self.border_title = "Nothing done yet"
            self.border_subtitle = ""
            summary.update(Content.assemble((idle_note or "", "dim")))
            output.update("")
            output.display = False
            return
        self.border_title, self.border_subtitle = done_title(record)
        summary.update(Content("\n").join(done_summary(record, step)))
        output.update(Content("\n".join(narrow_output(record))))
        output.display = bool(record.output)
