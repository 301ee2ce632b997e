import pickle

import pytest

from rewardkit.integrations.trl import RewardFunction, completion_text, reward_funcs


def test_signature_plain_and_conversational_completions():
    math, = reward_funcs("math")
    assert math.__name__ == "math"
    plain = math(prompts=["1+1=", "2+2="], completions=[r"\boxed{2}", r"\boxed{5}"], completion_ids=[[1], [2]],
                 reference=["2", "4"], trainer_state=None)
    assert plain == [1.0, 0.0]
    chat = math(prompts=[[{"role": "user", "content": "1+1?"}]],
                completions=[[{"role": "assistant", "content": "The answer is 2."}]], reference=["2"])
    assert chat == [1.0]
    assert completion_text([{"role": "assistant", "content": "x"}]) == "x"


def test_none_when_not_applicable_and_zero_on_errors():
    exact, = reward_funcs("exact", names=["exactness"])
    assert exact.__name__ == "exactness"
    assert exact(prompts=["p", "p", "p"], completions=["a", "", 7], reference=[None, "a", "7"]) == [None, 0.0, 0.0]


def test_reference_field_and_several_specs():
    funcs = reward_funcs("math", {"type": "format", "template": "think_answer"}, reference_field="answer")
    assert [f.__name__ for f in funcs] == ["math", "format"]
    out = [f(prompts=["q"], completions=["<think>x</think><answer>\\boxed{3}</answer>"], answer=["3"]) for f in funcs]
    assert out == [[1.0], [1.0]]


def test_picklable_and_bounded():
    func = RewardFunction({"type": "math"}, timeout_s=5.0)
    clone = pickle.loads(pickle.dumps(func))
    assert clone.__name__ == "math"
    assert clone(prompts=["q"], completions=[r"\boxed{1/2}"], reference=["0.5"]) == [1.0]
    clone.runner.close()


def test_bad_spec_fails_at_construction():
    from rewardkit import GraderConfigError

    with pytest.raises(GraderConfigError):
        reward_funcs("nope")


def test_one_grpo_trainer_step_on_a_tiny_local_model(tmp_path):
    datasets = pytest.importorskip("datasets")
    trl = pytest.importorskip("trl")
    from rewardkit.models.tiny import char_tokenizer, tiny_causal_lm

    tokenizer = char_tokenizer()
    model = tiny_causal_lm(tokenizer)
    data = datasets.Dataset.from_list([{"prompt": f"{a}+{b}=", "reference": str(a + b)} for a, b in
                                       [(1, 2), (3, 4), (2, 2), (5, 1)]])
    funcs = reward_funcs("math", {"type": "format", "pattern": r"\d+", "match": "full"})
    config = trl.GRPOConfig(output_dir=str(tmp_path), per_device_train_batch_size=4, num_generations=4,
                            max_completion_length=6, max_steps=1, learning_rate=1e-4, report_to=[], logging_steps=1,
                            use_cpu=True, save_strategy="no", bf16=False, temperature=1.0)
    trainer = trl.GRPOTrainer(model=model, reward_funcs=funcs, args=config, train_dataset=data,
                              processing_class=tokenizer)
    trainer.train()
    logged = trainer.state.log_history[0]
    assert "rewards/math/mean" in logged and "rewards/format/mean" in logged
    assert 0.0 <= logged["rewards/math/mean"] <= 1.0
