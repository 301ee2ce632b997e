"""Offline scoring: rewardkit's worker pool vs. a plain single-process loop, and memory at scale.

    python bench/scoring.py [--rows 1000000] [--math-rows 100000] [--graders exact,similarity,math]

For each grader it scores the same generated JSONL file with a plain loop (read a line,
json.loads, grade, json.dumps, write) and with ``rewardkit.score_dataset`` on 1, 2 and all
cores, and prints rows/s and the speed-up over the loop. Wall-clock speed-ups mean something only
on an otherwise idle machine, so it also prints the CPU time per row of the loop, of the scoring
process and of its workers (``getrusage``): on N free cores, N workers can be at most
min(N x loop / (workers + scoring process), loop / scoring process) times as fast as the loop,
whatever the load is now.
Then it scores 100,000 and 1,000,000 rows in fresh processes and prints the peak RSS of the
scoring process and of its largest worker.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rewardkit import Sample, load_grader  # noqa: E402
from rewardkit.scoring import score_dataset  # noqa: E402
from rewardkit.scoring.pool import default_workers  # noqa: E402

WORDS = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]


def generate(path: Path, rows: int, kind: str, seed: int = 0) -> Path:
    rng = random.Random(seed)
    with open(path, "w") as handle:
        for i in range(rows):
            if kind == "math":
                a, b = rng.randint(1, 99), rng.randint(1, 99)
                steps = " ".join(f"Step {k}: {rng.randint(1, 999)} + {rng.randint(1, 999)}." for k in range(6))
                answer = a + b if rng.random() < 0.6 else a + b + 1
                response = f"<think>{steps}</think> so the answer is $\\boxed{{{answer}}}$."
                reference = str(a + b)
            else:
                reference = " ".join(rng.choices(WORDS, k=3))
                response = reference if rng.random() < 0.5 else " ".join(rng.choices(WORDS, k=3))
            handle.write(json.dumps({"id": i, "response": response, "reference": reference}) + "\n")
    return path


def plain_loop(src: Path, out: Path, spec: str) -> float:
    """What a user writes without rewardkit's engine: one process, one row at a time."""
    grader = load_grader(spec)
    start = time.perf_counter()
    with open(src) as fin, open(out, "w") as fout:
        for line in fin:
            row = json.loads(line)
            grade = grader.grade(Sample(response=row["response"], reference=row["reference"]))
            fout.write(json.dumps({"id": row["id"], "score": grade.score, "passed": grade.passed}) + "\n")
    return time.perf_counter() - start


def engine(src: Path, out: Path, spec: str, workers: int) -> float:
    start = time.perf_counter()
    score_dataset(src, out, spec, workers=workers, progress=False, overwrite=True)
    return time.perf_counter() - start


def cpu(who: int) -> float:
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def cpu_per_row(src: Path, out: Path, spec: str, rows: int, workers: int) -> tuple[float, float, float]:
    """CPU microseconds per row: the plain loop, and the scoring process and its workers with ``workers``."""
    start = cpu(resource.RUSAGE_SELF)
    plain_loop(src, out, spec)
    loop = cpu(resource.RUSAGE_SELF) - start
    me, children = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
    engine(src, out, spec, workers)
    me, children = cpu(resource.RUSAGE_SELF) - me, cpu(resource.RUSAGE_CHILDREN) - children
    return loop / rows * 1e6, me / rows * 1e6, children / rows * 1e6


MEMORY_CHILD = """
import resource, sys
from rewardkit.scoring import score_dataset
score_dataset(sys.argv[1], sys.argv[2], "exact", progress=False, overwrite=True)
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(me, workers)
"""


def peak_rss(src: Path, out: Path) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(src), str(out)], capture_output=True, text=True,
                          check=True)
    me, workers = map(int, done.stdout.split())
    return me / 1024, workers / 1024  # KiB -> MiB (Linux)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows for exact and similarity")
    parser.add_argument("--math-rows", type=int, default=100_000, help="rows for math")
    parser.add_argument("--graders", default="exact,similarity,math", help="which graders to run")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-RSS part")
    args = parser.parse_args()
    cores = default_workers()
    counts = sorted({1, 2, cores})
    print(f"{cores} cores, load average {os.getloadavg()[0]:.1f}; workers tried: {counts}\n")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"{'grader':<11}{'rows':>10}{'plain loop rows/s':>19}" + "".join(f"{f'{w} worker(s)':>14}" for w in counts)
              + "   speed-up vs loop")
        chosen = args.graders.split(",")
        cpu_lines = []
        for spec, rows, kind in (("exact", args.rows, "text"), ("similarity", args.rows, "text"),
                                 ("math", args.math_rows, "math")):
            if spec not in chosen:
                continue
            src = generate(tmp / f"{spec}.jsonl", rows, kind)
            loop = rows / plain_loop(src, tmp / "loop.jsonl", spec)
            rates = [rows / engine(src, tmp / "out.jsonl", spec, w) for w in counts]
            print(f"{spec:<11}{rows:>10,}{loop:>19,.0f}" + "".join(f"{r:>14,.0f}" for r in rates)
                  + "   " + " ".join(f"{r / loop:.2f}x" for r in rates)
                  + f"   ({counts[-1]} vs 1 worker: {rates[-1] / rates[0]:.2f}x)")
            loop_us, me_us, workers_us = cpu_per_row(src, tmp / "cpu.jsonl", spec, rows, cores)
            bound = min(cores * loop_us / (workers_us + me_us), loop_us / me_us)
            cpu_lines.append(f"{spec:<11}{loop_us:>10.1f}{me_us:>16.1f}{workers_us:>10.1f}{bound:>12.2f}x"
                             f" ({bound / cores:.2f} x N)")
        print(f"\nCPU us per row with {cores} workers: loop, scoring process, workers; bound on {cores} free cores")
        print("\n".join(cpu_lines))
        if args.no_memory:
            return
        print("\npeak RSS (exact, all cores):")
        small = generate(tmp / "small.jsonl", args.rows // 10, "text")
        large = tmp / "exact.jsonl" if (tmp / "exact.jsonl").exists() else generate(tmp / "exact.jsonl", args.rows, "text")
        for label, src in ((f"{args.rows // 10:,} rows", small), (f"{args.rows:,} rows", large)):
            me, worker = peak_rss(src, tmp / "mem.jsonl")
            print(f"  {label:>16}: scoring process {me:7.1f} MiB, largest worker {worker:7.1f} MiB")


if __name__ == "__main__":
    main()
