import pytest

from rewardkit import GraderConfigError, load_grader
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
        ({"template": "answer_tag"}, "<think>x</think> <answer>4</answer>\n", True),
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


# -- anti-hacking: the format without the work ---------------------------------------------------

@pytest.mark.parametrize(
    "template, response, why",
    [
        ("think_answer", "<think></think><answer></answer>", "empty <think> block"),
        ("think_answer", "<think>  </think><answer>42</answer>", "empty <think> block"),
        ("think_answer", "<think>ok</think><answer>\n</answer>", "empty <answer> block"),
        ("think_answer", "<think>x</think><answer><answer>4</answer></answer>", "<answer> x2"),
        ("think_answer", "<think><think>x</think></think><answer>4</answer>", "<think> x2"),
        ("think_answer", "<think>x <answer>4</answer></think><answer>5</answer>", "<answer> x2"),
        ("think_answer", "<think>x <answer>4</answer></think>", "<think>"),  # answer only inside think
        ("think_answer", "<answer>4</answer><think>x</think>", "start with <think>"),
        ("think_answer", "<think>x</think> so <answer>4</answer>", "only whitespace"),
        ("think_answer", "<think>x</think><answer>4</answer><answer>5</answer>", "<answer> x2"),
        ("answer_tag", "<answer>4</answer> or <answer>5</answer>", "<answer> x2"),
        ("answer_tag", "<answer>4</answer><answer>5</answer>", "<answer> x2"),
        ("answer_tag", "<answer><answer>4</answer></answer>", "<answer> x2"),
        ("answer_tag", "<answer></answer>", "empty <answer> block"),
        ("answer_tag", "<answer>4</answer> trailing text", "must end with"),
        ("answer_tag", "<answer>4", "</answer> x0"),
        ("boxed", r"\boxed{}", "no \\boxed"),
        ("boxed", r"\boxed{ }", "no \\boxed"),
        ("boxed", r"\boxed{4", "no \\boxed"),
        ("boxed", r"the answer is 4", "no \\boxed"),
    ],
)
def test_tricks_fail_the_templates(template, response, why):
    g = grade({"type": "format", "template": template}, response)
    assert g.score == 0.0 and not g.passed and why in g.reason


def test_allow_empty_is_the_lenient_option():
    spec = {"type": "format", "allow_empty": True}
    assert grade({**spec, "template": "think_answer"}, "<think></think><answer></answer>").passed
    assert grade({**spec, "template": "boxed"}, r"\boxed{}").passed
    # Nesting and repetition stay refused: they are not empty blocks.
    assert not grade({**spec, "template": "answer_tag"}, "<answer><answer>4</answer></answer>").passed


def test_boxed_finds_a_closed_box_after_unclosed_ones():
    assert grade({"type": "format", "template": "boxed"}, r"\boxed{ \boxed{4} and \boxed{").passed


@pytest.mark.parametrize("response", [r"\boxed{" * 50_000, "<answer>" * 30_000 + "</answer>",
                                      "<think>" + " " * 100_000 + "x", "{" * 100_000 + r"\boxed{"])
def test_hostile_responses_are_linear(response):
    # A quadratic scan of these would not finish in a test run; the verdict is what is asserted.
    for template in ("think_answer", "answer_tag", "boxed"):
        assert grade({"type": "format", "template": template}, response).score == 0.0


# -- user regexes on RE2 --------------------------------------------------------------------------

def test_redos_pattern_comes_back_at_once():
    text = "a" * 10_000 + "!"
    assert grade({"type": "format", "pattern": r"(a+)+$"}, text).score == 0.0
    assert grade({"type": "format", "pattern": r"^(a|aa)+$", "match": "full"}, text).score == 0.0
    assert grade({"type": "format", "pattern": r"(a+)+!", "match": "full"}, text).score == 1.0


@pytest.mark.parametrize("pattern", [r"(\w)\1", r"foo(?=bar)", r"(?<=a)b", r"a\Z"])
def test_patterns_re2_refuses_are_config_errors(pattern):
    with pytest.raises(GraderConfigError, match="RE2") as info:
        load_grader({"type": "format", "pattern": pattern})
    assert info.value.field == "pattern" and "not a valid regex" in str(info.value)


def test_json_schema_regexes_run_on_re2():
    schema = {"type": "object", "properties": {"id": {"type": "string", "pattern": "^(a+)+$"}},
              "patternProperties": {"^(x+)+$": {"type": "integer"}}, "additionalProperties": False}
    spec = {"type": "format", "json_schema": schema}
    hostile = '{"id": "' + "a" * 10_000 + '!"}'
    g = grade(spec, hostile)
    assert not g.passed and "does not match" in g.reason
    assert grade(spec, '{"id": "aaa", "xx": 1}').passed
    assert not grade(spec, '{"id": "aaa", "xx": "one"}').passed  # patternProperties applies
    g = grade(spec, '{"id": "aaa", "y": 1}')
    assert not g.passed and "match none of the patternProperties" in g.reason
    with pytest.raises(GraderConfigError, match="regex '\\(a\\)") as info:
        load_grader({"type": "format", "json_schema": {"type": "string", "pattern": r"(a)\1"}})
    assert info.value.field == "json_schema"


def test_deeply_nested_json_is_invalid_not_a_crash():
    g = grade({"type": "format", "json_valid": True}, "[" * 100_000 + "]" * 100_000)
    assert g.score == 0.0 and g.error is None and "invalid JSON" in g.reason
