"""Benchmark: skopeo pushes then pulls a 5-layer image of random bytes through `regsim serve`.

    python -m regsim.live.bench [--mb 250] [--runs 3] [--reference] [--watch] [--rss-mb 25]
                                [--big-mb 1000] [--flood 20] [--json]

Reports wall seconds for push and pull (median of the runs), the server's CPU seconds for each
(which a busy machine changes far less than the wall time) and its peak resident memory
(VmHWM), which must not grow with blob size. With `--reference`, Debian's
`docker-registry` (the reference registry) serves the same image on the same machine, runs
alternating (regsim, reference, regsim, ...), and the ratios regsim/reference are reported;
`--rss-mb` adds one regsim run at that size, to compare peak memory for small and large
blobs. With `--watch`, `regsim watch` in front of the reference is timed against a direct copy
to the reference (alternating too). `--big-mb` pushes one image of that size through `regsim
serve` and through `regsim watch`, for their peak memory (nothing may be buffered whole).
`--flood N` sends N wrong passwords at once to `regsim serve --auth basic` and times a signed-in
client's pings meanwhile (each wrong one costs a full password hash). Needs skopeo on PATH
(except `--flood` alone). Not a timed test.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import TypedDict


def write_random_layout(path: Path, total_mb: int, layers: int = 5) -> None:
    """An OCI layout whose layers are random bytes (incompressible; skopeo copies them as they are)."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    size = total_mb * 1_000_000 // layers
    descriptors = []
    for _ in range(layers):
        hasher = hashlib.sha256()
        temp = blobs / "tmp"
        with open(temp, "wb") as handle:
            left = size
            while left:
                chunk = os.urandom(min(left, 1 << 22))
                hasher.update(chunk)
                handle.write(chunk)
                left -= len(chunk)
        temp.rename(blobs / hasher.hexdigest())
        descriptors.append({"mediaType": "application/vnd.oci.image.layer.v1.tar",
                            "digest": f"sha256:{hasher.hexdigest()}", "size": size})
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [d["digest"] for d in descriptors]}}).encode()
    (blobs / hashlib.sha256(config).hexdigest()).write_bytes(config)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + hashlib.sha256(config).hexdigest(), "size": len(config)},
        "layers": descriptors}).encode()
    (blobs / hashlib.sha256(manifest).hexdigest()).write_bytes(manifest)
    (path / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (path / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + hashlib.sha256(manifest).hexdigest(), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "bench"}}]}))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (what the machine's load does not change)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _skopeo(*args: str) -> float:
    began = time.perf_counter()
    subprocess.run(["skopeo", "--insecure-policy", *args], check=True, capture_output=True)
    return time.perf_counter() - began


REFERENCE_CONFIG = """version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
http:
  addr: 127.0.0.1:{port}
"""


def _wait_port(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.time() + 30
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port} after 30 s")


def _start(kind: str, root: Path, port: int) -> subprocess.Popen[bytes]:
    if kind == "regsim":
        command = [sys.executable, "-m", "regsim.live", "--port", str(port), "--root", str(root)]
    else:
        root.mkdir(parents=True, exist_ok=True)
        config = root.with_name(root.name + ".yml")
        config.write_text(REFERENCE_CONFIG.format(root=root, port=port))
        command = ["docker-registry", "serve", str(config)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_port(port, server)
    return server


Run = tuple[float, float, int, float, float]


def one_run(kind: str, work: Path, image: Path, index: int, *, pull: bool = True) -> Run:
    """Push then pull through one fresh server: (push seconds, pull seconds, server peak RSS,
    the server's CPU seconds during the push, and during the pull).

    `watch`: a fresh reference registry with `regsim watch` in front; the proxy's memory and CPU
    are reported."""
    port = _free_port()
    root, pulled = work / f"{kind}-root{index}", work / f"{kind}-pull{index}"
    server = _start("reference" if kind == "watch" else kind, root, port)
    proxy = None
    try:
        if kind == "watch":
            upstream, port = port, _free_port()
            proxy = subprocess.Popen([sys.executable, "-m", "regsim", "watch", "--upstream",
                                      f"http://127.0.0.1:{upstream}", "--port", str(port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _wait_port(port, proxy)
        target = f"docker://127.0.0.1:{port}/bench/image:v1"
        measured = (proxy or server).pid
        cpu = [_cpu_seconds(measured)]
        pushed = _skopeo("copy", "--dest-tls-verify=false", f"oci:{image}:bench", target)
        cpu.append(_cpu_seconds(measured))
        pulled_seconds = _skopeo("copy", "--src-tls-verify=false", target, f"oci:{pulled}:v1") if pull else 0.0
        cpu.append(_cpu_seconds(measured))
        peak = _peak_rss(measured)
    finally:
        for process in (proxy, server):
            if process is not None:
                process.terminate()
                process.wait(30)
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(pulled, ignore_errors=True)
    return pushed, pulled_seconds, peak, cpu[1] - cpu[0], cpu[2] - cpu[1]


class Flood(TypedDict):
    """Pings of a signed-in client while `guesses` wrong passwords were checked (milliseconds)."""

    guesses: int
    refused: int
    pings: int
    ping_median_ms: float
    ping_p99_ms: float
    ping_max_ms: float
    pings_over_50_ms: int
    flood_seconds: float
    quiet_p99_ms: float          # the same pings before the flood: what the machine alone costs
    quiet_max_ms: float


def password_flood(guesses: int) -> Flood:
    """`guesses` concurrent wrong passwords to `regsim serve --auth basic`, and a signed-in client's
    pings meanwhile, one after the other, until every guess is answered."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="regsim-flood-") as work:
        server = subprocess.Popen([sys.executable, "-m", "regsim.live", "--port", str(port), "--root", work,
                                   "--auth", "basic", "--user", "bench:right-password"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_port(port, server)

            def ping(user: str, password: str) -> int:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                try:
                    token = base64.b64encode(f"{user}:{password}".encode()).decode()
                    conn.request("GET", "/v2/", headers={"Authorization": f"Basic {token}"})
                    return conn.getresponse().status
                finally:
                    conn.close()

            ping("bench", "right-password")   # proven once: the server remembers it

            def timed() -> float:
                start = time.perf_counter()
                if ping("bench", "right-password") != 200:
                    raise RuntimeError("the signed-in client was refused")
                return (time.perf_counter() - start) * 1000

            quiet = sorted(timed() for _ in range(2000))
            answers: list[int] = []
            flood = [threading.Thread(target=lambda n=n: answers.append(ping("bench", f"guess-{n}")))
                     for n in range(guesses)]
            began = time.perf_counter()
            for thread in flood:
                thread.start()
            pings: list[float] = []
            while len(answers) < guesses:
                pings.append(timed())
            for thread in flood:
                thread.join()
            took = time.perf_counter() - began
        finally:
            server.terminate()
            server.wait(30)
    return {"guesses": guesses, "refused": answers.count(401), "pings": len(pings),
            "ping_median_ms": round(statistics.median(pings), 1) if pings else 0.0,
            "ping_p99_ms": round(sorted(pings)[len(pings) * 99 // 100], 1) if pings else 0.0,
            "ping_max_ms": round(max(pings), 1) if pings else 0.0,
            "pings_over_50_ms": sum(1 for ping in pings if ping >= 50), "flood_seconds": round(took, 2),
            "quiet_p99_ms": round(quiet[len(quiet) * 99 // 100], 1), "quiet_max_ms": round(quiet[-1], 1)}


class Summary(TypedDict):
    """One server's medians over the runs (seconds) and its largest resident memory (bytes)."""

    push_seconds: float
    pull_seconds: float
    push_all: list[float]
    pull_all: list[float]
    server_peak_rss_bytes: int
    push_cpu_seconds: float      # the server's (or the proxy's) CPU time, median
    pull_cpu_seconds: float


class BenchResult(Summary, total=False):
    """What `--json` prints: regsim's summary, and with `--reference` or `--rss-mb` the rest."""

    megabytes: int
    layers: int
    runs: int
    reference: Summary
    push_ratio: float
    pull_ratio: float
    rss_small_mb: int
    server_peak_rss_bytes_small: int
    watch: Summary
    direct: Summary
    watch_push_ratio: float
    watch_pull_ratio: float
    big_mb: int
    serve_peak_rss_bytes_big: int
    watch_peak_rss_bytes_big: int


def _summary(results: list[Run]) -> Summary:
    pushes, pulls, peaks, push_cpu, pull_cpu = zip(*results, strict=True)
    return {"push_seconds": round(statistics.median(pushes), 3),
            "pull_seconds": round(statistics.median(pulls), 3),
            "push_all": [round(x, 3) for x in pushes], "pull_all": [round(x, 3) for x in pulls],
            "server_peak_rss_bytes": max(peaks),
            "push_cpu_seconds": round(statistics.median(push_cpu), 3),
            "pull_cpu_seconds": round(statistics.median(pull_cpu), 3)}


def run(
    total_mb: int, runs: int, *, reference: bool = False, rss_mb: int | None = None, watch: bool = False,
    big_mb: int | None = None,
) -> BenchResult:
    work = Path(tempfile.mkdtemp(prefix="regsim-bench-"))
    try:
        write_random_layout(work / "image", total_mb)
        os.sync()   # the image's pages reach the disk now, not during the first run's fsyncs
        kinds = ["regsim", "reference"] if reference or watch else ["regsim"]
        if watch:
            kinds.append("watch")   # the reference's own runs are the direct copies it is compared with
        results: dict[str, list[Run]] = {kind: [] for kind in kinds}
        for index in range(runs):
            for kind in kinds:   # alternating, so a slow moment of the machine hits both alike
                results[kind].append(one_run(kind, work, work / "image", index))
        ours = _summary(results["regsim"])
        value: BenchResult = {
            "megabytes": total_mb, "layers": 5, "runs": runs,
            "push_seconds": ours["push_seconds"], "pull_seconds": ours["pull_seconds"],
            "push_all": ours["push_all"], "pull_all": ours["pull_all"],
            "server_peak_rss_bytes": ours["server_peak_rss_bytes"],
            "push_cpu_seconds": ours["push_cpu_seconds"], "pull_cpu_seconds": ours["pull_cpu_seconds"],
        }
        if reference:
            ref = _summary(results["reference"])
            value["reference"] = ref
            value["push_ratio"] = round(ours["push_seconds"] / ref["push_seconds"], 2)
            value["pull_ratio"] = round(ours["pull_seconds"] / ref["pull_seconds"], 2)
        if watch:
            value["watch"], value["direct"] = _summary(results["watch"]), _summary(results["reference"])
            value["watch_push_ratio"] = round(value["watch"]["push_seconds"] / value["direct"]["push_seconds"], 2)
            value["watch_pull_ratio"] = round(value["watch"]["pull_seconds"] / value["direct"]["pull_seconds"], 2)
        if big_mb is not None:
            shutil.rmtree(work / "image", ignore_errors=True)
            write_random_layout(work / "big", big_mb)
            os.sync()
            value["big_mb"] = big_mb
            value["serve_peak_rss_bytes_big"] = one_run("regsim", work, work / "big", 0, pull=False)[2]
            value["watch_peak_rss_bytes_big"] = one_run("watch", work, work / "big", 0, pull=False)[2]
        if rss_mb is not None:
            write_random_layout(work / "small", rss_mb)
            os.sync()
            value["rss_small_mb"] = rss_mb
            value["server_peak_rss_bytes_small"] = one_run("regsim", work, work / "small", 0)[2]
        return value
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regsim.live.bench")
    parser.add_argument("--mb", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reference", action="store_true",
                        help="also run Debian's docker-registry, alternating, and report the ratios")
    parser.add_argument("--rss-mb", type=int, default=None, metavar="MB",
                        help="one more regsim run at this size, to compare peak memory")
    parser.add_argument("--watch", action="store_true",
                        help="also time regsim watch in front of the reference against a direct copy")
    parser.add_argument("--big-mb", type=int, default=None, metavar="MB",
                        help="push one image this large through serve and through watch, for peak memory")
    parser.add_argument("--flood", type=int, default=None, metavar="N",
                        help="only: N concurrent wrong passwords, and a signed-in client's ping times meanwhile")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.flood is not None:
        flood = password_flood(args.flood)
        if args.json:
            print(json.dumps(flood))
        else:
            print(f"{flood['refused']} of {flood['guesses']} wrong passwords refused in {flood['flood_seconds']} s; "
                  f"meanwhile {flood['pings']} pings of a signed-in client: median {flood['ping_median_ms']} ms, "
                  f"99th percentile {flood['ping_p99_ms']} ms, slowest {flood['ping_max_ms']} ms "
                  f"({flood['pings_over_50_ms']} over 50 ms); without the flood: 99th percentile "
                  f"{flood['quiet_p99_ms']} ms, slowest {flood['quiet_max_ms']} ms")
        return 0
    if shutil.which("skopeo") is None:
        print("regsim bench: skopeo is not installed", file=sys.stderr)
        return 2
    if (args.reference or args.watch or args.big_mb) and shutil.which("docker-registry") is None:
        print("regsim bench: --reference, --watch and --big-mb need docker-registry "
              "(apt-get install docker-registry)", file=sys.stderr)
        return 2
    result = run(args.mb, args.runs, reference=args.reference, rss_mb=args.rss_mb, watch=args.watch,
                 big_mb=args.big_mb)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"regsim     push {result['push_seconds']} s, pull {result['pull_seconds']} s "
          f"(median of {args.runs}, {args.mb} MB in 5 layers); "
          f"server peak RSS {result['server_peak_rss_bytes'] / 1e6:.0f} MB; server CPU push "
          f"{result['push_cpu_seconds']} s, pull {result['pull_cpu_seconds']} s")
    if args.reference:
        ref = result["reference"]
        print(f"reference  push {ref['push_seconds']} s, pull {ref['pull_seconds']} s; "
              f"server peak RSS {ref['server_peak_rss_bytes'] / 1e6:.0f} MB; server CPU push "
              f"{ref['push_cpu_seconds']} s, pull {ref['pull_cpu_seconds']} s")
        print(f"ratio      push {result['push_ratio']}x, pull {result['pull_ratio']}x (regsim / reference)")
    if args.watch:
        w, d = result["watch"], result["direct"]
        print(f"watch      push {w['push_seconds']} s, pull {w['pull_seconds']} s in front of the reference; "
              f"direct push {d['push_seconds']} s, pull {d['pull_seconds']} s; ratio push "
              f"{result['watch_push_ratio']}x, pull {result['watch_pull_ratio']}x; "
              f"proxy peak RSS {w['server_peak_rss_bytes'] / 1e6:.0f} MB, proxy CPU push "
              f"{w['push_cpu_seconds']} s, pull {w['pull_cpu_seconds']} s")
    if args.big_mb is not None:
        print(f"{args.big_mb} MB push: serve peak RSS {result['serve_peak_rss_bytes_big'] / 1e6:.0f} MB, "
              f"watch peak RSS {result['watch_peak_rss_bytes_big'] / 1e6:.0f} MB")
    if args.rss_mb is not None:
        print(f"regsim peak RSS: {result['server_peak_rss_bytes_small'] / 1e6:.0f} MB at {args.rss_mb} MB, "
              f"{result['server_peak_rss_bytes'] / 1e6:.0f} MB at {args.mb} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
