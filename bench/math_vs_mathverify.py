"""rewardkit's ``math`` grader vs. Hugging Face Math-Verify on the same labelled set, in one run.

    pip install -e ".[bench]"
    python bench/math_vs_mathverify.py

Prints agreement with the labels, misses per category, rows/s (all cases and the long
chain-of-thought ones), the speed ratio, latency percentiles, and the adversarial inputs'
wall time for each verifier (Math-Verify's run in a child process so that a hang cannot stop
the benchmark).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.math_cases import ADVERSARIAL, cases  # noqa: E402
from rewardkit import Sample, load_grader  # noqa: E402

PWNED = Path("/tmp/rewardkit_pwned")


def mathverify_verdict(reference: str, response: str) -> bool:
    from math_verify import parse, verify

    gold = parse(f"${reference}$")
    return bool(verify(gold, parse(response)))


def run(name, verdict, items):
    """Verdicts and per-case seconds of one verifier."""
    verdicts, seconds = [], []
    for case in items:
        start = time.perf_counter()
        try:
            ok = verdict(case)
        except Exception:
            ok = False
        seconds.append(time.perf_counter() - start)
        verdicts.append(ok)
    return verdicts, seconds


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _mv_child(reference, response, queue):
    devnull = os.open(os.devnull, os.O_WRONLY)  # Math-Verify logs whole inputs on timeouts
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    queue.put(mathverify_verdict(reference, response))


def mathverify_bounded(reference: str, response: str, limit: float) -> tuple[str, float]:
    queue = mp.Queue()
    proc = mp.Process(target=_mv_child, args=(reference, response, queue))
    start = time.perf_counter()
    proc.start()
    proc.join(limit)
    elapsed = time.perf_counter() - start
    if proc.is_alive():
        proc.kill()
        proc.join()
        return "killed", elapsed
    return ("equal" if not queue.empty() and queue.get() else "not equal"), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adversarial-limit", type=float, default=20.0,
                        help="Seconds before Math-Verify's child is killed on an adversarial input.")
    args = parser.parse_args()
    items = cases()
    grader = load_grader("math")  # default bound: timeout_s = 1.0

    def rk(case):
        return grader.grade(Sample(response=case.response, reference=case.reference)).passed

    def mv(case):
        return mathverify_verdict(case.reference, case.response)

    # Warm-up: imports, sympy child start, caches of both tools.
    run("rewardkit", rk, items[:40])
    run("math-verify", mv, items[:40])
    results = {"rewardkit": run("rewardkit", rk, items), "math-verify": run("math-verify", mv, items)}

    print(f"{len(items)} labelled cases ({sum(c.equivalent for c in items)} equivalent), "
          f"{len({c.category for c in items})} categories\n")
    print(f"{'':<14}{'agreement':>10}{'rows/s':>10}{'cot rows/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    rates = {}
    for name, (verdicts, seconds) in results.items():
        agree = sum(v == c.equivalent for v, c in zip(verdicts, items)) / len(items)
        cot = [s for s, c in zip(seconds, items) if c.style == "long_cot"]
        rates[name] = (len(items) / sum(seconds), len(cot) / sum(cot))
        print(f"{name:<14}{agree:>10.2%}{rates[name][0]:>10,.0f}{rates[name][1]:>12,.0f}"
              f"{pct(seconds, .5) * 1e3:>9.2f}{pct(seconds, .99) * 1e3:>9.2f}{max(seconds) * 1e3:>9.1f}")
    print(f"\nspeed ratio rewardkit / math-verify: all {rates['rewardkit'][0] / rates['math-verify'][0]:.1f}x, "
          f"long chain-of-thought {rates['rewardkit'][1] / rates['math-verify'][1]:.1f}x")

    print("\nmisses by category (false negatives + false positives):")
    print(f"{'category':<12}{'cases':>6}{'rewardkit':>11}{'math-verify':>13}")
    totals = Counter(c.category for c in items)
    for category in sorted(totals):
        row = [category, totals[category]]
        for name in results:
            verdicts = results[name][0]
            fn = sum(1 for v, c in zip(verdicts, items) if c.category == category and c.equivalent and not v)
            fp = sum(1 for v, c in zip(verdicts, items) if c.category == category and not c.equivalent and v)
            row.append(f"{fn}+{fp}")
        print(f"{row[0]:<12}{row[1]:>6}{row[2]:>11}{row[3]:>13}")

    print(f"\nadversarial inputs (rewardkit bound {grader.config.timeout_s} s; "
          f"Math-Verify killed after {args.adversarial_limit} s):")
    PWNED.unlink(missing_ok=True)
    worst = 0.0
    for name, response in ADVERSARIAL:
        start = time.perf_counter()
        grade = grader.grade(Sample(response=response, reference="5"))
        elapsed = time.perf_counter() - start
        worst = max(worst, elapsed)
        mv_outcome, mv_elapsed = mathverify_bounded("5", response, args.adversarial_limit)
        print(f"  {name:<20} rewardkit {elapsed * 1e3:8.1f} ms  {'pass' if grade.passed else 'fail'}"
              f" ({grade.error or 'no error'})   math-verify {mv_elapsed * 1e3:8.1f} ms  {mv_outcome}")
    print(f"  slowest rewardkit adversarial grade: {worst * 1e3:.1f} ms; code executed: {PWNED.exists()}")
    print(f"  slowest rewardkit labelled case: {max(results['rewardkit'][1]) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
