"""Throughput and latency of ``rewardkit serve`` on loopback under concurrent clients.

    pip install -e ".[serve]" httpx
    python bench/serve.py [--clients 64] [--samples 20000] [--per-request 16]

Starts the server as a real process (math grader, all cores), sends a bounded number of
OpenRLHF-protocol requests from ``--clients`` concurrent clients, and prints samples/s and
request latency percentiles. Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--per-request", type=int, default=16)
    parser.add_argument("--grader", default="math")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "rewardkit", "serve", "-g", args.grader, "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
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
        client = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=args.clients))

        def send(payload: dict) -> float:
            start = time.perf_counter()
            response = client.post(url + "/get_reward", json=payload)
            response.raise_for_status()
            assert len(response.json()["rewards"]) == args.per_request
            return time.perf_counter() - start

        for payload in payloads[: args.clients]:  # warm-up
            send(payload)
        start = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            latencies = sorted(pool.map(send, payloads))
        elapsed = time.perf_counter() - start
        total = requests * args.per_request
        print(f"server: {args.grader}, {health['workers']} worker processes; {args.clients} clients, "
              f"{requests:,} requests x {args.per_request} samples = {total:,} samples")
        print(f"throughput: {total / elapsed:,.0f} samples/s ({requests / elapsed:,.0f} requests/s)")
        print(f"request latency: p50 {statistics.median(latencies) * 1e3:.1f} ms, "
              f"p99 {latencies[int(0.99 * len(latencies)) - 1] * 1e3:.1f} ms, max {latencies[-1] * 1e3:.1f} ms")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
