import pytest

from graders.exact import word_overlap
from rewardkit import Sample, load_grader
from tests.conftest import grade


@pytest.mark.parametrize(
    "options, response, reference, passed",
    [
        ({}, "  Paris ", "Paris", True),
        ({"strip": False}, "  Paris ", "Paris", False),
        ({}, "paris", "Paris", False),
        ({"case_sensitive": False}, "PARIS", "paris", True),
        ({"case_sensitive": False}, "Straße", "STRASSE", True),
        ({}, "New   York\n City", "New York City", True),
        ({"collapse_whitespace": False}, "New  York", "New York", False),
        ({}, "ＡＢＣ１２３", "ABC123", True),
        ({"unicode_nfkc": False}, "ＡＢＣ", "ABC", False),
        ({}, "Paris.", "Paris", False),
        ({"strip_punctuation": True}, "Paris!", "Paris", True),
        ({"strip_punctuation": True}, "“Paris”…", "Paris", True),
    ],
)
def test_normalisation_options(options, response, reference, passed):
    g = grade({"type": "exact", **options}, response, reference)
    assert g.passed is passed and g.score == float(passed)


def test_several_acceptable_references():
    assert grade("exact", "NYC", ["New York", "NYC"]).passed
    assert not grade("exact", "LA", ["New York", "NYC"]).passed


def test_partial_credit_on_word_overlap():
    spec = {"type": "exact", "partial_credit": True, "partial_threshold": 0.6}
    assert grade(spec, "the quick brown fox", "the quick brown fox").score == 1.0
    g = grade(spec, "the quick brown dog", "the quick brown fox")  # 3 of 4 words
    assert g.score == 0.5 and not g.passed and "0.75" in g.reason
    assert grade(spec, "a slow red dog", "the quick brown fox").score == 0.0
    assert grade({**spec, "partial_score": 0.25}, "the quick brown dog", "the quick brown fox").score == 0.25


def test_word_overlap_uses_the_longer_text():
    assert word_overlap("a b c d", "a b") == 0.5
    assert word_overlap("a a b", "a b b") == pytest.approx(2 / 3)
    assert word_overlap("", "a") == 0.0
    assert word_overlap("d c b a", "a b c d") == 1.0
    assert word_overlap("d c b a", "a b c d", in_order=True) == 0.25


# -- anti-hacking: partial credit without the answer ----------------------------------------------

PARTIAL = {"type": "exact", "partial_credit": True}
QUESTION = "What is the capital of France?"


@pytest.mark.parametrize(
    "response, reference, prompt",
    [
        ("fox brown quick the", "the quick brown fox", None),  # the reference's words shuffled
        ("Paris Paris Paris", "Paris", None),  # repeating the reference's words
        ("Paris London Rome", "Paris", None),  # the answer among junk
        ("the the the of of a", "the capital of France is Paris", None),  # common words sprayed
        ("The capital of France is Berlin", "The capital of France is Paris", QUESTION),  # the prompt restated
        (QUESTION, "The capital of France is Paris", QUESTION),  # the prompt pasted
    ],
)
def test_tricks_earn_no_partial_credit(response, reference, prompt):
    g = grade(PARTIAL, response, reference, prompt=prompt)
    assert g.score == 0.0 and not g.passed


def test_a_near_miss_still_earns_partial_credit():
    assert grade(PARTIAL, "the quick brown dog", "the quick brown fox").score == 0.5
    # Beyond the prompt's words, the response holds the answer: the informative part matches.
    assert grade(PARTIAL, "Paris is the capital", "The capital of France is Paris", prompt=QUESTION).score == 0.5


def test_lenient_partial_options():
    bag = {**PARTIAL, "partial_in_order": False}
    assert grade(bag, "fox brown quick the", "the quick brown fox").score == 0.5
    echo = {**PARTIAL, "partial_ignore_prompt": False}
    assert grade(echo, "The capital of France is Berlin", "The capital of France is Paris", prompt=QUESTION).score == 0.5


def test_hedging_two_candidates_never_beats_committing():
    # partial_score <= partial_threshold: two candidates reach the threshold at best, for half a point.
    assert grade(PARTIAL, "Paris London", "Paris").score == 0.5
    assert grade(PARTIAL, "Paris London Rome", "Paris").score == 0.0
    assert grade(PARTIAL, "Paris", "Paris").score == 1.0


def test_grade_batch_matches_grade():
    grader = load_grader({"type": "exact", "case_sensitive": False})
    samples = [Sample(response=r, reference=ref) for r, ref in [("A", "a"), ("b", "c"), ("x", ["y", "X"])]]
    assert grader.grade_batch(samples) == [grader.grade(s) for s in samples]
    assert grader.grade_batch(samples).scores == [1.0, 0.0, 1.0]
