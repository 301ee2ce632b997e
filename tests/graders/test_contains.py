import pytest

from rewardkit import GraderConfigError, Sample, load_grader
from tests.conftest import grade


@pytest.mark.parametrize(
    "options, response, reference, passed",
    [
        ({}, "the capital is Paris.", "Paris", True),
        ({}, "the capital is paris.", "Paris", False),
        ({"case_sensitive": False}, "the capital is PARIS.", "paris", True),
        ({}, "Parisian food", "Paris", True),
        ({"whole_word": True}, "Parisian food", "Paris", False),
        ({"whole_word": True}, "in Paris, today", "Paris", True),
        ({}, "red and blue", ["red", "green"], True),
        ({"mode": "all"}, "red and blue", ["red", "green"], False),
        ({"mode": "all"}, "red, green and blue", ["red", "green"], True),
        ({"regex": True}, "order #12345 shipped", r"#\d{5}\b", True),
        ({"regex": True}, "order #1234 shipped", r"#\d{5}\b", False),
        ({"regex": True, "case_sensitive": False}, "ANSWER: yes", r"answer:\s*yes", True),
        ({}, "a+b", "a+b", True),  # literal mode escapes regex characters
    ],
)
def test_options(options, response, reference, passed):
    assert grade({"type": "contains", **options}, response, reference).passed is passed


def test_fixed_patterns_need_no_reference_and_are_compiled_once():
    grader = load_grader({"type": "contains", "patterns": ["def ", "return"], "mode": "all"})
    assert grader.grade(Sample(response="def f():\n    return 1")).passed
    assert grader._compile.cache_info().currsize == 1
    g = grader.grade(Sample(response="lambda: 1"))
    assert not g.passed and "found 0 of 2" in g.reason


def test_extracted_is_the_matched_text():
    assert grade({"type": "contains", "regex": True}, "id=abc42;", r"[a-z]+\d+").extracted == "abc42"


def test_reference_patterns_are_cached_per_reference():
    grader = load_grader({"type": "contains", "regex": True})
    samples = [Sample(response=f"v{i}", reference=r"v\d") for i in range(50)]
    assert all(g.passed for g in grader.grade_batch(samples))
    assert grader._compile.cache_info().misses == 1


def test_pattern_size_is_bounded():
    with pytest.raises(GraderConfigError, match="max_pattern_chars"):
        load_grader({"type": "contains", "regex": True, "patterns": ["a" * 2000]})
    g = grade({"type": "contains", "regex": True, "max_pattern_chars": 5}, "aaaaaa", "aaaaaa")
    assert g.error == "invalid_reference" and g.score is None
    assert grade({"type": "contains", "max_pattern_chars": 5}, "aaaaaa", "aaaaaa").passed  # literal: no bound
    g = grade({"type": "contains", "regex": True}, "x", "(unclosed")
    assert g.error == "invalid_reference"


@pytest.mark.parametrize("case_sensitive", [True, False])
def test_batch_of_single_references_matches_one_by_one(case_sensitive):
    grader = load_grader({"type": "contains", "case_sensitive": case_sensitive})
    samples = [Sample(response=f"Answer {i}", reference=ref) for i, ref in enumerate(["answer 0", "1", "x", "Q 3"])]
    grades = grader.grade_batch(samples)
    assert grades == [grader.grade(s) for s in samples]
    assert grades.scores == ([0.0, 1.0, 0.0, 0.0] if case_sensitive else [1.0, 1.0, 0.0, 0.0])
    assert grades.extracted[1] == "1" and grades.extracted[2] is None and grades.reasons[2] == "found 0 of 1 (any)"


def test_missing_and_listed_references_in_one_batch():
    grader = load_grader("contains")
    grades = grader.grade_batch([Sample(response="red", reference="red"), Sample(response="red"),
                                 Sample(response="a red car", reference=["blue", "red"])])
    assert grades.scores == [1.0, None, 1.0]
    assert grades.errors == [None, "missing_reference", None] and grades.passed == [True, False, True]
