"""How many learners one machine serves: `python -m regsim.web.bench --learners 30`.

Starts `regsim web` on a free loopback port with a fresh data folder and connects LEARNERS simulated
learners, one after another as a class arrives (each joins, opens the app's websocket as the browser
page does, and waits until the home screen lists lesson 1). With all of them connected it measures
every app process's memory (resident, and proportional: shared pages split among the processes that
share them) and the time one more learner takes to get a working app: from joining to lesson 1 drawn
after pressing Enter. With --chromium, first a real browser times a first visit and a return, from
opening the address to lesson 1 on screen. Every request goes to 127.0.0.1; every wait is bounded; the server is stopped
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
WAIT = 300.0
IDLE_SAMPLE = 5.0   # seconds the connected class sits idle while its apps' CPU time is counted


class Learner:
    def __init__(self, session: aiohttp.ClientSession, base: str, name: str) -> None:
        self.session, self.base, self.name = session, base, name
        self.text = ""
        self.websocket: aiohttp.ClientWebSocketResponse | None = None

    async def join(self) -> None:
        async with self.session.post(f"{self.base}/join", data={"name": self.name}) as response:
            assert response.status == 200, await response.text()

    async def open_app(self) -> None:
        self.websocket = await self.session.ws_connect(f"{self.base}/ws?width=120&height=40")
        await self.websocket.send_json(["resize", {"width": 120, "height": 40}])

    async def wait_for(self, words: str) -> None:
        assert self.websocket is not None
        async with asyncio.timeout(WAIT):
            while words not in self.text:
                message = await self.websocket.receive()
                if message.type == aiohttp.WSMsgType.BINARY:
                    self.text += ANSI.sub("", message.data.decode("utf-8", "replace"))
                elif message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    raise RuntimeError(f"{self.name}: the app closed")
            self.text = ""

    async def stay(self) -> None:
        """Keep reading, as a browser tab does (the server's heartbeat closes a socket that stops answering)."""
        assert self.websocket is not None
        async for _ in self.websocket:
            pass

    async def press_enter(self) -> None:
        assert self.websocket is not None
        await self.websocket.send_json(["stdin", "\r"])


def memory_kb(pid: int) -> tuple[int, int]:
    """Resident and proportional set size of one process, in kB (Linux /proc)."""
    rss, pss, _ = memory_detail_kb(pid)
    return rss, pss


def memory_detail_kb(pid: int) -> tuple[int, int, int]:
    """Resident, proportional and private (its own pages only: what one more such process costs) size, in kB."""
    found = {"Rss:": 0, "Pss:": 0, "Private_Clean:": 0, "Private_Dirty:": 0}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            key, _, rest = line.partition(" ")
            if key in found:
                found[key] = int(rest.split()[0])
    return found["Rss:"], found["Pss:"], found["Private_Clean:"] + found["Private_Dirty:"]


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry))
    return found


async def measure(base: str, server: int, learners: int) -> dict[str, Any]:
    sessions = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in range(learners + 1)]
    load_before = os.getloadavg()[0]
    try:
        class_ = [Learner(s, base, f"Learner {n}") for n, s in enumerate(sessions)]
        began = time.monotonic()
        staying: list[asyncio.Task[None]] = []
        for learner in class_[:learners]:   # one after another, as a class arrives: each on home before the next
            await learner.join()
            await learner.open_app()
            await learner.wait_for("What an image is")
            staying.append(asyncio.create_task(learner.stay()))
        all_connected = time.monotonic() - began
        fork_servers = children_of(server)   # the process the apps are forked from, with the course loaded
        apps = [pid for parent in fork_servers for pid in children_of(parent)]
        detail = [memory_detail_kb(pid) for pid in apps]
        memory = [(rss, pss) for rss, pss, _ in detail]
        spare = [memory_kb(pid) for pid in fork_servers]
        server_rss, server_pss = memory_kb(server)
        cpu_before, idle_began = sum(cpu_seconds(pid) for pid in apps), time.monotonic()
        await asyncio.sleep(IDLE_SAMPLE)
        idle_share = (sum(cpu_seconds(pid) for pid in apps) - cpu_before) / (time.monotonic() - idle_began)
        one_more = class_[learners]
        began = time.monotonic()
        await one_more.join()
        await one_more.open_app()
        await one_more.wait_for("What an image is")
        home = time.monotonic() - began
        await one_more.press_enter()
        await one_more.wait_for("Lesson 1 · page 1")
        working = time.monotonic() - began
    finally:
        await asyncio.gather(*(session.close() for session in sessions))
    rss = [kb for kb, _ in memory]
    pss = [kb for _, kb in memory]
    return {
        "learners": learners, "app_processes": len(apps), "fork_server_processes": len(spare),
        "seconds_until_all_on_home": round(all_connected, 2), "load_average_before": load_before,
        "app_rss_mib_median": round(statistics.median(rss) / 1024, 1),
        "app_pss_mib_median": round(statistics.median(pss) / 1024, 1),
        "app_private_mib_median": round(statistics.median(private for _, _, private in detail) / 1024, 1),
        "fork_server_rss_mib": round(sum(kb for kb, _ in spare) / 1024, 1),
        "server_rss_mib": round(server_rss / 1024, 1),
        "total_rss_mib": round((sum(rss) + sum(kb for kb, _ in spare) + server_rss) / 1024, 1),
        "total_pss_mib": round((sum(pss) + sum(kb for _, kb in spare) + server_pss) / 1024, 1),
        "one_more_seconds_to_home": round(home, 2), "one_more_seconds_to_lesson_1": round(working, 2),
        "idle_apps_cpu_share": round(idle_share, 3),   # of one core, for all the apps together, nobody typing
        "load_average": os.getloadavg()[0],
    }


def chromium_seconds(base: str, executable: str) -> dict[str, float]:
    """In Chromium: from opening the address to lesson 1 on screen, for a first visit (the join form
    filled, Enter on the home screen) and for a learner coming back (the same browser, a new tab)."""
    from playwright.sync_api import sync_playwright

    frames: list[bytes] = []

    def watch(websocket: Any) -> None:
        frames.clear()
        websocket.on("framereceived", lambda frame: frames.append(frame if isinstance(frame, bytes) else b""))

    def until(words: str, began: float) -> float:
        while words not in ANSI.sub("", b"".join(frames).decode("utf-8", "replace")):
            if time.monotonic() - began > WAIT:
                raise TimeoutError(words)
            page.wait_for_timeout(20)
        return time.monotonic() - began

    result = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        for visit in ("first_visit", "coming_back"):
            page = context.new_page()
            page.on("websocket", watch)
            began = time.monotonic()
            page.goto(base + "/")
            if visit == "first_visit":
                page.fill("#name", "Chromium Learner")
                page.click("button[type=submit]")
            result[f"chromium_{visit}_seconds_to_home"] = round(until("What an image is", began), 2)
            page.focus(".xterm-helper-textarea")
            page.keyboard.press("Enter")
            result[f"chromium_{visit}_seconds_to_lesson_1"] = round(until("Lesson 1 · page 1", began), 2)
            page.close()
            time.sleep(3)   # the closed tab's app ends first, as it would overnight
        browser.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regsim.web.bench")
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--chromium", metavar="PATH", help="also time a real browser (Debian's: /usr/bin/chromium)")
    args = parser.parse_args(argv)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [sys.executable, "-m", "regsim", "web", "--port", str(port), "--data", data,
             "--max-learners", str(args.learners + 1)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            assert server.stdout is not None
            for line in server.stdout:   # until the learners' apps are ready, as an instructor would see
                if "the course is loaded" in line:
                    break
            base = f"http://127.0.0.1:{port}"
            result = chromium_seconds(base, args.chromium) if args.chromium else {}
            result.update(asyncio.run(measure(base, server.pid, args.learners)))
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
