"""code_exec (sandboxed) vs. a bare, unsandboxed subprocess loop running the same programs.

    python bench/code_exec.py [--programs 48] [--cases 5] [--repeat 3]

Needs the plugin (``pip install ./plugins/rewardkit-codeexec``, or run from the repository: the
plugin's source is put on the path) and a machine where its sandbox can be made (Linux, root).

Two workloads of stdin/stdout problems, each program with --cases test cases: ``trivial`` (read
two numbers, print the sum) and ``cpu`` (a loop of about 30 ms of CPU per case). Both sides use
every core: code_exec's ``grade_batch`` runs one sandbox per program, with its default
``parallel`` (4 sandboxes per core: a sandbox's start and end mostly wait on the kernel); the
bare side runs ``python -I -S -c CODE`` once per case with ``subprocess.run`` from as many
threads as code_exec runs sandboxes (on a machine shared with other work, the scheduler gives
each side a share of the cores by its number of runnable processes), and compares the output
the same way (lines). Each side runs --repeat times,
alternating, and its fastest run counts. Also printed: the start-up cost of one sandbox (one
program, one case that does nothing) next to one bare ``python -I -S -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rewardkit import Sample

try:
    import rewardkit_codeexec  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "plugins" / "rewardkit-codeexec"))

from rewardkit_codeexec import CodeExecGrader, sandbox  # noqa: E402
from rewardkit_codeexec.compare import output_matches  # noqa: E402

PROGRAMS = {
    "trivial": "a, b = map(int, input().split())\nprint(a + b)\n",
    "cpu": "n = int(input().split()[0])\ns = 0\nfor i in range(n):\n    s += i * i % 7\nprint(s)\n",
}
CPU_LOOP = 400_000  # iterations: about 30 ms of CPU per case on the development machine


def workload(kind: str, programs: int, cases: int) -> list[tuple[str, list[str], list[str]]]:
    """(code, inputs, expected outputs) per program."""
    out = []
    for p in range(programs):
        if kind == "trivial":
            inputs = [f"{p} {c}\n" for c in range(cases)]
            expected = [f"{p + c}\n" for c in range(cases)]
        else:
            inputs = [f"{CPU_LOOP + p + c} 0\n" for c in range(cases)]
            expected = [f"{sum(i * i % 7 for i in range(CPU_LOOP + p + c))}\n" for c in range(cases)]
        out.append((PROGRAMS[kind], inputs, expected))
    return out


def run_code_exec(grader: CodeExecGrader, work) -> tuple[float, list[float]]:
    samples = [Sample(response=f"```python\n{code}```", reference=json.dumps({"inputs": ins, "outputs": outs}))
               for code, ins, outs in work]
    start = time.perf_counter()
    grades = grader.grade_batch(samples)
    return time.perf_counter() - start, list(grades.scores)


def bare_program(code: str, inputs: list[str], expected: list[str]) -> float:
    for data, want in zip(inputs, expected):
        done = subprocess.run([sys.executable, "-I", "-S", "-c", code], input=data, capture_output=True,
                              text=True, timeout=30)
        if done.returncode != 0 or not output_matches(done.stdout, want, "lines", None):
            return 0.0
    return 1.0


def run_bare(work, workers: int) -> tuple[float, list[float]]:
    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        scores = list(pool.map(lambda w: bare_program(*w), work))
    return time.perf_counter() - start, scores


def startup(repeat: int) -> tuple[float, float]:
    """Median seconds of one sandbox with one empty case, and of one bare python start."""
    limits = {"timeout_s": 2, "memory_mb": 1024, "file_mb": 16, "processes": 16, "output_bytes": 1 << 20}
    job = {"mode": "stdio", "code": "pass", "cases": [{"input": ""}], "limits": limits, "n_cases": 1}
    boxed, bare = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        sandbox.run(job, None, sandboxed=True, tmp_mb=64, wall_s=60, max_bytes=1 << 20)
        boxed.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-S", "-c", "pass"], check=True)
        bare.append(time.perf_counter() - t)
    return statistics.median(boxed), statistics.median(bare)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--programs", type=int, default=48)
    parser.add_argument("--cases", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    reason = sandbox.unavailable_reason()
    if reason is not None:
        sys.exit(f"no sandbox here: {reason}")
    cores = len(os.sched_getaffinity(0))
    grader = CodeExecGrader(timeout_s=10)  # default parallel: 4 sandboxes per core
    concurrency = 4 * cores
    print(f"{args.programs} programs x {args.cases} stdin/stdout cases, {cores} cores, {concurrency} at once, "
          f"python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}")
    print(f"{'workload':10} {'code_exec prog/s':>17} {'bare prog/s':>12} {'ratio':>6}  agree")
    for kind in PROGRAMS:
        work = workload(kind, args.programs, args.cases)
        best_boxed, best_bare = float("inf"), float("inf")
        for _ in range(args.repeat):
            t_boxed, s_boxed = run_code_exec(grader, work)
            t_bare, s_bare = run_bare(work, concurrency)
            best_boxed, best_bare = min(best_boxed, t_boxed), min(best_bare, t_bare)
        agree = s_boxed == s_bare and all(s == 1.0 for s in s_boxed)
        rate_boxed, rate_bare = args.programs / best_boxed, args.programs / best_bare
        print(f"{kind:10} {rate_boxed:17.1f} {rate_bare:12.1f} {rate_boxed / rate_bare:6.2f}  {agree}")
    boxed, bare = startup(max(5, args.repeat * 3))
    print(f"start-up: one sandbox (bwrap + harness + one empty case) {boxed * 1000:.0f} ms, "
          f"one bare python -I -S {bare * 1000:.0f} ms (medians)")


if __name__ == "__main__":
    main()
