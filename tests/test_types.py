import pytest
from pydantic import ValidationError

from rewardkit import Grade, Grades, Sample
from rewardkit.types import SampleBatch


def test_sample_reads_numeric_references_as_text():
    assert Sample(response="x", reference=72).reference == "72"
    assert Sample(response="x", reference=[1, "b"]).references() == ["1", "b"]
    assert Sample(response="x").references() == []


def test_sample_rejects_unknown_fields_and_non_text_responses():
    with pytest.raises(ValidationError):
        Sample(response="x", answer="y")
    with pytest.raises(ValidationError):
        Sample(response=123)


def test_grades_are_columns_that_read_as_a_list_of_grade():
    grades = Grades(scores=[1.0, 0.0], passed=[True, False], reasons=["a", "b"])
    assert len(grades) == 2
    assert grades[0] == Grade(score=1.0, passed=True, reason="a")
    assert list(grades) == [Grade(score=1.0, passed=True, reason="a"), Grade(score=0.0, reason="b")]
    assert grades == [grades[0], grades[1]]
    assert grades[1:] == [Grade(score=0.0, reason="b")]
    assert Grades.of(list(grades)) == grades


def test_grades_columns_must_have_equal_length():
    with pytest.raises(ValueError, match="passed"):
        Grades(scores=[1.0], passed=[])


def test_passed_defaults_to_a_full_score():
    assert Grades(scores=[1.0, 0.5, 0.0, None]).passed == [True, False, False, False]
    assert Grades(scores=[0.5], passed=lambda: [True]).passed == [True]


def test_sample_batch_wraps_the_list_and_caches_its_columns():
    samples = [Sample(response="a", reference="1"), Sample(response="b", reference=["2", "3"])]
    batch = SampleBatch(samples)
    assert len(batch) == 2 and batch[1] is samples[1] and list(batch) == samples
    assert batch.responses == ["a", "b"] and batch.responses is batch.responses
    assert batch.references == ["1", ["2", "3"]] and batch.single_references() is None
    assert SampleBatch(samples[:1]).single_references() == ["1"]
    assert list(SampleBatch(iter(samples))) == samples
