"""The labelled case set of bench/math_cases.py, one literal verdict per case."""

from pathlib import Path

import pytest

from bench.math_cases import ADVERSARIAL, cases
from rewardkit import Sample, load_grader

MATH = load_grader("math")
WITH_NUMBER_WORDS = load_grader({"type": "math", "number_words": True})
CASES = cases()


def test_the_set_covers_every_category_with_both_verdicts():
    assert len(CASES) >= 500
    for category in {c.category for c in CASES}:
        verdicts = {c.equivalent for c in CASES if c.category == category}
        assert verdicts == {True, False}, category
    assert sum(c.style == "long_cot" for c in CASES) >= 150


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}-{i}" for i, c in enumerate(CASES)])
def test_case(case):
    grader = WITH_NUMBER_WORDS if case.category == "words" else MATH  # number words are off by default
    grade = grader.grade(Sample(response=case.response, reference=case.reference))
    assert grade.passed is case.equivalent, (case.reference, case.response[-120:], grade)


@pytest.mark.parametrize("name, response", ADVERSARIAL, ids=[n for n, _ in ADVERSARIAL])
def test_adversarial_input_is_bounded_and_runs_no_code(name, response):
    marker = Path("/tmp/rewardkit_pwned")
    marker.unlink(missing_ok=True)
    grade = MATH.grade(Sample(response=response, reference="5"))
    assert not grade.passed and grade.error != "timeout", grade
    assert not marker.exists()
