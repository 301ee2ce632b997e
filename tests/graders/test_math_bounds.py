"""Hostile inputs come back within the math grader's bound, from many threads at once.

The bound counts each grade's own CPU time, so that is what is checked (a thread's CPU time does not
grow while it waits for the GIL or a core, so the check holds on a loaded machine); the bound is
generous: what matters is that nothing runs for minutes, as a super-linear regex, a huge
evaluation or a quadratic scan would on these inputs.
"""

import threading
import time
from pathlib import Path

import pytest

from rewardkit import Sample, load_grader

BOUND_S = 5.0
GRADER = load_grader({"type": "math", "timeout_s": BOUND_S})

HOSTILE = {
    "periodic function of a huge power": (r"\boxed{\sin(10^{999999})}", "5"),
    "units repeated before a variable": (r"\boxed{5" + " cm" * 600 + " x}", "5"),
    "unclosed boxes": (r"\boxed{" * 20_000, "5"),
    "unclosed answer tags": ("<answer>" * 20_000, "5"),
    "answer then spaces, letter reference": ("answer" + " " * 20_000, "B"),
    "answer then spaces and a word": ("the answer is" + " " * 20_000 + "x", "B"),
    "newlines": ("\n" * 100_000 + "5", "6"),
    "newlines, letter reference": ("\n" * 100_000 + "x", "B"),
    "dollar signs": ("$" * 100_000, "5"),
    "display brackets": ("\\[" * 50_000, "5"),
    "final answer repeated": ("final answer " * 20_000, "5"),
    "gsm8k marks": ("####" * 50_000, "5"),
    "chat tokens": ("<|a|>" * 50_000, "5"),
    "a long list of numbers": ("1," * 100_000, "5"),
    "a power tower": (r"\boxed{9^{9^{9^{9}}}}", "5"),
    "a huge factorial": (r"\boxed{(10^{6})!}", "5"),
    "a huge exponential": (r"\boxed{e^{10^{6}}}", "5"),
    "deep parentheses": (r"\boxed{" + "(" * 1000 + "1" + ")" * 1000 + "}", "5"),
    "many terms": (r"\boxed{" + "+".join(["1"] * 900) + "}", "5"),
    "an earlier box of backslashes": ("\\boxed{" + "\\\\" * 100_000 + "x} then we get \\boxed{5}", "5"),
    "an earlier box of spaces": ("\\boxed{1" + " " * 20_000 + "x} then we get \\boxed{5}", "5"),
    "an earlier answer tag of spaces": ("<answer>1" + " " * 20_000 + "x</answer> then \\boxed{5}", "5"),
    "many long earlier boxes": (" so then ".join(f"\\boxed{{@{i}" + " " * 1985 + " x}" for i in range(32))
                                + " finally \\boxed{5}", "5"),
    "a nested hyperbolic cosine": (r"\boxed{\cosh(\cosh(10^{6}))}", "5"),
    "many large binomials": (r"\boxed{" + "+".join([r"\binom{20000}{10000}"] * 90) + "}", "5"),
    "code": (r"\boxed{__import__('os').system('touch /tmp/rewardkit_pwned')}", "5"),
}


def test_hostile_inputs_from_eight_threads_stay_within_twice_the_cpu_bound():
    marker = Path("/tmp/rewardkit_pwned")
    marker.unlink(missing_ok=True)
    results: dict[tuple[int, str], tuple[float, object]] = {}

    def work(thread: int) -> None:
        for name, (response, reference) in HOSTILE.items():
            start = time.thread_time()
            grade = GRADER.grade(Sample(response=response, reference=reference))
            results[thread, name] = (time.thread_time() - start, grade)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30 * BOUND_S)
    assert not any(t.is_alive() for t in threads), "a grade never came back"
    assert len(results) == 8 * len(HOSTILE)
    slow = {name: round(s, 1) for (_, name), (s, _) in results.items() if s > 2 * BOUND_S}
    assert not slow, slow
    assert not any(grade.passed for _, grade in results.values())
    assert not marker.exists()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_each_hostile_input_is_refused_or_decided(name):
    response, reference = HOSTILE[name]
    grade = GRADER.grade(Sample(response=response, reference=reference))
    assert grade.score == 0.0 and grade.error != "timeout", grade
