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


# Found by attacking the grader (a red-team pass): each names the rule that now closes it.
@pytest.mark.parametrize(
    "ending, reference",
    [
        # a committing sentence must not deny, bound or estimate its number
        ("So it is not 42.", "42"),
        ("Hence the count cannot be 42.", "42"),
        ("Hence x > 42.", "42"),
        ("Hence x \\neq 42.", "42"),
        ("So the count is at least 42.", "42"),
        ("So the total is about 42.", "42"),
        ("Thus 42 is wrong.", "42"),
        ("So the total would be 42 if the premise held, but it does not.", "42"),
        ("Therefore it is not $42$.", "42"),
        ("Therefore $42$ is impossible.", "42"),
        # a computation in the concluding sentence must hold
        ("So it's 41 = 42.", "42"),
        # a final answer taken back or followed by another
        ("\\boxed{42} is not the answer.", "42"),
        ("So the answer is $41$. Therefore $\\boxed{42}$ is wrong.", "42"),
        ("\\boxed{42}, though 41 is also possible", "42"),
        ("\\boxed{42} (if not, 41)", "42"),
        ("\\boxed{42} unless it is 41", "42"),
        ("$\\boxed{42}$\n\nHowever, it could also be $41$.", "42"),
        ("\\boxed{42}\n\nWait, let me recompute: the total is 41.", "42"),
        ("Answer: 42\n\nBut it might be 41.", "42"),
        # a chain is read through unread notation only when it is a plain computation
        ("\\boxed{x \\not= 42}", "42"),
        ("\\boxed{41 \\text{ or } 43 \\text{ whichever} = 42}", "42"),
        ("\\boxed{n \\neq 41 \\implies n = 42}", "42"),
        # "the answer is" counts among the final answers; a marker holding a digit it cannot read differs
        ("The answer is 41. The answer is 42.", "42"),
        ("If x=1 the answer is 41. If x=2 the answer is 42.", "42"),
        ("The final answer is 41, \\boxed{42}", "42"),
        ("The answer is unknown; a common guess is 42", "42"),
        # words after a number that change it are not units
        ("\\boxed{42 \\text{ hundred}}", "42"),
        ("\\boxed{42 \\text{ negative}}", "42"),
        ("\\boxed{42 \\text{ wrong}}", "42"),
        ("\\boxed{42\\text{ish}}", "42"),
        # only a name (or a name applied to arguments) on the left of '=' names its value
        ("\\boxed{x \\cdot 2 = 42}", "42"),
        ("\\boxed{y^2 = 42}", "42"),
        # 'a \in S' is S only for a variable a
        ("\\boxed{41 \\in 42}", "42"),
        ("\\boxed{3 \\in \\{1,2\\}}", "\\{1,2\\}"),
        # a terminating decimal reference is matched exactly, never by the digits-given rule
        ("\\boxed{12345.6}", "12345.67"),
        ("\\boxed{0.123456}", "0.1234567"),
        # a letter reference is not the number 0
        ("\\boxed{0}", "a"),
    ],
)
def test_found_by_attacking_the_grader(ending, reference):
    g = score(REASONING + ending, reference=reference)
    assert g.score == 0.0 and not g.passed, g


@pytest.mark.parametrize(
    "ending",
    [
        "\\boxed{A}. Hmm, wait. Let me reconsider. \\boxed{B}",
        "The answer is A. The answer is B.",
        "Answer: A\n\nThe answer is B",
        "\\boxed{\\text{Not B}}",
        "\\boxed{\\text{probably B}}",
        "\\boxed{B} (or D)",
        "\\boxed{B}, though D is also possible",
        "I would pick (B). \\boxed{42}",
    ],
)
def test_multiple_choice_found_by_attacking_the_grader(ending):
    g = score(REASONING + ending, reference="B")
    assert g.score == 0.0 and not g.passed, g


@pytest.mark.parametrize(
    "response, reference",
    [(r"\boxed{x}", "|x|"), (r"\boxed{x^2}", "x|x|"), (r"\boxed{x + \binom{10^{300}}{10^{150}}}", "x")],
)
def test_expressions_that_agree_only_where_variables_are_positive_or_values_are_wrong(response, reference):
    assert not score(response, reference=reference).passed


def test_a_verification_after_the_answer_is_not_a_hedge():
    assert score(REASONING + "\\boxed{42}\n\nBut let me double check: 6 \\times 7 = 42.").passed
    assert score(REASONING + r"\boxed{42} or equivalently $\frac{84}{2}$").passed
