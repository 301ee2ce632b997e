import pytest
from pydantic import ValidationError

from rewardkit import Grade, Grades, Sample


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
