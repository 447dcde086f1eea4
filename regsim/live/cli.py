"""`regsim serve`: run a live registry on this machine and log every request in plain language.

`add_serve_arguments` defines the options and `run_from_args` runs them, so `regsim/cli.py`
needs three lines to offer the command; `python -m regsim.live` works on its own too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from regsim.live.access import is_loopback, parse_user
from regsim.model.oci.auth import AuthInputError
from regsim.model.registry.policy import AUTH_MODES

if TYPE_CHECKING:   # aiohttp is imported only when the server really starts
    from regsim.live.entry import LiveEntry
    from regsim.live.journal import RecordJournal
    from regsim.live.server import LiveServer
    from regsim.live.source import LiveSource

EXIT_OK, EXIT_USAGE = 0, 2
DEFAULT_PORT = 5000

# The Live screen belongs to the app (regsim.tui), a layer above this one: `regsim serve --tui`
# hands it in. It serves until the user leaves: the exit status, and why the server did not start.
ShowLive = Callable[["LiveSource"], "tuple[int, str | None]"]


def default_root() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("regsim")) / "registry"


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 5000; 0 picks a free one)")
    parser.add_argument("--root", type=Path, default=None, help="where blobs and repositories are kept "
                        "(default: the user data directory)")
    parser.add_argument("--auth", choices=AUTH_MODES, default="none", help="none (default), basic or token")
    parser.add_argument("--user", action="append", default=[], metavar="NAME:PASSWORD",
                        help="an account (repeatable; the password shows in `ps`: prefer --htpasswd)")
    parser.add_argument("--htpasswd", type=Path, default=None, metavar="FILE",
                        help="accounts from an htpasswd file of bcrypt entries (htpasswd -Bbn NAME PASSWORD), "
                        "as the reference registry reads it; with or instead of --user")
    parser.add_argument("--upload-timeout", type=float, default=600.0, metavar="SECONDS",
                        help="cancel an upload no request touched for this long (default 600)")
    parser.add_argument("--public-repo", action="append", default=[], metavar="NAME",
                        help="with auth, a repository anyone may pull without logging in (repeatable)")
    parser.add_argument("--public", action="store_true",
                        help="allow binding to an address other machines can reach")
    parser.add_argument("--record", type=Path, default=None, metavar="FILE",
                        help="save every request of the session as JSON when the server stops "
                        "(replay it with regsim open FILE)")
    parser.add_argument("--tui", action="store_true",
                        help="show the Live screen: requests as they arrive, explained, the world and the bytes")
    parser.add_argument("--gc", action="store_true",
                        help="do not serve: collect garbage in --root (delete the files of blobs no manifest "
                        "references), print what was freed, and exit")
    parser.add_argument("--delete-untagged", action="store_true",
                        help="with --gc: delete manifests no tag reaches first, then their blobs")


def run_from_args(args: argparse.Namespace, show_live: ShowLive | None = None) -> int:
    if getattr(args, "gc", False):
        return gc_main(args.root, delete_untagged=args.delete_untagged)
    if getattr(args, "delete_untagged", False):
        print("regsim serve: --delete-untagged goes with --gc", file=sys.stderr)
        return EXIT_USAGE
    return serve_main(
        args.host, args.port, args.root, args.auth, args.user, args.record,
        public=args.public, public_repositories=args.public_repo, tui=getattr(args, "tui", False),
        show_live=show_live, htpasswd=args.htpasswd, upload_timeout=args.upload_timeout,
    )


def gc_main(
    root: Path | str | None = None, *, delete_untagged: bool = False,
    out: TextIO | None = None, err: TextIO | None = None,
) -> int:
    """`regsim serve --gc`: one garbage collection of a stopped registry's root, then exit."""
    out = out or sys.stdout
    err = err or sys.stderr
    root_path = Path(root) if root is not None else default_root()
    if not (root_path / "state.json").is_file() and not (root_path / "blobs").is_dir():
        print(f"regsim serve --gc: no registry at {root_path} (nothing was ever pushed there)", file=err)
        return EXIT_USAGE
    from regsim.live.rootlock import RootInUse, RootLock

    lock = RootLock(root_path, "the collection")
    try:
        lock.acquire()   # held until the collection is done: no server may start meanwhile
    except RootInUse as error:
        print(f"regsim serve --gc: {error}", file=err)
        return EXIT_USAGE
    try:
        return _collect(root_path, delete_untagged, out, err)
    finally:
        lock.release()


def _collect(root_path: Path, delete_untagged: bool, out: TextIO, err: TextIO) -> int:
    from regsim.live.storage import disk_registry
    from regsim.model.registry.gc import collect_garbage
    from regsim.units import format_size

    try:
        registry = disk_registry("gc", root_path)
    except (OSError, ValueError) as error:
        print(f"regsim serve --gc: cannot read {root_path}: {error}", file=err)
        return EXIT_USAGE
    sizes = {digest: blob.size for digest, blob in registry.blobs.items()}
    report = collect_garbage(registry, delete_untagged)
    manifests, blobs = report.manifests_deleted, report.blobs_freed
    print(f"regsim serve --gc: {root_path}: deleted {manifests} untagged manifest{'' if manifests == 1 else 's'}, "
          f"freed {blobs} blob{'' if blobs == 1 else 's'} ({format_size(report.bytes_freed)}, "
          f"{format_size(report.layer_bytes_freed)} of layers)", file=out)
    for digest in report.freed:
        print(f"  freed {digest}  {format_size(sizes.get(digest, 0))}", file=out)
    kept = len(registry.blobs)
    print(f"  kept {kept} blobs ({format_size(sum(b.size for b in registry.blobs.values()))})", file=out)
    return EXIT_OK


def serve_main(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    root: Path | str | None = None,
    auth: str = "none",
    users: Sequence[str] = (),
    record: Path | str | None = None,
    *,
    public: bool = False,
    public_repositories: Sequence[str] = (),
    out: TextIO | None = None,
    err: TextIO | None = None,
    ready: Callable[[LiveServer], None] | None = None,
    tui: bool = False,
    show_live: ShowLive | None = None,
    htpasswd: Path | str | None = None,
    upload_timeout: float = 600.0,
) -> int:
    """Serve until interrupted (Ctrl-C or SIGTERM; q in the Live screen). Exit 2 with one line on bad input."""
    out = out or sys.stdout
    err = err or sys.stderr

    def usage(message: str) -> int:
        print(f"regsim serve: {message}", file=err)
        return EXIT_USAGE

    if auth not in AUTH_MODES:
        return usage(f"--auth must be none, basic or token, not {auth!r}")
    if not 0 <= port <= 65535:
        return usage(f"--port must be 0-65535, not {port}")
    if not is_loopback(host) and not public:
        return usage(f"{host} is reachable from other machines: add --public to bind it on purpose")
    try:
        accounts = [parse_user(text) for text in users]
    except AuthInputError as error:
        return usage(str(error))
    if auth != "none" and not accounts and htpasswd is None:
        return usage(f"--auth {auth} needs --htpasswd FILE or at least one --user NAME:PASSWORD")
    if auth == "none" and (accounts or htpasswd is not None):
        return usage(f"{'--user' if accounts else '--htpasswd'} needs --auth basic or --auth token")
    if not upload_timeout > 0:
        return usage(f"--upload-timeout must be a positive number of seconds, not {upload_timeout:g}")
    if public and auth == "none":
        print("regsim serve: WARNING: anyone who can reach this machine may push, pull and delete "
              "(no auth); consider --auth token", file=err)
    from regsim.live.server import LiveServer

    root_path = Path(root) if root is not None else default_root()
    server = LiveServer(root_path, host=host, port=port, auth=auth, users=accounts,
                        public_repositories=list(public_repositories),
                        htpasswd=Path(htpasswd) if htpasswd is not None else None, upload_timeout=upload_timeout)

    if tui:
        if show_live is None:
            return usage("--tui needs the app: run `regsim serve --tui`")
        return _serve_tui(server, out, record, usage, show_live)
    journal = server.journal(Path(record)) if record is not None else None

    def log(entry: LiveEntry) -> None:
        print(entry.line(), file=out, flush=True)

    server.listeners.append(log)
    try:
        return asyncio.run(_serve(server, out, err, journal, ready))
    except KeyboardInterrupt:
        return EXIT_OK
    except OSError as error:
        return usage(f"cannot serve on {host}:{port}: {error.strerror or error}")
    except (ValueError, AuthInputError) as error:
        return usage(str(error))


async def _serve(
    server: LiveServer, out: TextIO, err: TextIO, journal: RecordJournal | None,
    ready: Callable[[LiveServer], None] | None,
) -> int:
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    print(banner(server), file=out, flush=True)
    if ready is not None:
        ready(server)
    try:
        await stop.wait()
    finally:
        await server.stop()
        if journal is not None:
            journal.close()
            print(f"regsim serve: {journal.count} requests recorded in {journal.path}", file=out, flush=True)
    return EXIT_OK


def _serve_tui(
    server: LiveServer, out: TextIO, record: Path | str | None, usage: Callable[[str], int],
    show_live: ShowLive,
) -> int:
    """The Live screen, with the server in the app's own event loop; the record is written as requests come."""
    journal = server.journal(Path(record)) if record is not None else None
    status, failure = show_live(server)
    if journal is not None:
        journal.close(served=failure is None)
    if failure is not None:
        return usage(f"cannot serve on {server.host}:{server.port}: {failure}")
    if journal is not None:
        print(f"regsim serve: {journal.count} requests recorded in {journal.path}", file=out, flush=True)
    return status


def write_record(path: Path, value: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(value, indent=1) + "\n")
    os.replace(temp, path)


def client_examples(server: LiveSource) -> list[tuple[str, list[list[str]]]]:
    """Copy-paste client commands, each a list of its words: (what they do, the commands).
    A password is never shown: PASSWORD stands for it."""
    address = server.service if ":" not in server.host else f"[{server.host}]:{server.port}"
    names = server.account_names()
    user = names[0] if names else None
    creds = ["--dest-creds", f"{user}:PASSWORD"] if user else []
    src_creds = ["--src-creds", f"{user}:PASSWORD"] if user else []
    login = [["oras", "login", "--plain-http", "-u", user, address]] if user else []
    return [
        ("Push an image (an OCI layout directory) with skopeo:",
         [["skopeo", "copy", "--dest-tls-verify=false", *creds, "oci:./my-image:latest",
           f"docker://{address}/demo/app:v1"]]),
        ("Pull it back:",
         [["skopeo", "copy", "--src-tls-verify=false", *src_creds, f"docker://{address}/demo/app:v1",
           "oci:./copy:v1"]]),
        ("Push and pull a file as an artifact with oras:",
         [*login, ["oras", "push", "--plain-http", f"{address}/demo/notes:v1", "notes.txt"],
          ["oras", "pull", "--plain-http", f"{address}/demo/notes:v1"]]),
    ]


def banner(server: LiveServer) -> str:
    """The URL and copy-paste examples (a password is never printed: PASSWORD stands for it)."""
    lines = [f"regsim registry at {server.url}  (auth: {server.auth}, root: {server.root})", ""]
    for caption, commands in client_examples(server):
        lines.append(caption)
        lines += ["  " + " ".join(words) for words in commands]
    lines += ["", "Every request is logged below with what it means. Ctrl-C stops the server."]
    return "\n".join(lines)


def add_watch_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--upstream", required=True, metavar="URL",
                        help="the registry to watch: http://HOST:PORT or https://HOST (a real registry)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 5000; 0 picks a free one)")
    parser.add_argument("--public", action="store_true",
                        help="allow listening on an address other machines can reach")
    parser.add_argument("--upstream-ca", type=Path, default=None, metavar="FILE",
                        help="trust this CA (PEM) for an https upstream, besides the system's")
    parser.add_argument("--record", type=Path, default=None, metavar="FILE",
                        help="write every request as it happens (JSON lines; replay with regsim open FILE)")
    parser.add_argument("--tui", action="store_true", help="show the Live screen instead of the log")


def watch_main(
    upstream: str, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *, public: bool = False,
    upstream_ca: Path | str | None = None, record: Path | str | None = None,
    out: TextIO | None = None, err: TextIO | None = None, tui: bool = False,
    show_live: ShowLive | None = None,
) -> int:
    """`regsim watch`: forward to --upstream, explain every request; exit 2 with one line on bad input."""
    out = out or sys.stdout
    err = err or sys.stderr

    def usage(message: str) -> int:
        print(f"regsim watch: {message}", file=err)
        return EXIT_USAGE

    if not 0 <= port <= 65535:
        return usage(f"--port must be 0-65535, not {port}")
    if not is_loopback(host) and not public:
        return usage(f"{host} is reachable from other machines: add --public to listen on it on purpose")
    if upstream_ca is not None and not Path(upstream_ca).is_file():
        return usage(f"--upstream-ca {upstream_ca}: no such file")
    from regsim.live.watch import UpstreamError, WatchProxy

    try:
        proxy = WatchProxy(upstream, host=host, port=port,
                           upstream_ca=Path(upstream_ca) if upstream_ca is not None else None)
    except UpstreamError as error:
        return usage(str(error))
    journal = proxy.journal(Path(record)) if record is not None else None
    if tui:
        if show_live is None:
            return usage("--tui needs the app: run `regsim watch --tui`")
        status, failure = show_live(proxy)
        if journal is not None:
            journal.close(served=failure is None)
        return usage(f"cannot listen on {host}:{port}: {failure}") if failure is not None else status

    def log(entry: LiveEntry) -> None:
        print(entry.line(), file=out, flush=True)

    proxy.listeners.append(log)

    async def run() -> int:
        await proxy.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        print(f"regsim watch at {proxy.url}, forwarding to {proxy.upstream}\n\n"
              f"Point a client at {proxy.url[len('http://'):]} instead of the registry (plain HTTP: "
              "--tls-verify=false for skopeo and podman). Every request is forwarded unchanged and "
              "explained below; passwords and tokens are never shown. Ctrl-C stops.", file=out, flush=True)
        try:
            await stop.wait()
        finally:
            await proxy.stop()
            if journal is not None:
                journal.close()
                print(f"regsim watch: {journal.count} requests recorded in {journal.path}", file=out, flush=True)
        return EXIT_OK

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return EXIT_OK
    except OSError as error:
        return usage(f"cannot listen on {host}:{port}: {error.strerror or error}")
    except UpstreamError as error:
        return usage(str(error))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="regsim serve", description="Serve the OCI Distribution API "
                                     "to real clients and explain every request.")
    add_serve_arguments(parser)
    return run_from_args(parser.parse_args(argv))
