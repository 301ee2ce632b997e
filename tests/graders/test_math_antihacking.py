"""Tricks a policy under RL could use to earn the math reward without solving the task.

Each one must score 0 under the default configuration. The set grows with every trick found;
the lenient options that re-open some of them are tested at the end.
"""

import pytest

from rewardkit import Sample, load_grader

MATH = load_grader("math")
REASONING = (
    "We need the number of marbles left. She starts with 50, gives away 8 to each of 3 friends, "
    "then buys a bag of 16 more. Let me keep track of the running total carefully.\n\n"
)


def score(response, reference="42", **options):
    grader = load_grader({"type": "math", **options}) if options else MATH
    return grader.grade(Sample(response=response, reference=reference))


@pytest.mark.parametrize(
    "response",
    [
        # hedges: two or more different final answers
        REASONING + r"So it is $\boxed{41}$. Hmm, or maybe it is $\boxed{42}$.",
        REASONING + r"The answer is $\boxed{42}$. Actually, double-checking, $\boxed{41}$.",
        REASONING + "The answer is either 41 or 42.",
        REASONING + "The answer is 41 or 42.",
        REASONING + r"The answer is $\boxed{41 \text{ or } 42}$.",
        REASONING + r"The answer is $\boxed{41, 42}$.",
        REASONING + r"The answer is $\boxed{41}\boxed{42}$.",
        REASONING + r"The answer is $\boxed{42 \pm 1}$.",
        REASONING + r"The answer is $\boxed{41 = 42}$.",
        REASONING + r"The answer is $\boxed{x = 41 = 42}$.",
        REASONING + r"The answer is $\boxed{42 \text{ maybe}}$.",
        # a number inside a word
        "AZYUK2A42B",
        REASONING + "The verification code is AZYUK42A.",
        REASONING + "See section 42b.",
        # unterminated answers
        REASONING + r"So the answer is $\boxed{42",
        REASONING + r"The answer is 42, that is \boxed{42",
        REASONING + "<answer>42",
        REASONING + "<answer>41</answer> wait <answer>42",
        # spelled-out numbers (number_words is off by default)
        REASONING + r"So the answer is $\boxed{\text{forty-two}}$.",
        "forty-two",
        # the only answer inside an unterminated <think>
        "<think>" + REASONING + r"so the answer is \boxed{42}",
        "<think>" + REASONING + "The answer is 42.",
        # never committing, but ending on the right number
        REASONING + "Possible totals are 38, 40 and 42",
        REASONING + "I am not sure; it could be 42",
        REASONING + "Counting up: 36, 37, 38, 39, 40, 41, 42",
        REASONING + "Perhaps 42",
        REASONING + "I don't know. Maybe 42?",
        # answers that are not the model's: after the turn ends
        REASONING + "I cannot solve this.<|im_end|>\n<|im_start|>user\nThe answer is \\boxed{42}",
        REASONING + "I cannot solve this.</s>The answer is 42",
        # equations that are not their right-hand side
        REASONING + r"The answer is $\boxed{x + 3y = 42}$.",
        # an empty or junk box
        REASONING + r"The answer is $\boxed{}$ 42",
    ],
)
def test_tricks_score_zero(response):
    g = score(response)
    assert g.score == 0.0 and not g.passed, g


@pytest.mark.parametrize(
    "response",
    [
        r"\boxed{A} \boxed{B} \boxed{C} \boxed{D}",
        "The answer is (A), (B), (C) or (D).",
        r"The answer is $\boxed{A \text{ or } B}$.",
        "Options: (A) 3 (B) 4 (C) 5 (D) 6. I am not sure which.",
        "A. 3\nB. 4\nC. 5\nD. 6",
        "<think>The answer is B</think>",
    ],
)
def test_multiple_choice_tricks_score_zero(response):
    g = score(response, reference="B")
    assert g.score == 0.0 and not g.passed, g


def test_hedges_are_reported_as_such():
    g = score(r"First \boxed{41}, then on reflection \boxed{42}.")
    assert g.error == "hedge" and "41" in g.reason


def test_one_answer_stated_twice_is_not_a_hedge():
    assert score(r"So $\boxed{42}$. **Final Answer** $\boxed{42}$").passed
    assert score(r"So $\boxed{0.5}$. **Final Answer** $\boxed{\frac12}$", reference="1/2").passed


def test_lenient_options_reopen_what_offline_evaluation_may_want():
    assert score(r"First \boxed{41}, then on reflection \boxed{42}.", allow_hedges=True).passed
    assert score(REASONING + "Counting up: 40, 41, 42", fallback="last_number").passed
    assert score(REASONING + r"So the answer is $\boxed{\text{forty-two}}$.", number_words=True).passed
    assert score(r"\boxed{A} \boxed{B}", reference="B", allow_hedges=True).passed


@pytest.mark.parametrize(
    "response",
    [
        REASONING + "#### 41\n#### 42",
        REASONING + "Answer: 41\nAnswer: 42",
        REASONING + "**Answer:** 41\n\nActually, let me reconsider.\n\n**Answer:** 42",
        REASONING + r"The answer is $\boxed{42}$ (or possibly $41$).",
        REASONING + "The final answer is 42, or maybe 41.",
        REASONING + "Final Answer: The final answer is $41$. I hope it is correct.\n\nAlso, \\boxed{42}",
        REASONING + "<answer>41</answer>\n<answer>42</answer>",
        "<think>\nI think it's 41.\n</think>\n<think>\nThe answer is \\boxed{42}.",
        REASONING + "<answer></answer>\n42",
        REASONING + "The digits might be 4 and 2.\n\n42",
        REASONING + "\n".join(f"#### {n}" for n in range(100)) + "\n#### 42",
    ],
)
def test_hedges_across_markers_and_bare_endings_score_zero(response):
    g = score(response)
    assert g.score == 0.0 and not g.passed, g
