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
