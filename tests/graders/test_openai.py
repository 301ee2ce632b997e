"""Hosted-RFT grader specs map onto rewardkit graders, or are refused with the reason."""

import pytest

from rewardkit import GraderConfigError, Sample, load_grader

OUT = "{{ sample.output_text }}"


def check(operation, reference="{{ item.answer }}"):
    return load_grader({"type": "string_check", "name": "c", "input": OUT, "reference": reference,
                        "operation": operation})


@pytest.mark.parametrize(
    "operation, response, answer, passed",
    [
        ("eq", "Paris", "Paris", True),
        ("eq", "Paris ", "Paris", False),  # exact, no normalisation, as the hosted grader
        ("ne", "Rome", "Paris", True),
        ("ne", "Paris", "Paris", False),
        ("like", "I say Paris", "Paris", True),
        ("like", "I say paris", "Paris", False),
        ("ilike", "I say PARIS", "Paris", True),
    ],
)
def test_string_check(operation, response, answer, passed):
    g = check(operation).grade(Sample(response=response, metadata={"answer": answer}))
    assert g.passed is passed and g.score == float(passed)


def test_item_template_falls_back_to_the_reference_and_literals_work():
    assert check("eq").grade(Sample(response="4", reference="4")).passed
    assert check("eq", reference="yes").grade(Sample(response="yes")).passed


def test_text_similarity_fuzzy_match():
    spec = {"type": "text_similarity", "name": "t", "input": OUT, "reference": "{{ item.ref }}",
            "evaluation_metric": "fuzzy_match", "pass_threshold": 0.8}
    g = load_grader(spec).grade(Sample(response="the cat sat", metadata={"ref": "the cat sat."}))
    assert g.passed and 0.9 < g.score < 1.0


def test_multi_with_calculate_output():
    spec = {"type": "multi", "name": "m", "calculate_output": "0.7 * right + 0.3 * polite",
            "graders": {"right": {"type": "string_check", "name": "right", "input": OUT,
                                  "reference": "{{ item.answer }}", "operation": "ilike"},
                        "polite": {"type": "string_check", "name": "polite", "input": OUT, "reference": "please",
                                   "operation": "like"}}}
    g = load_grader(spec).grade(Sample(response="It is PARIS", metadata={"answer": "paris"}))
    assert g.score == pytest.approx(0.7) and g.parts == {"right": 1.0, "polite": 0.0}


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"type": "string_check", "input": "{{ sample.output_json.x }}", "reference": "a", "operation": "eq"},
         "only '{{ sample.output_text }}'"),
        ({"type": "string_check", "input": OUT, "reference": "{{ sample.output_text }}", "operation": "eq"},
         "item.FIELD"),
        ({"type": "string_check", "input": OUT, "reference": "a", "operation": "regex"}, "operation"),
        ({"type": "text_similarity", "input": OUT, "reference": "a", "evaluation_metric": "bleu",
          "pass_threshold": 0.5}, "no rewardkit equivalent"),
        ({"type": "multi", "calculate_output": "a", "graders": {"a": {"type": "score_model", "model": "x"}}},
         "cannot be mapped"),
        ({"type": "multi", "calculate_output": "a + b", "graders": {"a": {"type": "string_check", "input": OUT,
                                                                          "reference": "x", "operation": "eq"}}},
         "unknown graders"),
        ({"type": "python", "source": "def grade(sample, item): return 1"}, "unknown grader 'python'"),
    ],
)
def test_what_cannot_be_mapped_is_refused_clearly(spec, words):
    with pytest.raises(GraderConfigError) as err:
        load_grader(spec)
    assert words in str(err.value)
