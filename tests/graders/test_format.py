import pytest

from rewardkit import load_grader
from tests.conftest import grade

THINK = "<think>reasoning</think>\n<answer>42</answer>"


@pytest.mark.parametrize(
    "spec, response, passed",
    [
        ({"template": "think_answer"}, THINK, True),
        ({"template": "think_answer"}, "<think>a</think><think>b</think><answer>1</answer>", False),
        ({"template": "think_answer"}, "<answer>42</answer>", False),
        ({"template": "think_answer"}, THINK + " trailing text", False),
        ({"template": "answer_tag"}, "some words <answer>4</answer>", True),
        ({"template": "boxed"}, r"so \boxed{\frac{1}{2}}", True),
        ({"template": "boxed"}, r"so \boxed{\frac{1}{2}", False),
        ({"pattern": r"\d+"}, "it is 42", True),
        ({"pattern": r"\d+", "match": "full"}, "it is 42", False),
        ({"pattern": r"yes|no", "match": "full", "flags": ["IGNORECASE"]}, "YES", True),
        ({"pattern": r"^b$", "flags": ["MULTILINE"]}, "a\nb\nc", True),
        ({"tags": {"<think>": 1, "</think>": 1}}, THINK, True),
        ({"tags": {"<think>": 2}}, THINK, False),
        ({"min_chars": 3, "max_chars": 5}, "abcd", True),
        ({"max_chars": 3}, "abcd", False),
        ({"json_valid": True}, '{"a": 1}', True),
        ({"json_valid": True}, '```json\n{"a": 1}\n```', True),
        ({"json_valid": True}, "{'a': 1}", False),
    ],
)
def test_checks(spec, response, passed):
    g = grade({"type": "format", **spec}, response)
    assert g.passed is passed and g.score == float(passed)


SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
          "required": ["name"]}


def test_json_schema_validation():
    spec = {"type": "format", "json_schema": SCHEMA}
    assert grade(spec, '{"name": "Ada", "age": 36}').passed
    g = grade(spec, '{"age": "old"}')
    assert not g.passed and "JSON Schema" in g.reason
    assert "invalid JSON" in grade(spec, "not json").reason


def test_partial_credit_and_parts():
    spec = {"type": "format", "template": "think_answer", "max_chars": 10, "partial_credit": True}
    g = grade(spec, THINK)
    assert g.parts == {"template": 1.0, "length": 0.0}
    assert g.score == 0.5 and not g.passed


def test_batch_matches_single():
    grader = load_grader({"type": "format", "template": "think_answer", "tags": {"<answer>": 1}})
    samples = [{"response": r} for r in (THINK, "nope", "<answer>1</answer>")]
    assert grader.grade_batch(samples) == [grader.grade(s) for s in samples]
