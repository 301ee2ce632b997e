"""verl: the reward-loop managers' contract (dict with 'score', coroutines awaited), PRIME's float, verl's semantics.

The tests marked ``verl`` run verl's own reward-manager code (0.9); verl pins transformers below the
version this project uses and pulls in Ray, so it is not a dev dependency and they skip where verl
cannot be imported. The others check the same contract with the calls verl makes.
"""

import asyncio
import functools
import inspect

import numpy as np
import pytest

from rewardkit import GraderConfigError
from rewardkit.integrations.verl import (
    compute_score,
    compute_score_async,
    compute_score_batch,
    compute_score_float,
)

DAPO_CASES = [  # (response, ground truth): verl's math_dapo reads the last 'Answer:' line, else a late \boxed{}
    ("Thinking...\nAnswer: 42", "42"),
    ("Thinking...\nAnswer: 41", "42"),
    ("So the answer is 42.", "42"),  # no Answer: line: verl scores -1
    ("x" * 400 + r" \boxed{42}", "42"),
    (r"\boxed{42}" + "x" * 400, "42"),  # the box is too early for verl
    ("Answer: 42\n" + "y" * 400, "42"),  # so is the Answer: line
    ("answer : 42", "42"),
    ("Answer: 41 or 42", "42"),  # a hedge
    ("Answer: \\frac{1}{2}", "\\frac{1}{2}"),
]


def reward_loop_score(result):
    """How verl's reward-loop managers (naive, dapo, rate_limited, remote) read a custom function's result."""
    return result["score"] if isinstance(result, dict) else result


def test_compute_score_with_verls_keyword_arguments():
    result = compute_score(data_source="openai/gsm8k", solution_str="She sells 9 eggs.\n#### 18",
                           ground_truth="18", extra_info={"split": "train", "index": 0, "num_turns": None})
    assert reward_loop_score(result) == 1.0 and result["acc"] is True and result["pred"] == "18"
    assert set(result) == {"score", "acc", "applicable", "pred", "error", "reason"}
    assert compute_score("openai/gsm8k", "#### 17", "18")["score"] == 0.0


@pytest.mark.parametrize("response, truth", DAPO_CASES)
@pytest.mark.parametrize("source", ["math_dapo", "aime24", "aime2025", "math"])
def test_math_dapo_and_aime_score_as_verl_does(source, response, truth):
    correct = response.startswith("Thinking...\nAnswer: 42") or response.startswith("x" * 400) \
        or response.startswith("Answer: \\frac") or response == "answer : 42"
    result = compute_score(source, response, truth)
    assert result["score"] == (1.0 if correct else -1.0)


def test_rewardkit_semantics_are_opt_in_and_lenient():
    assert compute_score("math_dapo", "So the answer is 42.", "42", semantics="rewardkit")["score"] == 1.0
    assert compute_score("math_dapo", "So the answer is 41.", "42", semantics="rewardkit")["score"] == 0.0
    with pytest.raises(GraderConfigError, match="semantics"):
        compute_score("math_dapo", "x", "42", semantics="strict")


def test_gsm8k_and_math_read_the_answer_where_verl_does():
    assert compute_score("openai/gsm8k", "18", "18")["score"] == 0.0  # no '#### ': verl's strict format fails
    assert compute_score("openai/gsm8k", "#### 1,800", "1800")["score"] == 1.0
    assert compute_score("lighteval/MATH", r"so \boxed{\frac12}", "0.5")["score"] == 1.0  # rewardkit's equivalence
    assert compute_score("HuggingFaceH4/MATH-500", "the answer is 0.5", "0.5")["score"] == 0.0  # no box


def test_float_form_for_prime():
    # PRIME calls evaluation_func(data_source, completion, reference, extra_info) and takes float(result).
    value = compute_score_float("math_dapo", "Answer: 42", "42", {"index": 3})
    assert isinstance(value, float) and float(value) == 1.0
    assert compute_score_float("math_dapo", "no idea", "42", None) == -1.0


def test_async_form_is_awaited_like_verls_reward_loop():
    # verl wraps the function in functools.partial with reward_kwargs; its managers test iscoroutinefunction.
    wrapped = functools.partial(compute_score_async, grader={"type": "exact"})
    assert inspect.iscoroutinefunction(wrapped)
    result = asyncio.run(wrapped(data_source="mine", solution_str="yes", ground_truth="yes", extra_info={}))
    assert reward_loop_score(result) == 1.0


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
    assert compute_score("x", "", "1", grader="math")["error"] == "empty_response"
    assert compute_score("x", "42<|im_end|>", "42", grader="exact")["score"] == 1.0  # special tokens cleaned


def test_batch_form_with_numpy_arrays_as_verl_passes_them():
    data_sources = np.array(["openai/gsm8k", "lighteval/MATH", "my_data", "math_dapo"], dtype=object)
    extra_infos = np.array([None, {"index": 1}, {"rewardkit_grader": "exact"}, None], dtype=object)
    results = compute_score_batch(data_sources=data_sources,
                                  solution_strs=["#### 4", r"\boxed{\frac12}", "yes", "the answer is 4"],
                                  ground_truths=["4", "0.5", "no", "4"], extra_infos=extra_infos)
    assert [r["score"] for r in results] == [1.0, 1.0, 0.0, -1.0]
    with pytest.raises(ValueError, match="lengths differ"):
        compute_score_batch(["a"], ["x", "y"], ["1"], grader="exact")


# ---- verl's own code ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verl():
    return pytest.importorskip("verl", reason="verl (0.9) is not installed; see the module docstring")


@pytest.mark.parametrize("response, truth", DAPO_CASES)
def test_same_scores_as_verls_default_compute_score(verl, response, truth):
    from verl.utils.reward_score import default_compute_score

    for source in ["math_dapo", "aime24", "openai/gsm8k", "lighteval/MATH"]:
        theirs = default_compute_score(source, response, truth)
        theirs = theirs["score"] if isinstance(theirs, dict) else theirs
        assert compute_score(source, response, truth)["score"] == float(theirs), source


def _data(verl, tokenizer, responses, truths, source):
    import torch
    from verl import DataProto

    ids = [tokenizer(r, add_special_tokens=False)["input_ids"] for r in responses]
    width = max(map(len, ids))
    prompts = torch.ones(len(ids), 2, dtype=torch.long)
    response_ids = torch.tensor([i + [tokenizer.pad_token_id] * (width - len(i)) for i in ids])
    mask = torch.tensor([[1, 1] + [1] * len(i) + [0] * (width - len(i)) for i in ids])
    return DataProto.from_dict(
        tensors={"prompts": prompts, "responses": response_ids, "attention_mask": mask},
        non_tensors={"data_source": np.array([source] * len(ids), dtype=object),
                     "reward_model": np.array([{"ground_truth": t} for t in truths], dtype=object),
                     "extra_info": np.array([{"index": i} for i in range(len(ids))], dtype=object)})


@pytest.mark.parametrize("manager", ["naive", "dapo", "rate_limited"])
@pytest.mark.parametrize("name", ["compute_score", "compute_score_async"])
def test_verls_reward_loop_managers(verl, manager, name):
    from omegaconf import OmegaConf
    from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls
    from verl.trainer.ppo.reward import get_custom_reward_fn

    from rewardkit.integrations import verl as adapter
    from rewardkit.models.tiny import char_tokenizer

    config = OmegaConf.create({"reward": {"custom_reward_function": {
        "path": adapter.__file__, "name": name, "reward_kwargs": {"graders": {"mine": "exact"}}}}})
    tokenizer = char_tokenizer()
    responses = ["Answer: 42", "no idea", "Answer: 41"]

    async def run():
        fn = get_custom_reward_fn(config)
        rm = get_reward_manager_cls(manager)(config, tokenizer, fn)
        data = _data(verl, tokenizer, responses, ["42"] * 3, "math_dapo")
        dapo = [await rm.run_single(data[i:i + 1]) for i in range(3)]
        mine = await rm.run_single(_data(verl, tokenizer, ["yes"], ["yes"], "mine")[0:1])
        return dapo, mine

    dapo, mine = asyncio.run(run())
    assert [r["reward_score"] for r in dapo] == [1.0, -1.0, -1.0]
    assert dapo[0]["reward_extra_info"]["acc"] is True and mine["reward_score"] == 1.0


def test_verls_prime_manager_takes_the_float_form(verl):
    from verl.workers.reward_manager.prime import run_reward_scoring

    scores = run_reward_scoring(compute_score_float, ["Answer: 42", "no idea", r"\boxed{7}"], ["42", "42", "7"],
                                ["math_dapo", "math_dapo", "lighteval/MATH"], num_processes=1)
    assert scores == [1.0, -1.0, 1.0]
