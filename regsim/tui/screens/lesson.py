"""A lesson: the page's text and questions beside the simulator, which follows the pages.

A page tied to a step range shows the world after its last step. A predict question waits
before its step: the learner commits, the answer locks, the step runs, and the reveal explains.
Every answer, hint, reveal and page change is saved to the learner's progress as it happens.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Footer, Markdown, Static

from regsim.challenge.loader import load_challenge
from regsim.challenge.spec import Challenge
from regsim.lessons.question_book import QuestionBook
from regsim.lessons.tour import LessonTour
from regsim.lessons.verdicts import score_line, step_name
from regsim.scenario.engine import Player
from regsim.scenario.problems import ContentError
from regsim.tui.messages import ChallengeChosen, LessonChosen
from regsim.tui.screens.confirm import ConfirmScreen
from regsim.tui.screens.questions import QuestionsScreen
from regsim.tui.views.strip import strip_lines
from regsim.tui.widgets.in_view import keep_focus_in_view
from regsim.tui.widgets.question_card import QuestionCard
from regsim.tui.widgets.request_log import RequestLog
from regsim.tui.widgets.simulator_pane import SimulatorPane


class ChallengeCard(Static):
    """A page's challenge: its task and the key that opens it (and ✓ once solved)."""

    def __init__(self, challenge: Challenge, *, classes: str) -> None:
        super().__init__(classes=classes)
        self.challenge = challenge


class LessonScreen(QuestionsScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,n", "next_page", "Next page", key_display="→", tooltip="The next page"),
        Binding("left,p", "previous_page", "Back", key_display="←", tooltip="The previous page"),
        Binding(
            "h", "hint", "Hint", tooltip="A hint for the question (recorded; it costs nothing)"
        ),
        Binding(
            "r", "reveal", "Reveal", tooltip="Show the answer and why (no credit if not yet right)"
        ),
        Binding(
            "v",
            "switch_view",
            "View",
            tooltip="The simulator shows the requests, the byte ledger or the world",
        ),
        Binding(
            "s",
            "switch_side",
            "Simulator",
            tooltip="On a narrow terminal: the page or the simulator",
        ),
        Binding("c", "challenge", "Challenge", tooltip="Try this page's challenge in the sandbox"),
        Binding(
            "shift+right,N",
            "skip_steps",
            "All steps",
            key_display="⇧→",
            tooltip="Show the rest of this page's steps at once",
        ),
        Binding(
            "escape,q", "leave", "Lessons", key_display="q", tooltip="Back to the list of lessons"
        ),
        Binding(
            "enter",
            "answer",
            "Answer",
            show=False,
            tooltip="From the page: back to the open question (its choices or its box)",
        ),
    ]

    HELP_NOTES = (
        "↑ ↓, PageUp, PageDown, Home and End scroll the page; a question is answered only when you can see it.",
        "Choose an answer by its letter (b) or with Enter and ↑ ↓; it is marked, and Enter commits it.",
        "Type a number or a size with its unit (2.3MB, 40s) and press Enter.",
        "A prediction locks when you commit it; then the simulator runs the step and the answer is explained.",
        "Until you predict, the simulator shows the step's command but not what it will do.",
        "Paging past a prediction you have not made asks first: its step then runs and it counts as revealed.",
        "tab moves between the page, its questions and the simulator's requests, and marks the one it is on.",
        "Enter on the page goes back to the open question; h and r act on the question you are in.",
        "esc in an answer box goes back to the page; esc (or q) on the page goes back to the lessons.",
        "Your answers and the page you are on are saved as you go: Continue on the home screen returns here.",
        "On the done page, → opens the next lesson.",
        "A page whose simulator covers several steps shows them one at a time: → runs the next, ⇧→ all of them.",
        "A page with a challenge: c opens it, the sandbox with a goal to reach by typing commands.",
    )

    def __init__(self, tour: LessonTour) -> None:
        super().__init__()
        self.tour = tour
        self.player = Player.from_run(tour.run)

    @property
    def sim(self) -> SimulatorPane:
        return self.query_one(SimulatorPane)

    def compose(self) -> ComposeResult:
        with Horizontal(id="status-bar"):
            yield Static(id="status-line")  # cut with an ellipsis when the line is too short
            yield Static(id="status-score")  # never cut
        with Horizontal(id="lesson-body"):
            with VerticalScroll(id="lesson-page"):
                yield Markdown(id="page-text")
                yield Vertical(id="page-questions")
            yield SimulatorPane(self.player, id="lesson-sim")
        yield Static(id="world-strip")
        yield Footer(show_command_palette=False)

    async def on_mount(self) -> None:
        self.title = self.tour.lesson.title
        keep_focus_in_view(self, self.page)
        await self.show_page()

    @property
    def page(self) -> VerticalScroll:
        return self.query_one("#lesson-page", VerticalScroll)

    # ----- drawing ---------------------------------------------------------------------------

    async def show_page(self) -> None:
        tour = self.tour
        await self.query_one("#page-text", Markdown).update(tour.markdown())
        box = self.query_one("#page-questions", Vertical)
        await box.remove_children()
        items = tour.questions()
        cards: list[Widget] = []
        for i, item in enumerate(items, start=1):
            title, done_title = tour.titles(item.question, i, len(items))
            cards.append(QuestionCard(item, title, tour.restored(item), done_title))
        cards += self.challenge_cards()
        if cards:
            await box.mount_all(cards)
        self.move_sim()
        self.query_one("#lesson-page", VerticalScroll).scroll_home(animate=False)
        self.show_status()
        self.focus_page()
        self.refresh_bindings()
        self.tell_problems()
        self.tell_passed()

    def challenge_cards(self) -> list[Static]:
        """A card for each challenge the page names: its title, its task, and the key that opens it."""
        page = self.tour.current()
        cards: list[Static] = []
        for path in page.challenges if page is not None else ():
            try:
                challenge = load_challenge(path)
            except ContentError as error:
                cards.append(Static(f"This page's challenge cannot be read: {error.problems[0]}",
                                    classes="challenge-card"))
                continue
            card = ChallengeCard(challenge, classes="challenge-card")
            card.border_title = f"Challenge: {challenge.title}"
            self.show_challenge_card(card)
            cards.append(card)
        return cards

    def show_challenge_card(self, card: ChallengeCard) -> None:
        challenge = card.challenge
        solved = self.tour.store.challenge(challenge.id)["solved"]
        card.update(Content.assemble(
            challenge.task, "\n", ("c", "bold"), " opens it in the sandbox, with the goal beside your world.",
            ("  ✓ solved" if solved else "", "$text-success")))

    def move_sim(self) -> None:
        """The simulator where the page has it; a step that an open prediction is about shows
        its command but not its narration, which would give the answer away."""
        tour = self.tour
        notes = {}
        for step, page in tour.open_predictions().items():
            where = "" if page == tour.page else f" (on page {page + 1})"
            notes[step] = f"Predict first{where}: the narration appears once you have answered."
        self.sim.seek(tour.sim_position(), notes)
        self.show_strip()

    def show_strip(self) -> None:
        """The world strip (shown on a narrow screen, where the simulator is behind s): the step, its
        layer bytes against whole images, and its last requests."""
        player = self.player
        width = max(40, self.size.width - 2)
        lines = strip_lines(player.current, player.position, player.total, width)
        self.query_one("#world-strip", Static).update("\n".join(lines))

    def tell_passed(self) -> None:
        """Predictions whose step ran before the learner committed: revealed, with no credit."""
        for item in self.tour.take_passed():
            name = step_name(self.tour.run.scenario, item.question.step or 0)
            self.notify(
                f"{name.capitalize()} ran before you predicted it, so that prediction counts as "
                "revealed (no credit).",
                timeout=8,
            )

    def show_status(self) -> None:
        tour = self.tour
        summary = tour.summary()
        self.query_one("#status-line", Static).update(Content.assemble((tour.heading(), "bold")))
        self.query_one("#status-score", Static).update(
            Content.assemble((score_line(summary) if summary.possible else "no questions", "dim"))
        )

    def focus_page(self) -> None:
        """The page has the focus, so the scrolling keys scroll it. A question is reached by
        its letters (a choice), a digit (the box), or Enter; each brings it into view."""
        self.set_focus(self.page, scroll_visible=False)

    # ----- answers (graded in QuestionsScreen) ------------------------------------------------

    @property
    def book(self) -> QuestionBook:
        return self.tour.book

    def show_score(self) -> None:
        self.show_status()

    def take_problems(self) -> list[str]:
        return self.tour.take_problems()

    def after_lock(self, card: QuestionCard) -> None:
        """A prediction's step runs once it is locked; the page takes the focus back (the verdict
        is brought into view), and the next question is a letter, a digit or Enter away."""
        self.move_sim()
        self.show_status()
        self.focus_page()

    # ----- keys ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_page":
            return None if self.tour.finished and self.tour.next_lesson is None else True
        if action == "previous_page":
            return None if self.tour.page == 0 else True
        if action == "skip_steps":
            return self.tour.can_step()   # only while a page's range is shown one step at a time
        if action == "challenge":
            page = self.tour.current()
            return page is not None and bool(page.challenges)   # hidden on the many pages without one
        if action in ("hint", "reveal"):
            return True if self.tour.questions() else None
        if action == "switch_side":
            return self.has_class("-narrow")
        return True

    async def action_next_page(self) -> None:
        if self.tour.can_step():   # a page's range of steps is shown one step at a time first
            self.tour.step()
            self.move_sim()
            self.show_status()
            self.refresh_bindings()
            focused = self.app.focused
            if focused is not None and focused is not self.page:
                # The world above may have grown: what the learner acts on stays in sight.
                self.call_after_refresh(focused.scroll_visible, animate=False)
            return
        if self.tour.finished:
            self.open_next_lesson()
            return
        passed = self.tour.would_pass(self.tour.page + 1)
        if passed:
            one = len(passed) == 1
            question = (
                "You have not made the prediction on this page yet."
                if one
                else f"You have not made {len(passed)} predictions yet."
            )
            self.app.push_screen(
                ConfirmScreen(
                    question,
                    yes="go on: the step runs and the prediction counts as revealed (no credit)"
                    if one
                    else "go on: the steps run and the predictions count as revealed (no credit)",
                    no="stay and predict",
                ),
                self.leave_page_answered,
            )
            return
        await self.turn_page()

    async def leave_page_answered(self, go_on: bool | None) -> None:
        if go_on:
            await self.turn_page()
            return
        for card in self.query(QuestionCard):
            if not card.locked:
                card.focus_answer()
                return

    def open_next_lesson(self) -> None:
        upcoming = self.tour.next_lesson
        if upcoming is None:
            return
        app = self.app
        self.dismiss()
        # This screen is leaving (a message posted on it could go with it): the app takes the message.
        app.post_message(LessonChosen(upcoming.id, 0))

    async def turn_page(self) -> None:
        last = self.tour.page == self.tour.count - 1
        self.tour.go(self.tour.page + 1)
        if last:
            self.notify(f"Lesson done. {score_line(self.tour.summary())}", timeout=6)
        await self.show_page()

    async def action_previous_page(self) -> None:
        if self.tour.page > 0:
            self.tour.go(self.tour.page - 1)
            await self.show_page()

    def action_switch_view(self) -> None:
        self.sim.switch_detail()

    def action_skip_steps(self) -> None:
        while self.tour.can_step():
            self.tour.step()
        self.move_sim()
        self.show_status()
        self.refresh_bindings()

    def action_challenge(self) -> None:
        page = self.tour.current()
        if page is not None and page.challenges:
            self.post_message(ChallengeChosen(page.challenges[0]))

    def action_switch_side(self) -> None:
        """The focus follows: the request table (when it has rows), or back to the question."""
        self.toggle_class("-show-sim")
        if self.has_class("-show-sim"):
            log = self.sim.query_one(RequestLog)
            self.set_focus(log if log.can_focus else None)
        else:
            self.focus_page()

    def action_leave(self) -> None:
        self.dismiss()

    async def on_screen_resume(self) -> None:
        """Back from a quiz opened over the lesson: its answers show here too; back from a challenge,
        its card (the page stays where it was)."""
        if not self.is_mounted:
            return
        if self.tour.reload():
            await self.show_page()
            return
        for card in self.query(ChallengeCard):   # back from a challenge: its card says whether it is solved
            self.show_challenge_card(card)

    def on_resize(self) -> None:
        self.call_after_refresh(self.refresh_bindings)
        self.call_after_refresh(self.show_strip)
