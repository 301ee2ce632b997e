"""rewardkit's ``math`` grader vs. Hugging Face Math-Verify on the same labelled sets, in one run.

    pip install -e ".[bench]"
    python bench/math_vs_mathverify.py

Three labelled sets: ``bench/math_cases.py`` (written for the project, alongside the grader),
``bench/math_realistic.py`` (realistic full model responses for the categories of issue 12, labelled
without reference to the grader, with an anti-hacking category that must all score 0) and its
held-out batch (written later, first run recorded before anyone looked at its verdicts). For each set
and verifier it prints agreement per category, the anti-hacking pass rate, throughput on the long
chain-of-thought responses and the speed ratio, latency percentiles and the slowest grade against
rewardkit's bound. Then the hostile inputs of issue 12 ("Bounded in every path") are graded by
rewardkit from 8 threads at once, and by Math-Verify one at a time in a child process.

Math-Verify is run as its README shows (``parse`` of the gold and of the answer, then
``verify(gold, answer)``), with the gold wrapped in ``$...$`` since references are stored as bare
LaTeX. It always runs in a child process that is killed when a case takes longer than a limit, so a
hang cannot stop the benchmark (a killed case counts as "not equivalent" and as the limit's time).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import sys
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import math_cases, math_realistic  # noqa: E402
from rewardkit import Sample, load_grader  # noqa: E402

PWNED = Path("/tmp/rewardkit_pwned")
WARM_UP = [("10:00", "10:30"), (r"\sin 2x", r"2\sin x\cos x"), ("x^2-1", "(x-1)(x+1)"), (r"\ln 6", r"\ln 2 + \ln 3")]


# --- Math-Verify, always in a child process ------------------------------------------------------

def mathverify_verdict(reference: str, response: str) -> bool:
    from math_verify import parse, verify

    gold = parse(f"${reference}$")
    return bool(verify(gold, parse(response)))


def _mathverify_worker(conn) -> None:
    """Child: answer (reference, response) requests with (verdict, seconds measured here)."""
    devnull = os.open(os.devnull, os.O_WRONLY)  # Math-Verify logs whole inputs on timeouts
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    while True:
        request = conn.recv()
        if request is None:
            return
        start = time.perf_counter()
        try:
            verdict = mathverify_verdict(*request)
        except Exception:
            verdict = False
        conn.send((verdict, time.perf_counter() - start))


class MathVerifyChild:
    """Math-Verify in a child process; a case past ``limit`` seconds kills it and a fresh one starts."""

    def __init__(self, limit: float):
        self.limit = limit
        self._context = mp.get_context("spawn")
        self._start()

    def _start(self) -> None:
        self._conn, child_conn = self._context.Pipe()
        self._proc = self._context.Process(target=_mathverify_worker, args=(child_conn,), daemon=True)
        self._proc.start()
        child_conn.close()

    def verdict(self, reference: str, response: str) -> tuple[bool | None, float]:
        """(verdict, seconds); verdict None when the child was killed at the limit."""
        start = time.perf_counter()
        self._conn.send((reference, response))
        if self._conn.poll(self.limit):
            return self._conn.recv()
        self._proc.kill()
        self._proc.join()
        self._start()
        return None, time.perf_counter() - start

    def close(self) -> None:
        self._conn.send(None)
        self._proc.join(5)
        if self._proc.is_alive():
            self._proc.kill()


# --- running the labelled sets ------------------------------------------------------------------

class Run:
    """Verdicts, per-case seconds and rewardkit's grades (None for Math-Verify) of one verifier on one set."""

    def __init__(self, verdicts, seconds, grades=None, killed=0):
        self.verdicts, self.seconds, self.grades, self.killed = verdicts, seconds, grades, killed


def run_rewardkit(grader, items) -> Run:
    verdicts, seconds, grades = [], [], []
    for case in items:
        start = time.perf_counter()
        grade = grader.grade(Sample(response=case.response, reference=case.reference))
        seconds.append(time.perf_counter() - start)
        verdicts.append(bool(grade.passed))
        grades.append(grade)
    return Run(verdicts, seconds, grades)


def run_mathverify(child: MathVerifyChild, items) -> Run:
    verdicts, seconds, killed = [], [], 0
    for case in items:
        verdict, elapsed = child.verdict(case.reference, case.response)
        killed += verdict is None
        verdicts.append(bool(verdict))
        seconds.append(elapsed)
    return Run(verdicts, seconds, killed=killed)


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report_set(title: str, items, runs: dict[str, Run], bound: float) -> None:
    n = len(items)
    print(f"\n=== {title}: {n} cases ({sum(c.equivalent for c in items)} equivalent), "
          f"{len({c.category for c in items})} categories, "
          f"{sum(c.style == 'long_cot' for c in items)} long chain-of-thought "
          f"({min(len(c.response) for c in items if c.style == 'long_cot'):,}-"
          f"{max(len(c.response) for c in items if c.style == 'long_cot'):,} chars)")
    print(f"\n{'':<14}{'agreement':>10}{'rows/s':>9}{'cot rows/s':>11}{'p50 ms':>8}{'p90 ms':>8}"
          f"{'p99 ms':>8}{'max ms':>9}{'killed':>7}")
    rates = {}
    for name, run in runs.items():
        agree = sum(v == c.equivalent for v, c in zip(run.verdicts, items)) / n
        cot = [s for s, c in zip(run.seconds, items) if c.style == "long_cot"]
        rates[name] = (n / sum(run.seconds), len(cot) / sum(cot))
        s = run.seconds
        print(f"{name:<14}{agree:>10.2%}{rates[name][0]:>9,.0f}{rates[name][1]:>11,.0f}{pct(s, .5) * 1e3:>8.2f}"
              f"{pct(s, .9) * 1e3:>8.2f}{pct(s, .99) * 1e3:>8.2f}{max(s) * 1e3:>9.1f}{run.killed:>7}")
    print(f"\nspeed ratio rewardkit / math-verify: all {rates['rewardkit'][0] / rates['math-verify'][0]:.1f}x, "
          f"long chain-of-thought {rates['rewardkit'][1] / rates['math-verify'][1]:.1f}x")
    seconds = runs["rewardkit"].seconds
    slowest = max(seconds)
    case = items[seconds.index(slowest)]
    print(f"slowest rewardkit grade {slowest * 1e3:.1f} ms vs its bound {bound * 1e3:.0f} ms "
          f"({'within' if slowest <= bound else 'OVER'}): {case.category}, ref {case.reference[:30]!r}, "
          f"{case.note or case.style}; grades over the bound: {sum(s > bound for s in seconds)}")

    print("\nagreement by category (misses: false negatives + false positives):")
    print(f"{'category':<14}{'cases':>6}{'rewardkit':>18}{'math-verify':>18}")
    totals = Counter(c.category for c in items)
    for category in sorted(totals):
        row = f"{category:<14}{totals[category]:>6}"
        for run in runs.values():
            mine = [(v, c) for v, c in zip(run.verdicts, items) if c.category == category]
            fn = sum(1 for v, c in mine if c.equivalent and not v)
            fp = sum(1 for v, c in mine if not c.equivalent and v)
            row += f"{(len(mine) - fn - fp) / len(mine):>11.1%} {fn:>2}+{fp:<3}"
        print(row)
    ruled = [i for i, c in enumerate(items) if c.rule]
    if ruled:
        plain = [i for i, c in enumerate(items) if not c.rule]
        row = f"{'no rule':<14}{len(plain):>6}"
        for run in runs.values():
            row += f"{sum(run.verdicts[i] == items[i].equivalent for i in plain) / len(plain):>11.1%}      "
        print(row + "   (cases whose label follows from mathematics alone)")
        rules = Counter(items[i].rule for i in ruled)
        print("by labelling rule (see bench/math_realistic.py):")
        for rule in sorted(rules):
            idx = [i for i in ruled if items[i].rule == rule]
            row = f"  {rule:<12}{len(idx):>6}"
            for run in runs.values():
                row += f"{sum(run.verdicts[i] == items[i].equivalent for i in idx) / len(idx):>11.1%}      "
            print(row)
    anti = [i for i, c in enumerate(items) if c.category == "anti_hacking"]
    if anti:
        print("anti-hacking pass rate (score 0 on every case): "
              + ", ".join(f"{name} {sum(not run.verdicts[i] for i in anti)}/{len(anti)}" for name, run in runs.items()))


def report_misses(items, run: Run, title: str) -> None:
    """rewardkit's wrong verdicts on a set, by category, with what it read out of the response."""
    by_category = defaultdict(list)
    for v, case, grade in zip(run.verdicts, items, run.grades):
        if v != case.equivalent:
            by_category[case.category].append((case, grade))
    print(f"\nrewardkit misses on the {title} ({sum(map(len, by_category.values()))}):")
    for category in sorted(by_category):
        for case, grade in by_category[category]:
            kind = "FP" if grade.passed else "FN"
            rule = f" [rule {case.rule}]" if case.rule else ""
            print(f"  {category:<13}{kind} {case.style:<12} ref {case.reference[:40]!r}: {case.note}{rule}"
                  f" -> extracted {str(grade.extracted)[:50]!r}, {grade.error or grade.reason[:50]}")


# --- hostile inputs ----------------------------------------------------------------------------

def hostile_inputs() -> list[tuple[str, str, str]]:
    """(name, response, reference): issue 12's "Bounded in every path" inputs and the older adversarial set."""
    out = [
        ("sin_huge_power", r"\boxed{\sin(10^{999999})}", "0"),
        ("units_repeated", r"\boxed{5" + " cm" * 60 + " x}", "5"),
        ("units_repeated_text", "The answer is 5" + " cm" * 2000 + " x.", "5"),
        ("boxed_open_x5000", r"\boxed{" * 5000, "5"),
        ("boxed_open_x20000", r"\boxed{" * 20000 + "5", "5"),
        ("answer_tag_x5000", "<answer>" * 5000, "5"),
        ("answer_tag_x20000", "<answer>" * 20000 + "5</answer>", "5"),
        ("answer_spaces_letter", "answer" + " " * 5000, "B"),
        ("answer_spaces_x20000", "answer" + " " * 20000 + "is", "B"),
        ("newlines_x20000", "Let me think." + "\n" * 20000 + "5", "5"),
        ("newlines_letter", "Let me think." + "\n" * 20000 + "x", "B"),
        ("answer_newlines", "Answer" + "\n" * 20000 + "is", "5"),
        ("number_lines_x10000", "1\n" * 10000, "5"),
        ("final_answer_x5000", "final answer is " * 5000, "5"),
        ("dollars_x20000", "$" * 20000 + "5", "5"),
        ("think_x10000", "<think>" * 10000 + "5", "5"),
    ]
    return out + [(name, response, "5") for name, response in math_cases.ADVERSARIAL]


def _hostile_worker(inputs, threads: int, rounds: int, began, ended, passed) -> None:
    """Child: grade every hostile input ``rounds`` times from ``threads`` threads at once.

    Each grade writes its wall-clock start and end into shared memory: a regex holding the GIL
    freezes every thread of the process (a queue's feeder thread too), but what was written stays
    readable by the parent.
    """
    grader = load_grader("math")
    grader.grade(Sample(response="The answer is $x^2+1$.", reference="1+x^2"))  # warm-up
    tasks = [(i, inputs[i // rounds]) for i in range(len(inputs) * rounds)]
    random.Random(0).shuffle(tasks)

    def one(task):
        i, (_, response, reference) = task
        began[i] = time.time()
        grade = grader.grade(Sample(response=response, reference=reference))
        passed[i] = bool(grade.passed)
        ended[i] = time.time()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, tasks))


def hostile_rewardkit(inputs, threads: int, rounds: int, limit: float):
    """Seconds per grade of each hostile input from ``threads`` threads at once, in a child stopped after ``limit``.

    Returns ({name: [seconds of finished grades]}, {name: passed anywhere},
    {name: [seconds so far of grades unfinished when stopped]}, {name: grades never started}).
    """
    context = mp.get_context("spawn")
    n = len(inputs) * rounds
    began, ended, passed = (context.Array(kind, n, lock=False) for kind in ("d", "d", "b"))
    proc = context.Process(target=_hostile_worker, args=(inputs, threads, rounds, began, ended, passed), daemon=True)
    proc.start()
    proc.join(limit)
    now = time.time()
    proc.kill()
    proc.join()
    seconds, unfinished, waiting, ok = defaultdict(list), defaultdict(list), Counter(), defaultdict(bool)
    for i in range(n):
        name = inputs[i // rounds][0]
        if ended[i]:
            seconds[name].append(ended[i] - began[i])
            ok[name] |= bool(passed[i])
        elif began[i]:
            unfinished[name].append(now - began[i])
        else:
            waiting[name] += 1
    return seconds, ok, unfinished, waiting


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=20.0,
                        help="Seconds before Math-Verify's child is killed on one case.")
    parser.add_argument("--threads", type=int, default=8, help="Threads grading hostile inputs at once.")
    parser.add_argument("--rounds", type=int, default=4, help="Times each hostile input is graded.")
    parser.add_argument("--hostile-limit", type=float, default=120.0,
                        help="Seconds before rewardkit's threaded hostile-input run is stopped.")
    parser.add_argument("--alone-limit", type=float, default=10.0,
                        help="Seconds before the child grading one hostile input alone is stopped.")
    parser.add_argument("--skip-mathverify-hostile", action="store_true",
                        help="Do not run Math-Verify on the hostile inputs (the slowest part).")
    args = parser.parse_args()

    grader = load_grader("math")  # defaults
    bound = grader.config.timeout_s
    child = MathVerifyChild(args.limit)
    sets = [("project set (bench/math_cases.py, written for the project)", math_cases.cases()),
            ("realistic set (bench/math_realistic.py)", math_realistic.cases()),
            ("held-out batch (bench/math_realistic.py held_out_cases)", math_realistic.held_out_cases())]

    # Warm-up: imports, caches and Math-Verify's child; pairs outside both sets that take rewardkit's
    # symbolic path, so that starting its sympy child (about 1.5 s of wall time on the 2-core
    # development machine) is not charged to the first labelled case that needs it.
    warm_up = sets[0][1][:40] + [math_cases.Case("warm_up", r, f"The answer is ${a}$.", False, "warm_up")
                                 for r, a in WARM_UP]
    run_rewardkit(grader, warm_up)
    run_mathverify(child, warm_up)
    for title, items in sets:
        runs = {"rewardkit": run_rewardkit(grader, items), "math-verify": run_mathverify(child, items)}
        report_set(title, items, runs, bound)
        if items and items[0].note:
            report_misses(items, runs["rewardkit"], title.split(" (")[0])
    child.close()

    inputs = hostile_inputs()
    print(f"\n=== hostile inputs: {len(inputs)} inputs x {args.rounds} rounds, rewardkit from {args.threads} "
          f"threads at once in one process (bound {bound} s, target <= {2 * bound} s; "
          f"the process is stopped after {args.hostile_limit} s)")
    PWNED.unlink(missing_ok=True)
    alone = {}
    for item in inputs:  # each input alone first, so that one hang does not hide the others' times
        done, ok, late, _ = hostile_rewardkit([item], 1, 1, args.alone_limit)
        alone[item[0]] = (f">{late[item[0]][0]:.1f}" if late else f"{done[item[0]][0]:.3f}" if done else "-",
                          ok.get(item[0], False))
    start = time.perf_counter()
    seconds, passed, unfinished, waiting = hostile_rewardkit(inputs, args.threads, args.rounds, args.hostile_limit)
    wall = time.perf_counter() - start
    mv = {}
    if not args.skip_mathverify_hostile:
        hostile_child = MathVerifyChild(args.limit)
        for name, response, reference in inputs:
            verdict, elapsed = hostile_child.verdict(reference, response)
            mv[name] = ("killed" if verdict is None else "equal" if verdict else "not equal", elapsed)
        hostile_child.close()
    print(f"{'':<24}{'':>8}{'rewardkit':>10}{f'rewardkit, {args.threads} threads':>24}{'math-verify':>22}")
    print(f"{'input':<24}{'chars':>8}{'alone s':>10}{'max s':>10}{'done':>7}{'passed':>7}{'s':>9}  verdict")
    worst = 0.0
    for name, response, _ in inputs:
        done, late = seconds.get(name, []), unfinished.get(name, [])
        slowest = max(done + late, default=0.0)
        worst = max(worst, slowest)
        shown = f">{slowest:.1f}" if late else f"{slowest:.3f}" if done else "-"
        mv_verdict, mv_s = mv.get(name, ("-", float("nan")))
        ok = "yes" if passed.get(name) or alone[name][1] else "no"
        print(f"{name:<24}{len(response):>8,}{alone[name][0]:>10}{shown:>10}{len(done):>4}/{args.rounds:<2}"
              f"{ok:>7}{mv_s:>9.2f}  {mv_verdict}")
    n_late, n_waiting = sum(map(len, unfinished.values())), sum(waiting.values())
    verdict = "within 2x bound" if worst <= 2 * bound and not n_late and not n_waiting else "OVER 2x bound"
    print(f"slowest rewardkit hostile grade from {args.threads} threads: {'>' if n_late else ''}{worst:.3f} s "
          f"vs bound {bound} s ({verdict}); when stopped: {n_late} grades unfinished, {n_waiting} never started; "
          f"{wall:.1f} s wall; code executed: {PWNED.exists()}")
    print(f"(alone: each input graded once in its own child process, stopped after {args.alone_limit} s. "
          f"Math-Verify: one at a time in a child killed after {args.limit} s; its own timeouts use SIGALRM, "
          "which works only in a main thread.)")

if __name__ == "__main__":
    main()
