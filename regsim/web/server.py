"""The classroom server: an aiohttp application that serves the join page, one app process per browser
session (textual-serve's `AppService` and terminal page), the learner's progress file, and the
instructor's page behind a secret token.

Limits: at most `max_learners` apps at once (a learner beyond that gets a page saying the class is
full); a session with no key or resize for `idle_seconds` is closed (its progress is already saved:
the app writes after every answer); one app per learner (a second tab ends the first, so one
progress file never has two writers). The token never reaches a log: requests are logged with the
path after /instructor/ left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import textual_serve
from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from regsim.lessons.progress import dumps, empty, problems_in
from regsim.web import pages
from regsim.web.forks import ForkedApp, ForkServer
from regsim.web.roster import COOKIE, JoinRefused, Learner, Roster, code_matches

if TYPE_CHECKING:
    from asyncio.subprocess import Process

    from regsim.lessons.loader import LessonSet

log = logging.getLogger("regsim.web")
STATIC = Path(textual_serve.__file__).parent / "static"   # its terminal (xterm.js) and font
IMPORT_LIMIT = 1 << 20   # a progress file of a whole course is a few tens of kB
STOP_WAIT = 5.0          # seconds an app gets to quit before it is killed


@dataclass(frozen=True)
class ClassSettings:
    data: Path
    token: str
    class_code: str | None = None
    lesson_dirs: Sequence[Path] = ()
    max_learners: int = 40
    idle_seconds: float = 30 * 60
    font_size: int = 16
    preload: bool = True   # start the learners' app server with the web server (tests of pages alone do not)


def app_environment() -> dict[str, str]:
    """What textual-serve gives an app process (textual_serve/app_service.py, _build_environment):
    Textual's web driver, speaking its packet protocol on stdin and stdout."""
    from importlib.metadata import version

    return {**os.environ, "TEXTUAL_DRIVER": "textual.drivers.web_driver:WebDriver", "TEXTUAL_FPS": "60",
            "TEXTUAL_COLOR_SYSTEM": "truecolor", "TERM_PROGRAM": "textual",
            "TERM_PROGRAM_VERSION": version("textual-serve")}


class LearnerService(AppService):
    """textual-serve's app service for one learner, on an app forked from the loaded fork server."""

    def __init__(self, learner: Learner, forks: ForkServer, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.learner = learner
        self.forks = forks
        self.app: ForkedApp | None = None

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        self.learner.work.mkdir(parents=True, exist_ok=True)
        self.app = await self.forks.fork({"progress": str(self.learner.progress), "work": str(self.learner.work),
                                          "width": width, "height": height})
        # AppService reads a process's stdout and stderr and writes its stdin; the forked app has all three.
        self._process, self._stdin = cast("Process", self.app), self.app.stdin
        return self._process

    async def end(self) -> None:
        """Ask the app to quit; kill it when it does not within STOP_WAIT seconds."""
        with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
            await asyncio.wait_for(self.stop(), STOP_WAIT)
        if self.app is not None:
            self.app.kill()
            await self.app.wait()


@dataclass
class Session:
    learner: Learner
    service: LearnerService
    websocket: web.WebSocketResponse
    last_active: float = field(default_factory=time.monotonic)

    async def end(self) -> None:
        await self.service.end()
        await self.websocket.close()


class RedactingAccessLogger(AbstractAccessLogger):
    """One line per request, without the instructor's token or any query string."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = request.path
        if path.startswith("/instructor/"):
            path = "/instructor/…"
        self.logger.info("%s %s %s", request.method, path, response.status)


class ClassServer:
    def __init__(self, settings: ClassSettings, lessons: LessonSet | None = None) -> None:
        self.settings = settings
        self.roster = Roster(settings.data)
        self.sessions: dict[str, Session] = {}
        self.downloads = DownloadManager()
        self._lessons = lessons
        self._reaper: asyncio.Task[None] | None = None
        self.forks = ForkServer(app_environment(), settings.lesson_dirs)
        self._preload: asyncio.Task[None] | None = None

    # ----- the application -------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(client_max_size=IMPORT_LIMIT + 4096)
        app.add_routes([
            web.get("/", self.index), web.get("/join", self.join_form), web.post("/join", self.join),
            web.get("/ws", self.websocket), web.get("/leave", self.leave),
            web.get("/progress", self.progress_form), web.get("/progress/export", self.progress_export),
            web.post("/progress/import", self.progress_import),
            web.get("/instructor/{token}", self.instructor), web.get("/instructor/{token}/class.png", self.class_png),
            web.static("/static", STATIC),
        ])
        app.on_startup.append(self._start_reaper)
        app.on_shutdown.append(self._end_all)
        return app

    async def _start_reaper(self, _: web.Application) -> None:
        if self.settings.preload:   # the course loads once, while the first learners type their names
            self._preload = asyncio.create_task(self._load_course())
        self._reaper = asyncio.create_task(self._reap_idle())

    async def _load_course(self) -> None:
        await self.forks.ensure_started()
        print("regsim web: the course is loaded; each learner's app starts at once", flush=True)

    async def _end_all(self, _: web.Application) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
        if self._preload is not None and not self._preload.done():
            self._preload.cancel()
        await asyncio.gather(*(session.end() for session in list(self.sessions.values())))
        await self.forks.close()

    async def _reap_idle(self) -> None:
        """Close idle sessions, checking a few times per idle limit."""
        period = max(0.2, min(30.0, self.settings.idle_seconds / 4))
        while True:
            await asyncio.sleep(period)
            await self.close_idle(time.monotonic())

    async def close_idle(self, now: float) -> int:
        """End every session idle for longer than the limit at `now`; how many were ended."""
        idle = [s for s in self.sessions.values() if now - s.last_active > self.settings.idle_seconds]
        for session in idle:
            log.info("closing a session idle for %d minutes", (now - session.last_active) // 60)
            await self._end(session)
        return len(idle)

    async def _end(self, session: Session) -> None:
        if self.sessions.get(session.learner.id) is session:
            del self.sessions[session.learner.id]
        await session.end()

    def full_for(self, learner: Learner) -> bool:
        """No place for this learner (a learner with a running app keeps theirs)."""
        return learner.id not in self.sessions and len(self.sessions) >= self.settings.max_learners

    def _learner(self, request: web.Request) -> Learner | None:
        return self.roster.verify(request.cookies.get(COOKIE))

    # ----- learners --------------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is None:
            raise web.HTTPFound("/join")
        if self.full_for(learner):
            return _html(pages.full_page(self.settings.max_learners), status=503)
        return _html(pages.app_page(learner.name, self.settings.font_size))

    async def join_form(self, request: web.Request) -> web.StreamResponse:
        return _html(pages.join_page(needs_code=self.settings.class_code is not None))

    async def join(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        name, code = str(form.get("name", "")), str(form.get("code", ""))
        needs_code = self.settings.class_code is not None
        if not code_matches(code, self.settings.class_code):
            return _html(pages.join_page(needs_code=needs_code, name=name,
                                         problem="That class code is not this class's. Ask your instructor for it."),
                         status=403)
        if len(self.sessions) >= self.settings.max_learners:   # no name is claimed while no place is free
            return _html(pages.full_page(self.settings.max_learners), status=503)
        try:
            _, cookie = self.roster.join(name, request.cookies.get(COOKIE))
        except JoinRefused as refused:
            return _html(pages.join_page(needs_code=needs_code, name=name, problem=str(refused)), status=409)
        response = web.HTTPFound("/")
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax", max_age=180 * 24 * 3600)
        raise response

    async def leave(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is not None and (session := self.sessions.get(learner.id)) is not None:
            await self._end(session)
        return _html(pages.page("regsim: see you", "<h1>Your session is closed</h1><p>Your progress is kept. "
                                "<a href=\"/\">Open regsim again</a> to continue.</p>"))

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is None:
            raise web.HTTPForbidden(text="join the class first")
        origin = request.headers.get("Origin")
        if origin is not None and origin.partition("://")[2] != request.host:
            raise web.HTTPForbidden(text="the app opens from this server's own page only")
        if (earlier := self.sessions.pop(learner.id, None)) is not None:
            await earlier.end()   # one app per learner: a new tab takes over
        if self.full_for(learner):
            raise web.HTTPServiceUnavailable(text="the class is full")
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _int(request.query.get("width"), 80)
        height = _int(request.query.get("height"), 24)
        service = LearnerService(learner, self.forks, write_bytes=websocket.send_bytes,
                                 write_str=websocket.send_str, close=websocket.close, download_manager=self.downloads)
        # The place is taken before the first await, so two learners arriving at once cannot pass the cap.
        session = self.sessions[learner.id] = Session(learner, service, websocket)
        try:
            await websocket.prepare(request)
            await service.start(width, height)
            await self._relay(session)
        except Exception:
            log.exception("a learner's app failed")
        finally:
            if self.sessions.get(learner.id) is session:
                del self.sessions[learner.id]
            await service.end()
        return websocket

    async def _relay(self, session: Session) -> None:
        """The browser's keys and size to the app (textual-serve's protocol), noting activity."""
        service = session.service
        async for message in session.websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                kind, *rest = json.loads(message.data)
            except (ValueError, TypeError):
                continue
            if kind == "stdin" and rest and isinstance(rest[0], str):
                session.last_active = time.monotonic()
                await service.send_bytes(rest[0].encode("utf-8"))
            elif kind == "resize" and rest and isinstance(rest[0], dict):
                session.last_active = time.monotonic()
                await service.set_terminal_size(_int(rest[0].get("width"), 80), _int(rest[0].get("height"), 24))
            elif kind == "ping" and rest:
                await session.websocket.send_json(["pong", rest[0]])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    # ----- the learner's progress file -------------------------------------------------------

    async def progress_form(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is None:
            raise web.HTTPFound("/join")
        return _html(pages.progress_page(learner.name))

    async def progress_export(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is None:
            raise web.HTTPFound("/join")
        try:
            text = learner.progress.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = dumps(empty())
        return web.Response(text=text, content_type="application/json", headers={
            "Content-Disposition": "attachment; filename=regsim-progress.json", "Cache-Control": "no-store"})

    async def progress_import(self, request: web.Request) -> web.StreamResponse:
        learner = self._learner(request)
        if learner is None:
            raise web.HTTPFound("/join")
        form = await request.post()
        upload = form.get("file")
        raw = upload.file.read(IMPORT_LIMIT + 1) if isinstance(upload, web.FileField) else b""
        try:
            data = json.loads(raw.decode("utf-8")) if len(raw) <= IMPORT_LIMIT else None
            problems = problems_in(data) if data is not None else ["it is larger than a progress file can be"]
        except (UnicodeDecodeError, ValueError, RecursionError):
            problems = ["it is not valid JSON"]
        if problems:
            return _html(pages.progress_page(learner.name, f"That file is not a regsim progress file: {problems[0]}."),
                         status=400)
        if (session := self.sessions.get(learner.id)) is not None:
            await self._end(session)   # the running app would write its own copy over the import
        assert isinstance(data, dict)   # problems_in accepts objects only
        self.roster.replace_progress(learner, dumps(data))
        raise web.HTTPFound("/")

    # ----- the instructor --------------------------------------------------------------------

    def _instructor(self, request: web.Request) -> None:
        if not hmac.compare_digest(request.match_info["token"].encode(), self.settings.token.encode()):
            raise web.HTTPNotFound()

    async def lessons(self) -> LessonSet | None:
        if self._lessons is None:
            from regsim.lessons.loader import lesson_dirs, load_lessons

            folders = lesson_dirs([Path(d) for d in self.settings.lesson_dirs])
            self._lessons = await asyncio.to_thread(load_lessons, folders, strict=False)
        return self._lessons

    async def standing(self) -> Any:
        from regsim.web.standing import class_standing

        lessons = await self.lessons()
        return class_standing(self.roster.learners(), lessons or (), online=set(self.sessions))

    async def instructor(self, request: web.Request) -> web.StreamResponse:
        self._instructor(request)
        standing = await self.standing()
        # Relative to /instructor/TOKEN: the picture is /instructor/TOKEN/class.png.
        html = pages.instructor_page(standing, f"{request.match_info['token']}/class.png", self.settings.max_learners)
        return _html(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    async def class_png(self, request: web.Request) -> web.StreamResponse:
        self._instructor(request)
        from regsim.web.report import render

        png = await asyncio.to_thread(render, await self.standing(), "png")
        return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


def _html(text: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", headers=headers)


def _int(value: object, default: int) -> int:
    try:
        return max(1, min(1000, int(str(value))))
    except ValueError:
        return default
