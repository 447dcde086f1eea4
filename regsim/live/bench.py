"""Benchmark: skopeo pushes then pulls a 5-layer image of random bytes through `regsim serve`.

    python -m regsim.live.bench [--mb 250] [--runs 3] [--json]

Reports wall seconds for push and pull (median of the runs) and the server's peak resident
memory (VmHWM), which must not grow with blob size. Needs skopeo on PATH. Not a timed test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


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


def _skopeo(*args: str) -> float:
    began = time.perf_counter()
    subprocess.run(["skopeo", "--insecure-policy", *args], check=True, capture_output=True)
    return time.perf_counter() - began


def run(total_mb: int, runs: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="regsim-bench-"))
    try:
        write_random_layout(work / "image", total_mb)
        pushes, pulls, peaks = [], [], []
        for index in range(runs):
            port = _free_port()
            server = subprocess.Popen(
                [sys.executable, "-m", "regsim.live", "--port", str(port), "--root", str(work / f"root{index}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.time() + 30
                while time.time() < deadline:
                    try:
                        socket.create_connection(("127.0.0.1", port), 0.2).close()
                        break
                    except OSError:
                        time.sleep(0.05)
                target = f"docker://127.0.0.1:{port}/bench/image:v1"
                pushes.append(_skopeo("copy", "--dest-tls-verify=false", f"oci:{work / 'image'}:bench", target))
                pulls.append(_skopeo("copy", "--src-tls-verify=false", target, f"oci:{work / f'pull{index}'}:v1"))
                peaks.append(_peak_rss(server.pid))
            finally:
                server.terminate()
                server.wait(30)
            shutil.rmtree(work / f"root{index}", ignore_errors=True)
            shutil.rmtree(work / f"pull{index}", ignore_errors=True)
        return {"megabytes": total_mb, "layers": 5, "runs": runs,
                "push_seconds": round(statistics.median(pushes), 3),
                "pull_seconds": round(statistics.median(pulls), 3),
                "push_all": [round(x, 3) for x in pushes], "pull_all": [round(x, 3) for x in pulls],
                "server_peak_rss_bytes": max(peaks)}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m regsim.live.bench")
    parser.add_argument("--mb", type=int, default=250)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("skopeo") is None:
        print("regsim bench: skopeo is not installed", file=sys.stderr)
        return 2
    result = run(args.mb, args.runs)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"push {result['push_seconds']} s, pull {result['pull_seconds']} s (median of {args.runs}); "
              f"server peak RSS {int(result['server_peak_rss_bytes']) / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
