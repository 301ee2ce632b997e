"""Throughput and latency of ``rewardkit serve`` on loopback under concurrent clients, with and
without a hostile client beside them.

    pip install -e ".[serve]" httpx
    python bench/serve.py [--clients 64] [--samples 20000] [--per-request 16] [--hostile]

Starts the server as a real process (all cores), sends a bounded number of OpenRLHF-protocol
requests from ``--clients`` concurrent clients, and prints samples/s and request latency
percentiles. With ``--hostile`` it runs twice: alone, then beside a hostile client (from
127.0.0.2, two connections) that keeps sending requests of four samples that each run to the
per-sample bound. The grader is then ``combine`` (max) of ``math`` and ``burn_cpu``, a bench-only
grader (a plugin written to a temporary folder) that spins on responses holding ``BURN``: a
stand-in for whatever sample makes some grader run to its bound. Every request stays on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BURN_PLUGIN = """
from typing import Literal
from rewardkit import Grade, Grader, GraderConfig, hookimpl

class BurnConfig(GraderConfig):
    type: Literal["burn_cpu"] = "burn_cpu"

class BurnGrader(Grader):
    \"\"\"Spins on responses holding BURN (bench only); else no opinion.\"\"\"
    Config = BurnConfig
    def grade(self, sample):
        while "BURN" in sample.response:
            pass
        return Grade(score=0.0)

@hookimpl
def register_graders(register):
    register(BurnGrader)
"""


def start_server(args, port: int, site: Path | None) -> subprocess.Popen:
    env = dict(os.environ)
    spec = args.grader
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1]), str(site)])
        spec = json.dumps({"type": "combine", "graders": {"math": args.grader, "burn": "burn_cpu"}, "method": "max"})
    return subprocess.Popen([sys.executable, "-m", "rewardkit", "serve", "-g", spec, "--port", str(port),
                             "--timeout", str(args.timeout)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def write_burn_plugin(folder: Path) -> Path:
    (folder / "burn_cpu_plugin.py").write_text(BURN_PLUGIN)
    info = folder / "burn_cpu_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: burn_cpu_plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[rewardkit]\nburn_cpu_plugin = burn_cpu_plugin\n")
    return folder


def run(args, site: Path | None, hostile: bool) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server(args, port, site)
    try:
        for _ in range(600):
            try:
                health = httpx.get(url + "/health", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        requests = args.samples // args.per_request
        prompt = "Question: what is 17 + 25? Think step by step.\nAnswer:"

        def body(i: int) -> dict:
            responses = [f" 17 + 25 = {40 + (i + j) % 4}. The answer is $\\boxed{{{40 + (i + j) % 4}}}$."
                         for j in range(args.per_request)]
            return {"query": [prompt + r for r in responses], "prompts": [prompt] * args.per_request,
                    "labels": ["42"] * args.per_request}

        payloads = [body(i) for i in range(requests)]
        client = httpx.Client(timeout=600, limits=httpx.Limits(max_connections=args.clients))

        def send(payload: dict) -> float:
            start = time.perf_counter()
            response = client.post(url + "/get_reward", json=payload)
            response.raise_for_status()
            assert len(response.json()["rewards"]) == args.per_request
            return time.perf_counter() - start

        for payload in payloads[: args.clients]:  # warm-up
            send(payload)
        stop = threading.Event()
        attacks: list[float] = []

        def attack() -> None:
            evil = httpx.Client(timeout=600, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
            burn = {"query": [prompt + " BURN"] * 4, "prompts": [prompt] * 4, "labels": ["42"] * 4}
            while not stop.is_set():
                attacks.append(time.perf_counter())
                try:
                    evil.post(url + "/get_reward", json=burn)
                except httpx.TransportError:  # the server is shutting down at the end
                    return

        attackers = [threading.Thread(target=attack, daemon=True) for _ in range(2 if hostile else 0)]
        for thread in attackers:
            thread.start()
        time.sleep(1.0 if hostile else 0.0)  # the hostile requests are in before the measured ones
        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = sorted(pool.map(send, payloads))
        elapsed = time.perf_counter() - start
        stop.set()
        total = requests * args.per_request
        label = "beside a hostile client" if hostile else "alone"
        print(f"-- normal clients {label}")
        print(f"server: {json.loads(json.dumps(health['grader']))['type']}, {health['workers']} worker processes, "
              f"--timeout {args.timeout}; {args.clients} clients, {requests:,} requests x {args.per_request} samples "
              f"= {total:,} samples")
        print(f"throughput: {total / elapsed:,.0f} samples/s ({requests / elapsed:,.0f} requests/s)")
        print(f"request latency: p50 {statistics.median(latencies) * 1e3:.1f} ms, "
              f"p99 {latencies[int(0.99 * len(latencies)) - 1] * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms")
        if hostile:
            print(f"hostile requests sent meanwhile: {len(attacks)} (4 samples each, every one to the bound)")
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=16)
    parser.add_argument("--grader", default="math")
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's per-sample bound")
    parser.add_argument("--hostile", action="store_true", help="also run beside a hostile client")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.hostile:
        run(args, None, hostile=False)
        return
    with tempfile.TemporaryDirectory() as tmp:
        site = write_burn_plugin(Path(tmp))
        run(args, site, hostile=False)
        run(args, site, hostile=True)


if __name__ == "__main__":
    main()
