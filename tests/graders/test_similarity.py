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
