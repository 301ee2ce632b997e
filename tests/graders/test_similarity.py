import pytest
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from rewardkit import Sample, load_grader
from tests.conftest import grade


def test_default_is_normalised_levenshtein():
    g = grade("similarity", "kitten", "sitting")
    assert g.score == pytest.approx(Levenshtein.normalized_similarity("kitten", "sitting"))
    assert not g.passed  # 0.57 < 0.8


@pytest.mark.parametrize(
    "metric, response, reference, expected",
    [
        ("levenshtein", "abcd", "abce", 0.75),
        ("indel", "abcd", "abce", fuzz.ratio("abcd", "abce") / 100),
        ("token_sort", "world hello", "hello world", 1.0),
        ("token_set", "hello hello world", "world hello", 1.0),
        ("partial", "xx hello yy", "hello", 1.0),
        ("jaro_winkler", "martha", "marhta", 0.9611),
    ],
)
def test_metrics(metric, response, reference, expected):
    g = grade({"type": "similarity", "metric": metric}, response, reference)
    assert g.score == pytest.approx(expected, abs=1e-4)


def test_threshold_and_binary():
    spec = {"type": "similarity", "threshold": 0.7}
    assert grade(spec, "abcd", "abce").passed
    g = grade({**spec, "binary": True}, "abcd", "abce")
    assert g.score == 1.0 and g.passed
    assert grade({**spec, "binary": True, "threshold": 0.9}, "abcd", "abce").score == 0.0


def test_best_of_several_references_and_normalisation():
    assert grade("similarity", "colour", ["color", "colour"]).score == 1.0
    assert grade({"type": "similarity", "case_sensitive": False}, "HELLO", "hello").score == 1.0


def test_grade_batch_is_vectorised_and_matches_grade():
    grader = load_grader({"type": "similarity", "metric": "indel"})
    samples = [Sample(response=f"answer {i}", reference=["answer 1", f"answer {i % 3}"]) for i in range(30)]
    batch = grader.grade_batch(samples)
    assert batch == [grader.grade(s) for s in samples]
    assert batch.scores[1] == 1.0 and batch.scores[2] == 1.0 and batch.scores[5] < 1.0


# -- anti-hacking: the prompt's text earns nothing ------------------------------------------------

QUESTION = "What is the capital of France?"
PROMPT = "You are a helpful assistant. Answer in one sentence.\n" + QUESTION
REFERENCE = "The capital of France is Paris."


@pytest.mark.parametrize("metric", ["levenshtein", "indel", "token_sort", "jaro_winkler"])
@pytest.mark.parametrize("paste", [PROMPT, QUESTION, "You are a helpful assistant."])
def test_pasting_the_prompt_or_a_line_of_it_earns_nothing(metric, paste):
    g = grade({"type": "similarity", "metric": metric}, paste, REFERENCE, prompt=PROMPT)
    assert g.score == 0.0 and not g.passed


def test_a_wrong_answer_that_restates_the_question_no_longer_passes():
    wrong = "The capital of France is Berlin."
    assert grade({"type": "similarity", "prompt_baseline": False}, wrong, REFERENCE, prompt=PROMPT).passed  # 0.875
    g = grade("similarity", wrong, REFERENCE, prompt=PROMPT)
    base = Levenshtein.normalized_similarity(QUESTION, REFERENCE)
    assert g.score == pytest.approx((0.875 - base) / (1 - base)) and not g.passed
    assert g.parts == {"similarity": 0.875, "prompt_baseline": pytest.approx(base)}
    right = grade("similarity", REFERENCE, REFERENCE, prompt=PROMPT)
    assert right.score == 1.0 and right.passed


def test_a_subset_metric_cannot_tell_a_paste_from_an_answer():
    prompt = "Which of these is a fruit: apple or car or house"
    for metric in ("partial", "token_set"):
        g = grade({"type": "similarity", "metric": metric}, prompt, "apple", prompt=prompt)
        assert g.score is None and g.error == "reference_in_prompt" and not g.passed
    assert grade({"type": "similarity", "metric": "levenshtein"}, "apple", "apple", prompt=prompt).score == 1.0


def test_binary_and_batches_with_prompts_match_one_by_one():
    grader = load_grader({"type": "similarity", "binary": True, "threshold": 0.5})
    samples = [Sample(response=r, reference=REFERENCE, prompt=p)
               for r, p in [(REFERENCE, PROMPT), (QUESTION, PROMPT), ("The capital is Paris.", None)]]
    grades = grader.grade_batch(samples)
    assert grades == [grader.grade(s) for s in samples]
    assert grades.scores == [1.0, 0.0, 1.0]
    several = Sample(response=QUESTION, reference=["Paris", REFERENCE], prompt=PROMPT)
    assert grader.grade(several).score == 0.0
