import pytest

from rewardkit import load_grader
from tests.conftest import grade

GOOD = r"<think>2+2</think><answer>\boxed{4}</answer>"
UNFORMATTED = r"The answer is \boxed{4}"
WRONG = r"<think>2+2</think><answer>\boxed{5}</answer>"
SUBS = {"accuracy": "math", "format": {"type": "format", "template": "think_answer"}}


@pytest.mark.parametrize(
    "extra, response, score",
    [
        ({"method": "mean"}, GOOD, 1.0),
        ({"method": "mean"}, UNFORMATTED, 0.5),
        ({"method": "mean", "weights": {"accuracy": 3, "format": 1}}, UNFORMATTED, 0.75),
        ({"method": "min"}, UNFORMATTED, 0.0),
        ({"method": "max"}, WRONG, 1.0),
        ({"method": "product"}, UNFORMATTED, 0.0),
        ({"method": "mean", "gate": ["format"]}, UNFORMATTED, 0.0),
        ({"method": "mean", "gate": ["format"]}, WRONG, 0.5),
        ({"method": "formula", "formula": "0.8 * accuracy + 0.2 * format"}, UNFORMATTED, 0.8),
        ({"method": "formula", "formula": "max(accuracy, format) ^ 2 - 0.5"}, WRONG, 0.5),
        ({"method": "formula", "formula": "accuracy * 3"}, GOOD, 1.0),  # clipped to [0, 1]
    ],
)
def test_methods(extra, response, score):
    g = grade({"type": "combine", "graders": SUBS, **extra}, response, "4")
    assert g.score == pytest.approx(score)


def test_parts_extracted_and_passed():
    g = grade({"type": "combine", "graders": SUBS}, UNFORMATTED, "4")
    assert g.parts["accuracy"] == 1.0 and g.parts["format"] == 0.0 and g.parts["format.template"] == 0.0
    assert g.extracted == "4"
    assert not g.passed  # default: every sub-grader must pass
    g = grade({"type": "combine", "graders": SUBS, "pass_threshold": 0.5}, UNFORMATTED, "4")
    assert g.passed


def test_errors_of_sub_graders_are_reported():
    g = grade({"type": "combine", "graders": SUBS}, "<think>x</think><answer>no idea</answer>", "4")
    assert g.error == "parse_error" and "accuracy: parse_error" in g.reason


def test_not_applicable_sub_scores_are_left_out():
    spec = {"type": "combine", "graders": {"a": "exact", "f": {"type": "format", "min_chars": 1}}}
    g = grade(spec, "hello")  # no reference: exact is not applicable
    assert g.score == 1.0 and g.parts["a"] is None
    assert grade({**spec, "method": "formula", "formula": "a + f"}, "hello").score is None


def test_formula_errors_give_zero():
    g = grade({"type": "combine", "graders": SUBS, "method": "formula", "formula": "1 / format"}, UNFORMATTED, "4")
    assert g.score == 0.0 and "formula error" in g.reason


def test_grade_batch_grades_each_sub_grader_once_per_batch():
    grader = load_grader({"type": "combine", "graders": SUBS})
    samples = [{"response": r, "reference": "4"} for r in (GOOD, UNFORMATTED, WRONG)]
    assert grader.grade_batch(samples).scores == [1.0, 0.5, 0.5]


# -- anti-hacking: a mix of graders must not pay for the easy part alone ------------------------

def test_the_format_alone_earns_nothing_behind_a_gate():
    spec = {"type": "combine", "graders": SUBS, "gate": ["format"]}
    empty = "<think></think><answer></answer>"  # the format's shape without content fails the format too
    assert grade(spec, empty, "4").score == 0.0
    assert grade({"type": "combine", "graders": SUBS}, empty, "4").score == 0.0


def test_an_unreadable_answer_counts_as_zero_not_as_left_out():
    # A response cannot make its accuracy 'not applicable' and be scored on its format alone.
    g = grade({"type": "combine", "graders": SUBS}, "<think>x</think><answer>no idea</answer>", "4")
    assert g.parts["accuracy"] == 0.0 and g.score == 0.5
    g = grade({"type": "combine", "graders": SUBS}, "<think>x</think><answer>\\boxed{4</answer>", "4")
    assert g.parts["accuracy"] == 0.0 and g.score == 0.5
