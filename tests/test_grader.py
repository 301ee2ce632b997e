"""The guard every grader gets: bad model output and grader bugs become error grades."""

import os
from typing import Literal

import pytest

from rewardkit import Grade, Grader, GraderConfig, Sample, hookimpl, load_grader


class BoomConfig(GraderConfig):
    type: Literal["boom"] = "boom"


class BoomGrader(Grader):
    """Raises on responses that say boom."""

    Config = BoomConfig

    def grade(self, sample):
        if "boom" in sample.response:
            raise RuntimeError("boom")
        return Grade(score=1.0, passed=True)


class BatchOnlyConfig(GraderConfig):
    type: Literal["batch_only"] = "batch_only"


class BatchOnlyGrader(Grader):
    """Only grade_batch; fails the whole batch if one response says boom."""

    Config = BatchOnlyConfig

    def grade_batch(self, samples):
        if any("boom" in s.response for s in samples):
            raise RuntimeError("batch boom")
        return [Grade(score=0.5) for _ in samples]


class Plugin:
    @hookimpl
    def register_graders(self, register):
        register(BoomGrader)
        register(BatchOnlyGrader)


BAD_RESPONSES = {
    "empty": ("", "empty_response"),
    "whitespace": ("  \n ", "empty_response"),
    "one_megabyte": ("a" * 1_000_000, "response_too_long"),
    "nul_bytes": (os.urandom(64).decode("latin-1") + "\x00", "invalid_response"),
    "undecodable": (b"ok \xff\xfe bytes".decode("utf-8", errors="surrogateescape"), "invalid_response"),
}


@pytest.mark.parametrize("name", ["exact", "contains", "similarity", "math", "format_json", "combine"])
@pytest.mark.parametrize("case", sorted(BAD_RESPONSES))
def test_builtin_graders_never_raise_on_bad_output(name, case):
    spec = {"format_json": {"type": "format", "json_valid": True},
            "combine": {"type": "combine", "graders": {"a": "exact", "b": "math"}}}.get(name, name)
    grader = load_grader(spec)
    response, error = BAD_RESPONSES[case]
    g = grader.grade(Sample(response=response, reference="1"))
    assert g.error == error and g.score == 0.0 and not g.passed
    [gb] = grader.grade_batch([Sample(response=response, reference="1")])
    assert gb.error == error


@pytest.mark.parametrize("name", ["exact", "math", "similarity"])
def test_non_string_responses_are_error_grades(name):
    grader = load_grader(name)
    assert grader.grade({"response": 42, "reference": "42"}).error == "invalid_response"
    assert grader.grade({"response": b"bytes", "reference": "x"}).error == "invalid_response"
    assert grader.grade({"response": None}).error == "invalid_response"
    assert grader.grade(["not", "a", "sample"]).error == "invalid_sample"
    grades = grader.grade_batch([{"response": 42}, Sample(response="42", reference="42"), {"reply": "x"}])
    assert [g.error for g in grades] == ["invalid_response", None, "invalid_sample"]
    assert grades[1].passed


def test_missing_reference_is_not_applicable():
    g = load_grader("exact").grade(Sample(response="x"))
    assert g.score is None and g.error == "missing_reference"


def test_grader_exceptions_become_error_grades(inline_plugin):
    inline_plugin(Plugin(), "boom-plugin")
    g = load_grader("boom").grade(Sample(response="boom"))
    assert g.error == "grader_exception" and "RuntimeError: boom" in g.reason


def test_a_failing_batch_is_regraded_one_by_one(inline_plugin):
    inline_plugin(Plugin(), "boom-plugin")
    grader = load_grader("batch_only")
    grades = grader.grade_batch([Sample(response="fine"), Sample(response="boom"), Sample(response="")])
    assert [g.score for g in grades] == [0.5, 0.0, 0.0]
    assert [g.error for g in grades] == [None, "grader_exception", "empty_response"]
    assert grader.grade(Sample(response="ok")).score == 0.5


def test_max_response_chars_is_configurable():
    grader = load_grader({"type": "exact", "max_response_chars": 3})
    assert grader.grade(Sample(response="abcd", reference="abcd")).error == "response_too_long"
    assert grader.grade(Sample(response="abc", reference="abc")).passed


@pytest.mark.parametrize("name", ["exact", "contains", "similarity", "math"])
@pytest.mark.parametrize("text", ["plain ascii answer", "réponse non ASCII"])
def test_one_bad_response_in_a_large_batch_is_found(name, text):
    # The batch checks prove a whole column clean at once; each kind of bad response, hidden
    # among good ones (ASCII and non-ASCII columns), must still come back as its own error.
    grader = load_grader(name)
    good = [Sample(response=f"{text} {i}", reference=f"{text} {i}") for i in range(300)]
    for response, error in BAD_RESPONSES.values():
        batch = good[:150] + [Sample(response=response, reference="1")] + good[150:]
        grades = grader.grade_batch(batch)
        assert grades.errors[150] == error and grades.scores[150] == 0.0
        assert grades.errors.count(None) == 300 and grades.scores == grades.scores[:150] + [0.0] + grades.scores[151:]


@pytest.mark.parametrize("limit", [10, 300, 5000])  # a small limit compares lengths, a large one scans windows
def test_response_length_limit_holds_inside_a_batch(limit):
    grader = load_grader({"type": "contains", "max_response_chars": limit})
    lengths = [1, limit, limit + 1, 7, limit, limit + 5, 2]
    grades = grader.grade_batch([Sample(response="x" * n, reference="x") for n in lengths])
    assert [g.error for g in grades] == [None if n <= limit else "response_too_long" for n in lengths]
    assert grader.grade_batch([Sample(response="x" * n, reference="x") for n in (limit, 1, limit)]).errors == [None] * 3


def test_missing_references_are_found_in_a_batch():
    grades = load_grader("exact").grade_batch([Sample(response="a", reference="a"), Sample(response="b")])
    assert grades.errors == [None, "missing_reference"] and grades.scores == [1.0, None]
