"""Benchmarks of the app's responsiveness: start-up to the home screen, one player step, and one
sandbox command.

Targets (issues 7 and 15): the home screen in under 1 s, a step in the player and a command typed
in the sandbox at 80×24 each in under 50 ms. The lessons are read in a worker once the home screen
is up; `lessons_seconds` says when they are listed. Run `python -m regsim.tui.bench`; these are
measurements, not timed tests.
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

SIZE = (120, 34)


async def _home_ready(started: float) -> float:
    from regsim.tui.app import RegsimApp
    from regsim.tui.screens.home import HomeScreen

    app = RegsimApp()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.screen.is_mounted
        return time.perf_counter() - started


async def _lessons_listed(started: float) -> float:
    from regsim.tui.app import RegsimApp

    app = RegsimApp()
    async with app.run_test(size=SIZE) as pilot:
        await app.lessons_shown.wait()
        await pilot.pause()
        return time.perf_counter() - started


def lessons_here() -> float:
    """Seconds from importing the app to the lessons listed on the home screen (read in a worker)."""
    started = time.perf_counter()
    return asyncio.run(_lessons_listed(started))


def lessons_seconds() -> float:
    """`lessons_here` in a fresh interpreter: how long the home screen says "Loading the lessons"."""
    code = "from regsim.tui.bench import lessons_here; print(lessons_here())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def startup_here() -> float:
    """Seconds from importing the app to the home screen mounted, in this interpreter."""
    started = time.perf_counter()
    return asyncio.run(_home_ready(started))


def startup_seconds(cold: bool = True) -> float:
    """Seconds to the home screen mounted (run_test, app ready), imports included.

    `cold` measures in a fresh interpreter, as a learner starting `regsim` would see it
    (less the interpreter's own start); otherwise in this one, where imports may be cached.
    """
    if not cold:
        return startup_here()
    code = "from regsim.tui.bench import startup_here; print(startup_here())"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


async def _step_times(scenario: str, clock: Callable[[], float]) -> list[float]:
    from regsim.tui.app import RegsimApp
    from regsim.tui.screens.player import PlayerScreen

    app = RegsimApp(scenario)
    times = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PlayerScreen)
        for _ in range(screen.player.total):
            started = clock()
            screen.action_next()
            await pilot.pause()  # the screen has processed the update and refreshed
            times.append(clock() - started)
    return times


def player_step_ms(scenario: str = "second-version", wall: bool = False) -> float:
    """Median milliseconds for one step in the player: update every pane and render it.

    By default the CPU time the step costs (`time.process_time`); `wall` gives the elapsed time,
    which includes the pilot's idle polling (it sleeps 20 ms at a time until nothing is running).
    """
    clock = time.perf_counter if wall else time.process_time
    return 1000 * statistics.median(asyncio.run(_step_times(scenario, clock)))


# A learner's first session in the first-push-pull sandbox: every kind of answer the screen draws
# (a push's and a pull's many requests, a table, a line of its own, a note that runs nothing).
SANDBOX_COMMANDS = (
    "docker build -t app:v1 .",
    "docker tag app:v1 registry.example/team/app:v1",
    "docker push registry.example/team/app:v1",
    "as bob",
    "docker pull registry.example/team/app:v1",
    "docker images",
    "docker system df",
)


async def _sandbox_times(size: tuple[int, int]) -> dict[str, float]:
    from textual.widgets import Input

    from regsim.tui.app import RegsimApp
    from regsim.tui.screens.sandbox import SandboxScreen

    app = RegsimApp()
    times = {}
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert app.open_sandbox("first-push-pull")
        await pilot.pause()
        assert isinstance(app.screen, SandboxScreen)
        for command in SANDBOX_COMMANDS:
            app.screen.query_one(Input).value = command
            started = time.process_time()
            await pilot.press("enter")
            await pilot.pause()  # the command has run and the screen has settled
            times[command] = 1000 * (time.process_time() - started)
    return times


def sandbox_times_ms(size: tuple[int, int] = (80, 24), rounds: int = 3) -> dict[str, float]:
    """Median CPU milliseconds of each command in `SANDBOX_COMMANDS`, from Enter until the screen
    has settled (the command run, every pane redrawn), over `rounds` fresh apps."""
    runs = [asyncio.run(_sandbox_times(size)) for _ in range(rounds)]
    return {command: statistics.median(run[command] for run in runs) for command in SANDBOX_COMMANDS}


def sandbox_command_ms(size: tuple[int, int] = (80, 24)) -> float:
    """The slowest command's median in `sandbox_times_ms`: every command answers within this."""
    return max(sandbox_times_ms(size).values())


def main() -> None:
    print(f"startup to home screen  {startup_seconds():.3f} s   (target < 1 s)")
    print(f"lessons listed on home  {lessons_seconds():.3f} s   (read in a worker after start-up)")
    print(f"one player step         {player_step_ms():.1f} ms  (target < 50 ms) CPU time")
    print(f"                        {player_step_ms(wall=True):.1f} ms  elapsed, with idle polling")
    for command, ms in sandbox_times_ms().items():
        print(f"sandbox at 80×24         {ms:5.1f} ms  {command}")


if __name__ == "__main__":
    main()
