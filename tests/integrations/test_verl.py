import numpy as np
import pytest

from rewardkit import GraderConfigError
from rewardkit.integrations.verl import compute_score, compute_score_batch


def test_compute_score_with_verls_keyword_arguments():
    # As verl's NaiveRewardManager calls it: data_source, solution_str, ground_truth, extra_info.
    result = compute_score(data_source="openai/gsm8k", solution_str="She sells 9 eggs.\n#### 18",
                           ground_truth="18", extra_info={"split": "train", "index": 0})
    assert result["score"] == 1.0 and result["acc"] is True and result["pred"] == "18"
    assert set(result) == {"score", "acc", "applicable", "pred", "error", "reason"}
    wrong = compute_score("openai/gsm8k", "#### 17", "18")
    assert wrong["score"] == 0.0 and wrong["acc"] is False


def test_grader_choice_order(monkeypatch):
    assert compute_score("my_data", "Paris", "paris", grader={"type": "exact", "case_sensitive": False})["acc"]
    assert compute_score("my_data", "Paris", "paris", graders={"my_data": "exact"})["acc"] is False
    extra = {"rewardkit_grader": {"type": "contains", "case_sensitive": False}}
    assert compute_score("my_data", "in PARIS", "paris", extra_info=extra, grader="exact")["acc"]
    monkeypatch.setenv("REWARDKIT_VERL_GRADERS", '{"env_data": "similarity"}')
    assert compute_score("env_data", "abcd", "abce")["score"] == pytest.approx(0.75)
    with pytest.raises(GraderConfigError, match="no grader for data_source 'unknown'"):
        compute_score("unknown", "x", "y")


def test_not_applicable_and_bad_output_give_zero():
    assert compute_score("x", "anything", None, grader="exact") == {
        "score": 0.0, "acc": False, "applicable": False, "pred": "", "error": "missing_reference",
        "reason": "this grader needs a reference"}
    assert compute_score("openai/gsm8k", "", "1")["error"] == "empty_response"


def test_batch_form_with_numpy_arrays_as_verl_passes_them():
    data_sources = np.array(["openai/gsm8k", "lighteval/MATH", "my_data"], dtype=object)
    extra_infos = np.array([None, {"index": 1}, {"rewardkit_grader": "exact"}], dtype=object)
    results = compute_score_batch(data_sources=data_sources, solution_strs=["#### 4", r"\boxed{\frac12}", "yes"],
                                  ground_truths=["4", "0.5", "no"], extra_infos=extra_infos)
    assert [r["score"] for r in results] == [1.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="lengths differ"):
        compute_score_batch(["a"], ["x", "y"], ["1"], grader="exact")
